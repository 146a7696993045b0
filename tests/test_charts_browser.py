"""Charts and comparisons in headless Chromium, on the real built pages (file:// and HTTP under /repo/):
learning curves across runs, chart controls (log, smoothing, time axes, export), printing, and the
comparison of ten tracked runs with their code diff."""
from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from sitegen.config import Config
from sitegen.site.build import build_site
from test_browser import ARGS, CHROMIUM, Watch, browser, serve, site  # noqa: F401  (fixtures)
from test_build import HOSTILE, store  # noqa: F401  (fixture)

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")

CURVES = "#charts-curves figure[data-chart='curves:loss']"
LINES = " .vega-box svg path[aria-roledescription='line mark']"


def drawn(page, fig: str, times: int = 1) -> None:
    """Wait until the chart in figure ``fig`` has been drawn ``times`` times."""
    page.wait_for_function(
        "([f, n]) => { const b = document.querySelector(f + ' .vega-box');"
        " return b && Number(b.getAttribute('data-drawn')) >= n; }", arg=[fig, times], timeout=20_000)


def times_drawn(page, fig: str) -> int:
    return page.evaluate("f => Number(document.querySelector(f + ' .vega-box').getAttribute('data-drawn'))", fig)


def view_rows(page, fig: str, name: str = "curves") -> list[dict]:
    """The rows the chart's Vega view holds (what it draws)."""
    return page.evaluate("([f, d]) => document.querySelector(f + ' .vega-box')._sgView.data(d)"
                         ".map(r => ({id: r.id, x: r.x, y: r.y, ys: r.ys}))", [fig, name])


def main_path(page, fig: str) -> list[str]:
    return page.locator(fig + LINES).evaluate_all("ps => ps.map(p => p.getAttribute('d'))")


def open_options(page, fig: str) -> None:
    page.locator(fig + " details.chart-options summary").click()


def test_learning_curves_one_line_per_run_and_controls(browser, site, store, tmp_path):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    watch = Watch(page, None)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(site.as_uri() + "/index.html")
    page.locator(CURVES).scroll_into_view_if_needed()
    drawn(page, CURVES)
    ids = page.evaluate("SitegenGrid.current.rows().map(r => r.id)")
    assert len(ids) == 9  # every run the grid shows has a loss series: one line each
    assert page.locator(CURVES + LINES).count() == 9
    assert sorted({r["id"] for r in view_rows(page, CURVES)}) == sorted(ids)
    note = page.locator(CURVES + " .chart-note").inner_text()
    assert note.startswith("9 runs drawn: the runs the grid shows") and "tick runs" in note
    # the runs' data files loaded when the chart drew, each once
    loaded = [u for u in requested if "/data/runs/" in u]
    assert len(loaded) == 9 and len(set(loaded)) == 9
    # colours: one per run, the same as the run's colour anywhere (SitegenChartMath.runColor)
    colours = page.locator(CURVES + LINES).evaluate_all("ps => ps.map(p => p.getAttribute('stroke'))")
    assert len(set(colours)) == 9
    # hovering a line highlights it and names its run
    page.locator(CURVES + " .vega-box").evaluate("b => b.scrollIntoView({block: 'center'})")
    at = page.locator(CURVES + LINES).first.evaluate("""p => { const l = p.getTotalLength(), q = p.getPointAtLength(l * 0.6);
      const m = p.getScreenCTM(); return [q.x * m.a + q.y * m.c + m.e, q.x * m.b + q.y * m.d + m.f]; }""")
    page.mouse.move(at[0] - 3, at[1])
    page.mouse.move(at[0], at[1], steps=3)
    tip = page.locator("#vg-tooltip-element")
    tip.wait_for(state="visible")
    labels = page.evaluate(f"[...new Set(document.querySelector(\"{CURVES} .vega-box\")._sgView.data('curves').map(r => r.run))]")
    assert any(label in tip.inner_text() for label in labels)
    page.wait_for_function(f"(o => o.filter(x => x === '1').length === 1 && o.filter(x => x !== '1').length === 8)"
                           f"([...document.querySelectorAll(\"{CURVES}{LINES}\")].map(p => p.getAttribute('opacity')))")
    page.mouse.move(5, 5)

    # log scale changes the axis (this chart only; the address says so)
    open_options(page, CURVES)
    assert page.evaluate(f"document.querySelector(\"{CURVES} .vega-box\")._sgView.scale('y').type") == "linear"
    n = times_drawn(page, CURVES)
    page.locator(CURVES + " input[data-opt=ylog]").check()
    drawn(page, CURVES, n + 1)
    assert page.evaluate(f"document.querySelector(\"{CURVES} .vega-box\")._sgView.scale('y').type") == "log"
    assert "c:curves:loss=ylog" in page.url
    labels = page.locator(CURVES + " svg g[aria-label*='Y-axis'] text, " + CURVES + " svg .role-axis-label text").all_inner_texts()
    assert labels, "y axis labels"
    page.locator(CURVES + " input[data-opt=ylog]").uncheck()
    drawn(page, CURVES, n + 2)

    # smoothing (page-wide): the drawn path changes, the data does not; the raw line stays, faint
    before_rows, before_paths = view_rows(page, CURVES), main_path(page, CURVES)
    before_data = page.evaluate(f"SITEGEN_RUNS[{ids[0]!r}].series.loss.values")
    n = times_drawn(page, CURVES)
    page.locator(".chart-settings input[data-opt=smooth]").fill("0.9")
    page.locator(".chart-settings input[data-opt=smooth]").dispatch_event("change")
    drawn(page, CURVES, n + 1)
    after_rows = view_rows(page, CURVES)
    assert [(r["id"], r["x"], r["y"]) for r in after_rows] == [(r["id"], r["x"], r["y"]) for r in before_rows]
    assert any(abs(a["ys"] - b["ys"]) > 1e-6 for a, b in zip(after_rows, before_rows) if a["ys"] is not None)
    assert page.evaluate(f"SITEGEN_RUNS[{ids[0]!r}].series.loss.values") == before_data
    after_paths = main_path(page, CURVES)
    assert len(after_paths) == 18  # 9 faint raw lines under 9 smoothed ones
    assert set(after_paths[9:]).isdisjoint(before_paths) and set(after_paths[:9]) == set(before_paths)
    assert "charts=s.9" in page.url

    # the time axis uses the logged times: x = the unix time of each point (ms), from metrics.tsv
    n = times_drawn(page, CURVES)
    page.select_option(".chart-settings select[data-opt=x]", "wall")
    drawn(page, CURVES, n + 1)
    assert page.evaluate(f"document.querySelector(\"{CURVES} .vega-box\")._sgView.scale('x').type") == "time"
    rows = [r for r in view_rows(page, CURVES) if r["id"] == ids[1]]
    logged = [round(t * 1000) for t in store.metrics(ids[1])["loss"].times]
    assert len(rows) == len(logged)
    knots = list(range(0, len(logged), -(-(len(logged) - 1) // 99))) + [len(logged) - 1]
    for i in knots:
        assert rows[i]["x"] == logged[i]
    assert all(logged[0] <= r["x"] <= logged[-1] for r in rows)
    page.select_option(".chart-settings select[data-opt=x]", "rel")
    drawn(page, CURVES, n + 2)
    start = page.evaluate(f"Date.parse(SITEGEN_RUNS[{ids[1]!r}].start)")
    rel = [r for r in view_rows(page, CURVES) if r["id"] == ids[1]]
    assert abs(rel[0]["x"] - (logged[0] - start) / 1000) < 1e-9

    # export: PNG and SVG from Vega's view, CSV of exactly the rows drawn
    got = {}
    for kind in ("png", "svg", "csv"):
        with page.expect_download() as dl:
            page.locator(CURVES + f" button[data-export={kind}]").click()
        got[kind] = Path(dl.value.path()).read_bytes()
        assert dl.value.suggested_filename == f"loss.{kind}"
    assert got["png"].startswith(b"\x89PNG\r\n\x1a\n") and len(got["png"]) > 2000
    assert got["svg"].lstrip().startswith(b"<svg") and b"</svg>" in got["svg"]
    lines = got["csv"].decode().split("\r\n")
    assert lines[0] == "run,id,x,y,ys" and lines[-1] == ""
    drawn_rows = page.evaluate(f"document.querySelector(\"{CURVES} .vega-box\")._sgView.data('curves')"
                               ".map(r => [r.run, r.id, r.x, r.y, r.ys])")
    assert len(lines) - 2 == len(drawn_rows)
    for line, r in zip(lines[1:], drawn_rows):
        assert line.split(",") == ["" if v is None else str(v) for v in r] or line.split(",")[1] == r[1]
        cells = line.split(",")
        assert cells[1] == r[1] and float(cells[2]) == r[2] and float(cells[3]) == r[3]

    # the settings are in the address: the same link draws the same charts
    shared = page.url
    page.goto("about:blank")
    page.goto(shared)
    page.locator(CURVES).scroll_into_view_if_needed()
    drawn(page, CURVES)
    assert page.evaluate(f"document.querySelector(\"{CURVES}\").getAttribute('data-settings')") == "s.9,xrel"
    assert watch.errors == [] and watch.outside == []
    page.close()


def test_ticked_runs_choose_the_curves(browser, site):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    watch = Watch(page, None)
    page.goto(site.as_uri() + "/index.html")
    ids = page.evaluate("SitegenGrid.current.rows().map(r => r.id)")
    page.goto("about:blank")
    page.goto(site.as_uri() + "/index.html#sel=" + ",".join(ids[2:5]))
    page.locator(CURVES).scroll_into_view_if_needed()
    drawn(page, CURVES)
    assert page.locator(CURVES + LINES).count() == 3
    assert sorted({r["id"] for r in view_rows(page, CURVES)}) == sorted(ids[2:5])
    assert "the ticked runs" in page.locator(CURVES + " .chart-note").inner_text()
    # ticking another run in the grid draws it too; unticking all draws the runs the grid shows
    n = times_drawn(page, CURVES)
    page.locator(f"#grid tbody input[data-id='{ids[0]}']").check()
    drawn(page, CURVES, n + 1)
    assert sorted({r["id"] for r in view_rows(page, CURVES)}) == sorted(ids[2:5] + ids[:1])
    # four ticked runs (more than three) compare together
    with page.expect_navigation():
        page.click("#grid-compare")
    page.wait_for_selector("#compare-body[data-ready='4']")
    assert page.locator("#compare-table thead th").count() == 5
    page.go_back()
    page.wait_for_selector("#grid tbody tr[data-id]")
    page.locator(CURVES).scroll_into_view_if_needed()
    drawn(page, CURVES)
    for i in ids[:1] + ids[2:5]:
        page.locator(f"#grid tbody input[data-id='{i}']").uncheck()
    page.wait_for_function(f"document.querySelectorAll(\"{CURVES}{LINES}\").length === 9")
    # the grid's filter chooses too
    n = times_drawn(page, CURVES)
    page.fill("#grid-filter", "iris-0.3125")
    drawn(page, CURVES, n + 1)
    assert page.locator(CURVES + LINES).count() == 1
    assert watch.errors == [] and watch.outside == []
    page.close()


def test_groups_draw_their_mean_with_a_band(browser, site):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    watch = Watch(page, None)
    page.goto(site.as_uri() + "/index.html#group=status")
    page.locator(CURVES).scroll_into_view_if_needed()
    drawn(page, CURVES)
    rows = page.evaluate(f"document.querySelector(\"{CURVES} .vega-box\")._sgView.data('bands')")
    assert {r["group"] for r in rows} == {"Completed", "Running"}
    done = [r for r in rows if r["group"] == "Completed" and r["x"] == 0]
    assert done[0]["n"] == 8 and done[0]["min"] <= done[0]["mean"] <= done[0]["max"]
    assert page.locator(CURVES + " svg path[aria-roledescription='area mark']").count() == 2
    assert "2 groups of 9 runs" in page.locator(CURVES + " .chart-note").inner_text()
    # a scatter against a value spanning more than two decades (rates 0.078..10) starts on a log x axis
    sc = "#charts-scatter figure[data-chart='scatter:Regularization Rate']"
    page.locator(sc).scroll_into_view_if_needed()
    drawn(page, sc)
    assert page.evaluate(f"document.querySelector(\"{sc} .vega-box\")._sgView.scale('x').type") == "log"
    open_options(page, sc)
    page.locator(sc + " input[data-opt=xlog]").uncheck()
    drawn(page, sc, 2)
    assert page.evaluate(f"document.querySelector(\"{sc} .vega-box\")._sgView.scale('x').type") == "linear"
    assert watch.errors == [] and watch.outside == []
    page.close()


def test_every_chart_is_drawn_before_printing(browser, site, tmp_path):  # noqa: F811
    """Charts draw lazily on screen; printing (here: to PDF) draws them all first."""
    pypdf = pytest.importorskip("pypdf")
    page = browser.new_page(viewport={"width": 1000, "height": 500})
    watch = Watch(page, None)
    page.goto(site.as_uri() + "/index.html")
    page.wait_for_selector("#grid tbody tr[data-id]")
    # Vega loads when the page is idle (c07f948); printing draws synchronously only once it is in
    page.wait_for_function("() => !!window.vegaEmbed")
    total = page.locator(".vega-box").count()
    assert page.locator(".vega-box svg").count() < total  # those far below are not drawn yet
    last = page.locator("#charts-scatter figcaption").last.inner_text()
    pdf = page.pdf()
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert last in text
    assert "Regularization Rate" in text.split(last, 1)[1]  # the last chart's axis title: drawn in print
    assert page.locator(".vega-box svg").count() == total
    assert watch.errors == [] and watch.outside == []
    page.close()


@pytest.fixture
def sweep(store, tmp_path, cli, monkeypatch):  # noqa: F811
    """Ten tracked runs of a small project whose code changes at run 6; each writes a text output."""
    proj = tmp_path / "proj"
    proj.mkdir()
    monkeypatch.chdir(proj)
    (proj / "train.py").write_text(
        "import sys\nfrom pathlib import Path\nfrom sitegen import get_logger\nimport lib\n"
        "log = get_logger()\nrate = float(sys.argv[1])\nlog.log_params({'rate': rate, 'depth': int(sys.argv[2])})\n"
        "for i in range(30):\n    log.log('loss', lib.loss(rate, i), step=i)\n"
        "log.log('Accuracy', 0.5 + rate / 20)\n"
        "Path('outputs/notes.txt').write_text(f'rate {rate}\\n' + 'same line\\n' * 5)\n")
    (proj / "lib.py").write_text("def loss(rate, i):\n    return 1 / (i + 1) + rate / 100\n")
    hostile = proj / "<img src=x onerror=alert(1)>.py"
    hostile.write_text("A = 1\n")
    env = {"SITEGEN_STORE": str(store.root)}
    for k in range(10):
        if k == 5:
            (proj / "lib.py").write_text("def loss(rate, i):\n    return 2 / (i + 2) + rate / 100\n")
            hostile.write_text(f"A = {HOSTILE!r}\n")
        cli("run", "train.py", str(0.5 * (k + 1)), str(k % 3), cwd=proj, env=env, check=True)
    site = tmp_path / "site"
    build_site(store, site, Config())
    ids = sorted(store.run_ids(), key=lambda i: store.load_meta(i)["run_number"])
    return site, ids


@pytest.mark.parametrize("where", ["file", "http"])
def test_a_comparison_of_ten_runs(browser, sweep, tmp_path, where):
    site, ids = sweep
    server = None
    if where == "http":
        root = tmp_path / "www"
        root.mkdir()
        shutil.copytree(site, root / "repo")
        server = serve(root)
        host = f"127.0.0.1:{server.server_address[1]}"
        base = f"http://{host}/repo/"
    else:
        host, base = None, site.as_uri() + "/"
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        watch = Watch(page, host)
        requested: list[str] = []
        page.on("request", lambda r: requested.append(r.url))
        page.goto(base + "compare.html#ids=" + ",".join(ids))
        page.wait_for_selector("#compare-body[data-ready='10']")
        assert page.locator("#compare-table thead th").count() == 11  # the names, then ten runs
        assert page.locator("#compare-table tbody[data-part=params] tr.differ").count() == 2  # rate, depth
        assert page.locator("#compare-title").inner_text() == "Compare 10 runs"
        assert not any("data/index.js" in u for u in requested)  # only the runs' own files
        # a small chart per metric, each on its own axis (a bar per run)
        bars = page.locator("#charts-bars figure.chart")
        assert bars.count() == 2  # Accuracy, loss (last)
        fig = "#charts-bars figure[data-chart='metric:Accuracy']"
        page.locator(fig).scroll_into_view_if_needed()
        drawn(page, fig)
        assert len(page.evaluate(f"document.querySelector(\"{fig} .vega-box\")._sgView.data('source_0')")) == 10
        # the series overlaid, one line per run
        over = "#charts-overlay figure[data-chart='curves:loss']"
        page.locator(over).scroll_into_view_if_needed()
        drawn(page, over)
        assert page.locator(over + LINES).count() == 10
        # the code: two versions; the first pair that differs is diffed, hostile text stays text
        page.locator("#code-section").scroll_into_view_if_needed()
        page.wait_for_selector("#code-section pre.diff")
        assert "2 different versions" in page.locator("#code-section").inner_text()
        changed = page.locator("#code-section ul.changed-files li").all_inner_texts()
        assert changed == ["changed: <img src=x onerror=alert(1)>.py", "changed: lib.py"]
        diff = page.locator("#code-section details.file-diff", has_text="lib.py").locator("pre.diff")
        assert "-    return 1 / (i + 1) + rate / 100" in diff.inner_text()
        assert "+    return 2 / (i + 2) + rate / 100" in diff.inner_text()
        assert f"+A = {HOSTILE!r}" in page.locator("#code-section").inner_text()
        assert page.locator("#code-section img, #code-section script").count() == 0
        # text outputs side by side, and a line diff of the chosen pair
        assert page.locator("#texts-section pre.preview").count() == 10
        page.wait_for_selector("#texts-section pre.diff")
        assert "-rate 0.5" in page.locator("#texts-section pre.diff").inner_text()
        assert watch.errors == [] and watch.outside == []
        # a precomputed comparison page has the same layout
        pre = sorted((site / "compare").iterdir())[0]
        page.goto(base + "compare/" + pre.name)
        page.wait_for_selector("#compare-body[data-ready='2']")
        assert page.locator("#compare-table thead th").count() == 3
        page.wait_for_selector("#code-section .code-summary")
        assert watch.errors == [] and watch.outside == []
        page.close()
    finally:
        if server:
            server.shutdown()
            server.server_close()


def test_brushing_a_parallel_axis_filters_the_grid(browser, sweep):
    """The dashboard of a script with parameters: parallel coordinates coloured by the primary
    metric; dragging along the rate axis leaves only the runs in that range in the grid, and the
    address carries the filter (a query) and the brush."""
    site, ids = sweep
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    watch = Watch(page, None)
    page.goto(site.as_uri() + "/index.html")
    assert page.locator("#grid-status").inner_text().startswith("10 of 10")
    axes = page.locator("svg.pc .pc-axis").evaluate_all("gs => gs.map(g => g.getAttribute('data-key'))")
    assert axes == ["p:depth", "p:rate", "m:Accuracy"]
    assert "Colour: Accuracy" in page.locator(".pc-legend").inner_text()
    colours = page.locator("svg.pc polyline.pc-line").evaluate_all("ls => ls.map(l => l.getAttribute('stroke'))")
    assert len(colours) == 10 and len(set(colours)) > 5  # by Accuracy, which differs run to run
    hit = page.locator(".pc-hit[data-key='p:rate']")
    hit.scroll_into_view_if_needed()
    box = hit.bounding_box()
    x = box["x"] + box["width"] / 2
    page.mouse.move(x, box["y"] + 2)  # from the top of the axis (rate 5) to half way (about 2.7)
    page.mouse.down()
    page.mouse.move(x, box["y"] + box["height"] / 2, steps=4)
    page.mouse.up()
    page.wait_for_function("!document.querySelector('#grid-status').textContent.startsWith('10 of')")
    shown = page.evaluate("SitegenGrid.current.rows().map(r => r.params.rate)")
    assert 0 < len(shown) < 10 and all(r >= 2.5 for r in shown), shown
    assert page.locator("svg.pc polyline.pc-line.in").count() == len(shown)
    assert "q=params" in page.url and "brush=" in page.url
    assert page.input_value("#grid-filter").startswith('params."rate" >= ')
    # a filter typed by hand replaces the brush (no stale brush drawn or in the address)
    page.fill("#grid-filter", "depth = 1")
    page.wait_for_function("!location.hash.includes('brush=')")
    assert page.locator("svg.pc .pc-brush").count() == 0
    page.fill("#grid-filter", "")
    page.wait_for_function("document.querySelector('#grid-status').textContent.startsWith('10 of 10')")
    hit = page.locator(".pc-hit[data-key='p:rate']")
    hit.scroll_into_view_if_needed()
    box = hit.bounding_box()
    x = box["x"] + box["width"] / 2
    page.mouse.move(x, box["y"] + 2)
    page.mouse.down()
    page.mouse.move(x, box["y"] + box["height"] / 2, steps=4)
    page.mouse.up()
    page.wait_for_function("!document.querySelector('#grid-status').textContent.startsWith('10 of')")
    # the same address gives the same view; a click on the axis clears the brush
    shared = page.url
    page.goto("about:blank")
    page.goto(shared)
    page.wait_for_function(f"SitegenGrid.current && SitegenGrid.current.rows().length === {len(shown)}")
    assert page.locator("svg.pc .pc-brush").count() == 1
    hit = page.locator(".pc-hit[data-key='p:rate']")
    hit.scroll_into_view_if_needed()
    box = hit.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] - 5)
    page.wait_for_function("document.querySelector('#grid-status').textContent.startsWith('10 of 10')")
    assert "brush=" not in page.url
    # the scatter picks its axes; the address keeps them
    page.select_option("select[data-axis=x]", "p:depth")
    assert "sxy=p:depth" in page.url
    assert watch.errors == [] and watch.outside == []
    page.close()
