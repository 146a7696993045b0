"""PyTorch Lightning: ``Trainer(logger=SitegenLogger())``.

Hyper-parameters (``save_hyperparameters()``, ``log_hyperparams``) become the run's parameters,
``self.log(...)`` values its metrics at Lightning's global step, and the trainer's end sets the
status of a run the logger started (``success`` -> Completed, ``failed`` -> Failed, an interrupted
run -> Canceled).
"""
from __future__ import annotations

from argparse import Namespace
from typing import Any

try:
    from lightning.pytorch.loggers.logger import Logger, rank_zero_experiment
    from lightning.pytorch.utilities import rank_zero_only
except ModuleNotFoundError:  # the older package name
    from pytorch_lightning.loggers.logger import Logger, rank_zero_experiment
    from pytorch_lightning.utilities import rank_zero_only

from sitegen.integrations._common import RunHolder, log_metrics, log_params
from sitegen.logger import Run

_STATUS = {"success": "Completed", "failed": "Failed", "finished": "Canceled"}


class SitegenLogger(Logger):
    """A Lightning logger writing to a sitegen run.

    Args:
        name: start a run of this name (finished with the trainer) even inside another run.
        run: log to this run (from ``start_run()``) instead.
    """

    def __init__(self, name: str | None = None, run: Run | None = None) -> None:
        super().__init__()
        self._holder = RunHolder(run, name)

    @property
    def name(self) -> str | None:
        return self._holder.name or "sitegen"

    @property
    def version(self) -> str | None:
        run = self._holder._run
        return run.run_id if run is not None else None

    @property
    @rank_zero_experiment
    def experiment(self) -> Run:
        """The sitegen run (``logger.experiment.log(...)`` works as usual)."""
        return self._holder.run

    @rank_zero_only
    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        log_params(self.experiment, vars(params) if isinstance(params, Namespace) else params)

    @rank_zero_only
    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        log_metrics(self.experiment, metrics, step)

    @rank_zero_only
    def save(self) -> None:
        run = self._holder._run
        if run is not None and not run.finished:
            run.flush()

    @rank_zero_only
    def finalize(self, status: str) -> None:
        self._holder.end(_STATUS.get(status, "Completed"))
