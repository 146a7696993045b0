"""Phase 3a, *shape*: how the published runs relate — dashboards per script, previous / next / best
run, the precomputed comparisons — and which runs changed since the last build.

It works on the runs' slim records (:mod:`sitegen.site.cache`): order, names, numbers, scripts,
parents and each run's primary value; never on full summaries, so its cost per run is small. What a
run's pages show of other runs (previous, next, parent, children) is its *links*; a run whose links
changed, or link a run that moved, has its files planned again (``relinked``).
"""
from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Callable

from sitegen.site import data as _data
from sitegen.site import pages as _pages
from sitegen.site.cache import BuildCache, run_shard
from sitegen.site.gather import NAME_KINDS, Gathered, RunSummary, order_key
from sitegen.site.primary import Primary, choose_by_names
from sitegen.site.reports import has_reports
from sitegen.store import Store, safe_name

log = logging.getLogger("sitegen")


class Lazy(dict):
    """A dict whose missing keys are made by ``make(key)`` when first read (and kept)."""

    def __init__(self, make: Callable) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, key):
        value = self[key] = self._make(key)
        return value


@dataclass
class SiteShape:
    """The site's structure. Runs are slim records (``None``: no such run)."""
    runs: list[dict]
    by_id: dict[str, dict]
    groups: dict[str, list[dict]]              # runs by script name ("" for none), in site order
    script_pages: dict[str, str]               # script -> its dashboard's path (several scripts only)
    primary: str | None                        # the metric that decides the best run
    goal: str                                  # "max" or "min": what best means for it
    prev: dict[str, dict | None]
    next: dict[str, dict | None]
    best: dict[str, dict | None]               # the best run of each run's script (data/best.js)
    labels: dict[str, str]                     # "#3 name" (made when read)
    comparisons: dict[str, tuple[list[str], str]]  # pinned comparisons: path -> (run ids, "pinned")
    compare_links: dict[str, dict[str, str]]   # run id -> {"prev": path} (made when read)
    site: dict                                 # what every page shows (title, scripts, primary, ...)
    family: dict[str, dict] = field(default_factory=dict)  # run id -> parent, children (made when read)
    changed: set[str] = field(default_factory=set)  # runs whose summary differs from the cache's
    moved: set[str] = field(default_factory=set)    # ... whose label or place changed, or who left
    removed: set[str] = field(default_factory=set)  # runs published by the last build and not now
    relinked: set[str] = field(default_factory=set)  # runs whose links changed or link a moved run
    name_sets: dict[str | None, set[int]] = field(default_factory=dict)  # script -> slim["names"] used
    names_table: list = field(default_factory=list)

    def names(self, kind: str, script: str | None = None) -> list[str]:
        """Sorted names of ``kind`` (one of :data:`sitegen.site.gather.NAME_KINDS`) logged by the
        published runs (of ``script``, "" for none; None: all)."""
        i = NAME_KINDS.index(kind)
        out: set[str] = set()
        for n in self.name_sets.get(script, ()):
            out.update(self.names_table[n][i])
        return sorted(out)


def primary_value(s: RunSummary, name: str | None) -> float | None:
    """A run's value of the primary metric (full summary), None if it has no number for it."""
    if name is None:
        return None
    v = s["scalars"].get(name)
    if v is None and name in s["series"]:
        v = s["series"][name]["last"]
    return v if _data.is_number(v) and type(v) is not bool else None


def _script_pages(groups: dict[str, list]) -> dict[str, str]:
    """A dashboard per script when there are several: scripts/<name>.html (unique, any case)."""
    pages: dict[str, str] = {}
    if len(groups) > 1:
        used: set[str] = set()
        for script in sorted(groups):
            base = safe_name(script or "no-script", fallback="script")
            name, i = base, 2
            while name.lower() in used:
                name, i = f"{base}-{i}", i + 1
            used.add(name.lower())
            pages[script] = f"scripts/{name}.html"
    return pages


def _built_text() -> str | None:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(int(epoch)))
    return None


def _ident(s: dict) -> tuple:
    """What other pages show of a run or decide by it: number, name, place, script, parent."""
    m = s["meta"]
    return m.get("run_number"), m.get("name"), order_key(s), m.get("script_name"), m.get("parent_run_id")


def _published(s: dict | None) -> bool:
    return s is not None and not s["skip"] and not s["hidden"]


def _changes(gathered: Gathered, old: BuildCache | None) -> tuple[set[str], set[str], set[str]]:
    """(changed, moved, removed): a run whose summary differs from the cached one has its own files
    made again; one whose text on other pages or place changed, or that is no longer published, also
    has its neighbours' pages and comparisons."""
    if old is None:
        return set(gathered.fresh), set(), set()
    changed = {rid for rid in sorted(gathered.fresh, key=lambda r: _old_shard(old, r))  # a shard at a time
               if rid not in old.slims or old.get(rid, "runs") != gathered.summary(rid)}
    moved = set()
    for rid in changed:
        o, s = old.slims.get(rid), gathered.slims[rid]
        if not _published(o) or not _published(s) or _ident(o) != _ident(s):
            moved.add(rid)
    # a run not read again has its cached slim record: only those read again or gone can leave
    gone = old.slims.keys() - gathered.slims.keys()
    removed = {rid for rid in gone | (gathered.fresh.keys() & old.slims.keys())
               if _published(old.slims[rid]) and not _published(gathered.slims.get(rid))}
    return changed, moved | removed, removed


def _old_shard(old: BuildCache, rid: str) -> str:
    slim = old.slims.get(rid)
    return run_shard(slim) if slim is not None else ""


def _choose(config, shape_names: Callable[[str], list[str]], any_runs: bool) -> Primary:
    logged = set(shape_names("logged_scalars")) | set(shape_names("series"))
    return choose_by_names(config, logged, set(shape_names("params")), set(shape_names("numeric_scalars")),
                           any_runs)


def _primary_values(gathered: Gathered, old: BuildCache | None, primary: str | None) -> None:
    """Each published run's ``pv``: computed for runs read again, kept for the others unless the
    primary metric changed (then every run's summary is loaded once)."""
    same = old is not None and old.info.get("primary") == primary
    todo = [s for rid in gathered.fresh if _published(s := gathered.slims[rid])] if same else gathered.runs
    for s in sorted(todo, key=run_shard):  # the cached summaries a shard at a time
        rid = s["id"]
        if rid in gathered.fresh or not same:
            s["pv"] = primary_value(gathered.summary(rid), primary)


def _link_text(p: dict | None, n: dict | None, fam: dict) -> str:
    """What a run's pages show of other runs, by id (a run page's key ends with it)."""
    return (f"{p['id'] if p else ''}:{n['id'] if n else ''}:{','.join(fam['linked'])}:"
            f"{fam['more_children']}")


def shape(store: Store, config, gathered: Gathered, old: BuildCache | None = None) -> SiteShape:
    runs = gathered.runs
    groups: dict[str, list[dict]] = {}
    name_sets: dict[str | None, set[int]] = {None: set()}
    for s in runs:
        groups.setdefault(s["meta"].get("script_name") or "", []).append(s)
    for script, members in groups.items():
        name_sets[script] = got = set(map(itemgetter("names"), members))  # (in C)
        name_sets[None] |= got
    shaped = SiteShape(runs=runs, by_id={s["id"]: s for s in runs}, groups=groups,
                       script_pages=_script_pages(groups), primary=None, goal="max", prev={}, next={},
                       best={}, labels={}, comparisons={}, compare_links={}, site={},
                       name_sets=name_sets, names_table=gathered.names)
    chosen = _choose(config, shaped.names, bool(runs))
    shaped.primary, shaped.goal = chosen.name, chosen.goal
    _primary_values(gathered, old, chosen.name)
    prev, nxt, best = shaped.prev, shaped.next, shaped.best
    pick = max if chosen.goal == "max" else min
    for members in groups.values():
        values = [s["pv"] for s in members if s["pv"] is not None]
        b = None
        if values:
            target = pick(values)
            b = next(s for s in members if s["pv"] == target)
        last = None
        for s in members:
            rid = s["id"]
            prev[rid] = last
            if last is not None:
                nxt[last["id"]] = s
            best[rid] = b
            last = s
        if last is not None:
            nxt[last["id"]] = None
    by_id = shaped.by_id
    kids = _pages.children_of(runs, by_id)
    related = set(kids) | {c["id"] for cs in kids.values() for c in cs}
    no_family = {"parent": None, "children": [], "more_children": 0, "linked": []}
    shaped.family = Lazy(lambda rid: _pages.family_of(by_id[rid], by_id, kids) if rid in related
                         else dict(no_family, children=[], linked=[]))
    shaped.labels = Lazy(lambda rid: _pages.run_label(by_id[rid]))
    shaped.compare_links = Lazy(lambda rid: {"prev": _pages.compare_path([prev[rid]["id"], rid])}
                                if prev[rid] is not None else {})
    for pin in store.pins():
        if len(set(pin)) == len(pin) and all(i in by_id for i in pin):
            before = prev[pin[1]] if len(pin) == 2 else None
            if not (before is not None and before["id"] == pin[0]):  # else: a run with its previous
                shaped.comparisons.setdefault(_pages.compare_path(pin), (pin, "pinned"))
        else:
            log.info("pinned comparison %s names a run that is not published; skipped", pin)
    shaped.site = {"title": config.title, "built": _built_text(),
                   "scripts": [{"name": k or "(no script)", "page": v} for k, v in shaped.script_pages.items()],
                   "primary": chosen.name, "goal": chosen.goal, "primary_source": chosen.source,
                   "reports": has_reports(config)}
    shaped.changed, shaped.moved, shaped.removed = _changes(gathered, old)
    shaped.relinked = _relink(shaped, gathered, old, related)
    return shaped


def _relink(shaped: SiteShape, gathered: Gathered, old: BuildCache | None, related: set[str]) -> set[str]:
    """Set each run's ``links`` (see :func:`_link_text`) and return the runs whose links differ from
    the last build's, or who link a run that moved."""
    moved, prev, nxt = shaped.moved, shaped.prev, shaped.next
    olds = old.slims if old is not None else {}
    out = set()
    for s in shaped.runs:
        rid = s["id"]
        p, n = prev[rid], nxt[rid]
        fam = shaped.family[rid] if rid in related else None
        text = _link_text(p, n, fam) if fam else \
            f"{p['id'] if p else ''}:{n['id'] if n else ''}::0"
        o = olds.get(rid)
        if o is None or o["links"] != text or (p is not None and p["id"] in moved) or \
                (n is not None and n["id"] in moved) or (fam and not moved.isdisjoint(fam["linked"])):
            out.add(rid)
        s["links"] = text
    return out
