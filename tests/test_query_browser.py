"""The query language in real Chromium, against a built dashboard: the shared cases of
tests/query_cases.json through the grid (real runs made by the logger), typing into the filter box,
and a malformed query shown inline without a console error."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers import make_case_runs
from sitegen.config import Config
from sitegen.site.build import build_site
from sitegen.store import Store
from test_browser import ARGS, CHROMIUM, Watch, browser  # noqa: F401  (fixture)

pw = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")
CASES = json.loads((Path(__file__).parent / "query_cases.json").read_text("utf-8"))
@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("query-site")
    store = Store(root / "runs")
    ids = make_case_runs(store, CASES["runs"]["mixed"])
    build_site(store, root / "site", Config(title="Query cases"))
    return root / "site", ids


def open_grid(browser, site_dir: Path):  # noqa: F811
    page = browser.new_context().new_page()
    watch = Watch(page, None)
    page.goto((site_dir / "index.html").as_uri())
    page.wait_for_function("document.querySelectorAll('#grid tbody tr[data-id]').length === 6")
    return page, watch


def test_grid_rows_are_the_cases_rows(browser, site):  # noqa: F811
    """The rows the grid queries (from data/index.js) hold what the cases say, so the cases below
    test the language on real data files."""
    site_dir, ids = site
    page, watch = open_grid(browser, site_dir)
    differ = page.evaluate("""([cases, ids]) => {
        const sorted = o => Object.fromEntries(Object.keys(o).sort().map(k => [k, o[k]]));
        const text = row => JSON.stringify(row, (k, v) =>
          k === "id" || k === "start" ? undefined : typeof v === "number" && !isFinite(v) ? String(v) :
          v && typeof v === "object" ? sorted(v) : v);
        const byId = Object.fromEntries(SitegenGrid.current.matching().map(r => [r.id, SitegenQuery.rowFromIndex(r)]));
        return cases.filter(c => text(byId[ids[c.id]]) !==
                                 text(SitegenQuery.rowFromIndex(Object.assign({}, c, {values: c.metrics}))))
                    .map(c => [c.id, text(byId[ids[c.id]])]);
    }""", [CASES["runs"]["mixed"], ids])
    assert differ == []
    assert watch.errors == []


def test_shared_cases_in_the_grid(browser, site):  # noqa: F811
    site_dir, ids = site
    page, watch = open_grid(browser, site_dir)
    back = {v: k for k, v in ids.items()}
    mixed = [c for c in CASES["cases"] if c.get("runs") == "mixed"]
    errors = [c for c in CASES["cases"] if "error" in c]
    # the cases name runs m1..m6; real runs have ids like Mixed_1796117028892
    queries = [re.sub(r"\bm[1-6]\b", lambda m: ids[m.group()], c["query"]) for c in mixed]
    got = page.evaluate("""([queries, broken]) => {
        const grid = SitegenGrid.current, box = document.getElementById('grid-filter-error');
        const kept = queries.map(q => {
          grid.setFilter(q);
          return {ids: grid.rows().map(r => r.id), status: document.getElementById('grid-status').textContent,
                  error: box.hidden ? null : box.textContent};
        });
        const failed = broken.map(q => { grid.setFilter(q); return box.hidden ? null : box.textContent; });
        grid.setFilter('');
        return {kept, failed};
    }""", [queries, [c["query"] for c in errors]])
    for case, res in zip(mixed, got["kept"]):
        assert res["error"] is None, case["query"]
        assert sorted(back[i] for i in res["ids"]) == sorted(case["matches"]), case["query"]
        count, _, hint = res["status"].partition(" · ")
        assert count == f"{len(case['matches'])} of 6 runs", case["query"]
        if case.get("unknown") and not case["matches"]:
            assert hint == "no run has a value named " + ", ".join(f'"{n}"' for n in case["unknown"])
    for case, text in zip(errors, got["failed"]):
        want = f'at character {case["error"]["position"] + 1}: {case["error"]["reason"]}'
        assert text and want in text, case["query"]
    assert watch.errors == [] and watch.outside == []


def test_every_shared_case_in_chromiums_engine(browser, site):  # noqa: F811
    """The whole table (both run sets, errors too) through SitegenQuery as the page loaded it."""
    page, watch = open_grid(browser, site[0])
    failures = page.evaluate("""(doc) => {
        const bad = [];
        const rows = name => doc.runs[name].map(r => SitegenQuery.rowFromIndex(Object.assign({}, r, {values: r.metrics})));
        for (const c of doc.cases) {
          try {
            const keep = SitegenQuery.filter(c.query);
            const ids = rows(c.runs || 'mixed').filter(r => !keep || keep(r)).map(r => r.id);
            if (!c.matches || JSON.stringify(ids) !== JSON.stringify(c.matches)) bad.push([c.query, ids]);
          } catch (e) {
            if (!c.error || e.position !== c.error.position || e.reason !== c.error.reason) bad.push([c.query, e.message]);
          }
        }
        return bad;
    }""", CASES)
    assert failures == []
    assert watch.errors == []


def test_typing_a_query_updates_the_count_and_a_broken_one_says_where(browser, site):  # noqa: F811
    page, watch = open_grid(browser, site[0])
    status = page.locator("#grid-status")
    error = page.locator("#grid-filter-error")
    assert "Accuracy > 0.75" in page.get_attribute("#grid-filter", "placeholder")
    page.fill("#grid-filter", 'Accuracy > 0.75 and params.model = "tree"')
    page.wait_for_function("document.getElementById('grid-status').textContent.startsWith('1 of 6')")
    assert error.is_hidden()
    page.fill("#grid-filter", "lr < ")  # malformed: said inline, the rows stay as they were
    error.wait_for(state="visible")
    assert 'at character 6: expected a value after "<"' in error.inner_text()
    assert page.get_attribute("#grid-filter", "aria-invalid") == "true"
    assert status.inner_text().startswith("1 of 6")
    page.fill("#grid-filter", "(Accuracy > 0.7")
    page.wait_for_function("document.getElementById('grid-filter-error').textContent.includes('character 16')")
    page.fill("#grid-filter", "run.number >= 5 or seed = x")
    page.wait_for_function("document.getElementById('grid-status').textContent.startsWith('3 of 6')")
    assert error.is_hidden()
    page.fill("#grid-filter", "accuracy > 0.5")  # nothing matches: a name no run has is named
    page.wait_for_function("""document.getElementById('grid-status').textContent ===
                              '0 of 6 runs · no run has a value named "accuracy"'""")
    page.fill("#grid-filter", "vision")  # plain words: a substring search, as before
    page.wait_for_function("document.getElementById('grid-status').textContent.startsWith('2 of 6')")
    page.fill("#grid-filter", "")
    page.wait_for_function("document.getElementById('grid-status').textContent.startsWith('6 of 6')")
    assert watch.errors == [] and watch.outside == []


def test_a_query_in_the_link_is_applied_on_opening(browser, site):  # noqa: F811
    from urllib.parse import quote
    ctx = browser.new_context()  # a fresh browser: nothing in localStorage
    page = ctx.new_page()
    watch = Watch(page, None)
    url = (site[0] / "index.html").as_uri()
    page.goto(url + "#q=" + quote('"все значения" > 2 or tags.team ~ "vision team"'))
    page.wait_for_function("document.getElementById('grid-status').textContent.startsWith('3 of 6')")
    assert page.input_value("#grid-filter") == '"все значения" > 2 or tags.team ~ "vision team"'
    page.goto("about:blank")
    page.goto(url + "#q=" + quote("(Accuracy > 0.5"))
    page.locator("#grid-filter-error").wait_for(state="visible")
    assert "at character 16" in page.inner_text("#grid-filter-error")
    assert watch.errors == []
    ctx.close()
