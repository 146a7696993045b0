"""The dashboards: ``index.html`` (every run) and, with several scripts, ``scripts/<name>.html``, and
their data: the manifest ``data/index.js`` and the grid's row shards (:mod:`sitegen.site.index_shards`)."""
from __future__ import annotations

from typing import Iterator

from sitegen.site import index_shards as _shards
from sitegen.site import pages as _pages
from sitegen.site.plan import PlanEntry, PlanInput
from sitegen.site.reports import listing, load_sources

TEMPLATES = ["dashboard.html"]


def data_files(site: PlanInput) -> Iterator[PlanEntry]:
    """``data/index.js`` (the manifest) and one file per shard, each keyed by its text. A shard no
    changed, new or removed run is (or was) in is kept as it is: its rows are not loaded."""
    shape = site.shape
    dirty = site.dirty_shards()  # None: no cache, every shard is made
    members = {f"runs-{k}": ids for k, ids in site.shard_members().items()}  # as shard_name()
    counts = {}
    for name in sorted(members, key=_shards.load_order):
        path, ids = _shards.shard_path(name), members[name]
        kept = None if dirty is None or name[5:] in dirty else site.keep(path)
        yield kept or site.text(path, _shards.shard_js(name, [site.row(i) for i in ids]))
        counts[name] = len(ids)
    extra = {"goal": shape.goal, "primary": shape.primary, "scalars": site.names("scalars"),
             "scripts": dict(shape.script_pages), "series": site.names("series")}
    names = {kind: site.names(kind) for kind in ("params", "numeric_params", "tags")}
    yield site.text(_shards.MANIFEST, _shards.manifest_js(_shards.manifest(counts, names, extra)))


def plan(site: PlanInput) -> Iterator[PlanEntry]:
    yield from data_files(site)
    shape = site.shape
    all_jobs = _pages.jobs([site.summary(s["id"]) for s in _pages.job_runs(shape.runs)])
    scalars_all = site.names("scalars")
    reports = listing(load_sources(site.config))
    for scope, path in [(None, "index.html")] + list(shape.script_pages.items()):
        members = shape.runs if scope is None else shape.groups[scope]
        forced = site.charted("dashboard", (s["id"] for s in members))
        yield site.page(path, "dashboard.html", {
            "scope": scope, "count": len(members), "reports": reports if scope is None else [],
            "jobs": [j for j in all_jobs if scope is None or (j["script"] or "") == scope],
            "scalars": site.names("scalars", scope) if scope is not None else scalars_all,
        }, forced=forced)
