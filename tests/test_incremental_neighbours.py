"""Incremental builds when a run changes what other pages show of it (its name in comparison labels,
its place in the order, the best run): the build cache decides page by page from which runs a page
links to and which of them changed, so these cases must still equal a full build byte for byte."""
from __future__ import annotations

import time
from pathlib import Path

from sitegen.config import Config
from test_incremental import (BOOKKEEPING, assert_same_as_full, changed, log_runs, setup,  # noqa: F401
                              snapshot)


def _named(r: dict[str, str], paths: set[str]) -> set[str]:
    for name, rid in sorted(r.items(), reverse=True):
        paths = {p.replace(name, rid) for p in paths}
    return paths


def test_rename_rewrites_its_comparisons(setup, tmp_path: Path) -> None:
    store, site, ids = setup
    r = {f"R{i}": rid for i, rid in enumerate(ids)}
    before = snapshot(site)
    time.sleep(0.01)
    store.update_meta(r["R3"], {"name": "renamed <b>"})
    result = build_site_default(store, site)
    after = snapshot(site)
    assert_same_as_full(store, site, tmp_path)
    # comparison pages label their runs "#number name"; run pages link by number only
    assert changed(before, after) - BOOKKEEPING == _named(r, {
        "runs/R3.html", "data/runs/R3.js", "data/index/runs-0.js",  # its row's shard; the manifest stays
        "compare/R2--R3.html", "compare/R3--R4.html",
        "index.html"})  # the jobs panel names the last runs
    assert result.pages_written == 2  # the comparisons are stub files


def test_renaming_the_best_run(setup, tmp_path: Path) -> None:
    store, site, ids = setup
    r = {f"R{i}": rid for i, rid in enumerate(ids)}
    before = snapshot(site)
    time.sleep(0.01)
    store.update_meta(r["R1"], {"name": "best one"})
    build_site_default(store, site)
    after = snapshot(site)
    assert_same_as_full(store, site, tmp_path)
    assert changed(before, after) - BOOKKEEPING == _named(r, {
        "runs/R1.html", "data/runs/R1.js", "data/index/runs-0.js", "compare/R0--R1.html",
        "compare/R1--R2.html", "index.html"})  # data/best.js names the best run by id and number


def test_a_run_moving_in_the_order(setup, tmp_path: Path) -> None:
    store, site, ids = setup
    r = {f"R{i}": rid for i, rid in enumerate(ids)}
    time.sleep(0.01)
    # R4 now starts first: every neighbour link and "previous" comparison around it moves
    store.update_meta(r["R4"], {"start_time_utc": "2000-01-01T00:00:00.000000Z"})
    build_site_default(store, site)
    assert_same_as_full(store, site, tmp_path)
    page = (site / "runs" / f"{r['R0']}.html").read_text("utf-8")
    assert f"runs/{r['R4']}.html" in page  # R0's previous run is now R4


def test_a_new_best_run(setup, tmp_path: Path) -> None:
    store, site, ids = setup
    before = snapshot(site)
    time.sleep(0.01)
    (new,) = log_runs(store.root, [0.99], ["new best"])
    result = build_site_default(store, site)
    after = snapshot(site)
    assert_same_as_full(store, site, tmp_path)
    # run pages learn the best run from data/best.js: only the new run's page and its previous run's
    # (its next link) are written, with the new "previous" comparison, the dashboard and data files
    last = ids[-1]
    assert changed(before, after) - BOOKKEEPING == {
        f"runs/{new}.html", f"runs/{last}.html", f"compare/{last}--{new}.html", "index.html",
        f"data/runs/{new}.js", "data/index/runs-0.js", "data/index.js", "data/best.js"}
    best = (site / "data" / "best.js").read_text("utf-8")
    assert f'"id":"{new}"' in best and f'"id":"{ids[1]}"' not in best
    assert result.pages_written == 3  # and the comparison stub


def build_site_default(store, site):
    from sitegen.site.build import build_site
    return build_site(store, site, Config())
