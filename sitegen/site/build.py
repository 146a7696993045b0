"""``build_site``: the store rendered into a static site, in five phases, each its own module with
plain data between them:

1. *fingerprint* (:mod:`~sitegen.site.fingerprint`): size and mtime of every run's files, hashed with
   the theme, config, pins and promoted outputs. Equal to the last build's and that build had no live
   run and no warning (:class:`~sitegen.site.cache.BuildState`): nothing to do.
2. *gather* (:mod:`~sitegen.site.gather`): a summary per run, from the build cache
   (:class:`~sitegen.site.cache.BuildCache`) when its fingerprint is unchanged, else read from the
   store (kept marshalled in a spill file, :mod:`~sitegen.site.spill`, not in memory); reading a run
   writes its chart data file (and its long series' points file).
3. *plan* (:mod:`~sitegen.site.shape`, :mod:`~sitegen.site.plan`): how runs relate (previous, next,
   best, comparisons), then every file of the site as a :class:`~sitegen.site.plan.PlanEntry`, listed
   by the page kinds of :mod:`sitegen.site.kinds`, with a key for what it is made from: the site-wide
   files at once, the runs' files a batch (a cache shard of runs) at a time.
4. *render* (:mod:`~sitegen.site.renderer`): files whose key changed, or that show a run that changed,
   are made into a new folder next to the site, batch by batch (the next batch is planned while the
   workers render this one's pages; each batch's shard of the cache is written once it is done), so
   memory is bounded by a batch, not by the store.
5. *write* (:mod:`~sitegen.site.write`): the new files (and the cache) make a complete new tree with
   the unchanged ones, which replaces the site in one step. A failure or a kill leaves the old site whole.

The output depends only on the store, theme and config: an incremental build equals a full one byte
for byte.
"""
from __future__ import annotations

import gc
import logging
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from sitegen import store as _store_mod
from sitegen.site import usercharts, write
from sitegen.site.cache import (CACHE_NAME, SECTIONS, STATE_NAME, BuildCache, BuildState, CacheDamaged,
                                owns, run_shard)
from sitegen.site.fingerprint import fingerprint, refresh_stamps
from sitegen.site.theme import BuildError
from sitegen.site.usercharts import chart_runs
from sitegen.site.fileops import same_file
from sitegen.store import Store

if TYPE_CHECKING:  # the phases after the fingerprints are imported when there is something to build
    from sitegen.site.gather import Gathered
    from sitegen.site.plan import Plan, PlanEntry, Totals
    from sitegen.site.renderer import Renderer
    from sitegen.site.shape import SiteShape
    from sitegen.site.workers import Progress

log = logging.getLogger("sitegen")

__all__ = ["BuildError", "BuildResult", "CACHE_NAME", "STATE_NAME", "StrictError", "build_site"]


class StrictError(BuildError):
    """--strict: warnings were logged during the build."""


@dataclass
class BuildResult:
    pages_written: int = 0
    pages_total: int = 0
    warnings: int = 0
    seconds: float = 0.0
    files_written: int = 0
    files_total: int = 0
    runs: int = 0
    site_dir: Path | None = None
    changed: list[str] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)  # seconds per build phase
    mode: str = ""  # "unchanged", "patch" (few files made, the rest linked) or "swap" (a new tree made)

    def summary(self) -> str:
        index = (self.site_dir / "index.html") if self.site_dir else "index.html"
        warn = f", {self.warnings} warning{'s' if self.warnings != 1 else ''}" if self.warnings else ""
        return (f"Built {self.pages_total} pages ({self.pages_written} changed) in "
                f"{self.seconds:.1f} s{warn} → {index}")


def build_site(store: Store, site_dir: Path, config, *, clean: bool = False, strict: bool = False,
               progress: Progress | None = None) -> BuildResult:
    """Render ``store`` into ``site_dir`` (see the module docstring). Raises BuildError (a UserError)
    on failure, leaving the previous site whole; StrictError after warnings when ``strict``."""
    t0 = time.perf_counter()
    site_dir = Path(site_dir).absolute()
    store.check()
    write.recover(site_dir)  # a site a killed build left moved aside
    _check_site_dir(site_dir)
    tmp = site_dir.with_name(f".{site_dir.name}.tmp-{os.getpid()}")
    _remove_stale_temps(site_dir)
    with _counting_warnings() as warnings, _no_cyclic_gc():
        try:
            result = _build(store, site_dir, tmp, config, clean, strict, progress, warnings)
        except OSError as e:
            shutil.rmtree(tmp, ignore_errors=True)
            if str(e.filename or "").startswith(str(tmp)):  # the staging folder beside the site
                raise BuildError(f"can't write the site into {site_dir}: {e.strerror or e} (its "
                                f"folder must be writable; choose another --site-dir)") from None
            raise
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    result.seconds = time.perf_counter() - t0
    return result


def _build(store: Store, site_dir: Path, tmp: Path, config, clean: bool, strict: bool,
           progress: Progress | None, warnings: _Counter) -> BuildResult:
    try:
        return _build_once(store, site_dir, tmp, config, clean, strict, progress, warnings)
    except CacheDamaged as e:  # a shard file went missing or bad since the index named it
        log.info("build cache damaged (%s): building everything again", e)
        warnings.count = 0
        _store_mod._warned.clear()
        return _build_once(store, site_dir, tmp, config, True, strict, progress, warnings)


def _build_once(store: Store, site_dir: Path, tmp: Path, config, clean: bool, strict: bool,
                progress: Progress | None, warnings: _Counter) -> BuildResult:
    lap = _Laps()
    fps = fingerprint(store, config, None if clean else site_dir)
    lap("fingerprint")
    state = None if clean or warnings.count else BuildState.load(site_dir)
    if state and state.settled(fps.inputs):  # same inputs, no live run, no warning: nothing to do
        refresh_stamps(fps, site_dir)
        lap("finish")
        return BuildResult(pages_total=state.pages, runs=fps.run_count, site_dir=site_dir,
                           phases=lap.phases, mode="unchanged")
    from sitegen.site.gather import gather  # (Jinja, the page kinds: not needed when nothing changed)
    from sitegen.site.plan import plan
    from sitegen.site.renderer import Renderer
    from sitegen.site.shape import shape
    cache = None if clean else BuildCache.load(site_dir)
    lap("load cache")
    _new_folder(tmp)
    total = fps.run_count + len(fps.ids) * 3 + 10  # progress steps: reading runs, then pages
    gathered = gather(store, config, fps, cache, tmp, progress, total)
    fps.runs = fps.texts = {}  # (the slims have what is needed of them: ~0.7 KB a run)
    lap("read runs")
    site_shape = shape(store, config, gathered, cache)
    lap("shape")
    charts = usercharts.load(config)
    site_plan = plan(store, config, gathered, site_shape, fps.common, charts, cache)
    batches = site_plan.batches()
    first: dict = {}
    patch = planned = False
    if cache is not None and len(batches) <= 1:  # few runs planned again: patch if few files change
        first = site_plan.plan_runs(batches.pop()) if batches else {}
        site_plan.record(first)
        patch = len(site_plan.todo(first, site=True)) * 4 < site_plan.totals().files
        planned = True
    new_cache = _next_cache(gathered, site_plan, cache, None if planned else tmp)
    _cache_files(new_cache, cache, first)
    live = any(s["meta"].get("status") == "Running" for s in gathered.slims.values() if not s["skip"])
    lap("plan")

    def new_state(totals: Totals) -> BuildState:
        return BuildState(fps.inputs, live, warnings.count, totals.pages, fps.stamps_bytes(gathered.slims))

    if planned and _nothing_to_change(site_plan, first, str(site_dir), str(tmp)):
        totals = _finish_cache(new_cache, site_plan)
        gathered.fresh.close()
        _check_strict(strict, warnings, "")
        write.keep(site_dir, tmp, new_cache, new_state(totals),
                   refresh_cache=bool(gathered.fresh) or bool(new_cache.dirty)
                   or new_cache.site_keys != cache.site_keys)
        lap("finish")
        return BuildResult(pages_total=totals.pages, warnings=warnings.count, files_total=totals.files,
                           runs=len(gathered.runs), site_dir=site_dir, phases=lap.phases, mode="unchanged")

    pages = sum(e.is_page for e in site_plan.site.values()) + len(site_plan.order)  # at most
    with Renderer(str(tmp), str(site_dir) if cache else None, patch, config, site_shape.site, str(site_dir),
                  pages, progress, len(gathered.fresh) + len(fps.ids), total, charts=charts,
                  store_root=str(store.root), runs=chart_runs(site_plan.input) if charts is not None else []) as r:
        _make_all(r, site_plan, first, batches, new_cache, keep_unchanged=cache is not None and not patch,
                  flush=not planned)
        made = r.finish()
    gathered.fresh.close()
    totals = _finish_cache(new_cache, site_plan)
    lap("render pages")
    _check_strict(strict, warnings, "; the previous site was left as it was")
    removed = site_plan.removed()
    if patch:
        write.patch(site_dir, tmp, made.files + made.pages, removed, new_cache, new_state(totals))
    else:
        write.swap(site_dir, tmp, new_cache, new_state(totals),
                   changed=made.files + made.pages + removed if cache else None)
    lap("finish")
    if progress:
        progress(total, total)
    return BuildResult(pages_written=len(made.pages), pages_total=totals.pages, warnings=warnings.count,
                       files_written=len(made.files) + len(made.pages), files_total=totals.files,
                       runs=len(gathered.runs), site_dir=site_dir, changed=sorted(made.pages + made.files),
                       phases=lap.phases, mode="patch" if patch else "swap")


def _make_all(r: Renderer, site_plan: Plan, first: dict, batches: list[list[str]], new_cache: BuildCache,
              keep_unchanged: bool, flush: bool) -> None:
    """Make the site-wide files and the runs' files, one batch of runs planned at a time (the next
    is planned while the workers render the last one's pages). ``keep_unchanged``: a swap build
    over a previous site, which links every unchanged file (the kept runs' too) into the new tree;
    ``flush``: write each batch's shard of the cache into it at once (a swap build)."""
    def unchanged(entries: list[PlanEntry], todo: list[PlanEntry]) -> list[PlanEntry]:
        made = set(map(id, todo))
        return [e for e in entries if id(e) not in made] if keep_unchanged else []

    todo = site_plan.todo(first, site=True)
    r.make(todo, unchanged(_entries(site_plan.site, first), todo))
    for ids in batches:
        runs = site_plan.plan_runs(ids)
        site_plan.record(runs)
        _cache_files(new_cache, site_plan.input.old, runs)
        todo = site_plan.todo(runs)
        r.make(todo, unchanged(_entries({}, runs), todo))
        if flush:  # the batch's shard of the cache is done: into the new tree, out of memory
            for shard in {run_shard(new_cache.slims[rid]) for rid in ids}:
                for section in SECTIONS:
                    new_cache.flush(shard, section, Path(r.tmp))
        _forget_links(site_plan.input.shape)
    if keep_unchanged:
        for ids in site_plan.kept():
            again = [rid for rid in ids if r.link(site_plan.kept_paths(rid))]
            if again:  # a file of a kept run was removed by hand: make that run's files again
                runs = site_plan.plan_runs(again)
                site_plan.record(runs)
                _cache_files(new_cache, site_plan.input.old, runs)
                r.make([e for files in runs.values() for e in files.values()
                        if not os.path.exists(os.path.join(r.tmp, e.path))])


def _forget_links(shape: SiteShape) -> None:
    """Let the links made for a batch's pages go (the shape makes them again if asked: ~0.5 KB a run)."""
    for made in (shape.family, shape.labels, shape.compare_links):
        made.clear()


def _entries(site: dict, runs: dict) -> list[PlanEntry]:
    return list(site.values()) + [e for files in runs.values() for e in files.values()]


def _nothing_to_change(site_plan: Plan, runs: dict, old: str, tmp: str) -> bool:
    """No page to render, the same files, and the only files made (data files of runs read again)
    came out with their previous bytes (``runs``: every run planned again)."""
    todo = site_plan.todo(runs, site=True)
    if any(e.is_page for e in todo) or site_plan.added(runs) or site_plan.removed():
        return False
    return all(e.produce is None and e.forced and same_file(os.path.join(old, e.path), os.path.join(tmp, e.path))
               for e in todo)


def _canonical_names(gathered: Gathered) -> list:
    """The name-set table in order of first use by run id, without unused sets (so an incremental
    build leaves the same cache as a full one); renumbers ``slim["names"]``."""
    table, renumber = [], {}
    for slim in gathered.slims.values():
        i = renumber.get(slim["names"])
        if i is None:
            i = renumber[slim["names"]] = len(table)
            table.append(gathered.names[slim["names"]])
        slim["names"] = i
    return table


def _next_cache(gathered: Gathered, site_plan: Plan, old: BuildCache | None, tree: Path | None) -> BuildCache:
    """The cache this build leaves: every run's slim record, and in the shards the summaries and rows
    of the runs read again (the rest is the last build's); the files of the runs planned again are
    added as they are planned (:func:`_cache_files`), the totals last (:func:`_finish_cache`).
    ``tree``: the new tree the cache will be saved in (a swap build), where each shard's summaries
    and rows are written at once instead of being held to the end."""
    new = old.derive() if old is not None else BuildCache()
    new.slims, new.names = gathered.slims, _canonical_names(gathered)
    new.site_keys = {path: e.key for path, e in site_plan.site.items()}
    olds = old.slims if old is not None else {}
    for rid in olds.keys() - gathered.slims.keys():  # run folders gone
        for section in SECTIONS:
            new.drop(run_shard(olds[rid]), section, rid, old)
    shards: dict[str, list[str]] = {}
    for rid in gathered.fresh:
        shards.setdefault(run_shard(gathered.slims[rid]), []).append(rid)
    for shard, ids in shards.items():
        for rid in ids:
            slim = gathered.slims[rid]
            if rid in olds and run_shard(olds[rid]) != shard:  # its run number moved it
                for section in SECTIONS:
                    new.drop(run_shard(olds[rid]), section, rid, old)
            new.put(shard, "runs", rid, gathered.fresh[rid], old)
            if slim["skip"] or slim["hidden"]:
                new.drop(shard, "rows", rid, old)
                new.drop(shard, "files", rid, old)
            else:
                new.put(shard, "rows", rid, gathered.row(rid), old)
        if tree is not None:
            new.flush(shard, "runs", tree)
            new.flush(shard, "rows", tree)
    for rid in site_plan.input.shape.removed & gathered.slims.keys():  # no longer published
        new.drop(run_shard(gathered.slims[rid]), "files", rid, old)
    return new


def _cache_files(new: BuildCache, old: BuildCache | None, runs: dict[str, dict[str, PlanEntry]]) -> None:
    from sitegen.site.plan import run_files_record
    """The files of these planned runs, in their shards of the cache this build leaves."""
    for rid, files in runs.items():
        new.put(run_shard(new.slims[rid]), "files", rid, run_files_record(files), old)


def _finish_cache(new: BuildCache, site_plan: Plan) -> Totals:
    """What the runs' files were planned with, and the site's totals (once every batch is planned)."""
    totals = site_plan.totals()
    new.info = {"salt": site_plan.input.page_salt, "primary": site_plan.input.shape.primary,
                "run_pages": totals.run_pages, "run_files": totals.run_files}
    return totals


# ---------------------------------------------------------------- helpers

class _Laps:
    """Seconds per phase (``BuildResult.phases``): ``lap(name)`` ends the phase ``name``."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}
        self.last = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name] = round(self.phases.get(name, 0.0) + now - self.last, 4)
        self.last = now


class _Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


@contextmanager
def _counting_warnings() -> Iterator[_Counter]:
    """Count the warnings logged during the build (every build reports its own: serve rebuilds)."""
    counter = _Counter()
    logger = logging.getLogger("sitegen")
    logger.addHandler(counter)
    _store_mod._warned.clear()
    try:
        yield counter
    finally:
        logger.removeHandler(counter)


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """The build holds about a million long-lived objects (run summaries, the keys of every file) and
    makes few reference cycles: the cyclic collector's full passes over them cost more than a third
    of an incremental build at 10,000 runs. Off for the build; pool workers turn it back on."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _check_strict(strict: bool, warnings: _Counter, note: str) -> None:
    if strict and warnings.count:
        raise StrictError(f"{warnings.count} warning(s) during the build (--strict){note}")


def _check_site_dir(site_dir: Path) -> None:
    if site_dir.exists():
        if not site_dir.is_dir():
            raise BuildError(f"{site_dir} is a file, not a folder; choose another --site-dir")
        if not owns(site_dir) and any(site_dir.iterdir()):
            raise BuildError(f"{site_dir} exists and was not made by `sitegen build` (no {CACHE_NAME}); "
                             f"remove it or choose another --site-dir")


def _new_folder(tmp: Path) -> None:
    """The folder the new files are made in (gathering writes data files and downloads into it)."""
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    (tmp / "data" / "runs").mkdir(parents=True)


def _remove_stale_temps(site_dir: Path) -> None:
    """Temp folders of builds that were killed (their process is gone) would stay forever."""
    for pattern in (f".{site_dir.name}.tmp-*", f".{site_dir.name}.old-*"):
        for stale in site_dir.parent.glob(pattern):
            pid = stale.name.rsplit("-", 1)[-1]
            if pid.isdigit() and int(pid) != os.getpid() and not _store_mod.pid_alive(int(pid)):
                shutil.rmtree(stale, ignore_errors=True)
