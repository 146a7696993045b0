"""Run pages learn the best run of their script from data/best.js (issue 19 item 4): in Chromium the
link to the comparison with the best run, and the badge on the best run's own page, come from it."""
from __future__ import annotations

from sitegen.config import Config
from sitegen.site.build import build_site
from test_browser import Watch, browser  # noqa: F401  (fixture)
from test_build import ACCURACY, make_iris, store  # noqa: F401  (fixture)


def test_best_link_and_badge_from_the_data_file(browser, store, tmp_path):  # noqa: F811
    ids = make_iris(store, 4)
    best = ids[max(range(4), key=ACCURACY.__getitem__)]
    site = tmp_path / "site"
    build_site(store, site, Config())
    page = browser.new_page()
    watch = Watch(page, None)
    other = next(i for i in ids if i != best)
    page.goto((site / "runs" / f"{other}.html").as_uri())
    link = page.locator(".best-run a")
    number = ids.index(best) + 1
    assert link.text_content() == f"Compare with best (#{number})"
    assert link.get_attribute("href") == f"../compare.html#ids={other},{best}"
    link.click()
    page.wait_for_function("document.querySelectorAll('#compare-table tbody tr').length > 5", timeout=15_000)
    assert page.url.endswith(f"compare.html#ids={other},{best}")
    page.goto((site / "runs" / f"{best}.html").as_uri())
    assert page.locator(".best-run .badge-best").text_content() == "Best run"
    assert page.locator(".best-run a").count() == 0
    assert watch.errors == [] and watch.outside == []
    page.close()
