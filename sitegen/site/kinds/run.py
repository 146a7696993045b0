"""Run pages: ``runs/<id>.html``, one per published run."""
from __future__ import annotations

from functools import partial
from typing import Iterator

from sitegen.site import pages as _pages
from sitegen.site.gather import RunSummary
from sitegen.site.kinds.comparison import full_pages
from sitegen.site.plan import PlanEntry, PlanInput
from sitegen.site.shape import SiteShape

TEMPLATES = ["run.html"]


def run_context(shape: SiteShape, store_root: str, full_compare: bool, metrics_tsv: bool,
                s: RunSummary) -> dict:
    """What a run page shows (made only when the page is rendered). "Compare with previous" opens
    compare.html#ids=… (the permanent compare/ page only opens it), or the full precomputed page
    when user charts of comparisons are on it (``full_compare``)."""
    rid = s["id"]
    prev_path = shape.compare_links[rid].get("prev")
    return {  # the best run is not here: the page reads it from data/best.js (see kinds/best.py)
        "prev": _pages.run_ref(shape.prev[rid]), "next": _pages.run_ref(shape.next[rid]),
        "family": shape.family[rid], "compare_prev": prev_path if full_compare else None,
        "compare_ids": [shape.prev[rid]["id"], rid] if prev_path else None,
        "restore": f"sitegen history restore {rid}", "store_root": store_root, "run": s,
        "metrics_tsv": metrics_tsv,  # a link to metrics/<id>.tsv.gz, else the browser's download
    }


def plan_run(site: PlanInput, s: RunSummary) -> Iterator[PlanEntry]:
    # A run page shows its run, and the runs it links to by number and name; the links' targets
    # follow from the ids and their order. Run ids have no ":" (valid_run_id).
    shape = site.shape
    full = full_pages(site)
    rid = s["id"]
    p, n = shape.prev[rid], shape.next[rid]
    p_id, n_id = p["id"] if p else "", n["id"] if n else ""
    fam = shape.family[rid]  # its parent and children: linked by number and name too
    forced = (rid in shape.changed or p_id in shape.moved or n_id in shape.moved
              or not shape.moved.isdisjoint(fam["linked"]))
    context = partial(run_context, shape, site.store_root, full, site.config.publish_metrics_tsv, s)
    yield site.page(f"runs/{rid}.html", "run.html", context,
                    f"{site.page_salt}:{full}:{p_id}:{n_id}:{','.join(fam['linked'])}:{fam['more_children']}",
                    forced=forced)
