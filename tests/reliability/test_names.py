"""Issue 16.12: every project name gives run ids that can be published and named on the command
line; issue 16.13: a user's heading ids never collide with the run page's own ids."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sitegen.names import safe_name
from sitegen.site.markdown import render_markdown

from .conftest import py, sg, write_script

PROJECTS = ["-exp", "--help", "-", "<b>x</b>", "<script>alert(1)</script>", "._-", "..", "a b/c\\d",
            "ü-ñ", "x" * 300, "-" * 90 + "y", "exp.", "_private"]


@pytest.mark.parametrize("name", PROJECTS)
def test_safe_name_starts_and_ends_with_a_letter_or_digit(name):
    got = safe_name(name)
    assert re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9_.-]{0,78}[A-Za-z0-9])?", got), (name, got)


def test_every_project_name_gives_usable_run_ids(proj: Path):
    write_script(proj / "train.py", "from sitegen import get_logger\nget_logger().log('Accuracy', 0.5)\n")
    ids = []
    for name in PROJECTS:
        (proj / "sitegen.toml").write_text(f"project = {json.dumps(name)}\n", "utf-8")
        py(proj / "train.py", cwd=proj)
        r = sg("run", "train.py", cwd=proj)
        assert r.returncode == 0, (name, r.stderr)
    runs = json.loads(sg("history", "list", "-o", "json", "--all", cwd=proj).stdout)
    ids = [row["run_id"] for row in runs]
    assert len(ids) == 2 * len(PROJECTS)
    for run_id in ids:  # named on the command line as it is
        other = ids[0] if run_id != ids[0] else ids[1]
        for args in (["history", "info", run_id], ["history", "compare", run_id, other]):
            p = sg(*args, cwd=proj)
            assert p.returncode == 0, (args, p.stderr)
    b = sg("build", "--strict", cwd=proj)
    assert b.returncode == 0, b.stderr
    assert sorted(p.stem for p in (proj / "site" / "runs").glob("*.html")) == sorted(ids)


def test_user_heading_ids_never_take_the_pages_own():
    html = render_markdown("# charts-series\n\n## outputs-h\n\n<h2 id=\"log-h\">raw</h2>\n\n"
                           "[to the charts](#charts-series) [raw](#log-h)")
    ids = re.findall(r'id="([^"]+)"', html)
    assert ids == ["md-charts-series", "md-outputs-h", "md-log-h"], html
    assert re.findall(r'href="([^"]+)"', html) == ["#md-charts-series", "#md-log-h"]


def test_run_page_ids_are_unique_with_a_colliding_description(proj: Path):
    write_script(proj / "train.py", """
        from sitegen import get_logger
        log = get_logger()
        log.set_description("# charts-series\\n\\n# outputs-h\\n\\n# log-h\\n\\ntext")
        log.log("loss", [0.5, 0.4, 0.3])
    """)
    r = sg("run", "train.py", cwd=proj)
    assert r.returncode == 0, r.stderr
    assert sg("build", cwd=proj).returncode == 0
    (page,) = (proj / "site" / "runs").glob("*.html")
    ids = re.findall(r'\sid="([^"]+)"', page.read_text("utf-8"))
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert "charts-series" in ids and "md-charts-series" in ids
