"""What every integration shares: which run to log to, and framework values made loggable.

Integrations never raise on odd values: a value the logger cannot take is skipped (metrics) or
recorded as its text (parameters), and a conflicting parameter warns, as logging never kills
training.
"""
from __future__ import annotations

import math
import os
import warnings
from typing import Any, Mapping

from sitegen import logger as _logger

_SCALARS = (bool, int, float, str)


class RunHolder:
    """The run an integration logs to: the one given, the script's own run (a ``start_run()``
    block or the tracked run of ``sitegen run``), or, when there is none, a run the integration
    starts itself (named ``name``) and finishes with the training (:meth:`end`)."""

    def __init__(self, run: _logger.Run | None = None, name: str | None = None) -> None:
        self._run = run
        self.name = name
        self.owned = False

    @property
    def run(self) -> _logger.Run:
        if self._run is None or self._run.finished and self.owned:
            explicit = _logger._stack or os.environ.get("SITEGEN_RUN_ID")
            if explicit and self.name is None:
                self._run = _logger.get_logger()
            else:
                self._run = _logger.start_run(name=self.name)
                self.owned = True
        return self._run

    def end(self, status: str = "Completed") -> None:
        """Finish the run if this integration started it (a script's own run is left alone)."""
        if self.owned and self._run is not None and not self._run.finished:
            self._run.finish(status)
            self._run.__exit__(None, None, None)  # leave the start_run stack (finish is done)


def number(value: Any) -> float | int | None:
    """A metric value as a plain number (tensors and numpy scalars included), or None."""
    t = type(value)
    if t is float or t is int:
        return value
    if t is bool:
        return int(value)
    item = getattr(value, "item", None)
    if item is None:
        return None
    try:
        value = item()  # numpy scalars, 0-d arrays, one-element tensors
    except (TypeError, ValueError, RuntimeError):
        return None
    t = type(value)
    return value if t is float or t is int else int(value) if t is bool else None


def log_metrics(run: _logger.Run, metrics: Mapping[str, Any], step: int | None,
                prefix: str = "") -> None:
    """Log the numeric values of ``metrics`` at ``step`` (others are skipped). Values arrive
    checked, so each goes straight to ``run.log``: the adapter adds little to the logger's cost."""
    log = run.log
    if step is not None and type(step) is not int:
        step = int(step)
    for key, value in metrics.items():
        t = type(value)
        if t is not float and t is not int:
            value = number(value)
            if value is None:
                continue
        if type(key) is not str:
            key = str(key)
        log(prefix + key if prefix else key, value, step)


def flat_params(config: Any, prefix: str = "") -> dict[str, Any]:
    """A nested mapping as flat dotted names with loggable values: scalars, None, lists of
    scalars; anything else (a dtype, an enum, a path) as its text."""
    out: dict[str, Any] = {}
    items = config.items() if isinstance(config, Mapping) else vars(config).items()
    for key, value in items:
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flat_params(value, name + "."))
        elif value is None or type(value) in _SCALARS:
            out[name] = value if not (type(value) is float and math.isnan(value)) else "nan"
        elif isinstance(value, (list, tuple)) and all(type(v) in _SCALARS for v in value):
            out[name] = list(value)
        else:
            v = number(value)
            out[name] = v if v is not None else str(value)
    return out


def log_params(run: _logger.Run, config: Any, prefix: str = "") -> None:
    """Record ``config`` as parameters; a conflict with a value logged before warns, never raises."""
    try:
        run.log_params(flat_params(config, prefix))
    except (TypeError, ValueError) as e:
        warnings.warn(f"sitegen: parameters not recorded: {e}", RuntimeWarning, stacklevel=3)
