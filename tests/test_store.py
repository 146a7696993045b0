"""The run store (issue 2, point 3): many real processes at once, torn lines, atomic metadata,
format versions and Killed detection."""
from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import sitegen.store as store_mod
from sitegen.logger import Run
from sitegen.store import Store, StoreError, read_metrics

from helpers import wait_for

WORKER = textwrap.dedent("""\
    import os, sys, time
    import sitegen
    go, wid, runs, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    open(f"{go}.ready-{wid}", "w").close()  # imported: waiting for the start
    while not os.path.exists(go):
        time.sleep(0.001)
    for r in range(runs):
        with sitegen.start_run(name=f"w{wid}-r{r}") as run:
            for i in range(n):
                run.log("x", i)
                if i % 500 == 0:
                    run.log("who", f"w{wid}-r{r}")
                if i % 97 == 0:
                    run.flush()  # the main thread and the flusher thread both write
""")


def release_together(go: Path, procs: list) -> None:
    """Wait until every worker has started (its ``go.ready-N`` file), then let them all go at once."""
    ready = lambda: all(Path(f"{go}.ready-{w}").exists() or p.poll() is not None for w, p in enumerate(procs))
    wait_for(ready, 120, "every worker to start")
    go.write_text("go")


def start_workers(tmp_path: Path, count: int, runs: int, n: int, extra_env: dict | None = None):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    go = tmp_path / "go"
    env = dict(os.environ, SITEGEN_STORE=str(tmp_path / "runs"), SITEGEN_EXPERIMENT="Conc")
    env.pop("SITEGEN_RUN_ID", None)
    env.update(extra_env or {})
    procs = [subprocess.Popen([sys.executable, str(script), str(go), str(w), str(runs), str(n)],
                              cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
             for w in range(count)]
    release_together(go, procs)
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert err == "", err
    return Store(tmp_path / "runs")


def temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.endswith(".tmp")]


def test_many_processes_creating_runs_and_logging_at_once(tmp_path, caplog):
    workers, runs, n = 8, 5, 2000
    store = start_workers(tmp_path, workers, runs, n)
    metas = store.runs()
    assert len(metas) == workers * runs
    ids = [m["run_id"] for m in metas]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"Conc_\d{13}", i) for i in ids)
    assert sorted(m["run_number"] for m in metas) == list(range(1, workers * runs + 1))
    assert sorted(m["name"] for m in metas) == sorted(f"w{w}-r{r}" for w in range(workers)
                                                      for r in range(runs))
    assert {m["status"] for m in metas} == {"Completed"}
    with caplog.at_level(logging.WARNING, logger="sitegen"):
        for m in metas:
            got = store.metrics(m["run_id"])
            assert got["x"].values == list(range(n)), m["run_id"]
            assert got["x"].steps == list(range(n))
            assert got["who"].values == [m["name"]] * (n // 500)
            lines = (store.root / m["run_id"] / "metrics.tsv").read_bytes().split(b"\n")
            assert lines[-1] == b"" and len(lines) == n + n // 500 + 1
    assert caplog.records == []  # no unreadable records anywhere
    # run numbers follow creation order within the experiment
    by_number = sorted(metas, key=lambda m: m["run_number"])
    for w in range(workers):
        mine = [m["name"] for m in by_number if m["name"].startswith(f"w{w}-")]
        assert mine == [f"w{w}-r{r}" for r in range(runs)]
    assert temp_files(store.root) == []
    counter = store.root / ".sitegen" / "counters" / "Conc"
    assert counter.read_text() == str(workers * runs)


APPENDER = textwrap.dedent("""\
    import os, sys, time
    from sitegen import get_logger
    go, wid, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    open(f"{go}.ready-{wid}", "w").close()  # imported: waiting for the start
    while not os.path.exists(go):
        time.sleep(0.001)
    logger = get_logger()  # SITEGEN_RUN_ID is set: every process writes into the same run
    for i in range(n):
        logger.log("p" + wid, i)
        logger.log("text", f"{wid}:{i} " + "x" * (i % 300))
        if i % 250 == 0:
            logger.flush()
""")


def test_processes_appending_to_one_run_never_interleave(tmp_path):
    store = Store(tmp_path / "runs")
    run_id = store.create_run("Shared", script_name="parent.py")
    script = tmp_path / "append.py"
    script.write_text(APPENDER)
    go = tmp_path / "go"
    env = dict(os.environ, SITEGEN_STORE=str(store.root), SITEGEN_RUN_ID=run_id)
    n = 3000
    procs = [subprocess.Popen([sys.executable, str(script), str(go), str(w), str(n)], cwd=tmp_path,
                              env=env, stderr=subprocess.PIPE, text=True) for w in range(4)]
    release_together(go, procs)
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0 and err == "", err
    got = store.metrics(run_id)
    for w in range(4):
        assert got[f"p{w}"].values == list(range(n))
    texts = got["text"].values
    assert len(texts) == 4 * n
    for w in range(4):
        mine = [t for t in texts if t.startswith(f"{w}:")]
        assert mine == [f"{w}:{i} " + "x" * (i % 300) for i in range(n)]
    # the tracked run is not finished by its child processes
    assert store.raw_meta(run_id)["status"] == "Running"


def test_unique_run_ids_in_the_same_millisecond(tmp_path, monkeypatch):
    store = Store(tmp_path / "runs")
    frozen = 1504832281.116
    monkeypatch.setattr(store_mod.time, "time", lambda: frozen)
    ids = [store.create_run("IrisDemo") for _ in range(5)]
    assert ids == [f"IrisDemo_{1504832281116 + i}" for i in range(5)]
    assert [store.raw_meta(i)["run_number"] for i in ids] == [1, 2, 3, 4, 5]
    # another experiment in the same store keeps its own numbering
    other = store.create_run("Other")
    assert store.raw_meta(other)["run_number"] == 1


def test_torn_last_line_is_skipped_with_a_warning(tmp_path, caplog):
    store = Store(tmp_path / "runs")
    run_id = store.create_run("Torn")
    path = store.root / run_id / "metrics.tsv"
    path.write_bytes(b'"loss"\t0\t1.5\t1.0\n"loss"\t1\t1.25\t2.0\n"loss"\t2\t1.')
    store_mod._warned.clear()
    with caplog.at_level(logging.WARNING, logger="sitegen"):
        got = read_metrics(path)
    assert got["loss"].values == [1.5, 1.25] and got["loss"].steps == [0, 1]
    assert [r.getMessage() for r in caplog.records] == \
        [f"{path}: skipped 1 unreadable metric record(s)"]
    # a writer appending later starts on a fresh line: the torn record stays the only loss
    run = Run(store, run_id, owned=False)
    run.log("loss", 1.0, step=3)
    run.log("acc", 0.9)
    run.flush()
    run._close_fd()
    store_mod._warned.clear()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="sitegen"):
        got = read_metrics(path)
    assert got["loss"].values == [1.5, 1.25, 1.0] and got["loss"].steps == [0, 1, 3]
    assert got["acc"].values == [0.9]
    assert len(caplog.records) == 1  # the one torn line in the middle
    # garbage and non-string names are skipped too, never raised
    path.write_bytes(b'"ok"\t0\t1\t1.0\nnot a record\n3\t0\t1\t1.0\n"ok"\tx\t1\t1.0\n"ok"\t1\t2\t1.0\n')
    assert read_metrics(path)["ok"].values == [1, 2]


WRITER = textwrap.dedent("""\
    import sys
    from sitegen.store import Store
    store, run_id, wid = Store(sys.argv[1]), sys.argv[2], sys.argv[3]
    for i in range(25):
        store.update_meta(run_id, lambda m: m.setdefault("tags", {}).update({f"{wid}-{i}": str(i)}))
""")


def test_metadata_updates_are_atomic_and_never_lost(tmp_path):
    store = Store(tmp_path / "runs")
    run_id = store.create_run("Meta")
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    procs = [subprocess.Popen([sys.executable, str(script), str(store.root), run_id, str(w)],
                              stderr=subprocess.PIPE, text=True) for w in range(4)]
    path = store.root / run_id / "run.json"
    reads = bad = 0
    while any(p.poll() is None for p in procs):
        try:
            json.loads(path.read_text("utf-8"))
        except ValueError:
            bad += 1
        reads += 1
    for p in procs:
        _, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
    assert bad == 0 and reads > 0
    tags = store.raw_meta(run_id)["tags"]
    assert tags == {f"{w}-{i}": str(i) for w in range(4) for i in range(25)}
    assert temp_files(store.root) == []
    assert sorted(p.name for p in (store.root / run_id).iterdir()) == [".lock", "heartbeat",
                                                                       "run.json"]


def test_format_version_is_checked(tmp_path):
    store = Store(tmp_path / "runs")
    run_id = store.create_run("Ver")
    assert json.loads((store.root / ".sitegen" / "store.json").read_text()) == {"format_version": 1}
    assert store.raw_meta(run_id)["format_version"] == 1
    store.check()
    # a run written by a newer sitegen: that run is refused (and skipped in listings)
    other = store.create_run("Ver")
    meta = json.loads((store.root / other / "run.json").read_text())
    meta["format_version"] = 2
    (store.root / other / "run.json").write_text(json.dumps(meta))
    with pytest.raises(StoreError, match="unsupported format version 2"):
        store.raw_meta(other)
    assert [m["run_id"] for m in store.runs()] == [run_id]
    # a whole store of a newer format: refused with one line by the CLI
    (store.root / ".sitegen" / "store.json").write_text('{"format_version": 99}')
    with pytest.raises(StoreError, match="unsupported store format version 99"):
        store.check()
    env = dict(os.environ)
    env.pop("SITEGEN_STORE", None)
    p = subprocess.run([sys.executable, "-m", "sitegen", "history", "list", "--store",
                        str(store.root)], capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert p.stderr.splitlines() == [f"Error: {store.root}/.sitegen/store.json: unsupported "
                                     f"store format version 99 (this sitegen reads version 1); "
                                     f"upgrade sitegen"]


def test_killed_detection(tmp_path, monkeypatch):
    store = Store(tmp_path / "runs")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    gone = store.create_run("Kill", pid=dead.pid)
    alive = store.create_run("Kill")  # this process, fresh heartbeat
    assert store.load_meta(gone)["status"] == "Killed"
    assert store.raw_meta(gone)["status"] == "Running"  # derived on read, not rewritten
    killed = store.load_meta(gone)
    assert killed["end_time_utc"] is not None and killed["duration"] is not None
    assert store.load_meta(alive)["status"] == "Running"
    # a live pid with a stale heartbeat (another host's run, or a hung process) is Killed too
    monkeypatch.setenv("SITEGEN_HEARTBEAT_TIMEOUT", "30")
    old = time.time() - 60
    os.utime(store.root / alive / "heartbeat", (old, old))
    assert store.load_meta(alive)["status"] == "Killed"
    # a finished run is never reinterpreted
    store.finish_run(gone, "Completed", exit_code=0)
    meta = store.load_meta(gone)
    assert (meta["status"], meta["exit_code"]) == ("Completed", 0)


def test_killed_script_process_reads_as_killed(tmp_path):
    script = tmp_path / "hang.py"
    script.write_text("import time\nfrom sitegen import get_logger\nget_logger().log('x', 1)\n"
                      "get_logger().flush()\nprint('ready', flush=True)\ntime.sleep(60)\n")
    env = dict(os.environ, SITEGEN_STORE=str(tmp_path / "runs"), SITEGEN_EXPERIMENT="Hang")
    env.pop("SITEGEN_RUN_ID", None)
    proc = subprocess.Popen([sys.executable, str(script)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "ready\n"
    store = Store(tmp_path / "runs")
    (meta,) = store.runs()
    assert meta["status"] == "Running"
    proc.kill()
    proc.wait()
    (meta,) = store.runs()
    assert meta["status"] == "Killed"
    assert store.metrics(meta["run_id"])["x"].values == [1]


def test_unreadable_record_never_makes_an_empty_series(tmp_path):
    path = tmp_path / "metrics.tsv"
    path.write_bytes(b'"a"\t0\t\t1.0\n"b"\t0\t2\t1.0\n"a"\tx\t1\t1.0\n"c"\t0\t1\tnope\n')
    got = read_metrics(path)
    assert list(got) == ["b"] and got["b"].values == [2]
