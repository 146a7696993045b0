"""Data files comparisons load on demand: ``data/text/<id>.js`` (small text outputs),
``data/code/<snapshot>.js`` and ``data/blobs/<sha>.js`` (the runs' code); see
:mod:`sitegen.site.comparedata`."""
from __future__ import annotations

from typing import Iterator

from sitegen.site.comparedata import compare_files
from sitegen.site.plan import PlanEntry, PlanInput

TEMPLATES: list[str] = []


def plan(site: PlanInput) -> Iterator[PlanEntry]:
    for f in compare_files(site.store, site.shape.runs, site.config):
        yield PlanEntry(f.path, f.key, produce=f.produce)
