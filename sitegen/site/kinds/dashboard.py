"""The dashboards: ``index.html`` (every run) and, with several scripts, ``scripts/<name>.html``, and
their data: the manifest ``data/index.js`` and the grid's row shards (:mod:`sitegen.site.index_shards`)."""
from __future__ import annotations

from typing import Iterator

from sitegen.site import index_shards as _shards
from sitegen.site import pages as _pages
from sitegen.site.plan import PlanEntry, PlanInput
from sitegen.site.reports import listing, load_sources

TEMPLATES = ["dashboard.html"]


def scalar_names(runs: list) -> list[str]:
    return sorted({k for s in runs for k in s["scalars"]})


def data_files(site: PlanInput) -> Iterator[PlanEntry]:
    """``data/index.js`` (the manifest) and one file per shard, each keyed by its text."""
    shape = site.shape
    parts = _shards.shards(shape.runs, site.gathered.rows)
    for name, rows in parts.items():
        yield site.text(_shards.shard_path(name), _shards.shard_js(name, rows))
    extra = {"goal": shape.goal, "primary": shape.primary, "scalars": scalar_names(shape.runs),
             "scripts": dict(shape.script_pages),
             "series": sorted({k for s in shape.runs for k in s["series"]})}
    counts = {k: len(v) for k, v in parts.items()}
    names = _shards.param_tag_names(shape.runs)
    yield site.text(_shards.MANIFEST, _shards.manifest_js(_shards.manifest(counts, names, extra)))


def plan(site: PlanInput) -> Iterator[PlanEntry]:
    yield from data_files(site)
    shape = site.shape
    all_jobs = _pages.jobs(shape.runs)
    scalars_all = scalar_names(shape.runs)
    reports = listing(load_sources(site.config))
    for scope, path in [(None, "index.html")] + list(shape.script_pages.items()):
        members = shape.runs if scope is None else shape.groups[scope]
        forced = site.charted("dashboard", (s["id"] for s in members))
        yield site.page(path, "dashboard.html", {
            "scope": scope, "count": len(members), "reports": reports if scope is None else [],
            "jobs": [j for j in all_jobs if scope is None or (j["script"] or "") == scope],
            "scalars": scalar_names(members) if scope is not None else scalars_all,
        }, forced=forced)
