"""examples/publish_tensorboard.py and publish_mlflow.py run end to end (import, build, deploy
--dry-run) in a fresh git project with a remote."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sitegen.store import Store

REPO = Path(__file__).resolve().parent.parent


def git_project(path: Path) -> None:
    subprocess.run(["git", "init", "-q", "--bare", str(path.parent / "remote.git")], check=True)
    subprocess.run(["git", "init", "-q", "."], cwd=path, check=True)
    subprocess.run(["git", "remote", "add", "origin", str(path.parent / "remote.git")], cwd=path,
                   check=True)


@pytest.mark.parametrize("example,package", [("publish_tensorboard.py", "tensorboard"),
                                             ("publish_mlflow.py", "mlflow")])
def test_example_imports_builds_and_deploys(project: Path, example: str, package: str) -> None:
    pytest.importorskip(package, reason=f"the {package} extra is not installed")
    git_project(project)
    env = dict(os.environ, MLFLOW_ALLOW_FILE_STORE="true")
    proc = subprocess.run([sys.executable, str(REPO / "examples" / example), "--demo", "--dry-run"],
                          cwd=project, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 new run(s)" in proc.stdout
    runs = Store(project / "runs").runs()
    assert len(runs) == 2 and all(m["imported"]["source"] == package for m in runs)
    assert (project / "site" / "index.html").is_file()
    assert all((project / "site" / "runs" / f"{m['run_id']}.html").is_file() for m in runs)
