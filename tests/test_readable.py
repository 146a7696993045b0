"""Pages read for people (issue 9 items 11 and 13), in headless Chromium: dates and durations in
words with the exact values as tooltips, one true/false spelling on run and comparison pages, and a
dashboard that is readable 390 px wide (compact jobs rows, a sideways hint on the grid)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from sitegen.config import Config
from sitegen.formatting import format_took
from sitegen.site.build import build_site
from test_browser import CHROMIUM, Watch, browser, site  # noqa: F401  (fixtures)
from test_build import make_iris, store  # noqa: F401  (fixture)

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")
WHEN = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$")
TOOK = re.compile(r"^(\d+ ms|\d+(\.\d)? s|\d+ min \d\d s|\d+ h \d\d min)$")


def cell(page, table: str, label: str):
    return page.locator(f"{table} tr", has=page.locator("th", has_text=re.compile(f"^{re.escape(label)}$")))


def test_dates_durations_and_booleans_for_people(browser, store, tmp_path):  # noqa: F811
    ids = make_iris(store, 3)
    for rid, flag in zip(ids, (False, True, False)):
        store.update_meta(rid, lambda m, f=flag: m.setdefault("properties", {}).update(flag=f))
    out = tmp_path / "site"
    build_site(store, out, Config())
    meta = store.load_meta(ids[0])
    page = browser.new_page()
    watch = Watch(page, None)
    page.goto((out / "runs" / f"{ids[0]}.html").as_uri())
    for label, key in (("Started", "start_time_utc"), ("Ended", "end_time_utc")):
        shown = cell(page, ".kv-table", label).locator("td time")
        assert WHEN.match(shown.inner_text()) and shown.get_attribute("title") == meta[key]
    took = cell(page, ".kv-table", "Duration").locator("td span")
    took_text = took.inner_text()
    assert TOOK.match(took_text) and took.get_attribute("title") == meta["duration"]
    assert cell(page, ".kv-table", "flag").locator("td").inner_text() == "false"
    # the comparison of the first two: the same words, the same spelling of booleans
    page.goto((out / "compare.html").as_uri() + f"#ids={ids[0]},{ids[1]}")
    page.wait_for_selector("#compare-table tbody tr")
    started = cell(page, "#compare-table", "Started").locator("td")
    assert WHEN.match(started.nth(0).inner_text()) and started.nth(0).get_attribute("title") == meta["start_time_utc"]
    duration = cell(page, "#compare-table", "Duration").locator("td")
    assert duration.nth(0).inner_text() == took_text and duration.nth(0).get_attribute("title") == meta["duration"]
    assert cell(page, "#compare-table", "Property: flag").locator("td").all_inner_texts() == ["false", "true"]
    # the grid: started and duration in words, exact in the tooltip
    page.goto((out / "index.html").as_uri())
    row = page.locator(f'#grid tbody tr[data-id="{ids[0]}"]')
    heads = page.locator("#grid thead tr:last-child th").all_inner_texts()
    start_td = row.locator("td").nth(heads.index("Started"))
    assert WHEN.match(start_td.inner_text()) and start_td.get_attribute("title") == meta["start_time_utc"]
    dur_td = row.locator("td").nth(heads.index("Duration"))
    assert TOOK.match(dur_td.inner_text())
    assert dur_td.inner_text() == format_took(float(dur_td.get_attribute("title")))
    # the jobs panel: finished jobs' durations in words, exact in the tooltip
    elapsed = page.locator(".jobs-table .elapsed").first
    assert TOOK.match(elapsed.inner_text()) and re.match(r"^\d+:\d\d:\d\d", elapsed.get_attribute("title"))
    assert watch.errors == []
    page.close()


def test_dashboard_at_390_px(browser, site):  # noqa: F811
    page = browser.new_page(viewport={"width": 390, "height": 844})
    watch = Watch(page, None)
    page.goto((site / "index.html").as_uri())
    page.wait_for_selector("#grid tbody tr[data-id]")
    # every job: one compact block whose latest values are on screen (not cut off to the right)
    boxes = page.evaluate("""() => [...document.querySelectorAll('.jobs-table tbody tr')].map(tr => ({
        height: tr.getBoundingClientRect().height,
        right: Math.max(...[...tr.querySelectorAll('.kv')].map(k => k.getBoundingClientRect().right)),
        lines: new Set([...tr.querySelectorAll('.kv, td:first-child a, .badge')].map(e => Math.round(e.getBoundingClientRect().top))).size,
    }))""")
    assert len(boxes) == 6
    for b in boxes:
        assert b["right"] <= 390, boxes
        assert b["height"] <= 22 * b["lines"] + 12, boxes  # no blank lines: about one line of text each
    # the running job ticks in words
    elapsed = page.locator(".elapsed[data-start]")
    first = elapsed.inner_text()
    page.wait_for_function(f"document.querySelector('.elapsed[data-start]').textContent !== {first!r}")
    assert re.match(r"^\d+(\.\d)? s$|^\d+ min \d\d s$", elapsed.inner_text())
    # the grid: fewer columns by default, and a hint while more are off to the right
    heads = page.locator("#grid thead tr:last-child th").all_inner_texts()
    assert "Started" not in heads and "Duration" not in heads
    hint = page.locator("#grid-hint")
    if page.evaluate("() => { const s = document.getElementById('grid-scroll'); return s.scrollWidth > s.clientWidth + 4; }"):
        assert hint.is_visible()
        page.evaluate("() => { const s = document.getElementById('grid-scroll'); s.scrollLeft = s.scrollWidth; }")
        page.wait_for_function("document.getElementById('grid-hint').hidden")
    else:
        assert hint.is_hidden()
    assert watch.errors == []
    page.close()
