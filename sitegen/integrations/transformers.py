"""Hugging Face Transformers: ``Trainer(..., callbacks=[SitegenCallback()])``.

The training arguments (``args.*``) and the model's config (``model.*``) become parameters; every
``on_log`` records its numbers at ``state.global_step``, ``on_evaluate`` the evaluation metrics
(once: values already logged at that step are not repeated); a run the callback started ends with
the training.
"""
from __future__ import annotations

from typing import Any

from transformers import TrainerCallback

from sitegen.integrations._common import RunHolder, log_metrics, log_params
from sitegen.logger import Run


class SitegenCallback(TrainerCallback):
    """Record a Trainer's run. ``name=`` starts a run of that name; ``run=`` logs to a given one."""

    def __init__(self, name: str | None = None, run: Run | None = None) -> None:
        self._holder = RunHolder(run, name)
        self._logged: tuple[int, set[str]] = (-1, set())

    def on_train_begin(self, args, state, control, model=None, **kwargs: Any) -> None:
        if not state.is_world_process_zero:
            return
        run = self._holder.run
        log_params(run, args.to_dict(), "args.")
        config = getattr(model, "config", None)
        if config is not None and hasattr(config, "to_dict"):
            log_params(run, config.to_dict(), "model.")

    def on_log(self, args, state, control, logs=None, **kwargs: Any) -> None:
        if state.is_world_process_zero and logs:
            self._log(logs, state.global_step)

    def on_evaluate(self, args, state, control, metrics=None, **kwargs: Any) -> None:
        if state.is_world_process_zero and metrics:
            step, done = self._logged
            fresh = {k: v for k, v in metrics.items() if step != state.global_step or k not in done}
            self._log(fresh, state.global_step)

    def on_train_end(self, args, state, control, **kwargs: Any) -> None:
        if state.is_world_process_zero:
            self._holder.end("Completed")

    def _log(self, values: dict, step: int) -> None:
        log_metrics(self._holder.run, values, step)
        if self._logged[0] == step:
            self._logged[1].update(values)
        else:
            self._logged = (step, set(values))
