"""The published site stays small (issue 17 item 4): comparisons are not a page per pair (the
permanent ``compare/<a>--<b>.html`` URLs open compare.html), run data is packed, metrics downloads
are made in the browser. Chromium tests from file:// (and HTTP under /repo/ where it matters)."""
from __future__ import annotations

from pathlib import Path

import sitegen
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


def _rows(text: str) -> list[list[str]]:
    return sorted(r.split("\t") for r in text.splitlines())


def test_the_run_page_download_has_every_logged_point(browser, store, tmp_path):  # noqa: F811
    """No metrics/<id>.tsv.gz by default: the run page's button makes the TSV in the browser from the
    run's data files — every point (a long series' from data/points/<id>.js), names and steps exact,
    ints, strings, NaN and inf as logged, floats to float32 precision, the last point of a series
    exact, the times of a short series to the millisecond."""
    with sitegen.start_run("download <me>") as run:
        run.log("Accuracy", 0.97)
        run.log("Regularization Rate", 10.0)
        run.log("epochs", 12)
        for k in range(3000):  # downsampled for drawing
            run.log("loss", 2.5 / (k + 1) + k * 1e-9, step=k)
        for k, v in enumerate([0.5, float("nan"), "warm </script>", float("inf"), True, 1e-300, 2]):
            run.log('odd "name"', v, step=k)
        for k in range(40):
            run.log("tokens", 2**40 + k * 7, step=2 * k)
        rid = run.run_id
    site = tmp_path / "site"
    build_site(store, site, Config())
    assert not (site / "metrics").exists() and (site / "data" / "points" / f"{rid}.js").is_file()
    page = browser.new_page()
    watch = Watch(page, None)
    page.goto((site / "runs" / f"{rid}.html").as_uri())
    with page.expect_download() as got:
        page.locator("button.metrics-download").click()
    assert got.value.suggested_filename == f"{rid}.metrics.tsv"
    made = _rows(Path(got.value.path()).read_text("utf-8"))
    logged = _rows((store.root / rid / "metrics.tsv").read_text("utf-8"))
    assert [r[:2] for r in made] == [r[:2] for r in logged] and len(made) == 3 + 3000 + 7 + 40
    last_loss = max(r for r in logged if r[0] == '"loss"' and r[1] == "2999")
    for a, b in zip(made, logged):
        exact = b[2]
        if a == last_loss or b[0] in ('"Accuracy"', '"Regularization Rate"', '"epochs"', '"tokens"') \
                or not exact[0].isdigit() or "e-300" in exact:  # exact: text or value
            assert a[2] == exact or float(a[2]) == float(exact), (a, b)
        else:
            assert abs(float(a[2]) - float(exact)) <= 1.2e-7 * abs(float(exact)), (a, b)
        if b[0] != '"loss"':  # ≤ 100 points: each point's time, to the millisecond
            assert a[3] == b[3], (a, b)
    loss = [r for r in made if r[0] == '"loss"']
    assert all(float(r[3]) >= float(loss[0][3]) - 1e-3 for r in loss)
    assert watch.errors == [] and watch.outside == []
    # without JavaScript the page says the download needs it (and stays readable)
    assert "<noscript>(All logged points: a download made by JavaScript.)</noscript>" in (site / "runs" / f"{rid}.html").read_text("utf-8")
    page.close()


def test_without_javascript_run_pages_and_old_comparison_links_stay_readable(browser, store, tmp_path):  # noqa: F811
    """JavaScript off: a run page shows its metadata, parameters and values from its HTML (the data
    file adds charts only), and an old compare/<a>--<b>.html still reaches compare.html (a meta
    refresh, no script)."""
    ids = make_iris(store, 2)
    site = tmp_path / "site"
    build_site(store, site, Config())
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto((site / "runs" / f"{ids[1]}.html").as_uri())
    details = page.locator("section[aria-labelledby=meta-h]").inner_text()
    assert "Completed" in details and "Started" in details
    values = page.locator("section[aria-labelledby=scalars-h]").inner_text()
    assert "Accuracy" in values and "0.6579" in values and "All logged points: a download made by JavaScript" in values
    assert "Parameters" in page.locator("section[aria-labelledby=params-h]").inner_text()
    page.goto((site / "compare" / f"{ids[0]}--{ids[1]}.html").as_uri())
    page.wait_for_url("**/compare.html#ids=*")
    assert page.url.endswith(f"compare.html#ids={ids[0]},{ids[1]}")
    assert "drawn by JavaScript" in page.locator("main").inner_text()
    context.close()
