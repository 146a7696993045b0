"""The built site in headless Chromium: from file:// and over HTTP under a subpath (/repo/)."""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from sitegen.config import Config
from sitegen.site.build import build_site
from sitegen.logger import Run
from test_build import RATES, make_iris, store  # noqa: F401  (fixture)

pw = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")
DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.fixture(scope="module")
def browser():
    with pw.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def site(store, tmp_path):  # noqa: F811
    """The eight iris runs of the demo, and a ninth still running (the jobs panel ticks)."""
    ids = make_iris(store)
    for rid, rate in zip(ids, RATES):
        store.update_meta(rid, {"script_name": "iris_sklearn.py", "arguments": [str(rate)]})
    running = store.create_run("IrisDemo", name="iris-0.0390625", script_name="iris_sklearn.py",
                               arguments=["0.0390625"], pid=os.getpid())
    run = Run(store, running, owned=False)
    run.log("loss", [1.0 / (k + 1) for k in range(40)])
    run.flush()
    out = tmp_path / "site"
    build_site(store, out, Config(title="Iris demo: logistic regression"))
    return out


class Watch:
    """Console errors, page errors and every request a page makes."""

    def __init__(self, page, allowed_host: str | None) -> None:
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

        def request(r):
            u = urlsplit(r.url)
            if u.scheme in ("file", "data", "blob", "about"):
                return
            if allowed_host and u.scheme == "http" and u.netloc == allowed_host:
                return
            self.outside.append(r.url)
        page.on("request", request)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def serve(root: Path):
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def charts_drawn(page, n: int) -> None:
    page.wait_for_function(f"document.querySelectorAll('.vega-box svg').length >= {n}", timeout=15_000)


def click_first_point(page) -> None:
    """Click the first point of the first chart across runs (vega draws marks as svg paths)."""
    mark = page.locator("#charts-across .vega-box svg path.mark-symbol, "
                        "#charts-across .vega-box svg g.mark-symbol path").first
    mark.wait_for(timeout=10_000)
    mark.scroll_into_view_if_needed()
    box = mark.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def check_dashboard_flow(page, base: str, watch: Watch, screenshot: Path | None = None) -> None:
    page.goto(base + "index.html")
    # learning curves of the series, 2 scalars + 1 series (last value) + duration across runs, then 3
    # scatter plots (charts draw as they come near the screen)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    charts_drawn(page, 8)
    page.evaluate("window.scrollTo(0, 0)")
    assert page.locator("#grid tbody tr[data-id]").count() == 9
    assert page.locator(".jobs-table .badge-running").count() == 1
    elapsed = page.locator(".elapsed[data-start]").inner_text()
    page.wait_for_function(f"document.querySelector('.elapsed[data-start]').textContent !== {elapsed!r}")
    assert page.locator("#charts-across figure.chart").count() == 4
    assert page.locator("#charts-scatter figure.chart").count() == 3
    if screenshot:
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")  # painted
        page.screenshot(path=str(screenshot), full_page=True)
    # sort by Accuracy (numbers: highest first, then lowest first), filter by name
    first_number = lambda: page.locator("#grid tbody tr[data-id]").first.locator("td").nth(1).inner_text()
    page.locator("#grid thead th", has_text="Accuracy").click()
    assert first_number() == "#8"
    page.locator("#grid thead th", has_text="Accuracy").click()
    assert first_number() == "#1"
    page.fill("#grid-filter", "iris-0.3125")
    page.wait_for_function("document.querySelectorAll('#grid tbody tr[data-id]').length === 1")
    page.fill("#grid-filter", "")
    page.wait_for_function("document.querySelectorAll('#grid tbody tr[data-id]').length === 9")
    # the column chooser: hide "Status"; the URL carries the columns; a fresh load keeps them
    page.locator("#grid-columns summary").click()
    page.locator("#grid-columns label", has_text="Status").locator("input").uncheck()
    assert "cols=" in page.url and "status" not in page.url.split("cols=")[1]
    shared = page.url
    assert page.locator("#grid thead th", has_text="Status").count() == 0
    page.goto("about:blank")
    page.goto(shared)
    page.wait_for_selector("#grid tbody tr[data-id]")
    assert page.locator("#grid thead th", has_text="Status").count() == 0
    assert page.locator("#grid thead th", has_text="Accuracy").count() == 1
    # clicking a chart point opens that run's page
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    charts_drawn(page, 8)
    with page.expect_navigation():
        click_first_point(page)
    assert "/runs/IrisDemo_" in page.url and page.url.endswith(".html")
    assert page.locator("h1").inner_text().startswith("Run #1")
    charts_drawn(page, 1)  # the loss series
    # tick two runs and press Compare
    page.goto(base + "index.html")
    rows = page.locator("#grid tbody tr[data-id]")
    rows.nth(1).locator("input[type=checkbox]").check()  # newest first: #9 (running), #8, #7, #6
    rows.nth(3).locator("input[type=checkbox]").check()
    with page.expect_navigation():
        page.click("#grid-compare")
    assert "compare.html#ids=" in page.url
    page.wait_for_selector("#compare-table tbody tr.differ")
    assert page.locator("#compare-title").inner_text() == "Compare #6 iris-0.3125 · #8 iris-0.078125"
    charts_drawn(page, 2)  # grouped bars + the loss overlay
    assert page.locator("#compare-images img").count() == 2
    page.check(".only-diff[data-part=run]")
    assert page.locator("#compare-table tbody[data-part=run] tr.same").first.is_hidden()
    assert watch.errors == [] and watch.outside == []


def test_site_from_file_url(browser, site, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 1400})
    watch = Watch(page, None)
    # The README's picture: refreshed with SITEGEN_SCREENSHOT=1 (or when missing), so that a test run
    # does not leave the working tree changed.
    shot = DOCS / "dashboard.png"
    if not (os.environ.get("SITEGEN_SCREENSHOT") or not shot.exists()):
        shot = tmp_path / "dashboard.png"
    shot.parent.mkdir(exist_ok=True)
    check_dashboard_flow(page, site.as_uri() + "/", watch, screenshot=shot)
    assert shot.stat().st_size > 50_000
    # a precomputed comparison page draws the same from the data files
    compare = sorted((site / "compare").iterdir())[0]
    page.goto(compare.as_uri())
    charts_drawn(page, 2)
    assert page.locator("#compare-table tbody tr").count() > 10
    assert watch.errors == [] and watch.outside == []
    page.close()


def test_site_over_http_under_a_subpath(browser, site, store, tmp_path):  # noqa: F811
    root = tmp_path / "www"
    root.mkdir()
    shutil.copytree(site, root / "repo")
    server = serve(root)
    try:
        host = f"127.0.0.1:{server.server_address[1]}"
        page = browser.new_page(viewport={"width": 1280, "height": 1400})
        watch = Watch(page, host)
        check_dashboard_flow(page, f"http://{host}/repo/", watch)
        page.goto(f"http://{host}/repo/assets.html")
        # a run page draws every logged point from its packed data file (steps as a range, values
        # as float32), and its download (made in the browser) has every point of metrics.tsv
        for rid in sorted(p.stem for p in (site / "runs").glob("*.html"))[:2]:
            exact = store.metrics(rid)["loss"]
            page.goto(f"http://{host}/repo/runs/{rid}.html")
            charts_drawn(page, 1)
            line = page.locator("#charts-series svg path[aria-roledescription='line mark'], "
                                "#charts-series svg .mark-line path").first.get_attribute("d")
            assert line.count("L") == len(exact) - 1, line
            steps, values = page.evaluate(
                "id => { var l = SITEGEN_RUNS[id].series.loss; return [SitegenData.lineSteps(l), l.values]; }", rid)
            assert steps == exact.steps and len(values) == len(exact.values)
            assert all(abs(a - b) <= 1.2e-7 * abs(b) for a, b in zip(values, exact.values))
            with page.expect_download() as got:
                page.locator("button.metrics-download").click()
            rows = [r.split("\t") for r in Path(got.value.path()).read_text("utf-8").splitlines()]
            logged = [r.split("\t") for r in (store.root / rid / "metrics.tsv").read_text("utf-8").splitlines()]
            assert sorted((r[0], r[1]) for r in rows) == sorted((r[0], r[1]) for r in logged)
            assert all(abs(float(a[2]) - float(b[2])) <= 1.2e-7 * abs(float(b[2]))
                       for a, b in zip(sorted(rows), sorted(logged)))
            # scalars (step 0, one value) exactly as metrics.tsv writes them: 1.0 stays 1.0
            scalars = {r[0] for r in logged if r[1] == "0"} - {r[0] for r in logged if r[1] != "0"}
            assert [r[:3] for r in rows if r[0] in scalars] == [r[:3] for r in sorted(logged) if r[0] in scalars]
        # the comparison's "last value" of a series is the exact one (the title), not the rounded
        compare = sorted((site / "compare").iterdir())[0]
        ids = compare.stem.split("--")
        page.goto(f"http://{host}/repo/compare/{compare.name}")
        page.wait_for_selector("#compare-table tbody tr.differ")
        cells = page.locator("#compare-table tr", has_text="loss").locator("td")
        assert [cells.nth(k).get_attribute("title") for k in range(len(ids))] == [
            repr(store.metrics(i)["loss"].values[-1]) for i in ids]
        assert watch.errors == [] and watch.outside == []
        page.close()
    finally:
        server.shutdown()
        server.server_close()
