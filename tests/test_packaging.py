"""A non-editable install (the wheel) ships the default theme and builds a site outside the repo."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_wheel_ships_theme_and_builds(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels),
                    str(REPO)], check=True, capture_output=True)
    wheel = next(wheels.glob("sitegen_runs-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "sitegen/themes/default/templates/run.html" in names
    assert "sitegen/themes/default/static/js/main.js" in names
    assert not any(n.startswith("themes/") for n in names)

    installed = tmp_path / "installed"
    zipfile.ZipFile(wheel).extractall(installed)
    project = tmp_path / "project"
    project.mkdir()
    env = {**os.environ, "PYTHONPATH": str(installed), "SITEGEN_STORE": str(project / "runs")}
    log = "import sitegen; sitegen.get_logger().log('Accuracy', 0.5)"
    subprocess.run([sys.executable, "-c", log], cwd=project, env=env, check=True)
    out = subprocess.run([sys.executable, "-c",
                          "import sitegen, sys; from sitegen.cli import main; "
                          "print(sitegen.__file__, file=sys.stderr); main()", "build"],
                         cwd=project, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert str(installed / "sitegen" / "__init__.py") in out.stderr  # the wheel's copy ran
    assert (project / "site" / "index.html").is_file()
    assert (project / "site" / "assets" / "js" / "main.js").is_file()
