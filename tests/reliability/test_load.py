"""Scenario 1: 16 processes log 50,000 points each into one store while builds run over and over."""
from __future__ import annotations

import json
import logging
import subprocess
import time
from pathlib import Path

from sitegen.store import Store

from .conftest import PY, check_html, clean_env, write_script

WORKERS = 16
POINTS = 50_000
WORKER = """
    import os, sys, time
    from sitegen import start_run
    i, n, go = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    while not os.path.exists(go):
        time.sleep(0.005)
    with start_run(name=f"worker-{i}") as run:
        run.log("worker", i)
        base = i * 1_000_000
        for k in range(n):
            run.log("v", base + k)
            if k % 2500 == 2499:
                time.sleep(0.2)  # spread the logging over ~4 s so builds see half-written runs
"""


def test_load_16_processes_while_building(proj: Path, caplog):
    write_script(proj / "worker.py", WORKER)
    go = proj / "go"
    env = clean_env(SITEGEN_STORE=str(proj / "runs"))
    workers = [subprocess.Popen([PY, str(proj / "worker.py"), str(i), str(POINTS), str(go)], cwd=proj,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for i in range(WORKERS)]
    time.sleep(0.5)  # let them import and wait at the line
    t0 = time.perf_counter()
    go.touch()
    builds = []
    lists = []
    running_seen = 0
    while any(w.poll() is None for w in workers):
        b = subprocess.run([PY, "-m", "sitegen", "build"], cwd=proj, env=env, capture_output=True,
                           text=True, timeout=120)
        builds.append(b)
        h = subprocess.run([PY, "-m", "sitegen", "history", "list", "-o", "json"], cwd=proj, env=env,
                           capture_output=True, text=True, timeout=120)
        lists.append(h)
        if b.returncode == 0:
            index = (proj / "site" / "data" / "index.js").read_text()
            running_seen += index.count('"Running"')
    log_s = time.perf_counter() - t0
    for w in workers:
        out, err = w.communicate(timeout=60)
        assert w.returncode == 0, err
        assert err == "", err
    final = subprocess.run([PY, "-m", "sitegen", "build"], cwd=proj, env=env, capture_output=True,
                           text=True, timeout=120)
    total_s = time.perf_counter() - t0

    # every build during the load succeeded
    assert len(builds) >= 2, f"only {len(builds)} build(s) overlapped the logging"
    for b in builds + [final] + lists:
        assert b.returncode == 0, b.stderr
        assert "Traceback" not in b.stderr
        assert "run.json" not in b.stderr  # a run being created is not a broken run
    assert all(len(json.loads(h.stdout or "[]")) <= WORKERS for h in lists)
    assert running_seen > 0, "no build saw a run still being written"
    torn_warnings = sum(line.count("unreadable metric record") for b in builds for line in b.stderr.splitlines())
    assert final.stderr == "", final.stderr

    # the store: 16 runs numbered 1..16, every point once, no torn record
    store = Store(proj / "runs")
    metas = store.runs()
    assert len(metas) == WORKERS
    assert sorted(m["run_number"] for m in metas) == list(range(1, WORKERS + 1))
    assert len({m["run_id"] for m in metas}) == WORKERS
    names = set()
    with caplog.at_level(logging.WARNING, logger="sitegen"):
        for m in metas:
            assert m["status"] == "Completed"
            metrics = store.metrics(m["run_id"])
            assert set(metrics) == {"worker", "v"}
            i = metrics["worker"].values[0]
            names.add(m["name"])
            assert m["name"] == f"worker-{i}"
            v = metrics["v"]
            assert len(v) == POINTS
            assert v.values == list(range(i * 1_000_000, i * 1_000_000 + POINTS))
            assert v.steps == list(range(POINTS))
            lines = (store.root / m["run_id"] / "metrics.tsv").read_bytes().split(b"\n")
            assert lines[-1] == b"" and len(lines) == POINTS + 2
            assert all(line.count(b"\t") == 3 for line in lines[:-1])
    assert caplog.records == []
    assert names == {f"worker-{i}" for i in range(WORKERS)}

    # the final site shows all of it
    site = proj / "site"
    assert len(list((site / "runs").glob("*.html"))) == WORKERS
    for m in metas:
        data = (site / "data" / "runs" / f"{m['run_id']}.js").read_text()
        assert f'"v":{{"n":{POINTS},' in data
        check_html(site / "runs" / f"{m['run_id']}.html")
    index = (site / "data" / "index.js").read_text()
    assert all(m["run_id"] in index for m in metas)
    print(f"\nMEASURE load: {WORKERS} processes x {POINTS} points, logging {log_s:.1f} s, "
          f"{len(builds)} builds and {len(lists)} history lists during it ({running_seen} running runs published, torn-tail warnings: {torn_warnings}), total {total_s:.1f} s")
