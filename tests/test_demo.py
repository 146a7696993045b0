"""`make demo` end to end: examples/demo.py runs tracked iris runs, prints the history, builds, serves."""
from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def copy_demo_project(tmp_path: Path) -> Path:
    """The demo as a user has it (examples/ and the pyproject naming the project), in a tmp folder."""
    project = tmp_path / "project"
    shutil.copytree(REPO / "examples", project / "examples",
                    ignore=shutil.ignore_patterns("__pycache__", "outputs"))
    shutil.copy(REPO / "pyproject.toml", project / "pyproject.toml")
    return project


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_runs_builds_and_serves(tmp_path):
    project = copy_demo_project(tmp_path)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(project / "examples" / "demo.py"), "--port", str(port),
         "--rates", "10", "0.078125"],
        cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**__import__("os").environ, "DISPLAY": ""})
    try:
        deadline = time.monotonic() + 120
        page = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=2).read()
                break
            except OSError:
                time.sleep(0.5)
        assert page is not None, f"the demo never served (exit {proc.poll()})"
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert "Traceback" not in out
    # the history table, newest first, with the seed's columns
    header = next(line for line in out.splitlines() if line.split()[:2] == ["#", "Name"])
    assert header.split() == ["#", "Name", "max_iter", "rate", "test_size", "Regularization", "Rate",
                              "Accuracy", "Duration", "Run_id", "Script_name", "Start_time_utc", "Status"]
    assert out.count("Completed (") == 2
    # the served dashboard and the built ./site list both runs; each run page links its model.pkl
    site = project / "site"
    run_pages = sorted((site / "runs").glob("IrisDemo_*.html"))
    assert len(run_pages) == 2
    for run_page in run_pages:
        assert run_page.stem.encode() in page
        html = run_page.read_text("utf-8")
        assert f"../files/{run_page.stem}/outputs/model.pkl" in html
        assert (site / "files" / run_page.stem / "outputs" / "model.pkl").stat().st_size > 0
