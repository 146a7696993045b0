"""The dashboards: ``index.html`` (every run) and, with several scripts, ``scripts/<name>.html``."""
from __future__ import annotations

from typing import Iterator

from sitegen.site import pages as _pages
from sitegen.site.plan import PlanEntry, PlanInput
from sitegen.site.reports import listing, load_sources

TEMPLATES = ["dashboard.html"]


def plan(site: PlanInput) -> Iterator[PlanEntry]:
    shape = site.shape
    all_jobs = _pages.jobs(shape.runs)
    scalars_all = sorted({k for s in shape.runs for k in s["scalars"]})
    reports = listing(load_sources(site.config))
    for scope, path in [(None, "index.html")] + list(shape.script_pages.items()):
        members = shape.runs if scope is None else shape.groups[scope]
        forced = site.charted("dashboard", (s["id"] for s in members))
        yield site.page(path, "dashboard.html", {
            "scope": scope, "count": len(members), "reports": reports if scope is None else [],
            "jobs": [j for j in all_jobs if scope is None or (j["script"] or "") == scope],
            "scalars": sorted({k for s in members for k in s["scalars"]}) if scope is not None else scalars_all,
        }, forced=forced)
