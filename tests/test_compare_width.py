"""A comparison of three tracked runs fits a 1280 px window (long values such as the 40-hex git
commit wrap instead of widening every column past the screen)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
pytestmark = [pytest.mark.timeout(180),
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")]

SCRIPT = """\
import sys, time
from sitegen import get_logger
log = get_logger()
log.log_params({"rate": float(sys.argv[1])})
time.sleep(1.2)  # long enough for a system-metrics sample (a long label in the table)
log.log("Accuracy", 0.7 + float(sys.argv[1]) / 100)
"""


def test_three_runs_side_by_side_fit_the_window(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "train.py").write_text(SCRIPT)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITEGEN_")}
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run(["git", "init", "-q"], cwd=proj, check=True)
    subprocess.run([*git, "add", "train.py"], cwd=proj, check=True)
    subprocess.run([*git, "commit", "-qm", "x"], cwd=proj, check=True)
    for rate in ("1", "2", "3"):
        subprocess.run([sys.executable, "-m", "sitegen", "run", "train.py", rate], cwd=proj,
                       env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "sitegen", "build"], cwd=proj, env=env, check=True,
                   capture_output=True)
    commit_id = subprocess.run(["git", "rev-parse", "HEAD"], cwd=proj, capture_output=True,
                               text=True).stdout.strip()
    site = proj / "site"
    ids = sorted(p.stem for p in (site / "runs").glob("*.html"))
    assert len(ids) == 3
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto((site / "compare.html").as_uri() + "#ids=" + ",".join(ids))
        page.wait_for_selector("#compare-body[data-ready]")
        table, box = page.evaluate("""() => [
            document.querySelector('.compare-table').getBoundingClientRect().width,
            document.querySelector('.compare-wrap').clientWidth]""")
        commit = page.locator(".compare-table td", has_text=commit_id[:12]).count()
        browser.close()
    assert commit == 3   # the long value is there, wrapped
    assert table <= box, f"the 3-run table is {table} px wide in a {box} px box"
