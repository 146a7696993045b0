"""Optuna: ``study.optimize(objective, callbacks=[SitegenCallback()])``.

Each finished trial becomes a child run of the study's run (the current run), so a study is one
folded group: the trial's parameters, its objective value(s) (``value``, or ``value_0``, … for
several objectives), its intermediate values as the series ``intermediate``, its own start and
end times, and its state as the status (a pruned trial reads ``Pruned``, a failed one ``Failed``).
The study's run gets the best value so far as the series ``best_value``.
"""
from __future__ import annotations

from typing import Any

from sitegen import store as _store
from sitegen.integrations._common import RunHolder, flat_params, log_metrics
from sitegen.logger import Run, start_run

_STATUS = {"COMPLETE": "Completed", "PRUNED": "Pruned", "FAIL": "Failed", "RUNNING": "Running",
           "WAITING": "Running"}


class SitegenCallback:
    """Record each trial of a study as a child run. ``run=`` names the study's run (default: the
    current run, or one started for the study named ``name``)."""

    def __init__(self, name: str | None = None, run: Run | None = None) -> None:
        self._holder = RunHolder(run, name)

    def __call__(self, study: Any, trial: Any) -> None:
        parent = self._holder.run
        with start_run(name=f"trial {trial.number}") as child:
            if child.run_id and parent.run_id:
                child.store.update_meta(child.run_id, {"parent_run_id": parent.run_id})
            child.log_params(flat_params(trial.params))
            if trial.values is not None:
                values = trial.values
                named = {"value": values[0]} if len(values) == 1 else \
                    {f"value_{i}": v for i, v in enumerate(values)}
                log_metrics(child, named, None)
            for step, value in sorted(trial.intermediate_values.items()):
                log_metrics(child, {"intermediate": value}, step)
            child.flush()
            status = _STATUS.get(trial.state.name, "Completed")
            child.finish(status)
        if child.run_id:
            child.store.update_meta(child.run_id, _times(trial))
        try:
            best = study.best_value
        except (ValueError, RuntimeError):  # no completed trial yet, or several objectives
            best = None
        if best is not None:
            log_metrics(parent, {"best_value": best}, trial.number)

    def end(self) -> None:
        """Finish the study's run if this callback started it (``name=``)."""
        self._holder.end("Completed")


def _times(trial: Any) -> dict:
    start, end = trial.datetime_start, trial.datetime_complete
    out: dict[str, Any] = {"tags": {"optuna.trial": str(trial.number)}}
    if start is not None:
        out["start_time_utc"] = _store.format_utc(start.timestamp())
        if end is not None:
            out["end_time_utc"] = _store.format_utc(end.timestamp())
            out["duration"] = _store.format_duration((end - start).total_seconds())
    return out
