"""``data/``: the grid's ``index.js`` and each run's chart data ``runs/<id>.js`` (loaded with
``<script src>``: pages work from ``file://``). A run's data file is written when its run is read
(:mod:`sitegen.site.gather`), so here it is only named."""
from __future__ import annotations

from typing import Iterator

from sitegen.site import pages as _pages
from sitegen.site.cache import DATA_VERSION
from sitegen.site.gather import run_data_path
from sitegen.site.plan import PlanEntry, PlanInput

TEMPLATES: list[str] = []


def index_data(site: PlanInput) -> dict:
    """``data/index.js`` but its rows (sorted keys: see :func:`sitegen.site.pages.index_js`)."""
    shape = site.shape
    return {"goal": shape.goal, "primary": shape.primary,
            "scalars": sorted({k for s in shape.runs for k in s["scalars"]}),
            "scripts": dict(shape.script_pages),
            "series": sorted({k for s in shape.runs for k in s["series"]})}


def plan(site: PlanInput) -> Iterator[PlanEntry]:
    rows = site.gathered.rows
    yield site.text("data/index.js", _pages.index_js(index_data(site), list(rows.values())))
    fresh = site.gathered.fresh
    for s in site.shape.runs:
        yield PlanEntry(run_data_path(s["id"]), f"data:{DATA_VERSION}", forced=s["id"] in fresh)
