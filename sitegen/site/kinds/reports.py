"""Reports: ``reports/<name>.html`` for each ``reports/<name>.md`` (see :mod:`sitegen.site.reports`)
and ``reports.html`` listing them. A report page's key is its whole context (the report's text as
rendered and the values of the runs it shows), so it is made again exactly when the report or one of
the runs it shows changes; its warnings are logged on every build (``--strict`` counts them)."""
from __future__ import annotations

import logging
from typing import Iterator

from sitegen.site.plan import PlanEntry, PlanInput
from sitegen.site.reports import Runs, listing, load_sources, report_path, report_run, resolve

TEMPLATES = ["report.html", "reports.html"]
log = logging.getLogger("sitegen")


def plan(site: PlanInput) -> Iterator[PlanEntry]:
    sources = load_sources(site.config, warn=True)
    if not sources:
        return
    runs = Runs(site.full_runs(report_run), primary=site.shape.primary, goal=site.shape.goal)
    for name, src in sources.items():
        page = resolve(src, runs)
        for warning in page.warnings:
            log.warning(warning)
        yield site.page(report_path(name), "report.html", {"report": page.context()})
    yield site.page("reports.html", "reports.html", {"reports": listing(sources)})
