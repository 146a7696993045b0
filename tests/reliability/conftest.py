"""Helpers for the reliability suite: real subprocesses, real stores, HTML checks."""
from __future__ import annotations

import html.parser
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PY = sys.executable
REPO = Path(__file__).resolve().parents[2]
SITEGEN_VARS = ("SITEGEN_RUN_ID", "SITEGEN_STORE", "SITEGEN_EXPERIMENT", "SITEGEN_HEARTBEAT_TIMEOUT",
                "SITEGEN_CANCEL_GRACE")


def clean_env(**extra: str) -> dict:
    """os.environ without SITEGEN_* variables, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in SITEGEN_VARS}
    env.update(extra)
    return env


def sg(*args: str, cwd: Path, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m sitegen ARGS`` in ``cwd`` with a clean environment; text output captured."""
    return subprocess.run([PY, "-m", "sitegen", *args], cwd=cwd, env=env or clean_env(),
                          capture_output=True, text=True, timeout=timeout)


def write_script(path: Path, body: str) -> Path:
    path.write_text(textwrap.dedent(body), "utf-8")
    return path


def py(script: Path, *args: str, cwd: Path, env: dict | None = None, timeout: float = 120,
       check: bool = True) -> subprocess.CompletedProcess:
    """Run a Python script in a subprocess (clean environment)."""
    proc = subprocess.run([PY, str(script), *args], cwd=cwd, env=env or clean_env(),
                          capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{script.name} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def warning_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("WARNING")]


def tree(root: Path, skip: tuple[str, ...] = ()) -> dict[str, tuple[int, int]]:
    """Every path under ``root`` (relative) -> (size, mtime_ns); folders listed in ``skip`` left out."""
    out: dict[str, tuple[int, int]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        dirnames[:] = [d for d in dirnames if os.path.normpath(os.path.join(rel_dir, d)) not in skip]
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            out[os.path.normpath(os.path.join(rel_dir, name))] = (
                0 if os.path.isdir(p) else st.st_size, 0 if os.path.isdir(p) else st.st_mtime_ns)
    return out


class _Checker(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.seen_html_end = False

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
            "track", "wbr"}

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag == "html":
            self.seen_html_end = True
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass


def check_html(path: Path) -> None:
    """A page is whole: it parses, starts with a doctype and ends with </html>."""
    text = path.read_text("utf-8")
    assert text.lstrip().lower().startswith("<!doctype html>"), path
    assert text.rstrip().endswith("</html>"), f"{path} is cut short"
    c = _Checker()
    c.feed(text)
    c.close()
    assert c.seen_html_end, path


@pytest.fixture
def proj(project: Path) -> Path:
    """An empty project folder (the cwd) with no SITEGEN_* variables inherited."""
    return project
