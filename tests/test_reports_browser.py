"""Reports in headless Chromium: from file://, under /repo/, exported to one file with the network
cut off, hostile names, and the authoring loop of `sitegen serve`."""
from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest

from test_browser import CHROMIUM, Watch, browser, serve  # noqa: F401  (fixture)
from test_report_source import HOSTILE, OPTIMIZERS, REPORT, build, log_run, proj  # noqa: F401

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")

# the embeds of REPORT: 0 series chart (adam runs), 1 table (lr < 0.01), 2 compare [best, 1],
# 3 parallel coordinates (all runs)
CHARTS = (0, 3)


def drawn(page, embeds=CHARTS) -> dict:
    """Scroll to each chart embed (they draw near the screen), wait until each is drawn; {embed
    index: run ids drawn}."""
    for i in embeds:
        page.locator(f".sg-embed[data-embed='{i}']").scroll_into_view_if_needed()
        page.wait_for_function(f"() => window.SGReport && SGReport.drawn[{i}]", timeout=20_000)
    cond = " && ".join(f"SGReport.drawn[{i}]" for i in embeds)
    page.wait_for_function(f"() => window.SGReport && ({cond})", timeout=20_000)
    assert page.evaluate("() => SGReport.errors") == {}
    return {int(k): v for k, v in page.evaluate("() => SGReport.drawn").items()}


def check_report(page, ids: list[str]) -> None:
    """Every embed of REPORT shows the right runs, and the charts really have marks."""
    adam = [ids[i] for i in range(6) if OPTIMIZERS[i] == "adam"]
    got = drawn(page)
    assert got[0] == adam and got[3] == ids
    assert page.locator(".sg-chart[data-embed='0'] svg path").count() >= len(adam)
    assert page.locator(".sg-chart[data-embed='0'] .sg-legend a").count() == len(adam)
    assert page.locator(".sg-parallel[data-embed='3'] polyline.pc-line").count() == len(ids)
    assert page.locator(".sg-table tr[data-run]").evaluate_all(
        "rows => rows.map(r => r.dataset.run)") == [ids[5], ids[4], ids[3]]
    assert page.locator(".sg-compare thead th[data-run]").evaluate_all(
        "ths => ths.map(t => t.dataset.run)") == [ids[5], ids[0]]
    assert page.locator(".report-body .math.display .katex-display").count() == 1  # KaTeX drew it
    images = page.locator(".sg-compare img")
    assert images.count() == 2
    page.wait_for_function("() => [...document.querySelectorAll('.sg-compare img')]"
                           ".every(i => i.complete && i.naturalWidth > 0)")


def test_report_from_file_and_under_repo(proj, browser, tmp_path):
    root, store, ids = proj
    (root / "reports" / "adam.md").write_text(REPORT)
    build(root, store)
    page = browser.new_page()
    watch = Watch(page, None)
    page.goto((root / "site" / "reports" / "adam.html").as_uri())
    check_report(page, ids)
    # the link to the best run opens its page
    page.locator("a", has_text="this one").click()
    page.wait_for_url(f"**/runs/{ids[5]}.html")
    assert watch.errors == [] and watch.outside == []
    page.close()

    served = tmp_path / "served"
    shutil.copytree(root / "site", served / "repo")
    server = serve(served)
    try:
        host = f"127.0.0.1:{server.server_address[1]}"
        page = browser.new_page()
        watch = Watch(page, host)
        page.goto(f"http://{host}/repo/index.html")
        page.locator("header a", has_text="Reports").click()
        page.locator("a", has_text="Adam or SGD?").click()
        page.wait_for_url(f"http://{host}/repo/reports/adam.html")
        check_report(page, ids)
        assert watch.errors == [] and watch.outside == []
        page.close()
    finally:
        server.shutdown()


def test_exported_file_draws_with_the_network_cut_off(proj, browser, cli, tmp_path):
    root, store, ids = proj
    (root / "reports" / "adam.md").write_text(REPORT)
    out = tmp_path / "mail" / "adam.html"
    out.parent.mkdir()
    proc = cli("report", "export", "adam", "-o", str(out), cwd=root)
    assert proc.returncode == 0, proc.stderr
    context = browser.new_context()
    blocked: list[str] = []
    url = out.as_uri()

    def only_the_file(route):
        if route.request.url == url or route.request.url.startswith("data:"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()
    context.route("**/*", only_the_file)
    page = context.new_page()
    watch = Watch(page, None)
    page.goto(url)
    check_report(page, ids)
    assert blocked == [] and watch.errors == []
    context.close()


def test_hostile_report_and_names_run_nothing(proj, browser):
    root, store, ids = proj
    store.update_meta(ids[0], {"name": HOSTILE})
    (root / "reports" / "evil.md").write_text(
        f"---\ntitle: {HOSTILE}\n---\n# {HOSTILE}\n\n[x](javascript:alert(1)) <svg onload=alert(2)></svg>\n\n"
        "```sitegen-chart\nseries: val_loss\nruns: [1, 2]\n```\n\n"
        "```sitegen-parallel\nruns: [1, 2]\ncolumns: lr, optimizer\n```\n\n"
        "```sitegen-compare\nruns: [1, 2]\n```\n\n"
        f"```sitegen-table\nruns: [1]\ncolumns: \"{HOSTILE}\"\n```\n")
    build(root, store)
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto((root / "site" / "reports" / "evil.html").as_uri())
    got = drawn(page, (0, 1))
    assert got[0] == [ids[0], ids[1]]
    assert HOSTILE in page.locator(".sg-chart[data-embed='0'] .sg-legend").inner_text()
    assert HOSTILE in page.locator(".sg-parallel polyline title").first.text_content()
    assert HOSTILE in page.locator(".sg-compare thead").inner_text()
    assert HOSTILE in page.locator("h1").first.inner_text()
    assert page.locator(".sg-embed-error").inner_text().count("unknown metric or parameter") == 1
    page.locator("a", has_text="x").first.click()
    assert dialogs == [] and page.evaluate("() => document.querySelectorAll('script:not([src])').length") == 2
    page.close()


def test_serve_reloads_an_edited_report(proj, browser):
    from test_serve import Server
    root, store, ids = proj
    (root / "reports" / "adam.md").write_text(REPORT)
    server = Server(root)
    try:
        server.wait_ready("/reports/adam.html")
        page = browser.new_page()
        page.goto(server.base + "/reports/adam.html")
        page.wait_for_function("() => window.LiveReload && window.LiveReload.connector"
                               " && window.LiveReload.connector.protocol", timeout=15000)
        drawn(page)
        page.evaluate("() => { window.__marker = 1; }")
        t0 = time.monotonic()
        (root / "reports" / "adam.md").write_text(REPORT.replace("# Findings", "# Findings, revised"))
        page.wait_for_function("() => window.__marker === undefined", timeout=20_000)
        page.wait_for_selector("h1:has-text('Findings, revised')")
        print(f"report reloaded {time.monotonic() - t0:.2f} s after the save")
        drawn(page)
        page.close()
        assert server.interrupt() == 0
    finally:
        server.kill()
