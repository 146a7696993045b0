"""sitegen.integrations.keras against real Keras 3 (torch backend): a tiny model, two epochs."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from sitegen.store import Store

os.environ.setdefault("KERAS_BACKEND", "torch")  # before Keras is imported: no TensorFlow here
keras = pytest.importorskip("keras", reason="keras is not installed")
pytest.importorskip("torch")

from sitegen.integrations.keras import SitegenCallback  # noqa: E402


def test_epoch_and_batch_logs_and_fit_params(project: Path) -> None:
    import numpy as np
    x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss="mse", metrics=["mae"])
    model.fit(x, y, epochs=2, batch_size=8, validation_split=0.25, verbose=0,
              callbacks=[SitegenCallback(name="keras", log_batches=True)])
    store = Store(project / "runs")
    [meta] = store.runs()
    assert meta["name"] == "keras" and meta["status"] == "Completed"
    assert meta["parameters"]["fit.epochs"] == 2
    assert meta["parameters"]["optimizer.learning_rate"] == pytest.approx(0.01)
    metrics = store.metrics(meta["run_id"])
    assert metrics["loss"].steps == [0, 1] and metrics["val_mae"].steps == [0, 1]
    assert metrics["batch/loss"].steps == list(range(6))  # 3 batches of 8 per epoch
