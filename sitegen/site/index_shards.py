"""The dashboard's data in pieces: ``data/index.js`` is a small manifest (names of values, parameters
and tags, the primary metric, the shards to load) and the grid's rows are in shards
``data/index/runs-<k>.js``, one per block of :data:`SHARD` run numbers (``runs-x.js``: runs
without a number). A new or changed run rewrites its own shard and, only when what it names
changes, the manifest. The browser loads the newest shard first (the grid's default order is newest
first), so the first rows show before the rest is in.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from sitegen.site.cache import SHARD_RUNS, shard_of
from sitegen.site.render import dumps

SHARD = SHARD_RUNS  # run numbers per shard (~330 bytes a row with 20 parameters and 10 values)
ROWS_VAR = "SITEGEN_ROWS"
MANIFEST = "data/index.js"


def shard_name(run_number: Any) -> str:
    """The shard a run's row goes to, by its run number: ``runs-<number // SHARD>`` (the build
    cache's shard: :func:`sitegen.site.cache.shard_of`)."""
    return f"runs-{shard_of(run_number)}"


def shard_path(name: str) -> str:
    return f"data/index/{name}.js"


def load_order(name: str) -> tuple:
    """Newest block first; the runs without a number last."""
    return (1, 0) if name == "runs-x" else (0, -int(name[5:]))


def shards(runs: Iterable[dict], rows: dict[str, str]) -> dict[str, list[str]]:
    """Each shard's rows (JSON text), in site order, by shard name."""
    out: dict[str, list[str]] = {}
    for s in runs:
        out.setdefault(shard_name(s["meta"].get("run_number")), []).append(rows[s["id"]])
    return {k: out[k] for k in sorted(out, key=load_order)}


ROW_FIELDS = ("id", "number", "name", "script", "status", "start", "duration", "tags", "parent")


def columnar(rows: Iterable[dict]) -> dict:
    """Rows as a shard stores them: the names of their parameters and values once per *shape* (each
    distinct pair of name lists, in order; a sweep has one), each row a list: its shape, the
    :data:`ROW_FIELDS`, its parameters' values, its values' values (~40% of the row objects' JSON at
    20 parameters and 10 values). :func:`rows_of` gives the rows back; so does the browser
    (``SitegenShards.rows``)."""
    shapes: list[list[list[str]]] = []
    at: dict[tuple, int] = {}
    out = []
    for r in rows:
        params, values = r.get("params") or {}, r.get("values") or {}
        key = (tuple(params), tuple(values))
        if key not in at:
            at[key] = len(shapes)
            shapes.append([list(params), list(values)])
        out.append([at[key], *(r.get(f) for f in ROW_FIELDS), *params.values(), *values.values()])
    return {"shapes": shapes, "rows": out}


def rows_of(data: Any) -> list[dict]:
    """The rows of a shard's data (:func:`columnar`; a list of row objects is returned as it is)."""
    if isinstance(data, list):
        return data
    out = []
    n = len(ROW_FIELDS)
    for a in data["rows"]:
        params, values = data["shapes"][a[0]]
        row = dict(zip(ROW_FIELDS, a[1:n + 1]))
        row["params"] = dict(zip(params, a[n + 1:n + 1 + len(params)]))
        row["values"] = dict(zip(values, a[n + 1 + len(params):]))
        out.append(row)
    return out


def shard_js(name: str, rows_json: list[str]) -> str:
    """A shard's file: ``(window.SITEGEN_ROWS = … || {})["runs-3"] = JSON.parse("{shapes, rows}");``
    — the rows :func:`columnar`, as a JSON string: V8 parses that about twice as fast as the same
    object literal."""
    data = columnar(json.loads(t) for t in rows_json)
    return (f"(window.{ROWS_VAR}=window.{ROWS_VAR}||{{}})[{dumps(name)}]="
            f"JSON.parse({dumps(dumps(data))});\n")


def param_tag_names(runs: Iterable[dict]) -> dict[str, list[str]]:
    """``params``, ``numeric_params`` (a parameter with an int or float value somewhere, not a bool)
    and ``tags``: the sorted names over the runs' full summaries."""
    params: set[str] = set()
    numeric: set[str] = set()
    tags: set[str] = set()
    for s in runs:
        for k, v in (s.get("params") or {}).items():
            params.add(k)
            if type(v) in (int, float):
                numeric.add(k)
        tags.update((s["meta"].get("tags") or {}).keys())
    return {"params": sorted(params), "numeric_params": sorted(numeric), "tags": sorted(tags)}


def manifest(counts: dict[str, int], names: dict[str, list[str]], extra: dict) -> dict:
    """What the grid needs before any row: the run count, the shards ([path, rows], in load order:
    ``counts`` is by shard name), the names (``params``, ``numeric_params``, ``tags``: see
    :func:`param_tag_names`) plus ``extra`` (goal, primary, scalars, scripts, series)."""
    order = sorted(counts, key=load_order)
    return dict(extra, **names, count=sum(counts.values()),
                shards=[[shard_path(k), counts[k]] for k in order])


def manifest_js(data: dict) -> str:
    return f"window.SITEGEN_INDEX={dumps(data)};\n"


def index_files(site: Path) -> list[Path]:
    """The manifest and the shard files of a built site."""
    site = Path(site)
    return [site / MANIFEST] + sorted((site / "data" / "index").glob("*.js"))


def read_index(site: Path) -> dict:
    """The manifest with every row under ``"runs"``, in load order (for tests and tools)."""
    site = Path(site)
    data = _js_value(site / MANIFEST, "window.SITEGEN_INDEX=")
    runs: list[dict] = []
    for path, _ in data["shards"]:
        text = (site / path).read_text("utf-8")
        runs.extend(rows_of(json.loads(json.loads(text[text.index("JSON.parse(") + 11:].rstrip().rstrip(";").rstrip(")")))))
    data["runs"] = runs
    return data


def _js_value(path: Path, prefix: str) -> Any:
    text = path.read_text("utf-8")
    assert text.startswith(prefix), path
    return json.loads(text[len(prefix):].rstrip().rstrip(";"))
