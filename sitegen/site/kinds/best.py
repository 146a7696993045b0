"""``data/best.js``: the best run of each script, by the primary metric. Run pages read it (their
"Compare with best" link and "Best run" badge) instead of naming the best run in their HTML, so a new
best run rewrites this one small file, not every run page."""
from __future__ import annotations

from typing import Iterator

from sitegen.site.plan import PlanEntry, PlanInput
from sitegen.site.render import dumps

TEMPLATES: list[str] = []


def best_data(site: PlanInput) -> dict:
    """{"primary", "goal", "scripts": {script: {"id", "number"} or None}} (no name: renaming the
    best run changes no byte here)."""
    shape = site.shape
    scripts = {}
    for script, members in sorted(shape.groups.items()):
        b = shape.best[members[0]["id"]]
        scripts[script] = None if b is None else {"id": b["id"], "number": b["meta"].get("run_number")}
    return {"goal": shape.goal, "primary": shape.primary, "scripts": scripts}


def plan(site: PlanInput) -> Iterator[PlanEntry]:
    yield site.text("data/best.js", f"window.SITEGEN_BEST={dumps(best_data(site))};\n")
