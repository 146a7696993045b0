"""Runs as pandas DataFrames, for notebooks: ``sitegen.runs()`` and ``sitegen.metrics(run)``.

Like ``mlflow.search_runs()``: one row per run with its fields, then ``params.<name>``,
``metrics.<name>`` (a scalar, or the last value of a series) and ``tags.<name>`` columns. pandas is
imported here only, so ``import sitegen`` stays light.
"""
from __future__ import annotations

import os
from typing import Any

import pandas as pd

from sitegen.history import Selection, parameters, runs_with_values, select
from sitegen.query import make_filter
from sitegen.store import Store, read_metrics

#: Run fields, in column order (times as UTC timestamps, duration in seconds).
RUN_COLUMNS = ("run_id", "run_number", "name", "experiment_id", "script_name", "status",
               "start_time", "end_time", "duration", "user_id", "parent_run_id", "hidden")


def _store(store: Store | str | os.PathLike | None) -> Store:
    if isinstance(store, Store):
        return store
    s = Store(store)
    s.check()
    return s


def _time(text: Any) -> pd.Timestamp:
    return pd.to_datetime(text, utc=True, format="%Y-%m-%dT%H:%M:%S.%fZ", errors="coerce") \
        if text else pd.NaT


def runs(store: Store | str | os.PathLike | None = None, filter: str | None = None,
         include_hidden: bool = False) -> pd.DataFrame:
    """One row per run, newest first: :data:`RUN_COLUMNS`, then ``params.*``, ``metrics.*`` (a
    series by its last value) and ``tags.*``. ``filter``: a query (``"params.lr < 0.1 and
    metrics.Accuracy > 0.8"``, see the README's *Find the best run*) or plain text to search for."""
    st = _store(store)
    choice = Selection(where=make_filter(filter) if filter else None)
    rows = []
    for meta, scalars, lasts in select(runs_with_values(st, None, include_hidden), choice):
        values = {**scalars, **lasts}
        params = parameters(meta)
        start, end = _time(meta.get("start_time_utc")), _time(meta.get("end_time_utc"))
        row: dict[str, Any] = {
            "run_id": meta["run_id"], "run_number": meta.get("run_number"), "name": meta.get("name"),
            "experiment_id": meta.get("experiment_id"), "script_name": meta.get("script_name"),
            "status": meta.get("status"), "start_time": start, "end_time": end,
            "duration": (end - start).total_seconds() if start is not pd.NaT and end is not pd.NaT
            else None,
            "user_id": meta.get("user_id"), "parent_run_id": meta.get("parent_run_id"),
            "hidden": bool(meta.get("hidden")),
        }
        row.update((f"params.{k}", v) for k, v in params.items())
        row.update((f"metrics.{k}", v) for k, v in values.items())
        tags = meta.get("tags")
        row.update((f"tags.{k}", v) for k, v in (tags.items() if isinstance(tags, dict) else ()))
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=list(RUN_COLUMNS))
    extra = [c for c in frame.columns if c not in RUN_COLUMNS]
    order = sorted(extra, key=lambda c: (("params.", "metrics.", "tags.").index(c.split(".", 1)[0] + "."),))
    return frame[list(RUN_COLUMNS) + order]


def metrics(run: Any, store: Store | str | os.PathLike | None = None) -> pd.DataFrame:
    """Every logged point of a run, in logging order per metric: columns ``name``, ``step``,
    ``value``, ``time`` (UTC timestamp). ``run``: a run id, a unique prefix, a run number, ``last``,
    a logger run (``start_run()``), or a row of :func:`runs`."""
    if hasattr(run, "run_id"):  # a logger Run (its store) or a runs() row
        store = store if store is not None else getattr(run, "store", None)
        run = run.run_id
    elif isinstance(run, dict) or hasattr(run, "get"):
        run = run.get("run_id")
    st = _store(store)
    run_id = st.resolve(str(run))
    series = read_metrics(st.run_dir(run_id) / "metrics.tsv")
    names, steps, values, times = [], [], [], []
    for name, s in series.items():
        names += [name] * len(s)
        steps += s.steps
        values += s.values
        times += s.times
    return pd.DataFrame({"name": pd.Series(names, dtype=object), "step": pd.Series(steps, dtype="int64"),
                         "value": pd.Series(values, dtype=None if values else float),
                         "time": pd.to_datetime((pd.Series(times, dtype=float) * 1000).round().astype("int64"),
                                                unit="ms", utc=True)})
