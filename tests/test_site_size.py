"""The published site stays small (issue 17 item 4): comparisons are not a page per pair (the
permanent ``compare/<a>--<b>.html`` URLs open compare.html), run data is packed, metrics downloads
are made in the browser. Chromium tests from file:// (and HTTP under /repo/ where it matters)."""
from __future__ import annotations

from sitegen.config import Config
from sitegen.site.build import build_site
from test_browser import Watch, browser  # noqa: F401  (fixture)
from test_build import make_iris, store  # noqa: F401  (fixture)


def test_an_old_comparison_link_opens_the_comparison(browser, store, tmp_path):  # noqa: F811
    """compare/<a>--<b>.html (shared before comparisons moved to compare.html) still opens the
    comparison of its two runs; a run page's "Compare with previous" opens compare.html#ids=."""
    ids = make_iris(store, 3)
    site = tmp_path / "site"
    build_site(store, site, Config())
    page = browser.new_page()
    watch = Watch(page, None)
    page.goto((site / "compare" / f"{ids[0]}--{ids[1]}.html").as_uri())
    page.wait_for_selector("#compare-body[data-ready='2']")
    assert page.url.endswith(f"/compare.html#ids={ids[0]},{ids[1]}")
    assert page.locator("#compare-table thead th").count() == 3
    assert page.locator("#compare-title").text_content() == "Compare #1 iris-10 · #2 iris-5"
    page.goto((site / "runs" / f"{ids[2]}.html").as_uri())
    page.get_by_role("link", name="Compare with previous").click()
    page.wait_for_selector("#compare-body[data-ready='2']")
    assert page.url.endswith(f"/compare.html#ids={ids[1]},{ids[2]}")
    assert watch.errors == [] and watch.outside == []
    page.close()
