"""The project's git commit and dirty flag (nothing when not a git work tree or git is missing)."""
from __future__ import annotations

import subprocess
from pathlib import Path


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", "replace")


def git_properties(project_dir: Path | str = ".", exclude: tuple[str, ...] = ("runs", "outputs", "site")
                   ) -> dict:
    """``{"CommitId": <sha>, "GitDirty": bool}`` for a git work tree with a commit, else ``{}``.

    Changes under ``exclude`` (folders relative to ``project_dir``: the store, outputs) do not count.
    """
    sha = _git(["rev-parse", "--verify", "-q", "HEAD"], Path(project_dir))
    if not sha or not sha.strip():
        return {}
    spec = ["--", "."] + [f":(exclude){e}" for e in exclude]
    status = _git(["status", "--porcelain", "--untracked-files=normal", *spec], Path(project_dir))
    return {"CommitId": sha.strip(), "GitDirty": bool(status and status.strip())}
