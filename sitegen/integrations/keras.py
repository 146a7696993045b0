"""Keras 3: ``model.fit(..., callbacks=[SitegenCallback()])``.

Epoch logs (``loss``, ``val_loss``, metrics) are recorded at the epoch number; with
``log_batches=True`` batch logs too, as ``batch/<name>`` at a running batch count. The fit's
settings (``epochs``, ``steps``, …) and the optimizer's config (``optimizer.*``) become parameters;
a run the callback started ends with the fit.
"""
from __future__ import annotations

from typing import Any

import keras

from sitegen.integrations._common import RunHolder, log_metrics, log_params
from sitegen.logger import Run


class SitegenCallback(keras.callbacks.Callback):
    """Record a Keras fit. ``name=`` starts a run of that name; ``run=`` logs to a given one."""

    def __init__(self, name: str | None = None, run: Run | None = None,
                 log_batches: bool = False) -> None:
        super().__init__()
        self._holder = RunHolder(run, name)
        self.log_batches = log_batches
        self._batches = 0

    def on_train_begin(self, logs: dict | None = None) -> None:
        run = self._holder.run
        log_params(run, {k: v for k, v in (self.params or {}).items() if v is not None}, "fit.")
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "get_config"):
            log_params(run, optimizer.get_config(), "optimizer.")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs:
            log_metrics(self._holder.run, logs, epoch)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self.log_batches and logs:
            log_metrics(self._holder.run, logs, self._batches, prefix="batch/")
            self._batches += 1

    def on_train_end(self, logs: dict | None = None) -> None:
        self._holder.end("Completed")
