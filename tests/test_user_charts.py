"""User charts (config ``charts = "sitegen_charts.py"``): Altair charts from the user's functions,
drawn on run pages, comparisons and dashboards; escaped, offline, incremental, and a function that
raises is one line naming it."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import sitegen
from sitegen.config import Config
from sitegen.site.build import BuildError, build_site
from test_browser import Watch, browser  # noqa: F401  (fixture)
from test_build import make_iris, store  # noqa: F401  (fixture)
from test_incremental import tree_bytes

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "sitegen_charts.py"
HOSTILE = "</script><img src=x onerror=window.__xss=1>"

CHARTS = '''
import altair as alt

def run_curves(points):
    return alt.Chart(points).mark_line().encode(x="step:Q", y="value:Q", color="metric:N")

def compare_runs(points):
    return alt.Chart(points).mark_line().encode(x="step:Q", y="value:Q", color="run:N")

def dashboard_accuracy(runs):
    return alt.Chart(runs).mark_point().encode(x="number:Q", y="Accuracy:Q")

def helper_not_a_chart(x):  # no run_/compare_/dashboard_ prefix: not called
    raise AssertionError("called")
'''


def user_specs(html: str) -> list[dict]:
    return [json.loads(m) for m in re.findall(
        r'<script type="application/json" class="user-chart-spec">(.*?)</script>', html, re.S)]


def points_of(spec: dict) -> list[dict]:
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


@pytest.fixture
def project(store, tmp_path):  # noqa: F811
    ids = make_iris(store, 4)
    with sitegen.start_run("hostile") as run:
        run.log(HOSTILE, [1.0, 2.0, 3.0])
        run.log("Accuracy", 0.5)
        ids.append(run.run_id)
    (tmp_path / "sitegen_charts.py").write_text(CHARTS, "utf-8")
    return ids


def config(tmp_path: Path, name: str = "sitegen_charts.py") -> Config:
    return Config(charts=name, base_dir=tmp_path)


def test_user_charts_on_every_kind_of_page_escaped_and_offline(store, project, tmp_path):  # noqa: F811
    site = tmp_path / "site"
    build_site(store, site, config(tmp_path))
    hostile_page = (site / "runs" / f"{project[-1]}.html").read_text("utf-8")
    assert HOSTILE not in hostile_page and "<img src=x" not in hostile_page
    (spec,) = user_specs(hostile_page)
    assert {p["metric"] for p in points_of(spec)} == {HOSTILE, "Accuracy"}  # the name as data, intact
    assert "url" not in json.dumps(spec.get("data", {}))
    iris = user_specs((site / "runs" / f"{project[0]}.html").read_text("utf-8"))
    assert len([p for p in points_of(iris[0]) if p["metric"] == "loss"]) == 120
    compare = sorted((site / "compare").glob("*.html"))[0].read_text("utf-8")
    assert {p["run"] for p in points_of(user_specs(compare)[0])} and "Charts" in compare
    (dash,) = user_specs((site / "index.html").read_text("utf-8"))
    assert len(points_of(dash)) == 5 and {"Accuracy", "number", "run_id"} <= set(points_of(dash)[0])
    assert user_specs((site / "assets.html").read_text("utf-8")) == []


def test_user_charts_are_incremental(store, project, tmp_path):  # noqa: F811
    site = tmp_path / "site"
    build_site(store, site, config(tmp_path))
    with sitegen.start_run("new") as run:
        run.log("Accuracy", 0.1)
        run.log("loss", [0.5, 0.4])
    result = build_site(store, site, config(tmp_path))
    pages = {p for p in result.changed if p.endswith(".html")}
    # the new run's page, its previous run's (next link), its comparisons, the dashboard (a chart of
    # every run); no other run page is made again
    assert pages == {f"runs/{run.run_id}.html", f"runs/{project[-1]}.html", "index.html",
                     *[p for p in pages if p.startswith("compare/")]}
    assert all(run.run_id in p for p in pages if p.startswith("compare/"))
    assert_same_as_full_with(store, site, tmp_path)
    # the charts module is an input: editing it makes its pages again
    path = tmp_path / "sitegen_charts.py"
    path.write_text(path.read_text("utf-8").replace("mark_line()", "mark_point()", 1), "utf-8")
    result = build_site(store, site, config(tmp_path))
    assert f"runs/{project[0]}.html" in result.changed
    assert '"point"' in (site / "runs" / f"{project[0]}.html").read_text("utf-8")


def assert_same_as_full_with(store, site, tmp_path):  # noqa: F811
    fresh = tmp_path / "full"
    shutil.rmtree(fresh, ignore_errors=True)
    build_site(store, fresh, config(tmp_path), clean=True)
    a, b = tree_bytes(site), tree_bytes(fresh)
    assert sorted(a) == sorted(b) and [k for k in a if a[k] != b[k]] == []


def test_a_failing_chart_function_is_one_line_naming_it(store, project, tmp_path):  # noqa: F811
    site = tmp_path / "site"
    build_site(store, site, Config())
    before = (site / "index.html").read_bytes()
    (tmp_path / "bad_charts.py").write_text(textwrap.dedent("""
        def run_broken(points):
            return 1 / 0
    """), "utf-8")
    with pytest.raises(BuildError, match=r"^charts: bad_charts.py: run_broken\(\) failed: "
                                         r"ZeroDivisionError: division by zero$"):
        build_site(store, site, config(tmp_path, "bad_charts.py"))
    assert (site / "index.html").read_bytes() == before  # the previous site is whole
    (tmp_path / "sitegen.toml").write_text('charts = "bad_charts.py"\n', "utf-8")
    cli = subprocess.run([sys.executable, "-m", "sitegen", "build"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert cli.returncode == 1 and "Traceback" not in cli.stderr
    assert cli.stderr.strip().splitlines() == [
        "Error: charts: bad_charts.py: run_broken() failed: ZeroDivisionError: division by zero"]
    (tmp_path / "bad_charts.py").write_text("def run_x(points):\n    return 3\n", "utf-8")
    with pytest.raises(BuildError, match=r"run_x\(\) must return an Altair chart, not int"):
        build_site(store, site, config(tmp_path, "bad_charts.py"))
    (tmp_path / "url_charts.py").write_text(textwrap.dedent("""
        import altair as alt
        def run_remote(points):
            return alt.Chart("https://example.com/data.csv").mark_point().encode(x="a:Q")
    """), "utf-8")
    with pytest.raises(BuildError, match=r"run_remote\(\) reads data from a URL"):
        build_site(store, site, config(tmp_path, "url_charts.py"))
    with pytest.raises(BuildError, match="charts module .*missing.py does not exist"):
        build_site(store, site, config(tmp_path, "missing.py"))


def test_the_example_module_builds(store, tmp_path):  # noqa: F811
    make_iris(store, 3)
    shutil.copy(EXAMPLE, tmp_path / "sitegen_charts.py")
    site = tmp_path / "site"
    build_site(store, site, config(tmp_path))
    assert len(user_specs((site / "index.html").read_text("utf-8"))) == 1
    run_page = next((site / "runs").glob("*.html")).read_text("utf-8")
    assert len(user_specs(run_page)) == 1


def test_user_charts_draw_in_chromium_from_file_url(browser, store, project, tmp_path):  # noqa: F811
    site = tmp_path / "site"
    build_site(store, site, config(tmp_path))
    page = browser.new_page(viewport={"width": 1200, "height": 1400})
    watch = Watch(page, None)
    for rel in (f"runs/{project[-1]}.html", "index.html", sorted((site / "compare").iterdir())[0].relative_to(site)):
        page.goto((site / rel).as_uri())
        page.locator("figure.user-chart").first.scroll_into_view_if_needed()
        page.wait_for_function("document.querySelectorAll('figure.user-chart svg').length >= 1", timeout=15_000)
    assert page.evaluate("window.__xss") is None and watch.errors == [] and watch.outside == []
    page.close()


def test_a_changed_run_makes_the_comparison_of_its_next_run_again(store, project, tmp_path):  # noqa: F811
    """The comparison of a run with its previous run charts both runs' points: when only the previous
    run's points change (nothing other pages show of it), that comparison is made again too."""
    site = tmp_path / "site"
    build_site(store, site, config(tmp_path))
    with open(store.root / project[1] / "metrics.tsv", "a", encoding="utf-8") as f:
        f.write('"loss"\t9\t0.125\t1796117005.810\n')
    result = build_site(store, site, config(tmp_path))
    assert f"compare/{project[1]}--{project[2]}.html" in result.changed
    assert_same_as_full_with(store, site, tmp_path)
