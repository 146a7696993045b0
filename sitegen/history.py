"""Answers about recorded runs: the library behind ``sitegen history`` (no click here).

Every function takes a :class:`~sitegen.store.Store` and plain values and returns plain data or text,
so the CLI in ``sitegen/commands/history.py`` stays a thin layer and other code (the site, tests) can
reuse it.

Two choices worth knowing:

* **Non-finite numbers in JSON.** Python's ``json`` writes ``NaN``/``Infinity``, which is not JSON
  (``jq`` and browsers reject it). sitegen writes them as the strings ``"NaN"``, ``"Infinity"`` and
  ``"-Infinity"`` (the spelling JavaScript and pandas understand); ``-0.0`` stays ``-0.0``.
* **Metric names that collide with a run field.** A metric called e.g. ``status`` or ``duration``
  never replaces that field: in ``info`` JSON it appears as ``"metric:status"`` (and in ``list`` a
  metric called ``Status`` is the column ``metric:Status``). More ``metric:`` prefixes are added
  until the name is free. Likewise a parameter whose name is taken by a metric or a column is the
  ``list`` column ``param:NAME`` (in JSON parameters are an object of their own, ``"parameters"``).
* **Parameters before metrics.** ``info`` and ``list -o json`` give each run a ``"parameters"``
  object first (``{}`` when none were logged), then its metrics, then the run fields; the table and
  CSV put parameter columns before metric columns.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import shutil
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from sitegen import query
from sitegen.errors import UserError
from sitegen.store import (
    OUTPUTS_DIR, Series, Store, StoreError, check_run_id, file_lock, safe_name, warn_once,
)
from sitegen.formatting import format_mean_std, format_size, terminal_safe
from sitegen.summary import run_metrics, scalars_and_last
from sitegen.system_metrics import is_system
from sitegen.formatting import format_value as plain_value

#: The seed's run keys, in the order ``info`` prints them (after the metrics), plus ours.
INFO_KEYS = (
    "attachments", "created_utc", "description", "duration", "end_time_utc", "experiment_id",
    "heartbeat_enabled", "hidden", "name", "parent_run_id", "properties", "run_id", "run_number",
    "script_name", "start_time_utc", "status", "target", "user_id",
    "arguments", "exit_code", "tags",
)
#: The columns ``list`` shows before the parameters and scalar metrics (as the grid does) ...
FRONT_COLUMNS = ("#", "Name")
#: ... and after them.
LIST_COLUMNS = ("Duration", "Run_id", "Script_name", "Start_time_utc", "Status")
#: Run fields ``compare`` shows above the metrics.
COMPARE_FIELDS = ("name", "run_number", "script_name", "arguments", "status", "exit_code",
                  "start_time_utc", "duration", "user_id", "target", "commit", "tags", "description")
MAX_CELL = 32

Styler = Callable[[str, str, Any], str]  # (padded text, column, raw value) -> text to print


class HistoryError(UserError):
    """A user-facing problem in a history command (one line, exit 1)."""


# ---------------------------------------------------------------- JSON helpers

def json_safe(value: Any) -> Any:
    """``value`` with non-finite floats replaced by "NaN", "Infinity", "-Infinity" (strict JSON)."""
    t = type(value)
    if t is float:
        if math.isfinite(value):
            return value
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    if t is list or t is tuple:
        return [json_safe(v) for v in value]
    if t is dict:
        return {k: json_safe(v) for k, v in value.items()}
    return value


def dumps(data: Any) -> str:
    """Strict, readable JSON (non-finite floats as strings, unicode kept)."""
    return json.dumps(json_safe(data), indent=2, ensure_ascii=False, allow_nan=False)


def dumps_records(records: list[dict]) -> str:
    """Strict JSON of a list of objects, one object a line (thousands of runs stay quick to write
    and to read; ``jq`` pretty-prints them if wanted)."""
    lines = []
    for r in records:
        try:  # the C encoder; only records holding NaN or infinities go through json_safe
            lines.append(json.dumps(r, ensure_ascii=False, allow_nan=False))
        except ValueError:
            lines.append(json.dumps(json_safe(r), ensure_ascii=False, allow_nan=False))
    return "[\n" + ",\n".join(lines) + "\n]" if lines else "[]"


def free_key(name: str, taken: Iterable[str], prefix: str = "metric:") -> str:
    """``name``, or ``metric:name`` (repeated) if it is already a key in ``taken``."""
    taken = set(taken)
    while name in taken:
        name = prefix + name
    return name


def parameters(meta: dict) -> dict[str, Any]:
    """A run's parameters (run.json's ``"parameters"``; ``{}`` if none or unreadable)."""
    params = meta.get("parameters")
    return dict(params) if isinstance(params, dict) else {}


# ---------------------------------------------------------------- one run

def attachments(store: Store, run_id: str) -> list[str]:
    """Output files of a run as paths relative to the run folder (``outputs/model.pkl``), sorted.
    Symbolic links are not followed (nor listed)."""
    check_run_id(run_id)
    out: list[str] = []
    try:  # one lstat of a plain path: most runs listed have no outputs folder
        if not stat.S_ISDIR(os.lstat(os.path.join(store.root, run_id, OUTPUTS_DIR)).st_mode):
            return out
    except OSError:
        return out
    root = store.run_dir(run_id)
    base = root / OUTPUTS_DIR
    for folder, dirs, files in os.walk(base, followlinks=False):
        rel = Path(folder).relative_to(root)
        for f in files:
            if not os.path.islink(os.path.join(folder, f)):
                out.append((rel / f).as_posix())
    out.sort()
    return out


def _commit(meta: dict) -> str | None:
    props = meta.get("properties") or {}
    if isinstance(props, dict) and props.get("CommitId"):
        return props["CommitId"]
    git = meta.get("git")
    if isinstance(git, dict):
        return git.get("commit")
    return meta.get("git_commit")


def run_info(store: Store, run_id: str) -> dict:
    """A run as the seed's CLI printed it: its ``"parameters"``, every metric by name (a series as a
    list of values), then the run fields of :data:`INFO_KEYS` in that order. See the module doc for
    name clashes."""
    metrics = {n: s.values[0] if _is_scalar(s) else list(s.values)
               for n, s in store.metrics(run_id).items()}
    return info_record(store, store.load_meta(run_id), metrics)


_RESERVED = frozenset(INFO_KEYS) | {"parameters"}


def info_record(store: Store, meta: dict, metrics: dict[str, Any]) -> dict:
    """The ``info`` JSON of a run from its metadata and ``metrics`` (name -> value or list)."""
    run_id = meta["run_id"]
    fields: dict[str, Any] = {}
    for key in INFO_KEYS:
        if key == "attachments":
            fields[key] = attachments(store, run_id)
        elif key == "properties":
            props = dict(meta.get("properties") or {})
            commit = _commit(meta)
            if commit and "CommitId" not in props:
                props["CommitId"] = commit
            fields[key] = props
        elif key in ("arguments",):
            fields[key] = list(meta.get(key) or [])
        elif key == "tags":
            fields[key] = dict(meta.get(key) or {})
        elif key == "description":
            fields[key] = meta.get(key) or ""
        else:
            fields[key] = meta.get(key)
    out: dict[str, Any] = {"parameters": parameters(meta)}
    for name, value in metrics.items():
        key = name if name not in _RESERVED else \
            free_key(name, _RESERVED | set(metrics) - {name} | set(out))
        out[key] = value
    out.update(fields)
    return out


def _is_scalar(s: Series) -> bool:
    return len(s) == 1 and s.steps[0] == 0


# ---------------------------------------------------------------- list

@dataclass
class RunTable:
    """Rows of ``history list``: ``columns`` in order; each row maps a column to its raw value.
    ``records``: each row's run as ``info`` gives it (its series left out), for ``-o json``."""
    columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    metric_columns: list[str] = field(default_factory=list)
    param_columns: list[str] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)


def _first_seen(dicts: Iterable[dict]) -> list[str]:
    """Keys of ``dicts`` by first appearance."""
    order: dict[str, None] = {}
    for d in dicts:
        for name in d:
            order.setdefault(name, None)
    return list(order)


@dataclass
class Selection:
    """Which runs ``list`` shows, in which order: ``--filter``, ``--sort``, ``--limit``."""
    where: query.Predicate | None = None  # query.make_filter(text)
    sort: query.SortKey | None = None
    limit: int | None = None


def runs_with_values(store: Store, script: str | None, include_hidden: bool
                      ) -> list[tuple[dict, dict[str, Any], dict[str, Any]]]:
    """(meta, scalars, series' last values) of each run, newest first."""
    runs = store.runs(include_hidden=include_hidden)
    if script is not None:
        runs = [m for m in runs if m.get("script_name") == script
                or Path(str(m.get("script_name") or "")).name == script]
    root = str(store.root)  # plain paths: this runs for every run listed
    return [(meta, *scalars_and_last(run_metrics(os.path.join(root, meta["run_id"])))) for meta in runs]


def query_row(meta: dict, scalars: dict[str, Any], lasts: dict[str, Any]) -> dict:
    """The row :mod:`sitegen.query` looks at for a run (a series by its last value)."""
    return query.make_row(meta, {**scalars, **lasts}, parameters(meta))


def select(runs: list[tuple[dict, dict, dict]], choice: Selection) -> list[tuple[dict, dict, dict]]:
    """The runs ``choice`` keeps, in its order (newest first among equals), at most its limit."""
    if choice.where is not None or choice.sort is not None:
        rows = [(query_row(*r), r) for r in runs]
        if choice.where is not None:
            rows = [(row, r) for row, r in rows if choice.where(row)]
        if choice.sort is not None:
            rows = query.sort_rows(rows, choice.sort, row=lambda pair: pair[0])
        runs = [r for _, r in rows]
    return runs if choice.limit is None else runs[:choice.limit]


def unknown_names(store: Store, text: str, script: str | None = None,
                  include_hidden: bool = False) -> list[str]:
    """The names of the query ``text`` that no run has (``[]`` for plain search text)."""
    if not query.is_query(text):
        return []
    rows = [query_row(*r) for r in runs_with_values(store, script, include_hidden)]
    return query.parse(text).unknown(rows)


def list_runs(store: Store, script: str | None = None, include_hidden: bool = False,
              records: bool = False, choice: Selection | None = None) -> RunTable:
    """Runs newest first (or as ``choice`` says) with :data:`FRONT_COLUMNS`, one column per
    parameter, then one per scalar metric, then :data:`LIST_COLUMNS`; ``records``: also fill
    ``table.records`` (for ``-o json``).

    Parameter and metric columns are ordered by first appearance, oldest run first (so the order a
    script logs them in)."""
    chosen = select(runs_with_values(store, script, include_hidden), choice or Selection())
    runs = [meta for meta, _, _ in chosen]
    scalars_by_run = [scalars for _, scalars, _ in chosen]
    params_by_run = [parameters(meta) for meta in runs]
    # system metrics (sitegen.system_metrics) have their own section on run pages; a short run's
    # single sample would otherwise be a column of every table
    names = [n for n in _first_seen(reversed(scalars_by_run)) if not is_system(n)]
    colmap: dict[str, str] = {}
    fixed = set(FRONT_COLUMNS) | set(LIST_COLUMNS)
    for name in names:
        colmap[name] = free_key(name, fixed | set(colmap.values()) | (set(names) - {name}))
    pcolmap: dict[str, str] = {}
    for name in _first_seen(reversed(params_by_run)):
        pcolmap[name] = free_key(name, fixed | set(colmap.values()) | set(pcolmap.values()),
                                 prefix="param:")
    table = RunTable(columns=list(FRONT_COLUMNS) + list(pcolmap.values()) + list(colmap.values())
                     + list(LIST_COLUMNS),
                     metric_columns=list(colmap.values()), param_columns=list(pcolmap.values()))
    for meta, scalars, params in zip(runs, scalars_by_run, params_by_run):
        row: dict[str, Any] = {"#": meta.get("run_number"), "Name": meta.get("name")}
        row.update({pcolmap[n]: v for n, v in params.items()})
        row.update({colmap[n]: v for n, v in scalars.items() if n in colmap})
        if records:
            table.records.append(info_record(store, meta, scalars))
        row.update({
            "Duration": meta.get("duration"),
            "Run_id": meta.get("run_id"),
            "Script_name": meta.get("script_name"),
            "Start_time_utc": meta.get("start_time_utc"),
            "Status": meta.get("status"),
        })
        table.rows.append(row)
    return table


@dataclass
class GroupTable:
    """``history list --group-by``: one row per value of ``by`` with its number of runs and, per
    metric, the count, mean, sample standard deviation (n - 1; 0 for one run), min and max of its
    finite values — the figures of the grid's groups. A run without the value is a group of its
    own (``None``)."""
    by: str  # the name grouped by, as a column title (Regularization Rate, params.model)
    metrics: list[str]
    groups: list[dict[str, Any]]  # {"group": value, "runs": n, "metrics": {name: stats or None}}


def stats(values: Iterable[Any]) -> dict[str, Any] | None:
    """n, mean, std (n - 1; 0 for one value), min, max of the finite numbers in ``values``."""
    nums = [float(v) for v in values if type(v) in (int, float) and math.isfinite(v)]
    if not nums:
        return None
    n, mean = len(nums), math.fsum(nums) / len(nums)
    std = math.sqrt(math.fsum((v - mean) ** 2 for v in nums) / (n - 1)) if n > 1 else 0.0
    return {"n": n, "mean": mean, "std": std, "min": min(nums), "max": max(nums)}


def group_runs(store: Store, by: str, script: str | None = None, include_hidden: bool = False,
               choice: Selection | None = None) -> GroupTable:
    """The runs ``choice.where`` keeps, grouped by the value of ``by`` (a name as queries write it).

    Groups are in the order of their value (numbers, then text, none last), or of ``choice.sort``:
    the ``by`` name itself, or a metric (by its mean); ``choice.limit`` keeps the first groups."""
    name = query.parse_name(by)
    choice = choice or Selection()
    rows = [query_row(*r) for r in runs_with_values(store, script, include_hidden)]
    if rows and not any(name.found_in(r) for r in rows):
        raise UserError(f"--group-by {by!r}: no run has a value of that name{_closest(by, rows)} "
                        f"(names are case-sensitive, as the table's columns write them)")
    if choice.where is not None:
        rows = [r for r in rows if choice.where(r)]
    members: dict[Any, tuple[Any, list[dict]]] = {}
    for row in rows:
        value = name.lookup(row)
        order = query.value_order(value)
        members.setdefault(order, (None if order is None else value, []))[1].append(row)
    names = _first_seen(r["metrics"] for r in reversed(rows))
    groups = [{"group": value, "runs": len(runs),
               "metrics": {m: stats(r["metrics"].get(m) for r in runs) for m in names}}
              for value, runs in members.values()]
    metrics = [m for m in names if any(g["metrics"][m] for g in groups)
               and not (m == name.key and name.section in (None, "metrics"))]  # not the groups' own
    for g in groups:
        g["metrics"] = {m: g["metrics"][m] for m in metrics}
    key = choice.sort
    if key is None or key.name == name:
        groups = query.sort_by(groups, lambda g: g["group"], bool(key and key.desc))
    else:
        groups = query.sort_by(groups, lambda g: (g["metrics"].get(key.name.key) or {}).get("mean"),
                               key.desc)
    return GroupTable(name.label(), metrics, groups if choice.limit is None else groups[:choice.limit])


def _closest(text: str, rows: list[dict]) -> str:
    """``"; closest: a, b"`` from the names the rows have (metrics, params.X, tags.X, fields)."""
    import difflib
    names: dict[str, None] = dict.fromkeys(query.RUN_FIELDS)
    for row in rows:
        names.update(dict.fromkeys(row.get("metrics") or {}))
        for section in ("params", "tags"):
            names.update(dict.fromkeys(f"{section}.{k}" for k in row.get(section) or {}))
    close = difflib.get_close_matches(text, list(names), n=3, cutoff=0.8)
    return f"; closest: {', '.join(terminal_safe(c) for c in close)}" if close else ""


def groups_text(table: GroupTable, width: int = MAX_CELL) -> str:
    """``history list --group-by`` as a table: the value, Runs, then "mean ± std" per metric."""
    columns = [table.by, "Runs"] + table.metrics
    cells = []
    for g in table.groups:
        shown = "(none)" if g["group"] is None else format_value(g["group"])
        figures = [format_mean_std(s["mean"], s["std"]) if s else "" for s in g["metrics"].values()]
        cells.append([truncate(c, width) for c in [shown, str(g["runs"])] + figures])
    return render_table([truncate(c, width) for c in columns], cells,
                        right=set(range(1, len(columns))))


def groups_json(table: GroupTable) -> str:
    return dumps([{"group": g["group"], "runs": g["runs"], "metrics": g["metrics"]}
                  for g in table.groups])


def groups_csv(table: GroupTable) -> str:
    """One line per group: the value, Runs, then "<metric> mean" and "<metric> std" columns."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([table.by, "Runs"] + [f"{m} {k}" for m in table.metrics for k in ("mean", "std")])
    for g in table.groups:
        figures = [repr(s[k]) if s else "" for s in g["metrics"].values() for k in ("mean", "std")]
        w.writerow([csv_cell(g["group"]), g["runs"]] + figures)
    return buf.getvalue()


def format_value(value: Any, column: str = "") -> str:
    """A value as a short, readable table cell."""
    t = type(value)
    if column == "Duration" and t is str:
        head, dot, frac = value.partition(".")
        return head + (dot + frac[:3] if dot else "")
    if column.endswith("_utc") and t is str and value.endswith("Z"):
        return value.split(".")[0].replace("T", " ")
    if t is list or t is dict:
        return json.dumps(json_safe(value), ensure_ascii=False)
    return plain_value(value)


def truncate(text: str, width: int = MAX_CELL) -> str:
    """One line of at most ``width`` characters (``…`` marks a cut), terminal escapes shown escaped."""
    text = terminal_safe(text.replace("\r", " ").replace("\n", " ").replace("\t", " "))
    return text if len(text) <= width else text[:width - 1] + "…"


def render_table(columns: list[str], rows: list[list[str]], style: Styler | None = None,
                 raw: list[list[Any]] | None = None, right: set[int] | None = None) -> str:
    """Aligned text table; cells must be pre-formatted. ``style`` colours padded cells."""
    right = right or set()
    widths = [len(c) for c in columns]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    sep = "  "

    def line(cells: list[str], raw_row: list[Any] | None) -> str:
        out = []
        for i, cell in enumerate(cells):
            padded = cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            if style is not None and raw_row is not None:
                padded = style(padded, columns[i], raw_row[i])
            out.append(padded)
        return sep.join(out).rstrip()

    lines = [line(columns, None), sep.join("-" * w for w in widths)]
    for j, row in enumerate(rows):
        lines.append(line(row, raw[j] if raw is not None else None))
    return "\n".join(lines)


def table_text(table: RunTable, style: Styler | None = None, width: int = MAX_CELL) -> str:
    """``history list -o table``."""
    cols = [truncate(c, width) for c in table.columns]
    cells, raw = [], []
    for row in table.rows:
        cells.append([truncate(format_value(row.get(c), c), width) for c in table.columns])
        raw.append([row.get(c) for c in table.columns])
    value_columns = {"#"} | set(table.metric_columns) | set(table.param_columns)
    numeric = {i for i, c in enumerate(table.columns) if c in value_columns
               and all(type(r.get(c)) in (int, float) or r.get(c) is None for r in table.rows)}
    return render_table(cols, cells, style=style, raw=raw, right=numeric)


def table_json(table: RunTable) -> str:
    """``history list -o json``: each run with the keys ``info`` gives it (a series is left out:
    ``history info`` has its points), complete values, one run a line. Needs
    ``list_runs(..., records=True)``."""
    return dumps_records(table.records)


def table_csv(table: RunTable) -> str:
    """``history list -o csv``: complete values; floats as Python writes them (nan, inf, -0.0)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(table.columns)
    for row in table.rows:
        w.writerow([csv_cell(row.get(c)) for c in table.columns])
    return buf.getvalue()


def csv_cell(v: Any) -> str:
    """A complete value for CSV: floats as Python writes them (nan, inf, -0.0), None empty."""
    if v is None:
        return ""
    if type(v) is bool:
        return "true" if v else "false"
    if type(v) is float:
        return repr(v)
    return v if isinstance(v, str) else json.dumps(json_safe(v), ensure_ascii=False)


# ---------------------------------------------------------------- compare

@dataclass
class CompareRow:
    field: str
    kind: str          # "run" (a run field), "param", "metric" (a scalar) or "series"
    values: list[Any]  # one per run; None where missing; a series as {"last": v, "len": n}
    differs: bool


def compare_runs(store: Store, run_ids: list[str]) -> list[CompareRow]:
    """Run fields, every parameter, then every metric of two or three runs side by side."""
    if not 2 <= len(run_ids) <= 3:
        raise HistoryError("compare takes two or three runs")
    if len(set(run_ids)) != len(run_ids):
        raise HistoryError(f"compare needs different runs, got {' '.join(run_ids)}")
    metas = [store.load_meta(r) for r in run_ids]
    metrics = [store.metrics(r) for r in run_ids]
    rows: list[CompareRow] = []
    for key in COMPARE_FIELDS:
        values = [_commit(m) if key == "commit" else m.get(key) for m in metas]
        if key in ("tags", "arguments", "description") and all(not v for v in values):
            continue
        if key == "commit" and all(v is None for v in values):
            continue
        rows.append(CompareRow(key, "run", values, _differs(values)))
    params = [parameters(m) for m in metas]
    shown: set[str] = set(COMPARE_FIELDS)
    for name in _first_seen(params):
        values = [p.get(name) for p in params]
        label = free_key(name, shown, prefix="param:")
        shown.add(label)
        rows.append(CompareRow(label, "param", values, _differs(values)))
    names: dict[str, None] = {}
    for m in metrics:
        for n in m:
            names.setdefault(n, None)
    for name in names:
        series = [m.get(name) for m in metrics]
        label = free_key(name, shown | (set(names) - {name}))
        shown.add(label)
        if all(s is None or _is_scalar(s) for s in series):
            values = [s.values[0] if s is not None else None for s in series]
            rows.append(CompareRow(label, "metric", values, _differs(values)))
        else:
            values = [{"last": s.last, "len": len(s)} if s is not None else None for s in series]
            rows.append(CompareRow(label, "series", values, _differs(values)))
    return rows


def _same(a: Any, b: Any) -> bool:
    if type(a) is float and type(b) is float:
        if a != a and b != b:
            return True
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def _differs(values: list[Any]) -> bool:
    return not all(_same(values[0], v) for v in values[1:])


def compare_json(run_ids: list[str], rows: list[CompareRow]) -> str:
    return dumps({"runs": run_ids,
                  "rows": [{"field": r.field, "kind": r.kind, "values": r.values,
                            "differs": r.differs} for r in rows]})


def compare_text(run_ids: list[str], rows: list[CompareRow], style: Styler | None = None,
                 width: int = MAX_CELL) -> str:
    """The side-by-side table; a ``*`` in the first column marks rows whose values differ."""
    columns = ["", "Field"] + [truncate(r, width) for r in run_ids]
    cells, raw = [], []
    for r in rows:
        shown = []
        for v in r.values:
            if v is None:
                shown.append("-")
            elif r.kind == "series":
                shown.append(f"last {format_value(v['last'])} (n={v['len']})")
            else:
                shown.append(format_value(v, "Duration" if r.field == "duration" else r.field))
        if r.differs and len(set(shown)) < len(shown):  # differences hidden by rounding
            shown = [repr(v) if type(v) is float else s for v, s in zip(r.values, shown)]
        cells.append(["*" if r.differs else "", truncate(r.field, width)]
                     + [truncate(s, width) for s in shown])
        raw.append([r.differs] * len(columns))
    return render_table(columns, cells, style=style, raw=raw)


# ---------------------------------------------------------------- download

def download(store: Store, run_id: str, dest: str | os.PathLike) -> list[str]:
    """Copy every file of a run (outputs, driver.log, metrics.tsv, run.json, …) into ``dest``.

    Nothing is written outside ``dest``: names come from the file system (no ``..``), existing
    symbolic links in ``dest`` are replaced rather than followed, and symbolic links in the run are
    copied as files only when they point inside the run (others are skipped with a warning).
    Hidden files (locks, temp files) and the heartbeat are left out. Returns the copied paths."""
    src_root = store.run_dir(run_id).resolve()
    if not src_root.is_dir():
        raise StoreError(f"run {run_id} not found in {store.root}")
    if not str(dest).strip():
        raise HistoryError("DEST is empty; give the folder to download into (default: ./<run id>/)")
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise HistoryError(f"{dest} exists and is not a folder; give another DEST")
    if _inside(dest.resolve(), store.root.resolve()):
        raise HistoryError(f"{dest} is inside the run store; give a DEST outside it")
    dest.mkdir(parents=True, exist_ok=True)
    dest_root = dest.resolve()
    copied: list[str] = []
    for folder, dirs, files in os.walk(src_root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rel_dir = Path(folder).relative_to(src_root)
        for d in list(dirs):
            if os.path.islink(os.path.join(folder, d)):
                dirs.remove(d)
                warn_once(f"dl-link:{folder}/{d}",
                          f"skipped {(rel_dir / d).as_posix()}: a symbolic link to a folder")
        for name in sorted(files):
            if name.startswith(".") or (rel_dir == Path(".") and name == "heartbeat"):
                continue
            src = Path(folder) / name
            rel = (rel_dir / name)
            if src.is_symlink():
                target = src.resolve()
                if not target.is_file() or not _inside(target, src_root):
                    warn_once(f"dl-link:{src}",
                              f"skipped {rel.as_posix()}: a symbolic link leading out of the run")
                    continue
                src = target
            if not os.path.isfile(src):  # a FIFO or a device: reading it would block or never end
                warn_once(f"dl-special:{src}", f"skipped {rel.as_posix()}: not a regular file")
                continue
            out = _safe_parent(dest_root, rel_dir, dest) / name
            if out.is_symlink() or out.exists():
                if out.is_dir() and not out.is_symlink():
                    raise HistoryError(f"{out} is a folder; give an empty DEST")
                out.unlink()
            shutil.copyfile(src, out, follow_symlinks=False)
            copied.append(rel.as_posix())
    return copied


def _safe_parent(dest_root: Path, rel_dir: Path, shown: Path) -> Path:
    """``dest_root / rel_dir``, created folder by folder; a symbolic link on the way is an error."""
    cur = dest_root
    for part in rel_dir.parts:
        cur = cur / part
        if cur.is_symlink():
            raise HistoryError(f"refusing to write into {cur}: it is a symbolic link and could "
                               f"lead outside {shown}; give an empty DEST")
        if not cur.exists():
            cur.mkdir()
        elif not cur.is_dir():
            raise HistoryError(f"{cur} is a file where a folder is needed; give an empty DEST")
    return cur


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


# ---------------------------------------------------------------- promote / assets

def _artifact_path(store: Store, run_id: str, artifact: str) -> tuple[str, Path]:
    """(normalised artifact, its file) or a HistoryError listing the run's outputs."""
    root = store.run_dir(run_id).resolve()
    text = artifact.replace("\\", "/")
    while text.startswith("./"):
        text = text[2:]
    candidates = [text] if text.startswith(OUTPUTS_DIR + "/") else [f"{OUTPUTS_DIR}/{text}", text]
    for cand in candidates:
        parts = Path(cand).parts
        if ".." in parts or Path(cand).is_absolute():
            break
        path = root / cand
        if path.is_file() and not path.is_symlink() and _inside(path.resolve(), root):
            return Path(cand).as_posix(), path
    have = attachments(store, run_id)
    listing = ", ".join(have[:20]) + (", …" if len(have) > 20 else "") if have else "none"
    raise HistoryError(f"run {run_id} has no output {artifact!r}; its outputs: {listing}")


def promote(store: Store, run_id: str, artifact: str, name: str | None = None) -> dict:
    """Copy an output of a run to ``.sitegen/assets/<name>/<version>/<file>`` and register it.

    ``name`` defaults to the file's name without its extension; versions count from 1 per name."""
    artifact, src = _artifact_path(store, run_id, artifact)
    asset_name = safe_name(name if name is not None else Path(artifact).stem, fallback="asset")
    store.ensure()
    base = store.internal / "assets" / asset_name
    base.mkdir(parents=True, exist_ok=True)
    with file_lock(store.internal / "promote.lock"):
        version = 1 + max((a.get("version", 0) for a in store.assets()
                           if a.get("name") == asset_name), default=0)
        folder = base / str(version)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / src.name
        tmp = folder / f".{src.name}.{os.getpid()}.tmp"
        digest = hashlib.sha256()
        size = 0
        try:
            with open(src, "rb") as fin, open(tmp, "wb") as fout:
                while chunk := fin.read(1 << 20):
                    digest.update(chunk)
                    fout.write(chunk)
                    size += len(chunk)
                fout.flush()
                os.fsync(fout.fileno())
            os.replace(tmp, target)
        finally:
            if tmp.exists():
                tmp.unlink()
        entry = store.add_asset({
            "name": asset_name, "run_id": run_id, "artifact": artifact,
            "file": target.relative_to(store.root).as_posix(), "size": size,
            "sha256": digest.hexdigest(),
        })
    return entry


ASSET_COLUMNS = ("Name", "Version", "Run_id", "Artifact", "Size", "Sha256", "Created_utc")


def assets_text(assets: list[dict], style: Styler | None = None) -> str:
    rows = []
    for a in assets:
        rows.append([truncate(str(a.get("name", ""))), str(a.get("version", "")),
                     truncate(str(a.get("run_id", "")), 40), truncate(str(a.get("artifact", "")), 40),
                     format_size(a.get("size")), str(a.get("sha256", ""))[:12],
                     format_value(a.get("created_utc"), "Created_utc")])
    return render_table(list(ASSET_COLUMNS), rows, right={1, 4})


# ---------------------------------------------------------------- update

def parse_tags(pairs: Iterable[str]) -> dict[str, str]:
    """``["k=v", …]`` -> dict; HistoryError on a pair without ``=`` or with an empty key."""
    tags: dict[str, str] = {}
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if not eq or not key.strip():
            raise HistoryError(f"bad tag {pair!r}: write KEY=VALUE, e.g. --tag stage=baseline")
        tags[key.strip()] = value
    return tags


def update_run(store: Store, run_id: str, name: str | None = None, description: str | None = None,
               tags: dict[str, str] | None = None, untag: Iterable[str] = (),
               hidden: bool | None = None) -> dict:
    """Change a run's name, description, tags or hidden flag; returns the new metadata."""
    untag = list(untag)
    if name is None and description is None and not tags and not untag and hidden is None:
        raise HistoryError("nothing to update: give --name, --description, --tag, --untag, "
                           "--hide or --unhide")

    def edit(meta: dict) -> None:
        if name is not None:
            meta["name"] = name
        if description is not None:
            meta["description"] = description
        current = dict(meta.get("tags") or {})
        current.update(tags or {})
        for key in untag:
            current.pop(key, None)
        meta["tags"] = current
        if hidden is not None:
            meta["hidden"] = hidden

    return store.update_meta(run_id, edit)


# ---------------------------------------------------------------- restore

def plan_lists(plan: Any) -> dict[str, list[str]]:
    """The ``overwrite``/``create``/``remove`` lists of a restore plan (object or dict)."""
    out = {}
    for key in ("overwrite", "create", "remove"):
        value = plan.get(key) if isinstance(plan, dict) else getattr(plan, key, None)
        out[key] = [str(p) for p in (value or [])]
    return out


def plan_text(plan: Any) -> str:
    lists = plan_lists(plan)
    lines = []
    for key, label in (("overwrite", "overwrite"), ("create", "create"), ("remove", "remove")):
        for p in lists[key]:
            lines.append(f"  {label:<9} {p}")
    counts = ", ".join(f"{len(lists[k])} to {k}" for k in ("overwrite", "create", "remove"))
    return "\n".join(lines + [counts])


def is_tty(stream: Any = None) -> bool:
    """True when ``stream`` (default stdout) is a terminal and $NO_COLOR is not set."""
    if os.environ.get("NO_COLOR"):
        return False
    stream = stream or sys.stdout
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
