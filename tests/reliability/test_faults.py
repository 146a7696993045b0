"""Scenario 2: faults. SIGKILL of a tracked run's script or of its supervisor; write errors while
logging (a full disk, a store whose parent is a file); a build killed halfway."""
from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from sitegen.store import Store
from sitegen.site.index_shards import index_files

from helpers import pid_gone, wait_for

from .conftest import PY, check_html, clean_env, py, sg, tree, write_script

CHILD = """
    import os, time
    from sitegen import get_logger
    log = get_logger()
    k = 0
    while True:
        log.log("v", k)
        k += 1
        if k % 1000 == 0:
            log.flush()
            print(f"FLUSHED {k} {os.getpid()}", flush=True)
            time.sleep(0.02)
"""
MARK = re.compile(r"FLUSHED (\d+) (\d+)")


def _marks(text: str) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in MARK.findall(text)]


def _points(store: Store, run_id: str) -> list:
    v = store.metrics(run_id)["v"]
    assert v.values == list(range(len(v))), "points lost, duplicated or out of order"
    return v.values


def test_sigkill_of_the_script_in_the_foreground(proj: Path):
    write_script(proj / "child.py", CHILD)
    p = subprocess.Popen([PY, "-m", "sitegen", "run", "child.py"], cwd=proj, env=clean_env(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = ""
    while True:
        line = p.stdout.readline()
        assert line, p.stderr.read()
        seen += line
        m = _marks(line)
        if m and m[0][0] >= 5000:
            child_pid = m[0][1]
            break
    os.kill(child_pid, signal.SIGKILL)
    rest, err = p.communicate(timeout=30)
    seen += rest
    assert p.returncode == 128 + 9, err
    flushed = max(k for k, _ in _marks(seen))
    store = Store(proj / "runs")
    (run_id,) = store.run_ids()
    meta = store.load_meta(run_id)
    assert meta["status"] == "Killed" and meta["exit_code"] == -9
    n = len(_points(store, run_id))
    assert n >= flushed >= 5000
    print(f"\nMEASURE foreground SIGKILL: {flushed} points flushed before the kill, {n} kept")
    b = sg("build", "--strict", cwd=proj)
    assert b.returncode == 0, b.stderr
    assert "Killed" in (proj / "site" / "runs" / f"{run_id}.html").read_text()


def _detached(proj: Path, env: dict) -> tuple[Store, str, int]:
    write_script(proj / "child.py", CHILD)
    d = sg("run", "--detach", "child.py", cwd=proj, env=env)
    assert d.returncode == 0, d.stderr
    store = Store(proj / "runs")
    (run_id,) = store.run_ids()
    assert run_id in d.stdout
    log = store.root / run_id / "driver.log"
    marks = wait_for(lambda: [m for m in _marks(log.read_text()) if m[0] >= 5000], 60,
                     what="the script to flush 5,000 points")
    return store, run_id, marks[0][1]


def test_sigkill_of_the_script_detached(proj: Path):
    store, run_id, child_pid = _detached(proj, clean_env())
    os.kill(child_pid, signal.SIGKILL)
    meta = wait_for(lambda: (m := store.load_meta(run_id))["status"] != "Running" and m, 30,
                    what="the run to end")
    assert meta["status"] == "Killed" and meta["exit_code"] == -9
    flushed = max(k for k, _ in _marks((store.root / run_id / "driver.log").read_text()))
    n = len(_points(store, run_id))
    assert n >= flushed >= 5000
    assert wait_for(lambda: pid_gone(int(store.raw_meta(run_id)["pid"])), 10, what="supervisor exit")
    b = sg("build", "--strict", cwd=proj)
    assert b.returncode == 0, b.stderr
    print(f"\nMEASURE detached SIGKILL: {flushed} points flushed before the kill, {n} kept")


def test_sigkill_of_the_supervisor(proj: Path):
    store, run_id, child_pid = _detached(proj, clean_env())
    sup = int(store.raw_meta(run_id)["pid"])
    os.kill(sup, signal.SIGKILL)
    wait_for(lambda: pid_gone(sup), 10, what="the supervisor to die")
    # the script follows its supervisor (parent-death signal)
    wait_for(lambda: pid_gone(child_pid), 10, what="the script to die with its supervisor")
    assert store.raw_meta(run_id)["status"] == "Running"  # nobody recorded the end ...
    assert store.load_meta(run_id)["status"] == "Killed"  # ... its pid is gone: Killed
    info = sg("history", "info", run_id, cwd=proj)
    assert json.loads(info.stdout)["status"] == "Killed"
    jobs = sg("jobs", "-o", "json", cwd=proj)
    assert [r["status"] for r in json.loads(jobs.stdout)] == ["Killed"]
    flushed = max(k for k, _ in _marks((store.root / run_id / "driver.log").read_text()))
    n = len(_points(store, run_id))
    assert n >= flushed >= 5000
    # from another host the pid means nothing: the stale heartbeat decides
    store.update_meta(run_id, {"host": "some-other-host"})
    beat = store.root / run_id / "heartbeat"
    old = time.time() - 5
    os.utime(beat, (old, old))  # its last heartbeat was 5 s ago (older than 1 s, fresher than 30 s)
    assert store.load_meta(run_id)["status"] == "Running"  # default timeout: 30 s
    for env, status in ((clean_env(SITEGEN_HEARTBEAT_TIMEOUT="1"), "Killed"), (clean_env(), "Running")):
        info = sg("history", "info", run_id, cwd=proj, env=env)
        assert json.loads(info.stdout)["status"] == status
    b = sg("build", "--strict", cwd=proj, env=clean_env(SITEGEN_HEARTBEAT_TIMEOUT="1"))
    assert b.returncode == 0, b.stderr
    assert "Killed" in (proj / "site" / "runs" / f"{run_id}.html").read_text()
    print(f"\nMEASURE supervisor SIGKILL: {flushed} points flushed before the kill, {n} kept")


FULL_DISK = """
    import os, sys
    from sitegen import start_run
    filler = sys.argv[1]
    run = start_run("full-disk")
    for k in range(2000):
        run.log("v", k)
    run.flush()
    size0 = os.path.getsize(run.dir / "metrics.tsv")
    with open(filler, "wb", buffering=0) as f:  # fill the file system
        try:
            while True:
                f.write(b"x" * 4096)
        except OSError as e:
            print("filled:", e.strerror)
    try:
        with open(filler, "ab", buffering=0) as f:  # the last bytes too
            while True:
                f.write(b"x")
    except OSError:
        pass
    for k in range(2000, 30000):
        run.log("v", k)
    run.flush()
    run.flush()
    size1 = os.path.getsize(run.dir / "metrics.tsv")
    print("grew while full:", size1 - size0)
    os.remove(filler)
    for k in range(30000, 31000):
        run.log("v", k)
    run.finish()
    print("finished")
"""


def _mount_tmpfs(path: Path, size: str) -> bool:
    path.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                       capture_output=True)
    return r.returncode == 0


def test_full_disk_while_logging(proj: Path, tmp_path: Path):
    """A real ENOSPC (a 1 MB tmpfs filled up) never crashes the script; the points buffered
    while the disk was full are written, once each, when space comes back."""
    mnt = tmp_path / "mnt"
    if not _mount_tmpfs(mnt, "1m"):
        pytest.skip("cannot mount a tmpfs here")
    try:
        write_script(proj / "full.py", FULL_DISK)
        p = py(proj / "full.py", str(mnt / "filler"), cwd=proj,
               env=clean_env(SITEGEN_STORE=str(mnt / "runs")), check=False)
        assert p.returncode == 0, p.stderr
        assert "filled: No space left on device" in p.stdout and "finished" in p.stdout
        grew = int(re.search(r"grew while full: (\d+)", p.stdout).group(1))
        assert grew < 4096  # nothing (or only a page's tail) could be written while full
        assert p.stderr.count("cannot write to the run store") == 1, p.stderr
        store = Store(mnt / "runs")
        (run_id,) = store.run_ids()
        import logging
        records = []
        handler = logging.Handler()
        handler.emit = records.append
        logging.getLogger("sitegen").addHandler(handler)
        try:
            assert _points(store, run_id) == list(range(31000))
        finally:
            logging.getLogger("sitegen").removeHandler(handler)
        assert [r.getMessage() for r in records] == []  # no torn or garbled record
        assert store.load_meta(run_id)["status"] == "Completed"
        print(f"\nMEASURE full disk: 28,000 points buffered on ENOSPC ({grew} bytes got through), "
              f"31,000 of 31,000 stored")
    finally:
        subprocess.run(["umount", "-l", str(mnt)])


STORE_UNDER_FILE = """
    import os, sys
    from sitegen import get_logger
    blocker = sys.argv[1]
    log = get_logger()
    for k in range(1000):
        log.log("v", k)
    log.flush()
    assert log.run_id is None  # the run folder could not be made: <file>/runs
    os.remove(blocker)
    os.mkdir(blocker)
    for k in range(1000, 2000):
        log.log("v", k)
    print("done")
"""


def test_store_under_a_file_then_writable(proj: Path):
    blocker = proj / "blocker"
    blocker.write_text("I am a file")
    write_script(proj / "s.py", STORE_UNDER_FILE)
    p = py(proj / "s.py", str(blocker), cwd=proj,
           env=clean_env(SITEGEN_STORE=str(blocker / "runs")), check=False)
    assert p.returncode == 0 and p.stdout == "done\n", p.stderr
    assert p.stderr.count("cannot write to the run store") == 1, p.stderr
    store = Store(blocker / "runs")
    (run_id,) = store.run_ids()
    assert _points(store, run_id) == list(range(2000))
    assert store.load_meta(run_id)["status"] == "Completed"


MANY = """
    from sitegen import start_run
    for i in range({n}):
        with start_run(name=f"run {{i}}") as r:
            for j in range(5):
                r.log(f"s{{j}}", i * 10 + j)
            for k in range(100):
                r.log("loss", 1.0 / (k + 1 + i))
"""


def _digest(site: Path) -> dict[str, str]:
    return {str(p.relative_to(site)): hashlib.sha1(p.read_bytes()).hexdigest()
            for p in site.rglob("*") if p.is_file()}


def test_build_killed_halfway_leaves_the_previous_site(proj: Path):
    n = 300
    write_script(proj / "many.py", MANY.format(n=n))
    py(proj / "many.py", cwd=proj, timeout=300)
    b = sg("build", cwd=proj, timeout=300)
    assert b.returncode == 0, b.stderr
    site = proj / "site"
    old = _digest(site)
    old_tree = tree(site)
    pages = [p for p in old if p.endswith(".html")]
    assert len([p for p in pages if p.startswith("runs/")]) == n
    # change every run so that every page must be rendered again, then kill the build halfway
    store = Store(proj / "runs")
    for run_id in store.run_ids():
        store.update_meta(run_id, lambda m: m.update(name=m["name"] + " (renamed)"))
    p = subprocess.Popen([PY, "-m", "sitegen", "build"], cwd=proj, env=clean_env(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    tmp = proj / f".site.tmp-{p.pid}"
    t0 = time.perf_counter()
    wait_for(lambda: len(list((tmp / "runs").glob("*.html"))) >= 20 if (tmp / "runs").is_dir() else False,
             120, interval=0.005, what="the build to be halfway")
    done_before_kill = len(list((tmp / "runs").glob("*.html")))
    os.killpg(p.pid, signal.SIGKILL)
    p.wait(timeout=30)
    assert tmp.is_dir()  # killed in the middle: its temp folder is left behind
    p.wait(timeout=30)
    killed_after = time.perf_counter() - t0
    assert p.returncode == -9
    assert done_before_kill < n, "the build finished before it could be killed"
    # the previous site is whole: same files, same bytes, every page parses
    assert tree(site) == old_tree
    assert _digest(site) == old
    for page in pages:
        check_html(site / page)
    assert not any("(renamed)" in p.read_text() for p in index_files(site))
    # and the next build works
    b = sg("build", "--strict", cwd=proj, timeout=300)
    assert b.returncode == 0, b.stderr
    assert sum(p.read_text().count("(renamed)") for p in index_files(site)) == n
    assert not tmp.exists()  # the killed build's temp folder is cleaned up by the next build
    leftovers = sorted(x.name for x in proj.iterdir() if x.name.startswith(".site"))
    assert leftovers == [".site.prev"]  # only the tree the swap took out, kept for the next build
    print(f"\nMEASURE build killed: {n} runs, {len(pages)} pages, killed after {killed_after:.1f} s with "
          f"{done_before_kill} run pages rendered; previous site intact; temp folder removed by the next build")


FILE_SIZE_LIMIT = """
    import os, resource, signal
    from sitegen import start_run
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    run = start_run("fsize")
    for k in range(2000):
        run.log("v", k)
    run.flush()
    size0 = os.path.getsize(run.dir / "metrics.tsv")
    resource.setrlimit(resource.RLIMIT_FSIZE, (size0 + 1000, hard))  # room for part of one flush
    for k in range(2000, 20000):
        run.log("v", k)
    run.flush()
    run.flush()
    run.flush()
    size1 = os.path.getsize(run.dir / "metrics.tsv")
    print("grew while limited:", size1 - size0)
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    run.finish()
    print("finished")
"""


def test_file_size_limit_while_logging(proj: Path):
    """A real write error on the open metrics file without root tricks: RLIMIT_FSIZE (EFBIG), with
    a short write first. The script goes on; every point is written once the limit is lifted."""
    write_script(proj / "fsize.py", FILE_SIZE_LIMIT)
    p = py(proj / "fsize.py", cwd=proj, env=clean_env(SITEGEN_STORE=str(proj / "runs")), check=False)
    assert p.returncode == 0, p.stderr
    assert "grew while limited: 1000" in p.stdout and "finished" in p.stdout  # a short write happened
    assert p.stderr.count("cannot write to the run store") == 1, p.stderr
    assert "File too large" in p.stderr
    store = Store(proj / "runs")
    (run_id,) = store.run_ids()
    text = (store.root / run_id / "metrics.tsv").read_bytes()
    assert all(line.count(b"\t") == 3 for line in text.split(b"\n")[:-1])  # no torn record
    assert _points(store, run_id) == list(range(20000))
    assert store.load_meta(run_id)["status"] == "Completed"
