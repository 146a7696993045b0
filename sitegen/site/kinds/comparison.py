"""Comparisons: ``compare.html``, which compares any runs named in its ``#ids=a,b,…`` (picked in the
grid, a run with its previous run, with the best run from data/best.js), and the permanent
``compare/<id>--<id>.html`` URLs of a run with its previous run and of pinned comparisons.

Those are tiny pages that open ``compare.html#ids=…`` (a meta refresh; without it, plain links to
the comparison and to both runs' pages): ~0.4 KB a run instead of a 2.7 KB page drawn from the same
data files. With user charts of comparisons (``compare_*`` in the charts module) they stay full
pages, made from ``compare.html`` with the charts in them."""
from __future__ import annotations

from functools import partial
from typing import Iterator

from markupsafe import escape

from sitegen.site.fileops import write_bytes
from sitegen.site.fingerprint import key
from sitegen.site.plan import PlanEntry, PlanInput

TEMPLATES = ["compare.html", "compare_client.html"]
STUB_VERSION = 2  # bump when stub_html changes


def compare_context(labels: dict[str, str], ids: list[str], kind: str) -> dict:
    return {"ids": ids, "kind": kind, "runs": [{"id": i, "label": labels[i]} for i in ids]}


def full_pages(site: PlanInput) -> bool:
    """Whether comparison pages are full pages (user charts of comparisons are on them)."""
    return site.charts is not None and site.charts.has("compare")


def stub_html(ids: list[str], labels: list[str]) -> str:
    """A permanent comparison URL's page (in ``compare/``): it opens compare.html for its runs (one
    such page a run: kept to the bytes a browser needs; the run pages are linked without script; its
    icon named, or the browser asks the host for /favicon.ico)."""
    target = escape("../compare.html#ids=" + ",".join(ids))
    runs = " · ".join(f'<a href="../runs/{i}.html">{escape(lab)}</a>' for i, lab in zip(ids, labels))
    return (f'<!doctype html><html lang="en"><meta charset="utf-8"><title>Compare {escape(" / ".join(labels))}'
            f'</title><link rel="icon" href="../assets/favicon.svg" type="image/svg+xml">'
            f'<meta http-equiv="refresh" content="0; url={target}">\n'
            f'<p><a href="{target}">Compare</a> {runs}</p></html>\n')


def write_stub(ids: list[str], labels: list[str], dest: str) -> None:
    write_bytes(stub_html(ids, labels).encode("utf-8"), dest)


def _entry(site: PlanInput, path: str, ids: list[str], kind: str) -> PlanEntry:
    # A comparison shows its runs' ids and labels (the rest is drawn from their data files).
    shape = site.shape
    if full_pages(site):
        return site.page(path, "compare.html", partial(compare_context, shape.labels, ids, kind),
                         f"{site.page_salt}:{kind}:{':'.join(ids)}",
                         forced=any(i in shape.moved for i in ids) or site.charted("compare", ids))
    labels = [shape.labels[i] for i in ids]
    return PlanEntry(path, key("compare-stub", STUB_VERSION, ids, labels), produce=partial(write_stub, ids, labels))


def plan(site: PlanInput) -> Iterator[PlanEntry]:
    """The pinned comparisons and compare.html."""
    for path, (ids, kind) in sorted(site.shape.comparisons.items()):
        yield _entry(site, path, ids, kind)
    yield site.page("compare.html", "compare_client.html", {})


def plan_run(site: PlanInput, s: dict) -> Iterator[PlanEntry]:
    """A run with its previous run."""
    rid = s["id"]
    prev = site.shape.prev[rid]
    if prev is not None:
        yield _entry(site, site.shape.compare_links[rid]["prev"], [prev["id"], rid], "previous")
