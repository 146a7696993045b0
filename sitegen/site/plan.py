"""Phase 3b, *plan*: every file of the site, with a key standing for what it is made from.

The page kinds in :mod:`sitegen.site.kinds` each list their files as :class:`PlanEntry` objects; a
file whose key equals the previous build's is taken from the previous site unless it is ``forced``
(a run it shows changed).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable

from sitegen.site.cache import BuildCache
from sitegen.site.fileops import copy_file, write_bytes
from sitegen.site.fingerprint import key
from sitegen.site.gather import Gathered
from sitegen.site.kinds import all_kinds
from sitegen.site.shape import SiteShape
from sitegen.site.usercharts import UserCharts
from sitegen.store import Store


@dataclass(slots=True)
class PlanEntry:
    """One file of the site. A page has a ``template`` and a ``context`` (a dict, or a function
    making it: called only if the page is rendered); any other file has ``produce(dest)`` writing it,
    or none when gathering made it (a run's data file and metrics download)."""
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
    """What the page kinds plan from."""
    store: Store
    config: Any
    gathered: Gathered
    shape: SiteShape
    common: str                 # digest of the theme, the config and the versions
    charts: UserCharts | None = None  # the user's chart functions (sitegen.site.usercharts)
    site_key: str = ""          # ... and of what every page shows
    page_salt: str = ""         # ... and of the store's place (run pages name it)

    def __post_init__(self) -> None:
        self.site_key = key(self.common, self.shape.site)
        self.page_salt = key(self.site_key, str(self.store.root.absolute()))

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


@dataclass
class Plan:
    entries: dict[str, PlanEntry]

    @property
    def pages(self) -> list[PlanEntry]:
        return [e for e in self.entries.values() if e.is_page]

    @property
    def keys(self) -> dict[str, str]:
        return {path: e.key for path, e in self.entries.items()}

    def todo(self, cache: BuildCache | None) -> list[PlanEntry]:
        """Entries to make (the others are the previous site's files: the cache and the site were
        swapped in together)."""
        if cache is None:
            return list(self.entries.values())
        old = cache.keys
        return [e for e in self.entries.values() if e.forced or old.get(e.path) != e.key]


def plan(store: Store, config, gathered: Gathered, shape: SiteShape, common: str,
         charts: UserCharts | None = None) -> Plan:
    """Every kind's files: files first, then pages (the order the cache keeps)."""
    site = PlanInput(store, config, gathered, shape, common, charts)
    entries = [e for kind in all_kinds() for e in kind.plan(site)]
    ordered = [e for e in entries if not e.is_page] + [e for e in entries if e.is_page]
    return Plan({e.path: e for e in ordered})
