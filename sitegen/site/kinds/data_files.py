"""``data/``: each run's data ``runs/<id>.js`` (packed: :mod:`sitegen.site.runpack`) and, for runs
with a series downsampled for drawing, ``points/<id>.js`` (every point of those, for the download).
Both load with ``<script src>``: pages work from ``file://``. A run's data files are written when
its run is read (:mod:`sitegen.site.gather`), so here they are only named. (The grid's
``data/index.js`` and its shards: :mod:`sitegen.site.kinds.dashboard`.)"""
from __future__ import annotations

from typing import Iterator

from sitegen.site.cache import DATA_VERSION
from sitegen.site.gather import RunSummary, points_data_path, run_data_path
from sitegen.site.plan import PlanEntry, PlanInput

TEMPLATES: list[str] = []


def plan_run(site: PlanInput, s: RunSummary) -> Iterator[PlanEntry]:
    fresh = s["id"] in site.gathered.fresh
    yield PlanEntry(run_data_path(s["id"]), f"data:{DATA_VERSION}", forced=fresh)
    if s.get("points_file"):
        yield PlanEntry(points_data_path(s["id"]), f"data:{DATA_VERSION}", forced=fresh)
