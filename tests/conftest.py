"""Shared fixtures: a clean project folder and the real `sitegen` CLI in a subprocess."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

SITEGEN_VARS = ("SITEGEN_RUN_ID", "SITEGEN_STORE", "SITEGEN_EXPERIMENT", "SITEGEN_HEARTBEAT_TIMEOUT",
                "SITEGEN_CANCEL_GRACE")


@pytest.fixture(scope="session", autouse=True)
def checkout_left_as_found():
    """The whole suite leaves the checkout exactly as it found it (git status, ./runs, ./site)."""
    from helpers import checkout_state
    before = checkout_state(REPO)
    yield
    after = checkout_state(REPO)
    assert after == before, "the test suite changed the checkout (git status, ./runs or ./site)"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder (the cwd), with no SITEGEN_* variables inherited."""
    for var in SITEGEN_VARS:
        monkeypatch.delenv(var, raising=False)
    path = tmp_path / "proj"
    path.mkdir()
    monkeypatch.chdir(path)
    return path


def run_cli(*args: str, cwd: Path | str | None = None, env: dict | None = None,
            timeout: float = 120, check: bool = False) -> subprocess.CompletedProcess:
    """``python -m sitegen ARGS`` in ``cwd`` (default: the cwd); text output captured."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run([sys.executable, "-m", "sitegen", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"sitegen {' '.join(args)} exited {proc.returncode}:\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture
def cli():
    """The real CLI in a subprocess: ``cli("history", "list", cwd=...)``."""
    return run_cli
