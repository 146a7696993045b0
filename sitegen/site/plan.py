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
    _members: dict[str, list[str]] | None = None

    def __post_init__(self) -> None:
        self.site_key = key(self.common, self.shape.site)
        self.page_salt = key(self.site_key, str(self.store.root.absolute()))
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

    def full_runs(self) -> list[RunSummary]:
        """Every published run's full summary, in site order (loads every shard: for site-wide
        files that show every run's values, such as reports)."""
        return [self.summary(s["id"]) for s in self.shape.runs]

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


def _ordered(entries: Iterable[PlanEntry]) -> dict[str, PlanEntry]:
    entries = list(entries)
    return {e.path: e for e in [e for e in entries if not e.is_page] + [e for e in entries if e.is_page]}


@dataclass
class Plan:
    """The files planned in this build: ``site`` (site-wide) and ``runs`` (the files of each run
    planned again, by run id); the files of the other published runs are the last build's."""
    site: dict[str, PlanEntry]
    runs: dict[str, dict[str, PlanEntry]]
    input: PlanInput
    kept: int = 0                     # published runs not planned again

    @property
    def entries(self) -> dict[str, PlanEntry]:
        """Every planned entry (all the site's files after :meth:`complete`)."""
        out = dict(self.site)
        for files in self.runs.values():
            out.update(files)
        return out

    @property
    def pages(self) -> list[PlanEntry]:
        return [e for e in self.entries.values() if e.is_page]

    def _old_files(self, run_id: str) -> dict[str, str]:
        old = self.input.old
        got = old.get(run_id, "files") if old is not None and run_id in old.slims else None
        return got[0] if got else {}

    def todo(self) -> list[PlanEntry]:
        """Entries to make (the others are the previous site's files: the cache and the site were
        swapped in together), files first."""
        old = self.input.old
        if old is None:
            out = list(self.entries.values())
        else:
            out = [e for e in self.site.values() if e.forced or old.site_keys.get(e.path) != e.key]
            for rid, files in self.runs.items():
                before = self._old_files(rid)
                out += [e for e in files.values() if e.forced or before.get(e.path) != e.key]
        return [e for e in out if not e.is_page] + [e for e in out if e.is_page]

    def added(self) -> list[str]:
        """Planned paths the last build did not have."""
        old = self.input.old
        if old is None:
            return list(self.entries)
        out = [p for p in self.site if p not in old.site_keys]
        for rid, files in self.runs.items():
            before = self._old_files(rid)
            out += [p for p in files if p not in before]
        return out

    def removed(self) -> list[str]:
        """Paths of the last build's site that this build does not have."""
        old = self.input.old
        if old is None:
            return []
        gone = set(old.site_keys) - set(self.site)
        for rid in set(self.runs) | self.input.shape.removed:
            gone.update(self._old_files(rid))
        return sorted(gone - set(self.entries))

    def complete(self) -> Plan:
        """Plan every published run's files too (a swap build links every unchanged file)."""
        rest = [s["id"] for s in self.input.shape.runs if s["id"] not in self.runs]
        self.runs.update(_plan_runs(self.input, rest))
        self.kept = 0
        return self

    def totals(self) -> Totals:
        """Pages and files of the whole site (the kept runs' counts from the cache)."""
        old = self.input.old
        run_pages = run_files = 0
        if old is not None and self.kept:
            run_pages, run_files = old.info.get("run_pages", 0), old.info.get("run_files", 0)
            for rid in set(self.runs) | self.input.shape.removed:
                got = old.get(rid, "files") if rid in old.slims else None
                if got:
                    run_files -= len(got[0])
                    run_pages -= got[1]
        for files in self.runs.values():
            keys, pages = run_files_record(files)
            run_pages += pages
            run_files += len(keys)
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
    """Every kind's site-wide files, and the files of the runs to plan again (in site order)."""
    site = PlanInput(store, config, gathered, shape, common, charts, old)
    entries = _ordered(e for kind in all_kinds() if hasattr(kind, "plan") for e in kind.plan(site))
    runs = _plan_runs(site, [s["id"] for s in shape.runs if s["id"] in site.replan])
    return Plan(entries, runs, site, kept=len(shape.runs) - len(runs))
