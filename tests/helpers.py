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
