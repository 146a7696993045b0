"""XGBoost: ``xgb.train(params, dtrain, evals=[...], callbacks=[SitegenCallback()])``.

Every iteration's evaluation results are recorded as ``<data>-<metric>`` (``validation-logloss``)
at the iteration number; the booster's training parameters become parameters when training starts;
a run the callback started ends with the training.
"""
from __future__ import annotations

import json
from typing import Any

from xgboost.callback import TrainingCallback

from sitegen.integrations._common import RunHolder, log_metrics, log_params
from sitegen.logger import Run


class SitegenCallback(TrainingCallback):
    """Record an XGBoost training. ``name=`` starts a run of that name; ``run=`` logs to a given one."""

    def __init__(self, name: str | None = None, run: Run | None = None) -> None:
        super().__init__()
        self._holder = RunHolder(run, name)

    def before_training(self, model: Any) -> Any:
        log_params(self._holder.run, booster_params(model))
        return model

    def after_iteration(self, model: Any, epoch: int, evals_log: dict) -> bool:
        values = {}
        for data, metrics in evals_log.items():
            for metric, history in metrics.items():
                if history:
                    last = history[-1]  # xgb.cv keeps (mean, std) pairs
                    values[f"{data}-{metric}"] = last[0] if type(last) is tuple else last
        log_metrics(self._holder.run, values, epoch)
        return False  # never stop the training

    def after_training(self, model: Any) -> Any:
        self._holder.end("Completed")
        return model


def booster_params(model: Any) -> dict[str, Any]:
    """The training parameters in a booster's saved config (objective, booster, tree params…)."""
    try:
        learner = json.loads(model.save_config())["learner"]
    except (AttributeError, KeyError, ValueError):
        return {}
    params: dict[str, Any] = dict(learner.get("learner_train_param", {}))
    params.update(learner.get("generic_param", {}))
    booster = learner.get("gradient_booster", {})
    for key, value in booster.items():
        if key.endswith("_param") and isinstance(value, dict):
            params.update(value)
    params.update(booster.get("updater", {}).get("train_param", {}) if isinstance(
        booster.get("updater"), dict) else {})
    return {k: _value(v) for k, v in params.items()}


def _value(text: Any) -> Any:
    from sitegen.importers.sync import parse_param
    return parse_param(text) if isinstance(text, str) else text
