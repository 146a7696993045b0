"""Charts of your own, in Python: the config key ``charts = "sitegen_charts.py"`` names a module whose
functions return Altair charts, drawn into the pages.

- ``run_<name>(points)``: on every run page; ``points`` is a pandas DataFrame of the run's logged
  numbers, one row a point: ``run_id``, ``run`` (its label, ``#3 name``), ``metric``, ``step``,
  ``value``.
- ``compare_<name>(points)``: on every precomputed comparison; the same columns for its runs.
- ``dashboard_<name>(runs)``: on the dashboards; one row a run: ``run_id``, ``number``, ``name``,
  ``script``, ``status`` and a column per metric (a series by its last value).

Charts are rendered when their page is (a run page only when its run changed), their data inlined
(offline: a chart reading a URL is refused), and their Vega-Lite JSON put into the page through the
same escape as every other JSON (``</script>`` in a name stays text). A function that raises stops the
build with one line naming it; the previous site stays as it was.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from sitegen.site.theme import BuildError

KINDS = ("run", "compare", "dashboard")
PAGE_KIND = {"run.html": "run", "compare.html": "compare", "dashboard.html": "dashboard"}


@dataclass(frozen=True)
class UserCharts:
    """The functions of the charts module, by the kind of page they draw on."""
    path: str
    functions: dict[str, list[tuple[str, Callable]]] = field(default_factory=dict)

    def has(self, kind: str) -> bool:
        return bool(self.functions.get(kind))


def charts_path(config) -> Path | None:
    if not getattr(config, "charts", None):
        return None
    path = Path(config.charts)
    return path if path.is_absolute() else Path(config.base_dir) / path


def charts_key(config) -> str:
    """What the user charts depend on: the module's bytes (empty when none is configured)."""
    path = charts_path(config)
    if path is None:
        return ""
    try:
        return hashlib.sha1(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"


def load(config) -> UserCharts | None:
    """Import the configured module (None when ``charts`` is not set)."""
    path = charts_path(config)
    if path is None:
        return None
    if not path.is_file():
        raise BuildError(f"charts module {path} does not exist; fix `charts` in "
                         f"{config.source or 'sitegen.toml'}")
    spec = importlib.util.spec_from_file_location(f"sitegen_user_charts_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as e:
        raise BuildError(f"charts module {path.name} failed to load: {type(e).__name__}: {e}") from None
    functions: dict[str, list[tuple[str, Callable]]] = {k: [] for k in KINDS}
    for name in sorted(vars(module)):
        fn = getattr(module, name)
        kind = name.split("_", 1)[0]
        if kind in KINDS and "_" in name and callable(fn) and getattr(fn, "__module__", None) == module.__name__:
            functions[kind].append((name, fn))
    return UserCharts(str(path), functions)


# ---------------------------------------------------------------- data for the functions

def _number(v: Any) -> float | None:
    t = type(v)
    if t is int or (t is float and v == v and v not in (float("inf"), float("-inf"))):
        return float(v)
    return None


def points_frame(store_root: str, runs: list[tuple[str, str]]):
    """The points of ``runs`` ([(run_id, label)]) as a long DataFrame (numbers only)."""
    import pandas as pd
    from sitegen.store import Store
    store = Store(store_root)
    cols: dict[str, list] = {"run_id": [], "run": [], "metric": [], "step": [], "value": []}
    for run_id, label in runs:
        for metric, series in store.metrics(run_id).items():
            for step, value in zip(series.steps, series.values):
                v = _number(value)
                if v is not None:
                    cols["run_id"].append(run_id)
                    cols["run"].append(label)
                    cols["metric"].append(metric)
                    cols["step"].append(step)
                    cols["value"].append(v)
    return pd.DataFrame(cols)


def chart_run(s: dict) -> dict:
    """What :func:`runs_frame` reads of a run's summary (dashboards chart every run: not whole summaries)."""
    m = s["meta"]
    return {"id": s["id"], "meta": {k: m.get(k) for k in ("run_number", "name", "script_name", "status")},
            "series": {k: {"last": st["last"]} for k, st in s["series"].items()}, "scalars": s["scalars"]}


def chart_runs(site) -> list[dict]:
    """:func:`chart_run` of every published run of ``site`` (a PlanInput), in site order."""
    return site.full_runs(chart_run)


def runs_frame(summaries: list[dict]):
    """One row per run: its fields and a column per metric (a series by its last value)."""
    import pandas as pd
    rows = []
    for s in summaries:
        m = s["meta"]
        row = {"run_id": s["id"], "number": m.get("run_number"), "name": m.get("name"),
               "script": m.get("script_name"), "status": m.get("status")}
        for k, st in s["series"].items():
            row[k] = _number(st["last"])
        for k, v in s["scalars"].items():
            row[k] = _number(v)
        rows.append(row)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- rendering

def _urls(spec: Any) -> bool:
    """Whether a spec loads data from a URL anywhere (charts must work offline)."""
    if isinstance(spec, dict):
        data = spec.get("data")
        if isinstance(data, dict) and "url" in data:
            return True
        return any(_urls(v) for v in spec.values())
    if isinstance(spec, list):
        return any(_urls(v) for v in spec)
    return False


def for_page(charts: UserCharts, template: str, ctx: dict, store_root: str, runs: list[dict]) -> list[dict]:
    """The user charts of one page (none for pages of other kinds)."""
    kind = PAGE_KIND.get(template)
    if kind is None or not charts.has(kind):
        return []
    if kind == "run":
        from sitegen.site.pages import run_label
        frame = points_frame(store_root, [(ctx["run"]["id"], run_label(ctx["run"]))])
    elif kind == "compare":
        frame = points_frame(store_root, [(r["id"], r["label"]) for r in ctx["runs"]])
    else:
        scope = ctx["scope"]
        frame = runs_frame([s for s in runs if scope is None or (s["meta"].get("script_name") or "") == scope])
    return render(charts, kind, frame)


def render(charts: UserCharts, kind: str, frame) -> list[dict]:
    """``[{"name", "title", "spec"}]`` for the functions of ``kind`` called with ``frame``."""
    import altair as alt
    out = []
    where = os.path.basename(charts.path)
    for name, fn in charts.functions.get(kind, []):
        try:
            chart = fn(frame.copy())
            if not isinstance(chart, alt.TopLevelMixin):
                raise BuildError(f"charts: {where}: {name}() must return an Altair chart, "
                                 f"not {type(chart).__name__}")
            with alt.data_transformers.enable("default", max_rows=None):
                spec = chart.to_dict()
            json.dumps(spec, allow_nan=False)
        except BuildError:
            raise
        except Exception as e:
            first = (str(e).strip().splitlines() or [""])[0]
            raise BuildError(f"charts: {where}: {name}() failed: {type(e).__name__}: {first}") from None
        if _urls(spec):
            raise BuildError(f"charts: {where}: {name}() reads data from a URL; pass a DataFrame "
                             f"(the site works offline)")
        out.append({"name": name, "title": name.split("_", 1)[1].replace("_", " "), "spec": spec})
    return out
