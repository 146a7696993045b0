"""``data/``: each run's chart data ``runs/<id>.js`` (loaded with ``<script src>``: pages work from
``file://``). A run's data file is written when its run is read (:mod:`sitegen.site.gather`), so here
it is only named. (The grid's ``data/index.js`` and its shards: :mod:`sitegen.site.kinds.dashboard`.)"""
from __future__ import annotations

from typing import Iterator

from sitegen.site.cache import DATA_VERSION
from sitegen.site.gather import run_data_path
from sitegen.site.plan import PlanEntry, PlanInput

TEMPLATES: list[str] = []


def plan(site: PlanInput) -> Iterator[PlanEntry]:
    fresh = site.gathered.fresh
    for s in site.shape.runs:
        yield PlanEntry(run_data_path(s["id"]), f"data:{DATA_VERSION}", forced=s["id"] in fresh)
