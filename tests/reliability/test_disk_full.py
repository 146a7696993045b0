"""Issue 16.7: a full disk (a real 1 MB tmpfs) never gives a traceback, the status says what
happened, and output that driver.log could not keep is counted, never lost silently."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from sitegen.store import Store

from .conftest import clean_env, sg, write_script
from .test_faults import _mount_tmpfs

FILL = """
    import os, sys, time
    from sitegen import get_logger
    log = get_logger()
    filler = sys.argv[1]
    def fill():
        with open(filler, "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"x" * 4096)
            except OSError:
                pass
        try:
            with open(filler, "ab", buffering=0) as f:
                while True:
                    f.write(b"x")
        except OSError:
            pass
    def written(text):  # wait until the supervisor has written ``text`` into driver.log
        path = os.path.join(os.environ["SITEGEN_STORE"], os.environ["SITEGEN_RUN_ID"], "driver.log")
        while text not in (open(path).read() if os.path.exists(path) else ""):
            time.sleep(0.01)
"""

MID_RUN = FILL + """
    for i in range(100):
        print(f"line {i}", flush=True)
    written("line 99")
    fill()
    for i in range(100, 230):
        print(f"line {i} " + "z" * 400, flush=True)  # 52 KB: more than a page left on the disk
        log.log("v", i)
    time.sleep(0.5)  # while full, the supervisor keeps them
    os.remove(filler)
    print("freed", flush=True)
"""

STILL_FULL = FILL + """
    for i in range(2000):
        log.log("v", i)
    log.flush() if hasattr(log, "flush") else None
    print("before", flush=True)
    written("before")
    fill()
    for i in range(20000):
        print(f"lost {i:05d} " + "y" * 50, flush=True)
    for i in range(2000, 22000):
        log.log("v", i)
"""


@pytest.fixture
def mnt(tmp_path: Path):
    m = tmp_path / "mnt"
    if not _mount_tmpfs(m, "1m"):
        pytest.skip("cannot mount a tmpfs here")
    yield m
    subprocess.run(["umount", "-l", str(m)])


def test_full_mid_run_then_freed_keeps_every_line(proj: Path, mnt: Path):
    write_script(proj / "mid.py", MID_RUN)
    env = clean_env(SITEGEN_STORE=str(mnt / "runs"))
    r = sg("run", "mid.py", str(mnt / "filler"), cwd=proj, env=env)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    (run_id,) = Store(mnt / "runs").run_ids()
    log = (mnt / "runs" / run_id / "driver.log").read_text()
    lines = [x.split(" ")[1] for x in log.splitlines() if x.startswith("line ")]
    assert lines == [str(i) for i in range(230)], log[-500:]  # before: the lines written while full lost
    meta = Store(mnt / "runs").load_meta(run_id)
    assert meta["status"] == "Completed" and "LostLogLines" not in meta["properties"]
    print("\nMEASURE disk full mid-run: 230 of 230 driver.log lines kept")


def test_still_full_at_exit_is_said_not_a_traceback(proj: Path, mnt: Path):
    write_script(proj / "full.py", STILL_FULL)
    env = clean_env(SITEGEN_STORE=str(mnt / "runs"))
    r = sg("run", "full.py", str(mnt / "filler"), cwd=proj, env=env)
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout, r.stderr
    assert r.returncode == 0, r.stderr  # the script's own exit code
    (mnt / "filler").unlink()
    store = Store(mnt / "runs")
    (run_id,) = store.run_ids()
    meta = store.load_meta(run_id)
    assert meta["status"] == "Completed" and meta["exit_code"] == 0  # before: Killed
    log = (mnt / "runs" / run_id / "driver.log").read_text()
    kept = sum(line.startswith("lost ") for line in log.splitlines())
    lost = meta["properties"]["LostLogLines"]
    assert lost > 0 and kept + lost >= 20000, (kept, lost)  # every line kept or counted
    info = sg("history", "info", run_id, cwd=proj, env=env)
    assert info.returncode == 0 and json.loads(info.stdout)["properties"]["LostLogLines"] == lost
    print(f"\nMEASURE disk still full at exit: status Completed, {kept} of 20,000 lines kept, "
          f"{lost} counted as lost")


def test_full_before_start_is_one_error_line(proj: Path, mnt: Path):
    write_script(proj / "ok.py", "print('hi')\n")
    (mnt / "filler").write_bytes(b"")
    with open(mnt / "filler", "ab", buffering=0) as f:
        try:
            while True:
                f.write(b"x" * 4096)
        except OSError:
            pass
    env = clean_env(SITEGEN_STORE=str(mnt / "runs"))
    r = sg("run", "ok.py", cwd=proj, env=env)
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert r.stderr.strip().splitlines()[-1].startswith("Error: No space left on device"), r.stderr
    assert "Traceback" not in r.stderr
