"""Small helpers shared by the test modules (`from helpers import wait_for, pid_gone`)."""
from __future__ import annotations

import time

from sitegen.store import pid_alive


def wait_for(predicate, timeout: float = 30.0, what: str = "condition", *, interval: float = 0.05):
    """Poll until ``predicate()`` is truthy and return its value; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def pid_gone(pid: int) -> bool:
    """True once process ``pid`` has exited (a zombie counts as gone)."""
    return not pid_alive(pid)


def checkout_state(repo) -> tuple:
    """What the suite must leave as it found it: ``git status`` of the checkout, and every path and
    mtime under its ./runs and ./site (the demo's default store and site)."""
    import os
    import subprocess
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=repo,
                            capture_output=True, text=True).stdout
    trees = []
    for name in ("runs", "site"):
        top = os.path.join(repo, name)
        entries = []
        for folder, dirs, files in os.walk(top):
            for entry in [folder, *(os.path.join(folder, f) for f in files)]:
                entries.append((os.path.relpath(entry, repo), os.lstat(entry).st_mtime_ns))
        trees.append(sorted(entries))
    return status, trees
