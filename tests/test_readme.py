"""The README's five-minute tutorial, run as written in an empty folder (issue 9, item 8)."""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from sitegen.store import Store

REPO = Path(__file__).resolve().parent.parent


def tutorial_blocks() -> list[tuple[str, str]]:
    """(language, text) of every fenced block of the README's tutorial section."""
    readme = (REPO / "README.md").read_text("utf-8")
    section = readme.split("<!-- section:tutorial -->", 1)[1].split("<!-- /section:tutorial -->")[0]
    return re.findall(r"^```(\w*)\n(.*?)^```", section, flags=re.M | re.S)


def commands(block: str) -> list[str]:
    """The shell commands of a block, without their trailing comments."""
    lines = [line.split(" # ")[0].strip() for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def shell(command: str, cwd: Path) -> subprocess.CompletedProcess:
    bin_dir = os.path.dirname(sys.executable)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
           "GIT_CEILING_DIRECTORIES": str(cwd.parent)}
    for var in ("SITEGEN_RUN_ID", "SITEGEN_STORE", "SITEGEN_EXPERIMENT"):
        env.pop(var, None)
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def test_tutorial_runs_as_written_in_a_fresh_folder(tmp_path: Path) -> None:
    folder = tmp_path / "fresh"
    folder.mkdir()
    blocks = tutorial_blocks()
    [(_, script)] = [b for b in blocks if b[0] == "python"]
    name = script.splitlines()[0].lstrip("# ").strip()
    assert name == "train.py"
    (folder / name).write_text(script)

    # step 1: a plain `python train.py 0.5`, before any `mkdir outputs`
    step1 = shell(f"{shlex.quote(sys.executable)} train.py 0.5", folder)
    assert step1.returncode == 0, step1.stderr
    assert "Traceback" not in step1.stderr
    [run] = Store(folder / "runs").runs()
    assert run["status"] == "Completed"
    outputs = Store(folder / "runs").run_dir(run["run_id"]) / "outputs"
    assert (outputs / "notes.txt").read_text() == "files in ./outputs belong to the run\n"

    # steps 2 and 3, line by line
    for _, block in [b for b in blocks if b[0] == ""]:
        for command in commands(block):
            proc = shell(command, folder)
            assert "Traceback" not in proc.stderr, (command, proc.stderr)
            if command.startswith("sitegen cancel"):
                # the detached run may already be done: that is one line, exit 1
                assert proc.returncode == 0 or (
                    proc.returncode == 1 and "not running" in proc.stderr
                    and len(proc.stderr.strip().splitlines()) == 1), (command, proc.stderr)
            else:
                assert proc.returncode == 0, (command, proc.stdout, proc.stderr)
    assert len(Store(folder / "runs").runs()) == 4
    assert (folder / "got").is_dir()
