"""Reports: ``reports/<name>.md`` resolved against the runs into plain page data.

Life cycle (each step plain data): :func:`find_reports` lists the sources; ``report_source.parse_report``
splits one into front matter, Markdown and embeds; :func:`resolve` evaluates every query and name
against the runs (at build time, with :mod:`sitegen.query`, so an embed shows exactly the runs
``history list --filter`` shows) and renders the Markdown, giving a :class:`ReportPage`: the page's
text parts and each embed's data, the runs it shows, and warnings naming the report, the line and the
closest names. The page template draws tables and comparisons; ``js/report.js`` draws the charts from
the data in the page (and the runs' data files for series).
"""
from __future__ import annotations

import difflib
import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sitegen.site.report_files import (NAME_RE, find_reports, has_reports, reports_dir,  # noqa: F401
                                        sources_fingerprint)
from sitegen.site.report_source import (EMBED_KINDS, Embed, Option, ReportSource, _unquote,
                                         parse_report, rewrite, split_list, token)

log = logging.getLogger("sitegen")

FIELDS = {"number": "#", "name": "Name", "status": "Status", "script": "Script",
          "duration": "Duration (s)", "start": "Started (UTC)", "id": "Run id"}
SERIES_RUNS_MAX = 100   # runs drawn in one series chart (their data files load with the page)
COMPARE_RUNS_MAX = 10
TABLE_LIMIT = 100       # rows shown when the embed sets no ``limit``
OPTIONS = {
    "chart": {"series", "value", "x", "runs", "smoothing", "y", "x-scale", "title"},
    "table": {"columns", "sort", "group-by", "limit", "runs", "title"},
    "compare": {"runs", "columns", "images", "diff-only", "title"},
    "parallel": {"columns", "color", "runs", "title"},
}


def run_label(s: dict) -> str:
    """``#3 name`` (:func:`sitegen.site.pages.run_label`; imported when a report is resolved, as it
    brings Jinja: a build with nothing to do lists the reports only)."""
    from sitegen.site.pages import run_label as label
    return label(s)


def report_path(name: str) -> str:
    """The permanent site path of report ``name``."""
    return f"reports/{name}.html"


def load_sources(config, warn: bool = False) -> dict[str, ReportSource]:
    """Every report of the project, parsed (``name -> source``, by name)."""
    return {name: load_report(name, path) for name, path in find_reports(reports_dir(config), warn).items()}


def listing(sources: dict[str, ReportSource]) -> list[dict]:
    """The reports as the dashboard and ``reports.html`` list them."""
    out = []
    for name, src in sources.items():
        f = src.front
        out.append({"name": name, "page": report_path(name), "title": _text(f.get("title")) or name,
                    "author": _text(f.get("author")), "date": _text(f.get("date")),
                    "description": _text(f.get("description"))})
    return out


# ---------------------------------------------------------------- the runs, as reports see them

@dataclass
class Column:
    """A value of a run: ``source`` is "field", "metric" or "param"."""
    source: str
    name: str

    @property
    def label(self) -> str:
        return FIELDS.get(self.name, self.name) if self.source == "field" else self.name

    @property
    def key(self) -> str:
        return f"{self.source}:{self.name}"


def metric_value(s: dict, name: str) -> Any:
    v = s["scalars"].get(name)
    if v is None and name in s["series"]:
        v = s["series"][name]["last"]
    return v


def value_of(s: dict, col: Column) -> Any:
    if col.source == "metric":
        return metric_value(s, col.name)
    if col.source == "param":
        return (s.get("params") or {}).get(col.name)
    m = s["meta"]
    return {"number": m.get("run_number"), "name": m.get("name"), "status": m.get("status"),
            "script": m.get("script_name"), "duration": m.get("duration_s"),
            "start": m.get("start_time_utc"), "id": s["id"]}[col.name]


def _number(v: Any) -> float | None:
    return float(v) if type(v) in (int, float) and math.isfinite(v) else None


REPORT_META = ("run_id", "run_number", "name", "script_name", "status", "start_time_utc", "duration_s", "tags")


def report_run(s: dict) -> dict:
    """What reports read of a run's summary (its values, what queries and tables show, its outputs'
    paths): a build over every run holds this, not every whole summary."""
    m = s["meta"]
    return {"id": s["id"], "meta": {k: m.get(k) for k in REPORT_META}, "params": s.get("params") or {},
            "scalars": s["scalars"], "series": s["series"],
            "outputs": [{"path": o["path"], "image": o.get("image")} for o in s["outputs"]]}


@dataclass
class Runs:
    """The published runs (site order) and what reports look up in them."""
    runs: list[dict]
    primary: str | None = None
    goal: str = "max"
    by_id: dict[str, dict] = field(default_factory=dict)
    metrics: list[str] = field(default_factory=list)
    series: set[str] = field(default_factory=set)
    params: list[str] = field(default_factory=list)
    _rows: list[dict] | None = None
    _best: list | None = None
    _numbers: dict | None = None

    def __post_init__(self) -> None:
        self.by_id = {s["id"]: s for s in self.runs}
        names: set[str] = set()
        params: set[str] = set()
        for s in self.runs:
            names.update(s["scalars"])
            self.series.update(s["series"])
            params.update(s.get("params") or {})
        self.metrics = sorted(names | self.series)
        self.params = sorted(params)

    @property
    def rows(self) -> list[dict]:
        """Query rows (``sitegen.query``), made once and only if a query is evaluated."""
        if self._rows is None:
            from sitegen.query import row_from_summary
            self._rows = [row_from_summary(s) for s in self.runs]
        return self._rows

    def best(self) -> dict | None:
        """The best run by the primary metric (the first of equals), computed once."""
        if self._best is None:
            cand = [(v, s) for s in self.runs
                    if self.primary and type(v := _number(metric_value(s, self.primary))) is float]
            best = None
            if cand:
                target = (max if self.goal == "max" else min)(v for v, _ in cand)
                best = next(s for v, s in cand if v == target)
            self._best = [best]
        return self._best[0]

    def by_number(self, n: int) -> list[dict]:
        if self._numbers is None:
            self._numbers = {}
            for s in self.runs:
                self._numbers.setdefault(s["meta"].get("run_number"), []).append(s)
        return self._numbers.get(n, [])

    def find(self, ref: str) -> tuple[dict | None, str]:
        """A run by reference: ``best``, ``last``, a run number, a run id. (run, problem)."""
        ref = ref.strip()
        if ref == "best":
            b = self.best()
            return b, "" if b else f"no best run (no run has the primary metric {self.primary!r})"
        if ref == "last":
            return (self.runs[-1], "") if self.runs else (None, "there are no runs")
        if ref.lstrip("#").isdigit():
            n = int(ref.lstrip("#"))
            found = self.by_number(n)
            if len(found) == 1:
                return found[0], ""
            if found:
                return None, f"run number {n} is ambiguous ({', '.join(s['id'] for s in found)}): use a run id"
            return None, f"no run number {n}" + _closest(str(n), [str(s["meta"].get("run_number"))
                                                                   for s in self.runs])
        if ref in self.by_id:
            return self.by_id[ref], ""
        return None, f"no run {ref!r}" + _closest(ref, list(self.by_id))

    def column(self, name: str) -> tuple[Column | None, str]:
        """A column by name, looked up as the query language does: a parameter, then a metric, then
        a run field (number, name, status, script, duration, start, id); ``params.X``, ``metrics.X``
        and ``run.X`` look in one place only."""
        name = _unquote(name.strip())
        for prefixes, source, known in ((("params.", "param."), "param", self.params),
                                        (("metrics.", "metric."), "metric", self.metrics),
                                        (("run.",), "field", list(FIELDS))):
            for prefix in prefixes:
                if name.startswith(prefix) and _unquote(name[len(prefix):]) in known:
                    return Column(source, _unquote(name[len(prefix):])), ""
        if name in self.params:
            return Column("param", name), ""
        if name in self.metrics:
            return Column("metric", name), ""
        if name in FIELDS:
            return Column("field", name), ""
        return None, f"unknown metric or parameter {name!r}" + _closest(
            name, self.metrics + self.params + list(FIELDS))


def _closest(name: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=3, cutoff=0.5)
    if not close:
        low = name.lower()
        close = [c for c in sorted(set(candidates)) if low and (low in c.lower() or c.lower() in low)][:3]
    return f" (closest: {', '.join(close)})" if close else ""


# ---------------------------------------------------------------- resolving one report

class EmbedProblem(Exception):
    """A mistake in an embed: shown as its placeholder and logged as a warning."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


@dataclass
class ReportPage:
    """Everything a report page shows, as plain data (its hash decides re-rendering)."""
    name: str
    title: str
    author: str
    date: str
    description: str
    parts: list[Any]            # HTML text (sanitised) and embed indexes, in page order
    embeds: list[dict]
    runs: dict[str, str]        # id -> label of every run report.js draws (its page: runs/<id>.html)
    data_runs: list[str]        # runs whose data files the page loads (series charts)
    shown: list[str]            # every run the page shows (sorted)
    math: bool = False
    warnings: list[str] = field(default_factory=list)

    def context(self) -> dict:
        return {"name": self.name, "title": self.title, "author": self.author, "date": self.date,
                "description": self.description, "parts": self.parts, "embeds": self.embeds,
                "runs": self.runs, "data_runs": self.data_runs, "math": self.math}


def run_url(s: dict) -> str:
    return f"runs/{s['id']}.html"


def output_path(s: dict, rel: str) -> str:
    return f"files/{s['id']}/outputs/{rel}"


class _Resolver:
    def __init__(self, src: ReportSource, runs: Runs) -> None:
        self.src, self.runs = src, runs
        self.warnings: list[str] = []
        self.shown: set[str] = set()
        self.labels: dict[str, dict] = {}
        self.data_runs: set[str] = set()
        self._default: list[dict] | None = None

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(f"report {self.src.name}.md:{line}: {message}")

    # -- run sets
    def pick(self, opt: Option | None, line: int) -> list[dict]:
        """The runs an option names: a list of run references, or a query (site order)."""
        if opt is None:
            return self.default_runs()
        if isinstance(opt.value, list):
            out = []
            for ref in opt.value:
                s, problem = self.runs.find(ref)
                if s is None:
                    raise EmbedProblem(opt.line, f"runs: {problem}")
                if s not in out:
                    out.append(s)
            return out
        text = opt.value.strip()
        if not text:
            return list(self.runs.runs)
        s, _ = self.runs.find(text) if (text in ("best", "last") or text.lstrip("#").isdigit()
                                       or text in self.runs.by_id) else (None, "")
        if s is not None:
            return [s]
        from sitegen.query import QueryError, make_filter
        try:
            matches = make_filter(text)
        except QueryError as e:
            raise EmbedProblem(opt.line, f"runs: {e}") from None
        picked = [s for s, row in zip(self.runs.runs, self.runs.rows) if matches(row)]
        if not picked:
            raise EmbedProblem(opt.line, f"runs: the query {text!r} matches no run")
        return picked

    def default_runs(self) -> list[dict]:
        if self._default is None:
            opt = self.src.front.get("runs")
            self._default = list(self.runs.runs) if opt is None else self.pick(opt, opt.line)
        return self._default

    def use(self, runs: list[dict], drawn: bool = False) -> list[str]:
        """Note runs the page shows; ``drawn``: by report.js, which needs their labels."""
        for s in runs:
            self.shown.add(s["id"])
            if drawn:
                self.labels[s["id"]] = run_label(s)
        return [s["id"] for s in runs]

    def column(self, opt: Option | None, name: str | None = None) -> Column:
        c, problem = self.runs.column(name if name is not None else str(opt.value))
        if c is None:
            raise EmbedProblem(opt.line if opt else 0, problem)
        return c

    def columns(self, opt: Option, default: list[Column]) -> list[Column]:
        if opt is None:
            return default
        names = opt.value if isinstance(opt.value, list) else split_list(opt.value)
        return [self.column(opt, n) for n in names if n.strip()]

    def default_columns(self, runs: list[dict]) -> list[Column]:
        params = sorted({k for s in runs for k in (s.get("params") or {})})
        metrics = sorted({k for s in runs for k in list(s["scalars"]) + list(s["series"])})
        if self.runs.primary in metrics:
            metrics.remove(self.runs.primary)
            metrics.insert(0, self.runs.primary)
        return ([Column("field", "status")] + [Column("param", p) for p in params]
                + [Column("metric", m) for m in metrics])[:12]

    # -- embeds
    def embed(self, e: Embed) -> dict:
        if e.kind not in EMBED_KINDS:
            raise EmbedProblem(e.line, f"unknown embed sitegen-{e.kind} "
                                       f"(known: {', '.join('sitegen-' + k for k in EMBED_KINDS)})")
        for key, opt in e.options.items():
            if key not in OPTIONS[e.kind]:
                raise EmbedProblem(opt.line, f"sitegen-{e.kind} has no option {key!r}"
                                   + _closest(key, sorted(OPTIONS[e.kind])))
        out = getattr(self, f"embed_{e.kind}")(e, e.options)
        out.update(kind=e.kind, line=e.line, title=_text(e.options.get("title")))
        return out

    def embed_chart(self, e: Embed, o: dict[str, Option]) -> dict:
        scale_y = _choice(o.get("y"), ("linear", "log"), "linear")
        if "series" in o:
            name = str(o["series"].value).strip()
            if name not in self.runs.series:
                raise EmbedProblem(o["series"].line, f"unknown series {name!r}"
                                   + _closest(name, sorted(self.runs.series)))
            runs = [s for s in self.pick(o.get("runs"), e.line) if name in s["series"]]
            if not runs:
                raise EmbedProblem(e.line, f"no run of this embed logged the series {name!r}")
            if len(runs) > SERIES_RUNS_MAX:
                raise EmbedProblem(e.line, f"{len(runs)} runs for one series chart (at most "
                                           f"{SERIES_RUNS_MAX}): narrow `runs:`")
            smoothing = _float(o.get("smoothing"), 0.0, 0.0, 0.999)
            x_axis = _choice(o.get("x"), ("step", "wall", "rel"), "step")  # the charts' x axes
            ids = self.use(runs, drawn=True)
            self.data_runs.update(ids)
            return {"mode": "series", "series": name, "runs": ids, "smoothing": smoothing, "y": scale_y,
                    "x": x_axis}
        if "value" not in o or "x" not in o:
            raise EmbedProblem(e.line, "sitegen-chart needs `series: NAME`, or `value: NAME` and "
                                       "`x: NAME` (a value against a parameter)")
        y, x = self.column(o["value"]), self.column(o["x"])
        points = []
        runs = self.pick(o.get("runs"), e.line)
        for s in runs:
            vx, vy = value_of(s, x), value_of(s, y)
            if _number(vy) is not None and (vx is not None):
                points.append([s["id"], vx, vy])
        if not points:
            raise EmbedProblem(e.line, f"no run of this embed has both {x.name!r} and {y.name!r}")
        self.use([self.runs.by_id[p[0]] for p in points], drawn=True)
        return {"mode": "value", "x": x.label, "value": y.label, "points": points, "y": scale_y,
                "x_scale": _choice(o.get("x-scale"), ("auto", "linear", "log"), "auto"),
                "runs": [p[0] for p in points]}

    def embed_table(self, e: Embed, o: dict[str, Option]) -> dict:
        runs = self.pick(o.get("runs"), e.line)
        cols = self.columns(o.get("columns"), self.default_columns(runs))
        if "sort" in o:
            text = str(o["sort"].value).strip()
            desc = text.startswith("-") or text.lower().endswith(" desc")
            name = re.sub(r"\s+(asc|desc)$", "", text.lstrip("-+"), flags=re.I)
            col = self.column(o["sort"], name)
            runs = _sorted(runs, col, desc)
        group = self.column(o["group-by"]) if "group-by" in o else None
        total = len(runs)
        limit = _int(o.get("limit"), TABLE_LIMIT, 1)
        runs = runs[:limit]
        groups: dict[Any, list[dict]] = {}
        for s in runs:
            key = value_of(s, group) if group else None
            groups.setdefault(_text_value(key), []).append(s)
        self.use(runs)
        return {"columns": [c.label for c in cols], "total": total, "shown": len(runs),
                "group_by": group.label if group else None,
                "groups": [{"value": k, "rows": [self.row(s, cols) for s in members]}
                           for k, members in sorted(groups.items(), key=lambda kv: _group_order(kv[0]))]}

    def row(self, s: dict, cols: list[Column]) -> dict:
        return {"id": s["id"], "label": run_label(s), "url": run_url(s),
                "cells": [value_of(s, c) for c in cols]}

    def embed_compare(self, e: Embed, o: dict[str, Option]) -> dict:
        runs = self.pick(o.get("runs"), e.line)
        if not 2 <= len(runs) <= COMPARE_RUNS_MAX:
            raise EmbedProblem(o["runs"].line if "runs" in o else e.line,
                               f"sitegen-compare shows 2 to {COMPARE_RUNS_MAX} runs, not {len(runs)}")
        cols = self.columns(o.get("columns"), [Column("param", p) for p in sorted(
            {k for s in runs for k in (s.get("params") or {})})] + [Column("metric", m) for m in sorted(
                {k for s in runs for k in list(s["scalars"]) + list(s["series"])})])
        diff_only = _bool(o.get("diff-only"), False)
        rows = []
        for c in cols:
            cells = [value_of(s, c) for s in runs]
            differs = len({repr(v) for v in cells}) > 1
            if differs or not diff_only:
                rows.append({"label": c.label, "section": "Parameters" if c.source == "param" else "Metrics",
                             "cells": cells, "differs": differs})
        images = []
        if _bool(o.get("images"), True):
            paths = sorted({out["path"] for s in runs for out in s["outputs"] if out.get("image")})
            for p in paths:
                images.append({"path": p, "cells": [
                    output_path(s, p) if any(out["path"] == p for out in s["outputs"]) else None
                    for s in runs]})
        self.use(runs)
        return {"runs": [{"id": s["id"], "label": run_label(s), "url": run_url(s)} for s in runs],
                "rows": rows, "images": images}

    def embed_parallel(self, e: Embed, o: dict[str, Option]) -> dict:
        """Drawn by the charts' SitegenParallel: runs as {id, number, name, params, metrics} (the
        columns only) and axis keys "p:NAME" / "m:NAME"; coloured by a metric."""
        runs = self.pick(o.get("runs"), e.line)
        default = [Column("param", p) for p in sorted({k for s in runs for k in (s.get("params") or {})})]
        if self.runs.primary and self.runs.primary in self.runs.metrics:
            default.append(Column("metric", self.runs.primary))
        cols = self.columns(o.get("columns"), default)
        for c in cols:
            if c.source == "field":
                raise EmbedProblem(o["columns"].line, f"sitegen-parallel draws parameters and metrics, "
                                                      f"not the run field {c.name!r}")
        if len(cols) < 2:
            raise EmbedProblem(o["columns"].line if "columns" in o else e.line,
                               "sitegen-parallel needs at least two columns (`columns: a, b, c`)")
        color = self.column(o["color"]) if "color" in o else next(
            (c for c in reversed(cols) if c.source == "metric"), None)
        if color is not None and color.source != "metric":
            raise EmbedProblem(o["color"].line, f"color: {color.name!r} is not a metric")
        used = cols + ([color] if color else [])
        rows = []
        for s in runs:
            part = {"param": {}, "metric": {}}
            for c in used:
                v = value_of(s, c)
                if v is not None:
                    part[c.source][c.name] = v
            rows.append({"id": s["id"], "number": s["meta"].get("run_number"), "name": s["meta"].get("name"),
                         "params": part["param"], "metrics": part["metric"]})
        self.use(runs)
        return {"keys": [f"{c.source[0]}:{c.name}" for c in cols], "color": color.name if color else None,
                "rows": rows, "runs": [s["id"] for s in runs]}

    # -- references in the Markdown
    def reference(self, ref: str, is_image: bool) -> str | None:
        line = _line_of(self.src.text, "run:" + ref)
        run_ref, _, rest = ref.partition("/")
        s, problem = self.runs.find(run_ref)
        if s is None:
            self.warn(line, f"run:{ref}: {problem}")
            return None
        self.use([s])
        if not rest:
            if is_image:
                self.warn(line, f"run:{ref}: an image needs a file, e.g. run:{run_ref}/outputs/cm.png")
                return None
            return run_url(s)
        if not rest.startswith("outputs/"):
            self.warn(line, f"run:{ref}: only files under outputs/ can be linked")
            return None
        rel = rest[len("outputs/"):]
        paths = [o["path"] for o in s["outputs"]]
        if rel not in paths:
            self.warn(line, f"run:{ref}: run {run_label(s)} has no published output {rel!r}"
                      + _closest(rel, paths))
            return None
        return output_path(s, rel)


def _line_of(text: str, needle: str) -> int:
    i = text.find(needle)
    return text.count("\n", 0, i) + 1 if i >= 0 else 0


def _text(opt: Option | None) -> str:
    return "" if opt is None else (", ".join(opt.value) if isinstance(opt.value, list) else opt.value)


def _text_value(v: Any) -> Any:
    return v if v is None or isinstance(v, (str, int, float, bool)) else str(v)


def _group_order(v: Any) -> tuple:
    return (v is None, not isinstance(v, (int, float)), v if isinstance(v, (int, float)) else str(v))


def _sorted(runs: list[dict], col: Column, desc: bool) -> list[dict]:
    def key(s: dict) -> tuple:
        v = value_of(s, col)
        n = _number(v)
        if n is not None:
            return (0, -n if desc else n, "")
        return (1 if v is not None else 2, 0, str(v))
    return sorted(runs, key=key)


def _choice(opt: Option | None, choices: tuple[str, ...], default: str) -> str:
    if opt is None:
        return default
    v = str(opt.value).strip().lower()
    if v not in choices:
        raise EmbedProblem(opt.line, f"{v!r} is not one of {', '.join(choices)}")
    return v


def _float(opt: Option | None, default: float, lo: float, hi: float) -> float:
    if opt is None:
        return default
    try:
        v = float(str(opt.value))
    except ValueError:
        v = math.nan
    if not lo <= v <= hi:
        raise EmbedProblem(opt.line, f"{opt.value!r} is not a number from {lo} to {hi}")
    return v


def _int(opt: Option | None, default: int, lo: int) -> int:
    if opt is None:
        return default
    text = str(opt.value).strip()
    if not text.isdigit() or int(text) < lo:
        raise EmbedProblem(opt.line, f"{opt.value!r} is not a whole number ≥ {lo}")
    return int(text)


def _bool(opt: Option | None, default: bool) -> bool:
    if opt is None:
        return default
    v = str(opt.value).strip().lower()
    if v not in ("true", "false", "yes", "no"):
        raise EmbedProblem(opt.line, f"{opt.value!r} is not true or false")
    return v in ("true", "yes")


def resolve(src: ReportSource, runs: Runs, root: str = "../") -> ReportPage:
    """The page of report ``src`` over ``runs``; every mistake is a warning (logged by the caller)
    and, for an embed, an ``{"kind": "error"}`` placeholder."""
    r = _Resolver(src, runs)
    for line, message in src.problems:
        r.warn(line, message)
    try:
        r.default_runs()
    except EmbedProblem as e:
        r.warn(e.line, f"front matter {e.message}")
        r._default = []
    embeds = []
    for e in src.embeds:
        try:
            embeds.append(r.embed(e))
        except EmbedProblem as p:
            r.warn(p.line or e.line, f"sitegen-{e.kind}: {p.message}")
            embeds.append({"kind": "error", "line": p.line or e.line, "embed": f"sitegen-{e.kind}",
                           "message": p.message, "title": ""})
    from sitegen.site import report_markdown  # (Markdown and Jinja: only when a report is made)
    html, math_used = report_markdown.render(src.body, r.reference, root)
    parts: list[Any] = []
    pattern = re.compile(r"<p>SITEGENEMBED(\d+)X</p>")
    pos = 0
    for m in pattern.finditer(html):
        parts.append(html[pos:m.start()])
        parts.append(int(m.group(1)))
        pos = m.end()
    parts.append(html[pos:])
    front = src.front
    return ReportPage(
        name=src.name, title=_text(front.get("title")) or src.name, author=_text(front.get("author")),
        date=_text(front.get("date")), description=_text(front.get("description")),
        parts=[p for p in parts if p != ""], embeds=embeds, runs=dict(sorted(r.labels.items())),
        data_runs=sorted(r.data_runs), shown=sorted(r.shown), math=math_used, warnings=r.warnings)


def load_report(name: str, path: Path) -> ReportSource:
    """Read and parse one report (an unreadable file is a source with one problem)."""
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as e:
        src = parse_report(name, "")
        src.problems.append((0, f"cannot read {path}: {e.strerror or e}"))
        return src
    return parse_report(name, text)


# ---------------------------------------------------------------- freezing

def _frozen_value(r: _Resolver, opt: Option) -> str | None:
    """``runs: [ids]`` for an option naming runs live (a query, ``best``/``last``), else None."""
    if isinstance(opt.value, list) and all(v not in ("best", "last") for v in opt.value):
        return None
    ids = [s["id"] for s in r.pick(opt, opt.line)]
    return f"runs: [{', '.join(ids)}]"


def freeze(src: ReportSource, runs: Runs) -> tuple[str, int]:
    """The report's text with every live run set (queries, ``best``, ``last``, and the implicit
    "all runs") replaced by the run ids it matches now; and how many were replaced. A mistake in a
    run set is a :class:`EmbedProblem` (nothing is written)."""
    r = _Resolver(src, runs)
    changes: dict[int, str] = {}
    lines = src.text.split("\n")

    def indent(n: int) -> str:
        line = lines[n - 1]
        return line[:len(line) - len(line.lstrip())]

    front_lines: list[str] = []
    opt = src.front.get("runs")
    if opt is None:
        front_lines.append(f"runs: [{', '.join(s['id'] for s in runs.runs)}]")
    elif (new := _frozen_value(r, opt)) is not None:
        if isinstance(opt.value, list) and not lines[opt.line - 1].strip().startswith("runs:"):
            raise EmbedProblem(opt.line, "freeze rewrites `runs: [a, b]` lists only; write the list on one line")
        changes[opt.line] = indent(opt.line) + new
    for e in src.embeds:
        opt = e.options.get("runs")
        if opt is not None and (new := _frozen_value(r, opt)) is not None:
            changes[opt.line] = indent(opt.line) + new
    text = rewrite(src.text, changes, front_lines)
    count = len(changes) + len(front_lines)

    def ref(m: re.Match) -> str:
        s, problem = runs.find(m.group(2))
        if s is None:
            raise EmbedProblem(_line_of(src.text, m.group(0)), f"run:{m.group(2)}: {problem}")
        return f"{m.group(1)}run:{s['id']}"
    text, n = re.subn(r"(\]\(\s*)run:(best|last)\b", ref, text)
    return text, count + n


__all__ = ["Runs", "ReportPage", "resolve", "find_reports", "load_report", "report_path", "token"]
