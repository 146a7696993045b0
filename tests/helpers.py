"""Small helpers shared by the test modules (`from helpers import wait_for, pid_gone`)."""
from __future__ import annotations

import math
import os
import time

from sitegen.logger import Run
from sitegen.store import Store, pid_alive


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


def make_case_runs(store: Store, rows: list[dict]) -> dict[str, str]:
    """Real runs for a run set of tests/query_cases.json: names, parameters, metrics ("NaN", "inf"
    as those numbers; ``loss`` a series ending on the value), tags, statuses, numbers and start
    times as the cases say. Returns case id -> run id."""
    numbers = {"NaN": math.nan, "inf": math.inf, "-inf": -math.inf}
    ids = {}
    for r in rows:
        rid = store.create_run("Mixed", name=r["name"], script_name=r["script"],
                               pid=os.getpid() if r["status"] == "Running" else None)
        run = Run(store, rid, owned=False)
        if r["params"]:
            run.log_params(r["params"])
        for name, value in r["metrics"].items():
            value = numbers.get(value, value) if type(value) is str else value
            run.log(name, [1.0, value] if name == "loss" else value)
        run.flush()
        store.update_meta(rid, {"status": r["status"], "tags": r["tags"], "run_number": r["number"],
                                "start_time_utc": r["start"],
                                "end_time_utc": None if r["status"] == "Running" else r["start"]})
        ids[r["id"]] = rid
    return ids
