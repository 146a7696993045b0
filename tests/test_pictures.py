"""docs/make_pictures.py makes the README's pictures from the demo's own runs (issue 9, item 14)."""
from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import pytest

from sitegen.site.index_shards import index_files

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(),
                                reason="needs Debian's chromium")


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_pictures_come_from_real_demo_runs(tmp_path: Path) -> None:
    out = tmp_path / "pictures"
    keep = tmp_path / "work"
    proc = subprocess.run([sys.executable, str(REPO / "docs" / "make_pictures.py"), "--out",
                           str(out), "--keep", str(keep), "--rates", "10", "0.078125"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert png_size(out / "dashboard.png") == (1280, 1400)
    assert png_size(out / "report.png") == (1100, 2300)  # examples/reports/iris.md, drawn
    # the picture's site is the demo's: its real iris runs, with the metrics the demo logs
    index = "".join(p.read_text("utf-8") for p in index_files(keep / "site"))
    assert "Regularization Rate" in index and "Accuracy" in index
    assert len(list((keep / "site" / "runs").glob("IrisDemo_*.html"))) == 2
    # the README shows that picture
    readme = (REPO / "README.md").read_text("utf-8")
    assert "](docs/dashboard.png)" in readme and "](docs/report.png)" in readme
