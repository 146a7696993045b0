"""sitegen: record machine-learning runs and publish them as a static website.

    from sitegen import get_logger
    get_logger().log("Accuracy", 0.68)

    sitegen.runs(filter="metrics.Accuracy > 0.7")   # a pandas DataFrame, one row per run
    sitegen.metrics("last")                          # every point of a run

Importing this package stays cheap: no pandas, altair or jinja2 on this path (``runs`` and
``metrics`` import pandas when called).
"""
from __future__ import annotations

from typing import Any

from sitegen.logger import Run, get_logger, start_run


def runs(store: Any = None, filter: str | None = None, include_hidden: bool = False) -> Any:
    """All runs as a pandas DataFrame, newest first (like ``mlflow.search_runs()``): run fields,
    then ``params.*``, ``metrics.*`` (a series by its last value) and ``tags.*`` columns.
    ``store``: a path or Store (default: the project's); ``filter``: a query such as
    ``"params.lr < 0.1 and metrics.Accuracy > 0.8"``. See :func:`sitegen.frames.runs`."""
    from sitegen.frames import runs as _runs
    return _runs(store, filter, include_hidden)


def metrics(run: Any, store: Any = None) -> Any:
    """Every logged point of a run as a pandas DataFrame (``name``, ``step``, ``value``, ``time``).
    ``run``: a run id, prefix, number, ``"last"``, a logger run or a row of :func:`runs`."""
    from sitegen.frames import metrics as _metrics
    return _metrics(run, store)


__version__ = "0.1.0"
DISTRIBUTION = "sitegen-runs"  # the name on the package index (`pip install sitegen-runs`)
__all__ = ["Run", "get_logger", "metrics", "runs", "start_run", "__version__"]
