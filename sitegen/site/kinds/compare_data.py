"""Data files comparisons load on demand: ``data/text/<id>.js`` (small text outputs, per run),
``data/code/<snapshot>.js`` and ``data/blobs/<sha>.js`` (the runs' code, site-wide); see
:mod:`sitegen.site.comparedata`."""
from __future__ import annotations

from typing import Iterator

from sitegen.site.comparedata import code_files, text_file
from sitegen.site.plan import PlanEntry, PlanInput

TEMPLATES: list[str] = []


def plan(site: PlanInput) -> Iterator[PlanEntry]:
    for f in code_files(site.store, site.shape.runs, site.config):
        yield PlanEntry(f.path, f.key, produce=f.produce)


def plan_run(site: PlanInput, s: dict) -> Iterator[PlanEntry]:
    f = text_file(str(site.store.root), s)
    if f is not None:
        yield PlanEntry(f.path, f.key, produce=f.produce)
