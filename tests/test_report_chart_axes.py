"""A report's series chart gets its settings: axis titles (the series, Step), and smoothing's faint
raw lines under the smoothed ones (REPORT's chart: val_loss, smoothing 0.5, y: log)."""
from __future__ import annotations

from pathlib import Path

import pytest

from test_browser import CHROMIUM, browser  # noqa: F401  (fixture)
from test_report_source import REPORT, build, proj  # noqa: F401
from test_reports_browser import drawn

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")


def test_series_chart_titles_and_smoothing(proj, browser):
    root, store, ids = proj
    (root / "reports" / "adam.md").write_text(REPORT)
    build(root, store)
    page = browser.new_page()
    page.goto((root / "site" / "reports" / "adam.html").as_uri())
    runs = len(drawn(page, (0,))[0])
    chart = page.locator(".sg-chart[data-embed='0'] svg")
    texts = chart.locator("text").all_text_contents()
    assert "val_loss" in texts and "Step" in texts, texts
    assert "ys" not in texts and "x" not in texts
    # smoothing keeps each run's raw line, faint, under its smoothed one
    assert chart.locator("g.mark-line path").count() >= 2 * runs
    page.close()
