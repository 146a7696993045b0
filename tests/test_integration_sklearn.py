"""sitegen.integrations.sklearn.log_search against a real fitted GridSearchCV."""
from __future__ import annotations

from pathlib import Path

import pytest

from sitegen import start_run
from sitegen.store import Store

sklearn = pytest.importorskip("sklearn", reason="scikit-learn is not installed")

from sklearn.datasets import load_iris  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV  # noqa: E402

from sitegen.integrations.sklearn import log_search  # noqa: E402


def test_one_child_run_per_candidate(project: Path) -> None:
    x, y = load_iris(return_X_y=True)
    search = GridSearchCV(LogisticRegression(max_iter=300), {"C": [0.1, 1.0, 10.0]}, cv=3,
                          scoring=["accuracy", "f1_macro"], refit="accuracy",
                          return_train_score=True)
    search.fit(x, y)
    with start_run(name="search") as run:
        ids = log_search(search)
    store = Store(project / "runs")
    children = [store.load_meta(i) for i in ids]
    assert [c["name"] for c in children] == ["candidate 0", "candidate 1", "candidate 2"]
    assert all(c["parent_run_id"] == run.run_id for c in children)
    assert [c["parameters"] for c in children] == [{"C": 0.1}, {"C": 1.0}, {"C": 10.0}]
    metrics = store.metrics(ids[2])
    for name in ("mean_test_accuracy", "std_test_accuracy", "rank_test_f1_macro",
                 "mean_train_accuracy", "mean_fit_time"):
        assert name in metrics
    assert metrics["mean_test_accuracy"].values == [pytest.approx(
        search.cv_results_["mean_test_accuracy"][2])]
    parent = store.load_meta(run.run_id)
    assert parent["parameters"] == {"best.C": search.best_params_["C"]}
    assert store.metrics(run.run_id)["best_score"].values == [pytest.approx(search.best_score_)]


def test_randomized_search_and_an_unfitted_one(project: Path) -> None:
    x, y = load_iris(return_X_y=True)
    search = RandomizedSearchCV(LogisticRegression(max_iter=300),
                                {"C": [0.5, 2.0], "fit_intercept": [True, False]},
                                n_iter=2, cv=2, random_state=0)
    with pytest.raises(ValueError, match="fitted"):
        log_search(search)
    search.fit(x, y)
    with start_run(name="random"):
        ids = log_search(search)
    store = Store(project / "runs")
    assert len(ids) == 2 and "mean_test_score" in store.metrics(ids[0])
    assert set(store.load_meta(ids[0])["parameters"]) == {"C", "fit_intercept"}
