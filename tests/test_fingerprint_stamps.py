"""Folder stamps (sitegen/site/fingerprint.py): a finished run without outputs is vouched for by its
folder's (inode, mtime, ctime), so a no-change build does not look into it; whatever changes its
folder is seen, and every build still equals a full one byte for byte. Stores are written by the
real logger in a child process; builds call ``build_site`` in-process.

Stamps are only relied on once older than ``SETTLE_NS``: the tests set the run folders' mtime an hour
back (their ctime is then now) and SETTLE_NS to 0, so the next change in a folder always moves its
mtime."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sitegen.config import Config
from sitegen.store import Store
from sitegen.site import data as _data
from sitegen.site import fingerprint as _fingerprint
from sitegen.site.build import build_site
from sitegen.site.cache import STAMPS_NAME
from test_incremental import assert_same_as_full, log_runs


@pytest.fixture
def stamped(project: Path, monkeypatch: pytest.MonkeyPatch):
    """Three finished runs, built once (that build wrote their stamps)."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setattr(_fingerprint, "SETTLE_NS", 0)
    root = project / "runs"
    root.mkdir()
    ids = log_runs(root, [0.5, 0.7, 0.6], ["a", "b", "c"])
    age(root, ids)
    store, site = Store(root), project / "site"
    build_site(store, site, Config())
    assert (site / STAMPS_NAME).is_file()
    return store, site, ids


def age(root: Path, ids: list[str]) -> None:
    """Set the run folders' mtime an hour back (a change in them then moves it for sure)."""
    past = time.time() - 3600
    for rid in ids:
        os.utime(root / rid, (past, past))


def looked_into(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The run folders the fingerprint phase looks into from now on."""
    seen: list[str] = []
    real = _data.fingerprint_of

    def spy(d: str, config):
        seen.append(Path(d).name)
        return real(d, config)
    monkeypatch.setattr(_data, "fingerprint_of", spy)
    return seen


def run_page(site: Path, rid: str) -> str:
    return (site / "runs" / f"{rid}.html").read_text("utf-8")


def test_a_no_change_build_does_not_look_into_finished_runs(stamped, monkeypatch) -> None:
    store, site, ids = stamped
    seen = looked_into(monkeypatch)
    result = build_site(store, site, Config())
    assert result.mode == "unchanged" and result.runs == 3
    assert seen == []
    monkeypatch.setattr(_fingerprint, "SETTLE_NS", 3600 * 10**9)  # stamps an hour old are too new now
    (site / STAMPS_NAME).unlink()
    build_site(store, site, Config())
    assert sorted(seen) == sorted(ids)


def test_a_replaced_run_json_is_seen(stamped, monkeypatch, tmp_path) -> None:
    store, site, ids = stamped
    seen = looked_into(monkeypatch)
    store.update_meta(ids[1], {"name": "renamed-run"})  # temp file + rename: the folder changes
    result = build_site(store, site, Config())
    assert seen == [ids[1]]
    assert result.mode != "unchanged" and "renamed-run" in run_page(site, ids[1])
    assert_same_as_full(store, site, tmp_path)


def test_a_new_file_in_a_run_folder_is_seen(stamped, monkeypatch, tmp_path) -> None:
    store, site, ids = stamped
    seen = looked_into(monkeypatch)
    (store.root / ids[0] / "driver.log").write_text("hello\n", "utf-8")
    build_site(store, site, Config())
    assert seen == [ids[0]]
    assert_same_as_full(store, site, tmp_path)


def test_an_in_place_edit_of_a_finished_run_waits_for_its_folder_to_change(stamped, tmp_path) -> None:
    """The documented rule (README, *Incremental and safe*): nothing appends to a finished run's
    metrics.tsv, so an edit in place is seen once its folder changes (``touch`` it, or ``--clean``)."""
    store, site, ids = stamped
    metrics = store.root / ids[2] / "metrics.tsv"
    with open(metrics, "ab") as f:
        f.write(b"\"extra\"\t0\t42\t1700000000.0\n")
    assert build_site(store, site, Config()).mode == "unchanged"  # not seen: the folder did not change
    assert "extra" not in run_page(site, ids[2])
    os.utime(store.root / ids[2])  # touch the run folder
    build_site(store, site, Config())
    assert "extra" in run_page(site, ids[2])
    assert_same_as_full(store, site, tmp_path)


def test_a_running_or_killed_run_is_always_looked_into(stamped, monkeypatch, tmp_path) -> None:
    store, site, ids = stamped
    store.update_meta(ids[0], {"status": "Running", "pid": None})  # no live process: reads as Killed
    age(store.root, ids)
    build_site(store, site, Config())
    seen = looked_into(monkeypatch)
    with open(store.root / ids[0] / "metrics.tsv", "ab") as f:  # its process came back and logs
        f.write(b"\"late\"\t0\t7\t1700000000.0\n")
    build_site(store, site, Config())
    assert seen == [ids[0]]
    assert "late" in run_page(site, ids[0])
    assert_same_as_full(store, site, tmp_path)


def test_a_run_with_outputs_is_always_looked_into(stamped, monkeypatch, tmp_path) -> None:
    store, site, ids = stamped
    outputs = store.root / ids[1] / "outputs"
    outputs.mkdir()
    (outputs / "notes.txt").write_text("one\n", "utf-8")
    age(store.root, ids)
    build_site(store, site, Config())
    seen = looked_into(monkeypatch)
    (outputs / "more.txt").write_text("two\n", "utf-8")  # changes outputs/, not the run folder
    build_site(store, site, Config())
    assert seen == [ids[1]]
    assert "more.txt" in run_page(site, ids[1])
    assert_same_as_full(store, site, tmp_path)


def test_stamps_too_recent_are_not_relied_on(stamped, monkeypatch, tmp_path) -> None:
    """A change in the same clock tick as the stamp could leave it equal: a stamp newer than
    SETTLE_NS is looked behind."""
    store, site, ids = stamped
    monkeypatch.setattr(_fingerprint, "SETTLE_NS", 3600 * 10**9)
    os.utime(store.root / ids[0])  # now: too recent
    build_site(store, site, Config())
    seen = looked_into(monkeypatch)
    with open(store.root / ids[0] / "metrics.tsv", "ab") as f:
        f.write(b"\"soon\"\t0\t1\t1700000000.0\n")
    build_site(store, site, Config())
    assert ids[0] in seen and "soon" in run_page(site, ids[0])
    assert_same_as_full(store, site, tmp_path)


def test_a_damaged_or_foreign_stamps_file_is_not_used(stamped, monkeypatch, tmp_path) -> None:
    store, site, ids = stamped
    data = bytearray((site / STAMPS_NAME).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (site / STAMPS_NAME).write_bytes(bytes(data))
    seen = looked_into(monkeypatch)
    build_site(store, site, Config())
    assert sorted(seen) == sorted(ids)
    # the same site built from a copy of the store elsewhere: the stamps name another store
    other = tmp_path / "copy"
    os.system(f"cp -a {store.root} {other}")
    seen.clear()
    build_site(Store(other), site, Config())
    assert sorted(seen) == sorted(ids)


def test_a_run_folder_replaced_or_removed_is_seen(stamped, monkeypatch, tmp_path) -> None:
    store, site, ids = stamped
    root = store.root
    os.rename(root / ids[0], tmp_path / "aside")
    build_site(store, site, Config())
    assert not (site / "runs" / f"{ids[0]}.html").exists()
    assert_same_as_full(store, site, tmp_path)
    os.rename(tmp_path / "aside", root / ids[0])  # back, its mtime as it was: its ctime moved
    meta = json.loads((root / ids[0] / "run.json").read_text("utf-8"))
    assert meta["name"] == "a"
    build_site(store, site, Config())
    assert (site / "runs" / f"{ids[0]}.html").exists()
    assert_same_as_full(store, site, tmp_path)


LATE_LOGGER = """
import sys, sitegen
run = sitegen.start_run(name="late")
run.log("Accuracy", 0.1)
run.finish()
print(run.run_id, flush=True)
sys.stdin.readline()              # the parent built the site meanwhile
run.log("after_end", 5.0)
run.flush()
print("flushed", flush=True)
"""


def test_points_logged_after_a_run_finished_are_seen(stamped, monkeypatch, tmp_path) -> None:
    """The logger appends to metrics.tsv in place; after ``finish()`` it also touches the run folder."""
    store, site, ids = stamped
    env = dict(os.environ, SITEGEN_STORE=str(store.root), SITEGEN_EXPERIMENT="inc")
    env.pop("SITEGEN_RUN_ID", None)
    child = subprocess.Popen([sys.executable, "-c", LATE_LOGGER], env=env, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, cwd=str(store.root.parent))
    try:
        rid = child.stdout.readline().strip()
        age(store.root, [rid])
        build_site(store, site, Config())
        seen = looked_into(monkeypatch)
        child.stdin.write("go\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "flushed"
    finally:
        child.stdin.close()
        child.wait(timeout=60)
    build_site(store, site, Config())
    assert seen == [rid] and "after_end" in run_page(site, rid)
    assert_same_as_full(store, site, tmp_path)


def test_run_json_rewritten_in_place_on_a_full_disk_moves_its_folder(stamped, tmp_path) -> None:
    """With no room for a temp file, run.json is rewritten in place (store._rewrite_in_place): the
    folder's mtime is moved so that the build still sees it."""
    from sitegen import store as _store
    store, site, ids = stamped
    path = store.root / ids[1] / "run.json"
    meta = json.loads(path.read_text("utf-8"))
    meta["name"] = "b2"  # as short as "b": fits the file's blocks
    before = os.lstat(path.parent).st_mtime_ns
    assert _store._rewrite_in_place(path, json.dumps(meta).encode())
    assert os.lstat(path.parent).st_mtime_ns != before
    build_site(store, site, Config())
    assert "b2" in run_page(site, ids[1])
    assert_same_as_full(store, site, tmp_path)


def test_stamped_fingerprints_equal_a_fresh_look(stamped, tmp_path) -> None:
    """Runs added and removed, a folder without run.json, a stray file: the fingerprints taken with the
    stamps file are those of a look into every folder, and the builds equal full ones."""
    store, site, ids = stamped
    cfg = Config()

    def same() -> None:
        got, fresh = _fingerprint.fingerprint(store, cfg, site), _fingerprint.fingerprint(store, cfg)
        assert (got.texts, got.ids, got.run_count) == (fresh.texts, fresh.ids, fresh.run_count)
        assert got.inputs == fresh.inputs  # the digest updated by what changed is the one of all runs
        build_site(store, site, cfg)
        assert_same_as_full(store, site, tmp_path)

    more = log_runs(store.root, [0.3, 0.4], ["d", "e"])
    age(store.root, more)
    same()
    (store.root / "notes").mkdir()
    (store.root / "README.txt").write_text("not a run\n", "utf-8")
    os.rename(store.root / ids[0], tmp_path / "gone")
    same()
    store.update_meta(more[1], {"name": "e2"})
    os.rename(tmp_path / "gone", store.root / ids[0])
    same()


def test_stamps_too_recent_when_looked_at_settle_by_the_end_of_the_build(stamped, monkeypatch, tmp_path):
    """A build right after runs were written (a store just copied): their stamps were too recent when
    the fingerprint phase looked, but are old enough once the build is done; the stamps file then relies
    on them if their folder and files are still as the build read them, and only then."""
    store, site, ids = stamped
    monkeypatch.setattr(_fingerprint, "SETTLE_NS", 3600 * 10**9)
    for rid in ids:
        os.utime(store.root / rid)  # now: too recent to rely on while the build looks
    later = time.time_ns() + 2 * 3600 * 10**9
    calls: list[int] = []

    def clock() -> int:  # the fingerprint phase's clock, then the end of the build's, two hours on
        calls.append(1)
        if len(calls) == 2:  # meanwhile a run's metrics.tsv grows in place (its folder unchanged)
            with open(store.root / ids[1] / "metrics.tsv", "ab") as f:
                f.write(b"\"during\"\t0\t3\t1700000000.0\n")
        return later if len(calls) > 1 else time.time_ns()
    monkeypatch.setattr(_fingerprint, "_now_ns", clock)
    store.update_meta(ids[2], {"name": "c2"})  # something to build
    build_site(store, site, Config())
    monkeypatch.setattr(_fingerprint, "_now_ns", lambda: later)
    seen = looked_into(monkeypatch)
    build_site(store, site, Config())
    assert seen == [ids[1]]  # the others were relied on; the one that changed meanwhile was not
    assert "during" in run_page(site, ids[1])
    assert_same_as_full(store, site, tmp_path)
