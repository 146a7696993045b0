"""Phase 2, *gather*: every run folder's slim record, from the build cache when its fingerprint is
unchanged, else read from the store (in worker processes when there are many).

Reading a run also writes the files made from its metrics (its chart data file and, for long series,
their points file) into the new site folder, so metrics.tsv is read once. A run's full summary is a
plain JSON-ready dict (see :func:`sitegen.site.data.summarize` for its keys); the runs read in this
build keep it marshalled (~1 KB, against ~5 KB as objects), the others' are loaded from their cache
shard; :meth:`Gathered.summary` gives the dict when a page needs it. What every run contributes to site-wide files is its slim record
(:func:`sitegen.site.cache.slim_of`) and its set of logged names (:func:`names_of`).
"""
from __future__ import annotations

import logging
import marshal
import os
import sys
from dataclasses import dataclass
from functools import partial
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from sitegen.site import data as _data
from sitegen.site import pages as _pages
from sitegen.site.cache import MARSHAL_FORMAT, BuildCache, Raw, slim_of
from sitegen.site.fingerprint import Fingerprints
from sitegen.site.render import dumps
from sitegen.site.spill import SPILL_NAME, Spill
from sitegen.site.workers import Progress, iter_jobs
from sitegen.store import Store

log = logging.getLogger("sitegen")

RunSummary = dict  # JSON-ready; keys: see sitegen.site.data.summarize
# What a run's set of logged names holds, in this order (see names_of)
NAME_KINDS = ("scalars", "numeric_scalars", "logged_scalars", "series", "params", "numeric_params", "tags")
_NONFINITE = ("NaN", "inf", "-inf")
_BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")  # read when numpy loads its BLAS


def run_data_path(run_id: str) -> str:
    """A run's chart data file in the site (written when the run is read)."""
    return f"data/runs/{run_id}.js"


def points_data_path(run_id: str) -> str:
    """Every point of a run's downsampled series (written when the run is read, when it has one)."""
    return f"data/points/{run_id}.js"


def metrics_download_path(run_id: str) -> str:
    """A run's metrics.tsv, gzipped, in the site (config ``publish_metrics_tsv``)."""
    return f"{_data.DOWNLOAD_DIR}/{run_id}.tsv.gz"


def names_of(s: RunSummary) -> tuple:
    """The names a run logged, one tuple per :data:`NAME_KINDS`: its scalars, those that are numbers,
    those that count as logged numbers (non-finite ones too), its series, parameters, parameters
    with a number, and tags."""
    if s.get("skip"):
        return ((),) * len(NAME_KINDS)
    sc, params = s["scalars"], s.get("params") or {}
    return (tuple(sc), tuple(k for k, v in sc.items() if _data.is_number(v)),
            tuple(k for k, v in sc.items() if _data.is_number(v) or v in _NONFINITE),
            tuple(s["series"]), tuple(params), tuple(k for k, v in params.items() if type(v) in (int, float)),
            tuple(sorted((s["meta"].get("tags") or {}).keys())))


@dataclass
class Gathered:
    """The runs of this build."""
    slims: dict[str, dict]            # every run folder with a run.json (skipped ones too), by id
    fresh: Spill                      # the runs read again in this build: their summary, marshalled
    runs: list[dict]                  # the published runs (not skipped, not hidden): slim, site order
    names: list                       # the name sets (slim["names"] indexes it; see names_of)
    old: BuildCache | None = None     # the previous build's cache (the other runs' summaries)

    def summary(self, run_id: str) -> RunSummary:
        """A run's full summary: read in this build, or from its cache shard (a new dict each call)."""
        got = self.fresh.get(run_id)
        return marshal.loads(got) if got is not None else self.old.get(run_id, "runs")

    def row(self, run_id: str) -> str:
        """A published run's grid row as JSON (a function of its summary: cached with it)."""
        if run_id in self.fresh:
            got = self.fresh.row(run_id)
        else:
            got = self.old.get(run_id, "rows") if self.old is not None else None
        return got if got is not None else dumps(_pages.index_row(self.summary(run_id)))

    @property
    def rows(self) -> dict[str, str]:
        """Every published run's grid row, in site order (loads every shard's rows)."""
        return {s["id"]: self.row(s["id"]) for s in self.runs}


class Read(NamedTuple):
    """What reading a run sends back to the build's process: not the summary's objects (pickling
    them back and keeping 50,000 of them was most of a full build's memory) but its bytes."""
    slim: dict                        # slim_of(summary) (names: set by gather)
    names: tuple                      # names_of(summary)
    blob: Raw                         # the summary, marshalled as the cache stores it
    row: str | None                   # its grid row (published runs)


@dataclass(frozen=True)
class ReadContext:
    """What a worker needs to read a run."""
    store_root: str
    config: object
    site_tmp: str                     # the new site folder being built


def order_key(s: dict) -> tuple:
    """Runs are shown in start order (then run number, then id); ``s``: a summary or slim record."""
    m = s["meta"]
    return (m.get("start_time_utc") or m.get("created_utc") or "", m.get("run_number") or 0, s["id"])


def _read(ctx: ReadContext, job: tuple[str, list]) -> Read:
    run_id, fp = job
    s = _data.summarize(ctx.store_root, run_id, ctx.config, fp, f"{ctx.site_tmp}/{run_data_path(run_id)}",
                        f"{ctx.site_tmp}/{points_data_path(run_id)}")
    row = None if s.get("skip") or s.get("hidden") else dumps(_pages.index_row(s))
    return Read(slim_of(s, "", -1), names_of(s), Raw(marshal.dumps(s, MARSHAL_FORMAT)), row)


def _warm(n_jobs: int) -> None:
    """Before the read workers are forked: import what reading a run imports on first use, so the
    workers inherit it instead of each importing it (numpy too when each worker would import it
    anyway: :data:`~sitegen.site.runpack.NUMPY_AFTER`; ~0.1 CPU s a process, and the files before it
    are encoded the slow way)."""
    import sitegen.site.comparedata  # noqa: F401
    import sitegen.site.runpack as runpack
    if n_jobs > runpack.NUMPY_AFTER and "numpy" not in sys.modules:
        _import_numpy()


def _import_numpy() -> None:
    """numpy, without OpenBLAS's thread pool (the build uses no BLAS: its threads' start is half
    of numpy's import, ~0.04 CPU s) unless the environment asks for threads; the environment is
    left as it was."""
    names = [n for n in _BLAS_THREADS if n not in os.environ]
    os.environ.update(dict.fromkeys(names, "1"))
    try:
        import numpy  # noqa: F401
    finally:
        for n in names:
            os.environ.pop(n, None)


def gather(store: Store, config, fingerprints: Fingerprints, cache: BuildCache | None, site_tmp: Path,
           progress: Progress | None = None, total: int = 0) -> Gathered:
    """Slim records of every run, full summaries of the runs read again (re-logging the warnings met
    reading each, also for cached ones, so ``--strict`` sees them every build)."""
    cached = cache.slims if cache is not None else {}
    texts = fingerprints.texts
    # read again: a run not in the cache, whose fingerprint moved, or still running (its liveness)
    todo = [rid for rid, text in texts.items() if (c := cached.get(rid)) is None or c["fp"] != text
            or (not c["skip"] and c["meta"].get("status") == "Running")]
    context = ReadContext(str(store.root), config, str(site_tmp))
    fresh, spill = {}, Spill(Path(site_tmp) / SPILL_NAME)
    jobs = ((rid, fingerprints.fp(rid)) for rid in todo)
    add = spill.add
    for slim, names, blob, row in iter_jobs(_read, context, jobs, len(todo), progress, 0, total,
                                            warm=partial(_warm, len(todo))):
        add(slim["id"], blob, row)
        fresh[slim["id"]] = (slim, names)
    table = list(cache.names) if cache is not None else []
    index = {names: i for i, names in enumerate(table)}
    slims: dict[str, dict] = dict(zip(texts, map(cached.get, texts)))  # in id order; (in C)
    for rid in sorted(fresh):  # the runs read again (the others' cached records are theirs)
        slim, names = fresh[rid]
        i = index.get(names)
        if i is None:
            i = index[names] = len(table)
            table.append(names)
        slims[rid] = slim
        slim["fp"], slim["names"] = texts[rid], i
    for warned in filter(None, map(itemgetter("warnings"), slims.values())):  # (in id order)
        for w in warned:
            log.warning(w)
    runs = [s for s in slims.values() if not s["skip"] and not s["hidden"]]
    runs.sort(key=order_key)
    return Gathered(slims=slims, fresh=spill, runs=runs, names=table, old=cache)
