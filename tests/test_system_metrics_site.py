"""System metrics on the site (real Chromium): their own section on run pages, and no charts of
them on the dashboard unless one is the primary metric."""
from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.config import Config
from sitegen.logger import Run
from sitegen.site.build import build_site
from sitegen.store import Store

pw = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")
SYSTEM = ["system/cpu_percent", "system/memory_rss_mb"]


def make_site(tmp_path: Path, primary: str | None = None) -> tuple[Path, list[str]]:
    store = Store(tmp_path / "runs")
    ids = []
    for k in range(2):
        run_id = store.create_run("Sys", name=f"run {k}")
        run = Run(store, run_id, owned=False)
        run.log("accuracy", 0.8 + k / 10)
        for step in range(5):
            run.log({"loss": 1.0 / (step + 1 + k), SYSTEM[0]: 90.0 + step,
                     SYSTEM[1]: 100.0 + k}, step=step)
        run.finish()
        store.finish_run(run_id, "Completed")
        ids.append(run_id)
    out = tmp_path / "site"
    build_site(store, out, Config(title="sys", primary_metric=primary or "accuracy"))
    return out, ids


def captions(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(f"{selector} figure.chart figcaption",
                                     "els => els.map(e => e.textContent)")


@pytest.fixture(scope="module")
def browser():
    with pw.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def test_run_page_section_and_dashboard_leaves_them_out(browser, tmp_path: Path) -> None:
    site, ids = make_site(tmp_path)
    page = browser.new_page()
    page.goto((site / "runs" / f"{ids[0]}.html").as_uri())
    page.wait_for_function("document.querySelectorAll('#charts-system figure.chart').length >= 2")
    page.locator("#charts-system").scroll_into_view_if_needed()  # charts draw when in view
    page.wait_for_function("document.querySelectorAll('#charts-system .vega-box svg').length >= 2")
    assert captions(page, "#charts-system") == SYSTEM
    assert captions(page, "#charts-series") == ["loss"]
    values = page.inner_text("#scalars-h + table")
    assert "loss" in values and "system/" not in values
    assert "cpu_percent" in page.inner_text("section[aria-labelledby=system-h]")

    page.goto((site / "index.html").as_uri())
    page.wait_for_function("document.querySelectorAll('#charts-across figure.chart').length >= 3")
    across = captions(page, "#charts-across")
    assert "loss" in across and "accuracy" in across
    assert not [c for c in across if c.startswith("system/")]
    page.close()


def test_a_system_series_chosen_as_primary_is_charted(browser, tmp_path: Path) -> None:
    site, _ = make_site(tmp_path, primary=SYSTEM[1])
    page = browser.new_page()
    page.goto((site / "index.html").as_uri())
    page.wait_for_function("document.querySelectorAll('#charts-across figure.chart').length >= 3")
    across = captions(page, "#charts-across")
    assert SYSTEM[1] in across and SYSTEM[0] not in across
    page.close()
