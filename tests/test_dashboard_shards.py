"""The dashboard's data in pieces (data/index.js, a manifest, and row shards by run number) and charts
of many runs drawn from a summary: real builds from the logger's runs, headless Chromium, file://."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import sitegen
from sitegen.config import Config
from sitegen.site.build import build_site
from sitegen.site.index_shards import read_index
from test_browser import CHROMIUM, Watch, browser  # noqa: F401  (browser: fixture)
from test_build import store  # noqa: F401  (fixture)

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")

MODELS = ["tree", "logreg", "knn"]
# run numbers moved into other blocks of 1,000 (shards runs-1, -2, -7) and one with no number (runs-x)
RENUMBER = {10: 1234, 20: 2500, 30: 7001, 40: None}


def log_runs(n: int, series: bool = True) -> list[str]:
    ids = []
    for i in range(n):
        with sitegen.start_run(f"cfg{i % 3}-seed{i // 3}") as run:
            run.log_params({"model": MODELS[i % 3], "lr": 10 ** -(1 + i % 4), "seed": i // 3})
            run.log("Accuracy", round(0.5 + 0.4 * ((i * 37) % 101) / 100, 4))
            if series:
                run.log("loss", [1.0 / (k + 1 + i % 7) for k in range(20)])
            ids.append(run.run_id)
    return ids


@pytest.fixture
def sharded(store, tmp_path):  # noqa: F811
    ids = log_runs(300)
    for i, number in RENUMBER.items():
        store.update_meta(ids[i], {"run_number": number})
    site = tmp_path / "site"
    build_site(store, site, Config(title="Shards"))
    return site, ids


def open_dashboard(browser, url: str):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    watch = Watch(page, None)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(url)
    page.wait_for_function("SitegenGrid.current && SitegenGrid.current.complete()")
    return context, page, watch, requested


def grid_rows(page) -> list[str]:
    return page.evaluate("[...document.querySelectorAll('#grid tbody tr[data-id]')].map(t => t.dataset.id)")


def test_the_grid_loads_every_shard_and_sorts_filters_groups(browser, sharded):  # noqa: F811
    site, ids = sharded
    index = read_index(site)
    assert [p for p, _ in index["shards"]] == ["data/index/runs-7.js", "data/index/runs-2.js",
                                               "data/index/runs-1.js", "data/index/runs-0.js",
                                               "data/index/runs-x.js"]  # newest block first
    assert sum(n for _, n in index["shards"]) == index["count"] == 300
    assert index["params"] == ["lr", "model", "seed"] and index["numeric_params"] == ["lr", "seed"]
    assert "runs" not in json.loads((site / "data" / "index.js").read_text()[len("window.SITEGEN_INDEX="):].rstrip(";\n"))
    ctx, page, watch, requested = open_dashboard(browser, (site / "index.html").as_uri())
    shards = sorted(u.rsplit("/", 1)[-1] for u in requested if "/data/index/" in u)
    assert shards == ["runs-0.js", "runs-1.js", "runs-2.js", "runs-7.js", "runs-x.js"]  # each once
    assert page.evaluate("Object.keys(window.SITEGEN_ROWS || {}).length") == 0  # handed over, not kept twice
    assert sorted(page.evaluate("SitegenGrid.current.all().map(r => r.id)")) == sorted(ids)
    assert page.text_content("#grid-status").startswith("300 of 300 runs")
    # newest first across the shards, with the moved numbers in their place
    first = page.evaluate("[...document.querySelectorAll('#grid tbody tr[data-id] td:nth-child(2)')].slice(0, 4).map(t => t.textContent)")
    assert first == ["#7001", "#2500", "#1234", "#300"]
    assert grid_rows(page)[0] == ids[30]
    page.locator("#grid thead th", has_text="Accuracy").click()  # highest first
    page.wait_for_selector("#grid thead th[aria-sort='descending']:has-text('Accuracy')")
    acc = page.evaluate("SitegenGrid.current.rows().slice(0, 3).map(r => r.values.Accuracy)")
    assert acc == sorted(acc, reverse=True) and acc[0] == 0.9
    page.fill("#grid-filter", 'params.model = "knn" and Accuracy > 0.7')
    expect = sum(1 for i in range(300) if i % 3 == 2 and 0.5 + 0.4 * ((i * 37) % 101) / 100 > 0.7)
    page.wait_for_function(f"document.getElementById('grid-status').textContent.startsWith('{expect} of 300')")
    page.fill("#grid-filter", "")
    page.select_option("#grid-group", "p:model")
    page.wait_for_function("document.querySelectorAll('#grid tbody tr.group-row').length === 3")
    assert page.text_content("#grid-status").startswith("300 of 300 runs in 3 groups")
    assert not watch.errors and not watch.outside
    ctx.close()


def test_a_link_keeps_ticked_runs_of_shards_loaded_last(browser, sharded):  # noqa: F811
    site, ids = sharded
    # a run with no number (the last shard) and run #42 (runs-0) ticked, sorted by Accuracy, filtered
    sel = [ids[40], ids[41]]
    url = (site / "index.html").as_uri() + "#q=seed13&sort=v:Accuracy&sel=" + ",".join(sel)
    ctx, page, watch, _ = open_dashboard(browser, url)
    page.wait_for_function("document.querySelectorAll('#grid tbody input:checked').length === 2")
    assert page.evaluate("SitegenState.getList('sel')") == sel
    assert page.evaluate("document.getElementById('grid-compare').disabled") is False
    assert page.input_value("#grid-filter") == "seed13"
    assert page.text_content("#grid-status").startswith("3 of 300 runs · 2 ticked")
    head = page.text_content("#grid thead th[aria-sort]")
    assert head.startswith("Accuracy") and head.endswith("▴")
    acc = page.evaluate("SitegenGrid.current.rows().map(r => r.values.Accuracy)")
    assert acc == sorted(acc) and len(acc) == 3
    assert not watch.errors
    ctx.close()


def test_the_charts_draw_once_every_row_is_in(browser, sharded):  # noqa: F811
    site, ids = sharded
    ctx, page, watch, _ = open_dashboard(browser, (site / "index.html").as_uri())
    page.wait_for_selector("#charts-sweep figure[data-chart='parallel'] .pc-box[data-drawn]")
    assert page.evaluate("document.querySelectorAll('#charts-sweep polyline.pc-line').length") == 300
    for chart in ("across:Accuracy", "scatter:loss", "curves:loss"):
        box = page.locator(f"figure[data-chart='{chart}'] .vega-box")
        box.scroll_into_view_if_needed()
        page.wait_for_selector(f"figure[data-chart='{chart}'] .vega-box[data-drawn]")
    drawn = page.evaluate("""() => SitegenChartControls.charts.filter(c => c.id === 'across:Accuracy')[0].drawn.rows.length""")
    assert drawn == 299  # few runs: every one drawn (but the one with no number: its x)
    assert page.text_content("figure[data-chart='across:Accuracy'] .chart-note") == ""
    assert not watch.errors
    ctx.close()


def test_a_chart_of_many_runs_is_drawn_from_a_summary(browser, store, tmp_path):  # noqa: F811
    ids = log_runs(1800, series=False)
    site = tmp_path / "site"
    build_site(store, site, Config())
    accuracy = {rid: 0.5 + 0.4 * ((i * 37) % 101) / 100 for i, rid in enumerate(ids)}
    ticked = ids[777]
    ctx, page, watch, _ = open_dashboard(browser, (site / "index.html").as_uri() + "#sel=" + ticked)
    box = page.locator("figure[data-chart='across:Accuracy'] .vega-box")
    box.scroll_into_view_if_needed()
    page.wait_for_selector("figure[data-chart='across:Accuracy'] .vega-box[data-drawn]")
    rows = page.evaluate("""() => SitegenChartControls.charts.filter(c => c.id === 'across:Accuracy')[0].drawn.rows
                                  .map(r => r.id)""")
    assert 100 < len(rows) < 1800 and len(set(rows)) == len(rows)
    lo, hi = min(accuracy.values()), max(accuracy.values())
    assert ticked in rows and ids[0] in rows and ids[-1] in rows  # the ticked run, the first and last numbers
    assert any(accuracy[r] == lo for r in rows) and any(accuracy[r] == hi for r in rows)
    note = page.text_content("figure[data-chart='across:Accuracy'] .chart-note")
    assert f"{len(rows):,} of 1,800 runs drawn" in note
    assert not watch.errors
    ctx.close()


def test_group_figures_come_in_slices_and_are_all_there(browser, sharded):  # noqa: F811
    """A render spends at most SitegenGrid.aggSlice ms on group figures (0 here: one figure a task),
    shows "…" for the others and renders again until every one is in."""
    site, ids = sharded
    ctx, page, watch, _ = open_dashboard(browser, (site / "index.html").as_uri())
    page.evaluate("""() => {
        SitegenGrid.aggSlice = 0;
        window.__pending = 0;  // renders that left figures for later (seen after each change of the body)
        new MutationObserver(() => { if (document.querySelector('#grid td[data-pending]')) window.__pending++; })
            .observe(document.querySelector('#grid tbody'), {childList: true});
    }""")
    page.select_option("#grid-group", "p:model")
    page.wait_for_function("document.querySelectorAll('#grid tbody tr.group-row').length === 3 && "
                           "!document.querySelector('#grid td[data-pending]')")
    assert page.evaluate("window.__pending") >= 3  # figures came in several renders
    got = page.evaluate("""() => {
        const head = [...document.querySelectorAll('#grid thead tr:last-child th')].map(t => t.textContent);
        const at = head.findIndex(h => h.startsWith('Accuracy'));
        return [...document.querySelectorAll('#grid tbody tr.group-row')].map(tr =>
            [tr.children[1].textContent.slice(2), +tr.children[at].dataset.mean, tr.querySelectorAll('td[data-mean]').length]);
    }""")
    acc = {m: [0.5 + 0.4 * ((i * 37) % 101) / 100 for i in range(300) if MODELS[i % 3] == m] for m in MODELS}
    assert sorted(m for m, _, _ in got) == sorted(MODELS)
    for model, mean, figures in got:
        assert abs(mean - sum(acc[model]) / len(acc[model])) < 1e-9, model
        assert figures >= 4  # #, Duration, lr, seed, Accuracy, loss: each worked out in a task of its own
    assert not watch.errors
    ctx.close()


SNAPSHOTS = """() => {  // after every change of the grid's body: the names on screen and the status
    window.__shots = [];
    new MutationObserver(() => window.__shots.push({
        names: [...document.querySelectorAll('#grid tbody tr[data-id] td:nth-child(3)')].map(t => t.textContent),
        status: document.getElementById('grid-status').textContent}))
      .observe(document.querySelector('#grid tbody'), {childList: true});
}"""
SORTED = "(names) => names.every((n, i) => !i || new Intl.Collator().compare(names[i - 1], n) <= 0)"
CLICK_NAME = """() => {  // sort by Name; the grid's rows right after the click, in its own task
    [...document.querySelectorAll('#grid thead th')].find(t => t.textContent.startsWith('Name')).click();
    return SitegenGrid.current.rows().map(r => r.name);
}"""
SLOW_SORT = """Object.defineProperty(window, 'SitegenGrid', {configurable: true,  // one unit of sorting a task
    set(v) { v.sortSlice = 0; Object.defineProperty(window, 'SitegenGrid', {value: v, writable: true}); }});"""


def test_a_sort_in_slices_never_shows_half_sorted_rows(browser, sharded):  # noqa: F811
    """With SitegenGrid.sortSlice 0 ranking the names takes several tasks: meanwhile the grid shows the
    rows in their previous order and says "Sorting by Name…"; then every row sorted by name at once.
    (Name is hidden at first, so the idle time's ranking of shown text columns leaves it.)"""
    site, ids = sharded
    ctx, page, watch, _ = open_dashboard(browser, (site / "index.html").as_uri() + "#cols=number,id,status,v:Accuracy")
    page.wait_for_function("SitegenGrid.current.ranked('id') && SitegenGrid.current.ranked('status')")
    assert not page.evaluate("SitegenGrid.current.ranked('name')")
    page.evaluate("SitegenGrid.sortSlice = 0")
    page.evaluate("document.querySelector('#grid-columns').open = true")
    page.check("#grid-columns input[data-key=name]")
    page.wait_for_selector("#grid thead th:has-text('Name')")
    before = page.evaluate("[...document.querySelectorAll('#grid tbody tr[data-id] td:nth-child(3)')].map(t => t.textContent)")
    page.evaluate(SNAPSHOTS)
    page.locator("#grid thead th", has_text="Name").click()
    page.wait_for_function("document.querySelector('#grid thead th[aria-sort]').textContent.startsWith('Name') && "
                           "!/Sorting/.test(document.getElementById('grid-status').textContent)")
    shots = page.evaluate("window.__shots")
    waiting = [s for s in shots if s["status"].startswith("Sorting by Name…")]
    assert waiting, shots  # the sort took tasks of its own
    assert all(s["names"] == before for s in waiting)  # the previous order, whole
    done = [s for s in shots if "Sorting" not in s["status"]]
    assert done and all(page.evaluate(SORTED, s["names"]) for s in done) and done[-1]["names"] != before
    assert page.evaluate(f"({SORTED})(SitegenGrid.current.rows().map(r => r.name))")
    assert len(page.evaluate("SitegenGrid.current.rows()")) == 300
    # ranked now: the other direction at once, in the click's own task
    assert page.evaluate(CLICK_NAME) == page.evaluate("SitegenGrid.current.rows().map(r => r.name)")
    names = page.evaluate("SitegenGrid.current.rows().map(r => r.name)")
    assert names[0] > names[-1] and not page.evaluate(SORTED, names)
    assert not watch.errors
    ctx.close()


def test_a_link_sorted_by_text_in_slices_restores_its_view(browser, sharded):  # noqa: F811
    site, ids = sharded
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    watch = Watch(page, None)
    page.add_init_script(SLOW_SORT)
    page.add_init_script("""window.__said = new Set(); new MutationObserver(() => {  // every text the grid's body shows
        const b = document.querySelector('#grid tbody'); if (b) window.__said.add(b.textContent); })
      .observe(document, {childList: true, subtree: true, characterData: true});""")
    page.goto((site / "index.html").as_uri() + "#sort=-name&q=seed1&sel=" + ids[4])
    page.wait_for_function("SitegenGrid.current && SitegenGrid.current.complete() && "
                           "!/Sorting/.test(document.getElementById('grid-status').textContent)")
    assert page.evaluate("SitegenGrid.sortSlice") == 0
    names = page.evaluate("SitegenGrid.current.rows().map(r => r.name)")
    assert names and all("seed1" in n for n in names)
    assert page.evaluate(SORTED, names[::-1]) and names[0] > names[-1]
    assert page.text_content("#grid-status").startswith(f"{len(names)} of 300 runs · 1 ticked")
    assert page.evaluate("SitegenState.get('sort')") == "-name"
    said = page.evaluate("[...window.__said]")
    assert "Sorting runs…" in said and "No run matches the filter." not in said  # while the sort went on
    assert not watch.errors
    context.close()


def test_text_columns_are_ranked_in_idle_time(browser, sharded):  # noqa: F811
    site, ids = sharded
    ctx, page, watch, _ = open_dashboard(browser, (site / "index.html").as_uri())
    page.wait_for_function("SitegenGrid.current.ranked('name') && SitegenGrid.current.ranked('status')")
    page.evaluate("SitegenGrid.sortSlice = 0")  # no time to rank now: the idle time's ranks serve
    names = page.evaluate(CLICK_NAME)
    assert len(names) == 300 and page.evaluate(SORTED, names)
    assert not watch.errors
    ctx.close()


def test_a_first_chart_is_drawn_from_the_shards_in_and_again_once_all_are(browser, sharded):  # noqa: F811
    """The last shard is held back (page.route) until the preview of the sweep (parallel coordinates of
    the 299 runs loaded) is drawn; once it comes, the whole view replaces the preview."""
    site, ids = sharded
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    watch = Watch(page, None)
    held = []
    page.route("**/data/index/runs-x.js", lambda route: held.append(route))
    page.goto((site / "index.html").as_uri(), wait_until="domcontentloaded")
    page.wait_for_selector("#charts-sweep .pc-preview .pc-box[data-drawn]")
    assert held and not page.evaluate("SitegenGrid.current.complete()")
    assert page.evaluate("document.querySelectorAll('#charts-sweep .pc-preview polyline.pc-line').length") == 299
    note = page.text_content("#charts-sweep .pc-preview p")
    assert "299 of the 299 runs loaded so far (of 300)" in note
    assert not page.query_selector("figure[data-chart='across:Accuracy']")  # the other charts: once all are in
    held[0].continue_()
    page.wait_for_function("SitegenGrid.current.complete()")
    page.wait_for_selector("#charts-sweep figure[data-chart='parallel'] .pc-box[data-drawn]")
    assert not page.query_selector("#charts-sweep .pc-preview")
    assert page.evaluate("document.querySelectorAll('#charts-sweep polyline.pc-line').length") == 300
    page.wait_for_selector("figure[data-chart='across:Accuracy']", state="attached")
    assert not watch.errors
    context.close()
