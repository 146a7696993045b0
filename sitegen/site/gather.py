"""Phase 2, *gather*: one summary per run folder, from the build cache when its fingerprint is
unchanged, else read from the store (in worker processes when there are many).

Reading a run also writes the files made from its metrics (its chart data file and, for long series,
their points file) into the new site folder, so metrics.tsv is read once. A summary is a plain JSON-ready dict
(it is kept in the marshal build cache; see :func:`sitegen.site.data.summarize` for its keys).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sitegen.site import data as _data
from sitegen.site import pages as _pages
from sitegen.site.cache import BuildCache
from sitegen.site.fingerprint import Fingerprints
from sitegen.site.render import dumps
from sitegen.site.workers import Progress, run_jobs
from sitegen.store import Store

log = logging.getLogger("sitegen")

RunSummary = dict  # JSON-ready; keys: see sitegen.site.data.summarize


def run_data_path(run_id: str) -> str:
    """A run's chart data file in the site (written when the run is read)."""
    return f"data/runs/{run_id}.js"


def points_data_path(run_id: str) -> str:
    """Every point of a run's downsampled series (written when the run is read, when it has one)."""
    return f"data/points/{run_id}.js"


def metrics_download_path(run_id: str) -> str:
    """A run's metrics.tsv, gzipped, in the site (config ``publish_metrics_tsv``)."""
    return f"{_data.DOWNLOAD_DIR}/{run_id}.tsv.gz"


@dataclass
class Gathered:
    """The runs of this build."""
    summaries: dict[str, RunSummary]  # every run folder with a run.json (skipped ones too), by id
    fresh: set[str]                   # ids read again in this build (the others came from the cache)
    runs: list[RunSummary]            # the published runs (not skipped, not hidden), in site order
    rows: dict[str, str]              # each published run's grid row as JSON, in site order


@dataclass(frozen=True)
class ReadContext:
    """What a worker needs to read a run."""
    store_root: str
    config: object
    site_tmp: str                     # the new site folder being built


def order_key(s: RunSummary) -> tuple:
    """Runs are shown in start order (then run number, then id)."""
    m = s["meta"]
    return (m.get("start_time_utc") or m.get("created_utc") or "", m.get("run_number") or 0, s["id"])


def _reusable(cached: RunSummary | None, fp: list) -> bool:
    if not cached or cached.get("fp") != fp:
        return False
    return bool(cached.get("skip")) or cached["meta"].get("status") != "Running"


def _read(ctx: ReadContext, job: tuple[str, list]) -> RunSummary:
    run_id, fp = job
    return _data.summarize(ctx.store_root, run_id, ctx.config, fp,
                           f"{ctx.site_tmp}/{run_data_path(run_id)}",
                           f"{ctx.site_tmp}/{points_data_path(run_id)}")


def gather(store: Store, config, fingerprints: Fingerprints, cache: BuildCache, site_tmp: Path,
           progress: Progress | None = None, total: int = 0) -> Gathered:
    """Summaries of every run (re-logging the warnings met reading each, also for cached ones, so
    ``--strict`` sees them every build) and the grid rows of the published ones."""
    summaries: dict[str, RunSummary] = {}
    todo: list[tuple[str, list]] = []
    for run_id, fp in fingerprints.runs.items():
        cached = cache.runs.get(run_id)
        if _reusable(cached, fp):
            summaries[run_id] = cached
        else:
            todo.append((run_id, fp))
    context = ReadContext(str(store.root), config, str(site_tmp))
    for s in run_jobs(_read, context, todo, progress, 0, total):
        summaries[s["id"]] = s
    fresh = {run_id for run_id, _ in todo}
    for run_id in sorted(summaries):
        for w in summaries[run_id].get("warnings", []):
            log.warning(w)
    runs = [s for s in summaries.values() if not s.get("skip") and not s.get("hidden")]
    runs.sort(key=order_key)
    rows = {}
    for s in runs:  # a row is a function of its summary: cached with it
        rid = s["id"]
        row = None if rid in fresh else cache.rows.get(rid)
        rows[rid] = row if row is not None else dumps(_pages.index_row(s))
    return Gathered(summaries=summaries, fresh=fresh, runs=runs, rows=rows)
