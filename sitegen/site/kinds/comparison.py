"""Comparisons: the precomputed ``compare/<id>--<id>.html`` (a run with its previous run, pinned ones)
and ``compare.html``, which compares any runs picked in the grid (and a run with the best run, linked
from data/best.js)."""
from __future__ import annotations

from functools import partial
from typing import Iterator

from sitegen.site.plan import PlanEntry, PlanInput

TEMPLATES = ["compare.html", "compare_client.html"]


def compare_context(labels: dict[str, str], ids: list[str], kind: str) -> dict:
    return {"ids": ids, "kind": kind, "runs": [{"id": i, "label": labels[i]} for i in ids]}


def plan(site: PlanInput) -> Iterator[PlanEntry]:
    # A comparison shows its runs' ids and labels (the rest is drawn from their data files).
    shape = site.shape
    for path, (ids, kind) in sorted(shape.comparisons.items()):
        yield site.page(path, "compare.html", partial(compare_context, shape.labels, ids, kind),
                        f"{site.page_salt}:{kind}:{':'.join(ids)}",
                        forced=any(i in shape.moved for i in ids) or site.charted("compare", ids))
    yield site.page("compare.html", "compare_client.html", {})
