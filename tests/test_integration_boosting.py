"""sitegen.integrations.xgboost and .lightgbm against the real libraries: a few boosting rounds."""
from __future__ import annotations

from pathlib import Path

import pytest

from sitegen import start_run
from sitegen.store import Store


def data():
    from sklearn.datasets import load_breast_cancer
    return load_breast_cancer(return_X_y=True)


def test_xgboost_records_every_iteration_and_the_params(project: Path) -> None:
    xgb = pytest.importorskip("xgboost", reason="xgboost is not installed")
    from sitegen.integrations.xgboost import SitegenCallback
    x, y = data()
    train, valid = xgb.DMatrix(x[:400], y[:400]), xgb.DMatrix(x[400:], y[400:])
    xgb.train({"objective": "binary:logistic", "max_depth": 2, "eta": 0.3,
               "eval_metric": ["logloss", "error"]}, train, num_boost_round=5,
              evals=[(train, "train"), (valid, "valid")], callbacks=[SitegenCallback(name="xgb")],
              verbose_eval=False)
    store = Store(project / "runs")
    [meta] = store.runs()
    assert meta["name"] == "xgb" and meta["status"] == "Completed"
    assert meta["parameters"]["max_depth"] == 2 and meta["parameters"]["eta"] == pytest.approx(0.3)
    assert meta["parameters"]["objective"] == "binary:logistic"
    metrics = store.metrics(meta["run_id"])
    assert set(metrics) == {"train-logloss", "train-error", "valid-logloss", "valid-error"}
    assert metrics["valid-logloss"].steps == [0, 1, 2, 3, 4]


def test_lightgbm_records_every_iteration_and_the_params(project: Path) -> None:
    lgb = pytest.importorskip("lightgbm", reason="lightgbm is not installed")
    from sitegen.integrations.lightgbm import SitegenCallback
    x, y = data()
    with start_run(name="lgb") as run:
        lgb.train({"objective": "binary", "num_leaves": 4, "learning_rate": 0.2, "verbose": -1,
                   "metric": ["binary_logloss", "auc"]},
                  lgb.Dataset(x[:400], y[:400]), num_boost_round=4,
                  valid_sets=[lgb.Dataset(x[400:], y[400:])], valid_names=["valid"],
                  callbacks=[SitegenCallback()])
    store = Store(project / "runs")
    [meta] = store.runs()
    assert meta["run_id"] == run.run_id
    assert meta["parameters"]["num_leaves"] == 4 and meta["parameters"]["objective"] == "binary"
    metrics = store.metrics(run.run_id)
    assert metrics["valid-auc"].steps == [0, 1, 2, 3]
    assert metrics["valid-binary_logloss"].steps == [0, 1, 2, 3]
