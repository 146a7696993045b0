"""The dashboard's view as a link (filter, sort, columns, ticked runs, grouping in the URL fragment),
group-by with mean ± std, and child runs folded under their parent: real builds in headless Chromium."""
from __future__ import annotations

import statistics
from pathlib import Path

import pytest

import sitegen
from sitegen.config import Config
from sitegen.site.build import build_site
from test_browser import CHROMIUM, Watch, browser, serve  # noqa: F401  (browser: fixture)
from test_build import make_iris, store  # noqa: F401  (fixture)

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")

# a sweep: three configurations, five seeds each (the typical group-by)
SWEEP = {"tree": [0.81, 0.84, 0.79, 0.83, 0.86], "logreg": [0.90, 0.92, 0.91, 0.89, 0.93],
         "knn": [0.70, 0.75, 0.72, 0.71, 0.69]}


def open_grid(browser, url: str, width: int = 1280):
    context = browser.new_context(viewport={"width": width, "height": 1000})  # fresh: no localStorage
    page = context.new_page()
    watch = Watch(page, None)
    page.goto(url)
    page.wait_for_selector("#grid tbody tr[data-id], #grid tbody tr.group-row")
    return context, page, watch


def view(page) -> dict:
    """What the grid shows, as the reader sees it."""
    return page.evaluate("""() => ({
        filter: document.getElementById('grid-filter').value,
        header: [...document.querySelectorAll('#grid thead tr:last-child th')].map(t => t.textContent),
        rows: [...document.querySelectorAll('#grid tbody tr[data-id]')].map(t => t.getAttribute('data-id')),
        ticked: [...document.querySelectorAll('#grid tbody input[type=checkbox]:checked')].map(b => b.dataset.id),
        groups: [...document.querySelectorAll('#grid tbody tr.group-row')].map(t => t.textContent),
        group: document.getElementById('grid-group').value,
        status: document.getElementById('grid-status').textContent,
        compare: !document.getElementById('grid-compare').disabled,
    })""")


def group_rows(page, column: str = "Accuracy") -> list[list]:
    """Each group row: [group, runs, the column's text, mean, std, min, max, tooltip]."""
    return page.evaluate("""column => {
        const head = [...document.querySelectorAll('#grid thead tr:last-child th')].map(t => t.textContent);
        const at = head.findIndex(h => h.startsWith(column));
        return [...document.querySelectorAll('#grid tbody tr.group-row')].map(tr => {
            const cells = tr.children, c = cells[at];
            return [cells[1].textContent.slice(2), cells[2].textContent, c.textContent,
                    +c.dataset.mean, +c.dataset.std, +c.dataset.min, +c.dataset.max, c.title];
        });
    }""", column)


def wait_rows(page, n: int) -> None:
    page.wait_for_function(f"document.querySelectorAll('#grid tbody tr[data-id]').length === {n}")


@pytest.fixture
def iris_site(store, tmp_path):  # noqa: F811
    make_iris(store)
    out = tmp_path / "site"
    build_site(store, out, Config(title="Iris"))
    return out


def test_view_in_the_url_reopens_in_a_fresh_browser(browser, iris_site):
    ctx, page, watch = open_grid(browser, (iris_site / "index.html").as_uri())
    page.fill("#grid-filter", "iris-0.")            # 4 of the 8 runs (rates below 1)
    wait_rows(page, 4)
    page.locator("#grid thead th", has_text="Accuracy").click()      # highest first
    page.locator("#grid thead th", has_text="Accuracy").click()      # lowest first
    page.locator("#grid-columns summary").click()
    page.locator("#grid-columns label", has_text="Status").locator("input").uncheck()
    page.locator("#grid-columns summary").click()
    rows = page.locator("#grid tbody tr[data-id]")
    rows.nth(0).locator("input[type=checkbox]").check()
    rows.nth(2).locator("input[type=checkbox]").check()
    before = view(page)
    url = page.url
    assert "q=iris-0." in url and "sort=v:Accuracy" in url and "cols=" in url and "sel=" in url
    assert before["header"][1:] == ["#", "Name", "Started", "Duration", "Accuracy ▴",
                                 "Regularization Rate", "loss"]
    assert len(before["rows"]) == 4 and len(before["ticked"]) == 2 and before["compare"]
    assert before["status"] == "4 of 8 runs · 2 ticked"
    ctx.close()

    ctx2, page2, watch2 = open_grid(browser, url)   # a new browser context: nothing stored
    assert view(page2) == before
    assert watch.errors == [] and watch2.errors == []
    ctx2.close()


def test_back_and_forward_walk_through_the_changes(browser, iris_site):
    ctx, page, watch = open_grid(browser, (iris_site / "index.html").as_uri())
    start = view(page)
    page.locator("#grid thead th", has_text="Accuracy").click()
    sorted_view = view(page)
    page.fill("#grid-filter", "i")                   # typing a word: one history entry, not one per key
    page.type("#grid-filter", "ris-0.3125", delay=90)  # slower than the 60 ms debounce
    wait_rows(page, 1)
    page.wait_for_function("location.hash.indexOf('q=iris-0.3125') >= 0")
    filtered = view(page)
    page.go_back()
    wait_rows(page, 8)
    assert view(page) == sorted_view
    page.go_back()
    page.wait_for_function("document.querySelector('#grid thead th[aria-sort]').textContent.startsWith('#')")
    assert view(page) == start
    page.go_forward()
    page.go_forward()
    wait_rows(page, 1)
    assert view(page) == filtered
    assert watch.errors == []
    ctx.close()


@pytest.fixture
def sweep_site(store, tmp_path):  # noqa: F811
    """Fifteen runs tagged by configuration (five seeds each), and a parent run with three children."""
    for model, accs in SWEEP.items():
        for seed, acc in enumerate(accs):
            with sitegen.start_run(f"{model}-{seed}") as run:
                run.set_tags(model=model, seed=seed)
                run.log("Accuracy", acc)
                run.log("loss", [1 - acc, (1 - acc) / 2])
    with sitegen.start_run("sweep") as parent:
        parent.log("Accuracy", 0.5)
        for k in range(3):
            with sitegen.start_run(f"trial-{k}") as child:
                child.log("Accuracy", 0.6 + k / 10)
    out = tmp_path / "site"
    build_site(store, out, Config(title="Sweep"))
    return out, parent.run_id


def test_group_by_a_tag_mean_std_and_in_the_link(browser, sweep_site):
    site, _ = sweep_site
    ctx, page, watch = open_grid(browser, (site / "index.html").as_uri())
    page.select_option("#grid-group", "t:model")
    page.wait_for_selector("#grid tbody tr.group-row")
    assert "group=t:model" in page.url
    stats = group_rows(page)
    by_model = {s[0]: s for s in stats}
    assert set(by_model) == {"tree", "logreg", "knn", "(none)"}  # the untagged sweep runs: one group
    for model, accs in SWEEP.items():
        _, count, text, mean, std, lo, hi, title = by_model[model]
        assert count == "5"
        assert mean == pytest.approx(statistics.mean(accs), abs=1e-12)
        assert std == pytest.approx(statistics.stdev(accs), abs=1e-12)
        assert (lo, hi) == (min(accs), max(accs))
        assert " ± " in text and "min" in title and "max" in title
    assert by_model["(none)"][1] == "4"
    # sorting applies to groups: by Accuracy (mean), highest first
    page.locator("#grid thead th", has_text="Accuracy").click()
    order = page.eval_on_selector_all("#grid tbody tr.group-row", "rs => rs.map(r => r.children[1].textContent)")
    assert order == ["▸ logreg", "▸ tree", "▸ knn", "▸ (none)"]
    # filtering applies to groups; a group expands to its runs
    page.fill("#grid-filter", "tree-")
    page.wait_for_function("document.querySelectorAll('#grid tbody tr.group-row').length === 1")
    page.click("#grid tbody tr.group-row button.fold")
    wait_rows(page, 5)
    assert page.locator("#grid-status").inner_text() == "5 of 19 runs in 1 group"
    grouped = view(page)
    ctx.close()
    ctx2, page2, _ = open_grid(browser, page.url)
    page2.click("#grid tbody tr.group-row button.fold")
    wait_rows(page2, 5)
    assert view(page2) == grouped
    assert watch.errors == []
    ctx2.close()


def test_children_fold_under_their_parent(browser, sweep_site):
    site, parent_id = sweep_site
    ctx, page, watch = open_grid(browser, (site / "index.html").as_uri())
    assert page.locator("#grid-status").inner_text() == "19 of 19 runs"
    assert len(view(page)["rows"]) == 16                  # the three children are folded
    fold = page.locator(f'#grid tbody tr[data-id="{parent_id}"] button.fold')
    assert fold.inner_text() == "▸ 3" and fold.get_attribute("aria-expanded") == "false"
    fold.click()
    wait_rows(page, 19)
    rows = view(page)["rows"]
    at = rows.index(parent_id)
    kids = page.locator("#grid tbody tr.child")
    assert kids.count() == 3
    assert rows[at + 1:at + 4] == [kids.nth(k).get_attribute("data-id") for k in range(3)]
    page.locator(f'#grid tbody tr[data-id="{parent_id}"] button.fold').click()
    wait_rows(page, 16)
    # a filter matching a child alone shows it (its parent does not match)
    page.fill("#grid-filter", "trial-1")
    wait_rows(page, 1)
    assert watch.errors == []
    ctx.close()


def test_copy_link_over_http_under_a_subpath(browser, iris_site, tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    (root / "repo").symlink_to(iris_site, target_is_directory=True)
    server = serve(root)
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/repo/"
        context = browser.new_context()
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base.rstrip("/").rsplit("/", 1)[0])
        page = context.new_page()
        page.goto(base + "index.html")
        page.wait_for_selector("#grid tbody tr[data-id]")
        page.fill("#grid-filter", "iris-1")
        wait_rows(page, 2)
        page.wait_for_function("location.hash.indexOf('q=iris-1') >= 0")
        page.click("#grid-link")
        page.wait_for_function("document.getElementById('grid-link').textContent === 'Link copied'")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == page.url and copied.startswith(base + "index.html#q=iris-1")
        context.close()
    finally:
        server.shutdown()
        server.server_close()


def test_parameters_column_group_and_group_by_a_parameter(browser, store, tmp_path):  # noqa: F811
    """Parameters are a column group of their own before the metrics; each group is one box in
    Columns; grouping by a parameter gives its mean ± std per metric."""
    accs = {0.1: [0.8, 0.82, 0.84], 0.01: [0.9, 0.91, 0.95]}
    for lr, values in accs.items():
        for seed, acc in enumerate(values):
            with sitegen.start_run(f"lr{lr}-s{seed}") as run:
                run.log_params({"lr": lr, "seed": seed, "optimizer": {"name": "adam"}})
                run.log("Accuracy", acc)
    out = tmp_path / "site"
    build_site(store, out, Config())
    ctx, page, watch = open_grid(browser, (out / "index.html").as_uri())
    parts = page.eval_on_selector_all("#grid thead tr.parts th[scope=colgroup]",
                                      "ths => ths.map(t => [t.textContent, +t.getAttribute('colspan')])")
    assert parts == [["", 5], ["Parameters", 3], ["Metrics", 1]]  # #, Name, Status, Started, Duration; ...
    heads = view(page)["header"]
    assert heads[-4:] == ["lr", "optimizer.name", "seed", "Accuracy"]
    # Columns: one box hides (or shows) a whole group; the link carries it
    page.locator("#grid-columns summary").click()
    page.locator("#grid-columns label.part", has_text="Parameters").locator("input").uncheck()
    assert view(page)["header"][-1:] == ["Accuracy"] and "lr" not in view(page)["header"]
    assert "cols=" in page.url and "p:lr" not in page.url
    page.locator("#grid-columns label.part", has_text="Parameters").locator("input").check()
    assert view(page)["header"][-4:] == heads[-4:]
    page.locator("#grid-columns summary").click()
    # group by a parameter
    page.select_option("#grid-group", "p:lr")
    page.wait_for_selector("#grid tbody tr.group-row")
    assert "group=p:lr" in page.url
    got = group_rows(page)
    assert {g[0] for g in got} == {"0.1", "0.01"}
    for label, _, _, mean, std, *_ in got:
        values = accs[float(label)]
        assert mean == pytest.approx(statistics.mean(values), abs=1e-12)
        assert std == pytest.approx(statistics.stdev(values), abs=1e-12)
    assert watch.errors == []
    ctx.close()
