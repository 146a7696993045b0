"""Phase 3a, *shape*: how the published runs relate — dashboards per script, previous / next / best
run, the precomputed comparisons — and which runs changed since the last build.
"""
from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field

from sitegen.site import data as _data
from sitegen.site import pages as _pages
from sitegen.site.gather import Gathered, RunSummary, order_key
from sitegen.site.primary import Primary, choose
from sitegen.site.reports import has_reports
from sitegen.store import Store, safe_name

log = logging.getLogger("sitegen")


@dataclass
class SiteShape:
    """The site's structure. Links between runs are by summary (``None``: no such run)."""
    runs: list[RunSummary]
    by_id: dict[str, RunSummary]
    groups: dict[str, list[RunSummary]]        # runs by script name ("" for none), in site order
    script_pages: dict[str, str]               # script -> its dashboard's path (several scripts only)
    primary: str | None                        # the metric that decides the best run
    goal: str                                  # "max" or "min": what best means for it
    prev: dict[str, RunSummary | None]
    next: dict[str, RunSummary | None]
    best: dict[str, RunSummary | None]         # the best run of each run's script (data/best.js)
    labels: dict[str, str]                     # "#3 name"
    comparisons: dict[str, tuple[list[str], str]]  # path -> (run ids, "previous" | "pinned")
    compare_links: dict[str, dict[str, str]]   # run id -> {"prev": path}
    site: dict                                 # what every page shows (title, scripts, primary, ...)
    family: dict[str, dict] = field(default_factory=dict)  # run id -> parent, children (pages.family)
    changed: set[str] = field(default_factory=set)  # runs whose summary differs from the cache's
    moved: set[str] = field(default_factory=set)    # ... and whose label or place changed too


def primary_value(s: RunSummary, name: str | None) -> float | None:
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


def _best(members: list[RunSummary], primary: str | None, goal: str) -> RunSummary | None:
    cand = [(v, s) for s in members if (v := primary_value(s, primary)) is not None]
    if not cand:
        return None
    target = (max if goal == "max" else min)(v for v, _ in cand)
    return next(s for v, s in cand if v == target)


def _built_text() -> str | None:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(int(epoch)))
    return None


def _ident(s: RunSummary) -> tuple:
    """What other pages show of a run: its number, name and place in the order."""
    return s["meta"].get("run_number"), s["meta"].get("name"), order_key(s)


def _changes(gathered: Gathered, old_runs: dict[str, RunSummary]) -> tuple[set[str], set[str]]:
    """A run whose summary differs from the cached one has its own files made again; one whose text
    on other pages or place in the order changed also has its neighbours' pages and comparisons."""
    changed = {rid for rid in gathered.fresh if old_runs.get(rid) != gathered.summaries[rid]}
    moved = set()
    for rid in changed:
        o, s = old_runs.get(rid), gathered.summaries[rid]
        if not o or o.get("skip") or s.get("skip") or _ident(o) != _ident(s):
            moved.add(rid)
    return changed, moved


def shape(store: Store, config, gathered: Gathered, old_runs: dict[str, RunSummary]) -> SiteShape:
    runs = gathered.runs
    groups: dict[str, list[RunSummary]] = {}
    for s in runs:
        groups.setdefault(s["meta"].get("script_name") or "", []).append(s)
    chosen: Primary = choose(config, runs)
    primary = chosen.name
    script_pages = _script_pages(groups)
    prev: dict[str, RunSummary | None] = {}
    nxt: dict[str, RunSummary | None] = {}
    best: dict[str, RunSummary | None] = {}
    for members in groups.values():
        b = _best(members, primary, chosen.goal)
        for i, s in enumerate(members):
            prev[s["id"]] = members[i - 1] if i > 0 else None
            nxt[s["id"]] = members[i + 1] if i + 1 < len(members) else None
            best[s["id"]] = b
    by_id = {s["id"]: s for s in runs}
    order = {s["id"]: i for i, s in enumerate(runs)}

    def canon(a: RunSummary, b: RunSummary) -> list[str]:
        return [a["id"], b["id"]] if order[a["id"]] < order[b["id"]] else [b["id"], a["id"]]

    comparisons: dict[str, tuple[list[str], str]] = {}
    compare_links: dict[str, dict[str, str]] = {}
    for s in runs:
        links = {}
        other = prev[s["id"]]  # the comparison with the best run is made in the browser
        if other is not None:  # (compare.html#ids=…): a new best run rewrites no page for it
            ids = canon(other, s)
            path = _pages.compare_path(ids)
            comparisons.setdefault(path, (ids, "previous"))
            links["prev"] = path
        compare_links[s["id"]] = links
    for pin in store.pins():
        if len(set(pin)) == len(pin) and all(i in by_id for i in pin):
            comparisons.setdefault(_pages.compare_path(pin), (pin, "pinned"))
        else:
            log.info("pinned comparison %s names a run that is not published; skipped", pin)
    site = {"title": config.title, "built": _built_text(),
            "scripts": [{"name": k or "(no script)", "page": v} for k, v in script_pages.items()],
            "primary": primary, "goal": chosen.goal, "primary_source": chosen.source,
            "reports": has_reports(config)}
    changed, moved = _changes(gathered, old_runs)
    return SiteShape(runs=runs, by_id=by_id, groups=groups, script_pages=script_pages,
                     primary=primary, goal=chosen.goal,
                     prev=prev, next=nxt, best=best, labels={s["id"]: _pages.run_label(s) for s in runs},
                     comparisons=comparisons, compare_links=compare_links, site=site,
                     family=_pages.family(runs), changed=changed, moved=moved)
