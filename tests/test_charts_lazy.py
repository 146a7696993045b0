"""Vega on demand (issue 19): the comparison and the dashboard are ready before the 0.9 MB Vega bundle
loads; it loads once, when the page is idle or a chart comes near the screen, and is warmed up on two
tiny offscreen charts before the first real chart (Vega's first-use cost is not in that chart's task);
a chart's view is made in one task and first run in the next.
The charts drawn then still export PNG/SVG, and their log axis and smoothing still apply."""
from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.site.index_shards import read_index
from test_browser import CHROMIUM, Watch, browser, site  # noqa: F401  (fixtures)
from test_build import store  # noqa: F401  (fixture)

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")

# Before any page script: the files the page has asked for (its script and style elements, those added
# by scripts too) when `selector` first matches (in a MutationObserver callback: no idle callback can
# run in between), and the class of every box vegaEmbed draws into, in order.
INIT = """
window.__lazy = {embeds: []};
(() => {
  const o = new MutationObserver(() => {
    if (!__lazy.atReady && document.querySelector(%r)) {
      __lazy.atReady = [...document.querySelectorAll('script[src], link[href]')].map(e => e.src || e.href);
      o.disconnect(); }
  });
  o.observe(document, {childList: true, subtree: true, attributes: true});
  let ve;
  Object.defineProperty(window, 'vegaEmbed', {configurable: true, get() { return ve; }, set(f) {
    ve = function (box, spec, opts) { __lazy.embeds.push(box.className); return f(box, spec, opts); }; }});
})();
"""


def site_paths(site: Path, urls: list[str]) -> list[str]:
    root = site.as_uri() + "/"
    return [u[len(root):].split("#")[0] for u in urls if u.startswith(root)]


def drawn(page, fig: str, times: int = 1) -> None:
    page.wait_for_function("([f, n]) => { const b = document.querySelector(f + ' .vega-box');"
                           " return b && Number(b.getAttribute('data-drawn')) >= n; }", arg=[fig, times])


def times_drawn(page, fig: str) -> int:
    return page.evaluate("f => Number(document.querySelector(f + ' .vega-box').getAttribute('data-drawn'))", fig)


def test_a_comparison_of_three_runs_loads_its_runs_first_and_vega_once_for_its_charts(browser, site):  # noqa: F811
    ids = [r["id"] for r in read_index(site)["runs"]][:3]
    page = browser.new_page(viewport={"width": 1280, "height": 700})
    watch = Watch(page, None)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.add_init_script(INIT % "#compare-body[data-ready]")
    page.goto(site.as_uri() + "/compare.html#ids=" + ",".join(ids))
    page.wait_for_selector("#compare-body[data-ready='3']")
    at_ready = site_paths(site, page.evaluate("__lazy.atReady"))
    runs = {f"data/runs/{i}.js" for i in ids}
    own = runs | {f"data/text/{i}.js" for i in ids}  # the runs' data, their text outputs
    # ready: the page, its styles, the theme's script, the chart templates and the three runs' files
    assert set(at_ready) - own <= {"assets/site.css", "assets/charts.css", "assets/js/sitegen.js",
                                   "assets/specs.js", "assets/favicon.svg"}
    assert runs <= set(at_ready)
    # the series chart: Vega loads (once), is warmed up on two tiny charts, then draws
    over = "#charts-overlay figure[data-chart='curves:loss']"
    page.locator(over).scroll_into_view_if_needed()
    drawn(page, over)
    files = site_paths(site, requested)
    assert files.count("assets/vega-bundle.js") == 1
    outputs = {f for f in files if any(f.startswith(f"files/{i}/outputs/") for i in ids)}  # its images
    assert set(files) - own - outputs - set(at_ready) == {"compare.html", "assets/vega-bundle.js"}  # no index
    embeds = page.evaluate("__lazy.embeds")
    assert embeds[:2] == ["vega-warm", "vega-warm"] and "vega-warm" not in embeds[2:]
    assert page.locator(".vega-warm").count() == 0  # the warm-up charts are gone
    # drawn in two tasks: the view made in one, its first run in the next
    assert page.evaluate(f"document.querySelector(\"{over} .vega-box\")._sgView._sgRan") is True
    assert page.locator(over + " svg path[aria-roledescription='line mark']").count() == 3
    # export from Vega's view
    for kind, magic in (("png", b"\x89PNG\r\n\x1a\n"), ("svg", b"<svg")):
        with page.expect_download() as dl:
            page.locator(over + f" button[data-export={kind}]").click()
        assert Path(dl.value.path()).read_bytes().lstrip().startswith(magic)
    # log y on this chart, then smoothing on every chart: the faint raw lines stay under the smooth ones
    page.locator(over + " details.chart-options summary").click()
    n = times_drawn(page, over)
    page.locator(over + " input[data-opt=ylog]").check()
    drawn(page, over, n + 1)
    assert page.evaluate(f"document.querySelector(\"{over} .vega-box\")._sgView.scale('y').type") == "log"
    n = times_drawn(page, over)
    page.locator(".chart-settings input[data-opt=smooth]").fill("0.8")
    page.locator(".chart-settings input[data-opt=smooth]").dispatch_event("change")
    drawn(page, over, n + 1)
    assert page.locator(over + " svg path[aria-roledescription='line mark']").count() == 6
    assert site_paths(site, requested).count("assets/vega-bundle.js") == 1
    assert watch.errors == [] and watch.outside == []
    page.close()


def test_the_dashboard_shows_its_grid_before_vega_loads(browser, site):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 700})
    watch = Watch(page, None)
    page.add_init_script(INIT % "#grid tbody tr[data-id]")
    page.goto(site.as_uri() + "/index.html")
    page.wait_for_selector("#grid tbody tr[data-id]")
    assert "assets/vega-bundle.js" not in site_paths(site, page.evaluate("__lazy.atReady"))
    curves = "#charts-curves figure[data-chart='curves:loss']"
    page.locator(curves).scroll_into_view_if_needed()
    drawn(page, curves)
    assert page.evaluate("__lazy.embeds")[:2] == ["vega-warm", "vega-warm"]
    assert page.locator(".vega-warm").count() == 0
    assert watch.errors == [] and watch.outside == []
    page.close()


def test_without_the_bundle_the_comparison_is_ready_and_its_charts_say_so(browser, site):  # noqa: F811
    (site / "assets" / "vega-bundle.js").unlink()
    ids = [r["id"] for r in read_index(site)["runs"]][:3]
    page = browser.new_page(viewport={"width": 1280, "height": 700})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(site.as_uri() + "/compare.html#ids=" + ",".join(ids))
    page.wait_for_selector("#compare-body[data-ready='3']")
    over = "#charts-overlay figure[data-chart='curves:loss']"
    page.locator(over).scroll_into_view_if_needed()
    page.wait_for_function("f => document.querySelector(f + ' .vega-box').textContent.includes('charts need')", arg=over)
    assert page.locator(over + " .vega-box").inner_text() == "(charts need assets/vega-bundle.js)"
    assert page.locator("#compare-table thead th").count() == 4 and errors == []
    page.close()
