"""LightGBM: ``lgb.train(params, train_set, valid_sets=[...], callbacks=[SitegenCallback()])``.

Every iteration's evaluation results are recorded as ``<data>-<metric>`` (``valid_0-l2``; in
``lgb.cv`` the mean, and ``<data>-<metric>-stdv``) at the iteration number; the training parameters
become parameters at the first iteration; a run the callback started ends after the last one.
"""
from __future__ import annotations

from typing import Any

from sitegen.integrations._common import RunHolder, log_metrics, log_params
from sitegen.logger import Run


class SitegenCallback:
    """Record a LightGBM training. ``name=`` starts a run of that name; ``run=`` logs to a given one."""

    order = 30  # after LightGBM's own evaluation-recording callbacks
    before_iteration = False

    def __init__(self, name: str | None = None, run: Run | None = None) -> None:
        self._holder = RunHolder(run, name)

    def __call__(self, env: Any) -> None:
        run = self._holder.run
        if env.iteration == env.begin_iteration:
            log_params(run, {k: v for k, v in env.params.items() if not callable(v)})
        values = {}
        for item in env.evaluation_result_list or []:
            data, metric, value = item[0], item[1], item[2]
            values[f"{data}-{metric}"] = value
            if len(item) == 5:  # lgb.cv: (data, metric, mean, higher_better, stdv)
                values[f"{data}-{metric}-stdv"] = item[4]
        log_metrics(run, values, env.iteration)
        if env.iteration + 1 >= env.end_iteration:
            self._holder.end("Completed")
