"""Phase 3b, *plan*: every file of the site, with a key standing for what it is made from.

The page kinds in :mod:`sitegen.site.kinds` each list their files as :class:`PlanEntry` objects: the
site-wide ones with ``plan(site)``, every build, and a run's own ones with ``plan_run(site, summary)``,
only for the runs whose files may differ from the last build's (:attr:`PlanInput.replan`: read again,
new, their links changed, or everything when a site-wide key changed). The other runs' files are the
last build's, with the keys their cache shard keeps, and are not listed again unless the whole site
is (a swap build: :meth:`Plan.complete`). A file whose key equals the previous build's is taken from
the previous site unless it is ``forced`` (a run it shows changed).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable, Iterable

from sitegen.site.cache import BuildCache, run_shard
from sitegen.site.fileops import copy_file, write_bytes
from sitegen.site.fingerprint import key
from sitegen.site.gather import Gathered, RunSummary
from sitegen.site.kinds import all_kinds
from sitegen.site.shape import SiteShape
from sitegen.site.usercharts import UserCharts
from sitegen.store import Store


@dataclass(slots=True)
class PlanEntry:
    """One file of the site. A page has a ``template`` and a ``context`` (a dict, or a function
    making it: called only if the page is rendered); any other file has ``produce(dest)`` writing it,
    or none when gathering made it (a run's data file and metrics download) or it is kept as the last
    build left it (:meth:`PlanInput.keep`)."""
    path: str
    key: str
    template: str | None = None
    context: Any = None
    produce: Callable[[str], None] | None = None
    forced: bool = False

    @property
    def is_page(self) -> bool:
        return self.template is not None


@dataclass
class PlanInput:
    """What the page kinds plan from (see the module docstring and README's *How the build works*)."""
    store: Store
    config: Any
    gathered: Gathered
    shape: SiteShape
    common: str                 # digest of the theme, the config and the versions
    charts: UserCharts | None = None  # the user's chart functions (sitegen.site.usercharts)
    old: BuildCache | None = None     # the last build's cache
    site_key: str = ""          # ... and of what every page shows
    page_salt: str = ""         # ... and of the store's place (run pages name it)
    replan: set[str] = field(default_factory=set)  # runs whose plan_run is called
    store_root: str = ""        # the store's absolute path (run pages name it)
    _members: dict[str, list[str]] | None = None

    def __post_init__(self) -> None:
        self.site_key = key(self.common, self.shape.site)
        self.store_root = str(self.store.root.absolute())
        self.page_salt = key(self.site_key, self.store_root)
        published = {s["id"] for s in self.shape.runs}
        if self.old is None or self.old.info.get("salt") != self.page_salt:
            self.replan = published
        else:
            self.replan = (set(self.gathered.fresh) & published) | self.shape.relinked
            if self.charts is not None and self.charts.has("compare"):  # they chart the previous run's points
                nxt = self.shape.next
                self.replan |= {n["id"] for rid in self.shape.changed if (n := nxt.get(rid)) is not None}

    @property
    def changed(self) -> set[str]:
        """Runs whose summary changed since the last build (new ones included)."""
        return self.shape.changed

    @property
    def removed(self) -> set[str]:
        """Runs the last build published and this one does not."""
        return self.shape.removed

    def summary(self, run_id: str) -> RunSummary:
        """A run's full summary (loaded from its cache shard if it was not read again)."""
        return self.gathered.summary(run_id)

    def row(self, run_id: str) -> str:
        """A published run's grid row as JSON."""
        return self.gathered.row(run_id)

    def full_runs(self, part: Callable[[RunSummary], Any] | None = None) -> list:
        """Every published run's full summary (or ``part(summary)``: what a kind needs of it), in
        site order (loads every shard once: for site-wide files that show every run's values, such
        as reports)."""
        got = {}
        for s in sorted(self.shape.runs, key=run_shard):
            summary = self.summary(s["id"])
            got[s["id"]] = part(summary) if part is not None else summary
        return [got[s["id"]] for s in self.shape.runs]

    def names(self, kind: str, script: str | None = None) -> list[str]:
        """See :meth:`sitegen.site.shape.SiteShape.names`."""
        return self.shape.names(kind, script)

    def shard_members(self) -> dict[str, list[str]]:
        """The published runs' ids by cache shard (:func:`sitegen.site.cache.shard_of` of their run
        number), in site order."""
        if self._members is None:
            self._members = {}
            for s in self.shape.runs:
                self._members.setdefault(run_shard(s), []).append(s["id"])
        return self._members

    def dirty_shards(self) -> set[str] | None:
        """Shards whose published runs or their rows may differ from the last build's (a changed,
        new or removed run is in it, now or before); None: all of them (no cache)."""
        old = self.old
        if old is None:
            return None
        out = set()
        for rid in self.shape.changed | self.shape.removed:
            for slim in (self.gathered.slims.get(rid), old.slims.get(rid)):
                if slim is not None and not slim["skip"]:
                    out.add(run_shard(slim))
        return out

    def keep(self, path: str) -> PlanEntry | None:
        """A site-wide file as the last build left it (its inputs did not change), or None when the
        last build had no such file."""
        old = self.old.site_keys.get(path) if self.old is not None else None
        return PlanEntry(path, old) if old is not None else None

    def charted(self, kind: str, run_ids) -> bool:
        """Whether user charts of ``kind`` show a run that changed (then the page is made again)."""
        return self.charts is not None and self.charts.has(kind) and any(
            i in self.shape.changed for i in run_ids)

    def page(self, path: str, template: str, context: Any, page_key: str | None = None,
             forced: bool = False) -> PlanEntry:
        """A page; ``page_key``: what it is made from, if not its context (hashed as sorted JSON)."""
        if page_key is None:
            page_key = key(self.site_key, template, path, context)
        return PlanEntry(path, page_key, template=template, context=context, forced=forced)

    def text(self, path: str, text: str) -> PlanEntry:
        """A file with this text (keyed by its hash)."""
        data = text.encode("utf-8")
        return PlanEntry(path, key(self.common, hashlib.sha1(data).hexdigest()),
                         produce=partial(write_bytes, data))

    def file(self, path: str, src: str, size_mtime: list, link: bool) -> PlanEntry:
        """A file copied from the store (hard-linked when it won't change), keyed by size and mtime."""
        return PlanEntry(path, f"file:{size_mtime[0]}:{size_mtime[1]}", produce=partial(copy_file, src, link))


BATCH_RUNS = 1000  # more runs than this to plan again: planned and made a shard at a time


def _ordered(entries: Iterable[PlanEntry]) -> dict[str, PlanEntry]:
    entries = list(entries)
    return {e.path: e for e in [e for e in entries if not e.is_page] + [e for e in entries if e.is_page]}


def files_first(entries: list[PlanEntry]) -> list[PlanEntry]:
    return [e for e in entries if not e.is_page] + [e for e in entries if e.is_page]


@dataclass
class Plan:
    """The files planned in this build: ``site`` (site-wide) and the runs to plan again (``order``,
    in site order), planned a batch at a time (:meth:`batches`, :meth:`plan_runs`) so that only one
    batch's entries (and the summaries their pages show) are held at once. ``runs`` keeps what the
    cache keeps of each run's files goes into the cache as each batch is planned (the plan keeps
    their counts: :meth:`record`); the files of the other published runs (:meth:`kept`) are the
    last build's."""
    site: dict[str, PlanEntry]
    order: list[str]
    input: PlanInput
    planned: set[str] = field(default_factory=set)        # runs planned so far (:meth:`record`)
    _counts: list[int] = field(default_factory=lambda: [0, 0])  # their files and pages
    _gone: set[str] = field(default_factory=set)          # the planned runs' last files they no longer have
    _paths: set[str] = field(default_factory=set)         # the planned runs' files (with a last build)
    _before: list[int] = field(default_factory=lambda: [0, 0])  # their last files and pages

    def _old_files(self, run_id: str) -> dict[str, str]:
        old = self.input.old
        got = old.get(run_id, "files") if old is not None and run_id in old.slims else None
        return got[0] if got else {}

    def _by_shard(self, ids: Iterable[str]) -> dict[str, list[str]]:
        """``ids`` grouped by shard (of their slim record now, else the last build's), in shard order."""
        slims, old, out = self.input.gathered.slims, self.input.old, {}
        for rid in ids:
            slim = slims.get(rid) or old.slims[rid]
            out.setdefault(run_shard(slim), []).append(rid)
        return {k: out[k] for k in sorted(out, key=lambda k: (len(k), k))}

    def batches(self) -> list[list[str]]:
        """The runs to plan again: one batch, or one per cache shard when there are more than
        :data:`BATCH_RUNS`."""
        if len(self.order) <= BATCH_RUNS:
            return [self.order] if self.order else []
        return list(self._by_shard(self.order).values())

    def kept(self) -> list[list[str]]:
        """The published runs not planned again, by shard."""
        planned = set(self.order)
        return list(self._by_shard(s["id"] for s in self.input.shape.runs if s["id"] not in planned).values())

    def kept_paths(self, run_id: str) -> list[str]:
        """A kept run's files (as the last build made them)."""
        return list(self._old_files(run_id))

    def plan_runs(self, run_ids: Iterable[str]) -> dict[str, dict[str, PlanEntry]]:
        """The files of these runs, by run id."""
        return _plan_runs(self.input, run_ids)

    def todo(self, runs: dict[str, dict[str, PlanEntry]], site: bool = False) -> list[PlanEntry]:
        """Entries of ``runs`` (and of the site-wide files with ``site``) to make: the others are the
        previous site's files (the cache and the site were swapped in together), files first."""
        old = self.input.old
        out = []
        if site:
            out += [e for e in self.site.values()
                    if old is None or e.forced or old.site_keys.get(e.path) != e.key]
        for rid, files in runs.items():
            if old is None:
                out += files.values()
                continue
            before = self._old_files(rid)
            out += [e for e in files.values() if e.forced or before.get(e.path) != e.key]
        return files_first(out)

    def added(self, runs: dict[str, dict[str, PlanEntry]]) -> list[str]:
        """Planned paths (site-wide and of ``runs``) the last build did not have."""
        old = self.input.old
        if old is None:
            return list(self.site) + [p for files in runs.values() for p in files]
        out = [p for p in self.site if p not in old.site_keys]
        for rid, files in runs.items():
            before = self._old_files(rid)
            out += [p for p in files if p not in before]
        return out

    def record(self, runs: dict[str, dict[str, PlanEntry]]) -> None:
        """Keep what the cache keeps of these planned runs' files (and what they no longer have)."""
        old = self.input.old
        for rid, files in runs.items():
            self.planned.add(rid)
            self._counts[0] += len(files)
            self._counts[1] += sum(e.is_page for e in files.values())
            if old is not None:
                got = old.get(rid, "files") if rid in old.slims else None
                if got:
                    self._gone.update(p for p in got[0] if p not in files)
                    self._before[0] += len(got[0])
                    self._before[1] += got[1]
                self._paths.update(files)

    def removed(self) -> list[str]:
        """Paths of the last build's site that this build does not have."""
        old = self.input.old
        if old is None:
            return []
        gone = (set(old.site_keys) - set(self.site)) | self._gone
        for rid in self._removed_runs():
            gone.update(self._old_files(rid))
        return sorted(gone - set(self.site) - self._paths)

    def _removed_runs(self) -> list[str]:
        """Runs the last build published and this one does not, in shard order."""
        old = self.input.old
        ids = [rid for rid in self.input.shape.removed - self.planned if rid in old.slims]
        return [rid for group in self._by_shard(ids).values() for rid in group]

    def totals(self) -> Totals:
        """Pages and files of the whole site (the kept runs' counts from the cache)."""
        old = self.input.old
        run_pages = run_files = 0
        if old is not None and len(self.input.shape.runs) > len(self.planned):
            run_pages = old.info.get("run_pages", 0) - self._before[1]
            run_files = old.info.get("run_files", 0) - self._before[0]
            for rid in self._removed_runs():
                got = old.get(rid, "files")
                if got:
                    run_files -= len(got[0])
                    run_pages -= got[1]
        run_files += self._counts[0]
        run_pages += self._counts[1]
        pages = sum(e.is_page for e in self.site.values())
        return Totals(pages + run_pages, len(self.site) + run_files, run_pages, run_files)


@dataclass(frozen=True)
class Totals:
    pages: int
    files: int
    run_pages: int              # ... of them made by plan_run
    run_files: int


def run_files_record(files: dict[str, PlanEntry]) -> list:
    """What a run's cache shard keeps of its planned files: [{path: key}, number of pages]."""
    return [{path: e.key for path, e in files.items()}, sum(e.is_page for e in files.values())]


def _plan_runs(site: PlanInput, run_ids: Iterable[str]) -> dict[str, dict[str, PlanEntry]]:
    kinds = [k for k in all_kinds() if hasattr(k, "plan_run")]
    out = {}
    for rid in run_ids:
        s = site.summary(rid)
        out[rid] = _ordered(e for kind in kinds for e in kind.plan_run(site, s))
    return out


def plan(store: Store, config, gathered: Gathered, shape: SiteShape, common: str,
         charts: UserCharts | None = None, old: BuildCache | None = None) -> Plan:
    """Every kind's site-wide files, and the runs to plan again (in site order: see :class:`Plan`)."""
    site = PlanInput(store, config, gathered, shape, common, charts, old)
    entries = _ordered(e for kind in all_kinds() if hasattr(kind, "plan") for e in kind.plan(site))
    return Plan(entries, [s["id"] for s in shape.runs if s["id"] in site.replan], site)
