"""Scenario 1: 16 processes log 50,000 points each into one store while builds run over and over."""
from __future__ import annotations

import json
import logging
import subprocess
import time
from pathlib import Path

from sitegen.store import Store
from sitegen.site.index_shards import index_files, read_index
from sitegen.site.runpack import unpack

from helpers import wait_for

from .conftest import PY, check_html, clean_env, write_script

WORKERS = 16
POINTS = 50_000
STEPS = 4                     # each worker logs its points in this many chunks, one per build
CHUNK = POINTS // STEPS
# Each worker waits for <proj>/step-<k> before logging chunk k and says so with wrote-<i>-<k> once
# it is flushed; it finishes its run only after the last chunk. The test releases chunk k, builds
# while the workers write it, and waits for every wrote-*-k: so each build overlaps the logging and
# sees every run half-written and still Running, whatever the machine's load.
WORKER = """
    import os, sys, time
    from sitegen import start_run
    i, n, steps, proj = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    parent = os.getppid()

    def wait(name):
        while not os.path.exists(os.path.join(proj, name)):
            if os.getppid() != parent:  # the test is gone: never spin on forever
                sys.exit(3)
            time.sleep(0.005)

    def say(name):
        open(os.path.join(proj, name), "w").close()

    wait("go")
    with start_run(name=f"worker-{i}") as run:
        run.log("worker", i)
        base, chunk = i * 1_000_000, n // steps
        for step in range(steps):
            wait(f"step-{step}")
            for k in range(step * chunk, (step + 1) * chunk):
                run.log("v", base + k)
            run.flush()
            say(f"wrote-{i}-{step}")
"""


def _all_wrote(proj: Path, step: int) -> bool:
    return all((proj / f"wrote-{i}-{step}").exists() for i in range(WORKERS))


def _stop(workers: list[subprocess.Popen]) -> None:
    """A failed test leaves no worker waiting for a chunk that is never released."""
    for w in workers:
        if w.poll() is None:
            w.kill()
        w.communicate()


def test_load_16_processes_while_building(proj: Path, caplog, request):
    write_script(proj / "worker.py", WORKER)
    env = clean_env(SITEGEN_STORE=str(proj / "runs"))
    workers = [subprocess.Popen([PY, str(proj / "worker.py"), str(i), str(POINTS), str(STEPS), str(proj)],
                                cwd=proj, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for i in range(WORKERS)]
    request.addfinalizer(lambda: _stop(workers))
    t0 = time.perf_counter()
    (proj / "go").touch()

    def build_and_list() -> None:
        b = subprocess.run([PY, "-m", "sitegen", "build"], cwd=proj, env=env, capture_output=True,
                           text=True, timeout=120)
        builds.append(b)
        lists.append(subprocess.run([PY, "-m", "sitegen", "history", "list", "-o", "json"], cwd=proj,
                                    env=env, capture_output=True, text=True, timeout=120))
        if b.returncode == 0:
            rows = read_index(proj / "site")["runs"]
            running.append(sum(r["status"] == "Running" for r in rows))

    builds: list = []
    lists: list = []
    running: list[int] = []
    # the first build while the runs are being created: once the first worker made the store (a
    # build before that is "no run store", rightly; it raced the workers' start)
    wait_for(lambda: (proj / "runs").is_dir(), timeout=120, what="the first worker to create the store")
    build_and_list()
    for step in range(STEPS):
        (proj / f"step-{step}").touch()
        build_and_list()  # while every worker writes chunk ``step``
        wait_for(lambda: _all_wrote(proj, step) or any(w.poll() is not None for w in workers),
                 timeout=120, what=f"every worker to write chunk {step}")
        assert _all_wrote(proj, step), [w.communicate()[1] for w in workers if w.poll() is not None]
        if step < STEPS - 1:  # every run half-written and Running: a build shows all of that
            build_and_list()
            assert running[-1] == WORKERS, builds[-1].stderr
            for meta in Store(proj / "runs").runs():
                _, run = unpack((proj / "site" / "data" / "runs" / f"{meta['run_id']}.js").read_text())
                assert run["series"]["v"]["n"] == (step + 1) * CHUNK
    log_s = time.perf_counter() - t0
    for w in workers:
        out, err = w.communicate(timeout=60)
        assert w.returncode == 0, err
        assert err == "", err
    final = subprocess.run([PY, "-m", "sitegen", "build"], cwd=proj, env=env, capture_output=True,
                           text=True, timeout=120)
    total_s = time.perf_counter() - t0

    # every build during the load succeeded
    assert len(builds) == 2 * STEPS
    for b in builds + [final] + lists:
        assert b.returncode == 0, b.stderr
        assert "Traceback" not in b.stderr
        assert "run.json" not in b.stderr  # a run being created is not a broken run
    assert all(len(json.loads(h.stdout or "[]")) <= WORKERS for h in lists)
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
        _, run = unpack((site / "data" / "runs" / f"{m['run_id']}.js").read_text())
        assert run["series"]["v"]["n"] == POINTS
        check_html(site / "runs" / f"{m['run_id']}.html")
    index = "".join(p.read_text() for p in index_files(site))
    assert all(m["run_id"] in index for m in metas)
    print(f"\nMEASURE load: {WORKERS} processes x {POINTS} points, logging {log_s:.1f} s, "
          f"{len(builds)} builds and {len(lists)} history lists during it ({sum(running)} running runs published, torn-tail warnings: {torn_warnings}), total {total_s:.1f} s")
