"""Code snapshots: selection rules, deduplication across real runs, restore on real files."""
from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from sitegen.errors import UserError
from sitegen.snapshot import (MAX_FILE_SIZE, SnapshotError, apply_restore, blob_path, load_manifest,
                              manifest_id, plan_restore, select_files, take_snapshot,
                              write_manifest)
from sitegen.store import Store


def blobs(store_root: Path) -> list[Path]:
    objects = store_root / ".sitegen" / "objects"
    return sorted(p for p in objects.rglob("*") if p.is_file()) if objects.exists() else []


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.com", *args],
                          cwd=cwd, check=True, capture_output=True, text=True).stdout


def make_tree(root: Path) -> None:
    """A project with code plus everything a snapshot must leave out."""
    (root / "train.py").write_text("print('train')\n")
    (root / "pkg").mkdir()
    (root / "pkg" / "model.py").write_text("W = 1\n")
    (root / "data.csv").write_text("a,b\n1,2\n")
    (root / "big.bin").write_bytes(b"x" * (MAX_FILE_SIZE + 1))
    (root / "edge.bin").write_bytes(b"y" * MAX_FILE_SIZE)  # exactly the limit: kept
    for d in ("runs/r1", "site", "outputs", ".venv/lib", "venv", "env", "myenv/lib",
              "pkg/__pycache__", "site_ok"):
        (root / d).mkdir(parents=True, exist_ok=True)
    (root / "runs" / "r1" / "run.json").write_text("{}")
    (root / "site" / "index.html").write_text("<html>")
    (root / "outputs" / "model.pkl").write_bytes(b"pickle")
    (root / ".venv" / "pyvenv.cfg").write_text("home = /usr\n")
    (root / ".venv" / "lib" / "x.py").write_text("")
    (root / "venv" / "y.py").write_text("")
    (root / "env" / "z.py").write_text("")
    (root / "myenv" / "pyvenv.cfg").write_text("home = /usr\n")
    (root / "myenv" / "lib" / "w.py").write_text("")
    (root / "pkg" / "__pycache__" / "model.cpython-311.pyc").write_bytes(b"\0")
    (root / "site_ok" / "keep.py").write_text("# a folder merely named like site\n")


EXPECTED = ["data.csv", "edge.bin", "pkg/model.py", "site_ok/keep.py", "train.py"]


def test_selection_without_git(project: Path) -> None:
    make_tree(project)
    assert select_files(project, Store(project / "runs")) == EXPECTED


def test_selection_in_git_repo_honours_gitignore(project: Path) -> None:
    make_tree(project)
    (project / ".gitignore").write_text("data.csv\n*.log\n")
    (project / "debug.log").write_text("noise")
    (project / "notes.txt").write_text("untracked but not ignored")
    git(project, "init", "-q")
    git(project, "add", "train.py", "pkg/model.py", ".gitignore")
    git(project, "commit", "-qm", "init")
    got = select_files(project, Store(project / "runs"))
    assert got == [".gitignore", "edge.bin", "notes.txt", "pkg/model.py", "site_ok/keep.py",
                   "train.py"]


def test_store_elsewhere_in_project_is_left_out(project: Path) -> None:
    (project / "a.py").write_text("a")
    (project / "store" / "x").mkdir(parents=True)
    (project / "store" / "x" / "run.json").write_text("{}")
    assert select_files(project, Store(project / "store")) == ["a.py"]


def test_dedup_over_real_runs(project: Path, cli) -> None:
    (project / "train.py").write_text("import sys\nprint('run', sys.argv[1:])\n")
    (project / "lib.py").write_text("X = 1\n")
    (project / "README.md").write_text("# demo\n")
    for i in range(21):
        cli("run", "train.py", str(i), check=True)
    store = Store(project / "runs")
    ids = store.run_ids()
    assert len(ids) == 21
    # one copy of the code for 21 runs: 3 file blobs + 1 manifest blob, which every run's
    # snapshot.json links to
    assert len(blobs(store.root)) == 4
    inodes = {os.stat(store.run_dir(r) / "snapshot.json").st_ino for r in ids}
    assert len(inodes) == 1
    assert inodes == {os.stat(blob_path(store, store.raw_meta(ids[0])["snapshot"])).st_ino}
    snapshots = {store.raw_meta(r)["snapshot"] for r in ids}
    assert len(snapshots) == 1
    manifest = load_manifest(store, ids[0])
    assert sorted(manifest) == ["README.md", "lib.py", "train.py"]
    assert manifest_id(manifest) == snapshots.pop()
    assert manifest["lib.py"] == {"sha256": manifest["lib.py"]["sha256"], "size": 6,
                                  "mode": stat.S_IMODE(os.stat(project / "lib.py").st_mode)}
    # one changed file adds exactly one blob
    (project / "lib.py").write_text("X = 2\n")
    cli("run", "train.py", "x", check=True)
    assert len(blobs(store.root)) == 6  # the changed file + the new manifest
    newest = store.runs()[0]
    assert newest["snapshot"] != store.raw_meta(ids[0])["snapshot"]


def test_dedup_fifty_snapshots_in_process(project: Path) -> None:
    for i in range(10):
        (project / f"m{i}.py").write_text(f"V = {i}\n")
    store = Store(project / "runs")
    ids = set()
    for _ in range(50):
        sid, manifest = take_snapshot(store, project)
        ids.add(sid)
    assert len(ids) == 1
    assert len(blobs(store.root)) == 10
    size = sum(p.stat().st_size for p in blobs(store.root))
    assert size == sum(len(f"V = {i}\n") for i in range(10))


def snapshot_run(store: Store, project: Path) -> str:
    sid, manifest = take_snapshot(store, project)
    run_id = store.create_run("proj", snapshot=sid)
    write_manifest(store, run_id, manifest)
    return run_id


def test_restore_plan_and_apply_change_real_files(project: Path) -> None:
    (project / "train.py").write_text("print('v1')\n")
    (project / "tool.sh").write_text("#!/bin/sh\necho hi\n")
    os.chmod(project / "tool.sh", 0o755)
    (project / "pkg").mkdir()
    (project / "pkg" / "gone.py").write_text("GONE = True\n")
    (project / "same.txt").write_text("same\n")
    store = Store(project / "runs")
    run_id = snapshot_run(store, project)

    (project / "train.py").write_text("print('v2')\n")
    os.chmod(project / "tool.sh", 0o644)
    (project / "pkg" / "gone.py").unlink()
    (project / "pkg").rmdir()
    (project / "extra").mkdir()
    (project / "extra" / "new.py").write_text("NEW = 1\n")
    (project / "outputs").mkdir()
    (project / "outputs" / "keep.bin").write_text("outputs are never touched")

    plan = plan_restore(store, run_id, project)
    assert plan.overwrite == ["tool.sh", "train.py"]
    assert plan.create == ["pkg/gone.py"]
    assert plan.remove == ["extra/new.py"]
    assert plan.unchanged == 1
    assert not plan.empty

    apply_restore(store, run_id, project, plan)
    assert (project / "train.py").read_text() == "print('v1')\n"
    assert stat.S_IMODE(os.stat(project / "tool.sh").st_mode) == 0o755
    assert (project / "pkg" / "gone.py").read_text() == "GONE = True\n"
    assert not (project / "extra").exists()  # the emptied folder went too
    assert (project / "outputs" / "keep.bin").read_text() == "outputs are never touched"
    assert (project / "same.txt").read_text() == "same\n"
    again = plan_restore(store, run_id, project)
    assert again.empty and again.unchanged == 4


def test_restore_errors_are_user_errors(project: Path) -> None:
    (project / "a.py").write_text("A = 1\n")
    store = Store(project / "runs")
    bare = store.create_run("proj")
    with pytest.raises(SnapshotError, match="no code snapshot"):
        plan_restore(store, bare, project)
    assert issubclass(SnapshotError, UserError)

    run_id = snapshot_run(store, project)
    (project / "a.py").write_text("A = 2\n")
    sha = load_manifest(store, run_id)["a.py"]["sha256"]
    blob_path(store, sha).unlink()
    with pytest.raises(SnapshotError, match="missing"):
        plan_restore(store, run_id, project)
    assert (project / "a.py").read_text() == "A = 2\n"


def test_tampered_manifest_cannot_escape_project(project: Path) -> None:
    (project / "a.py").write_text("A = 1\n")
    store = Store(project / "runs")
    run_id = snapshot_run(store, project)
    path = store.run_dir(run_id) / "snapshot.json"
    manifest = json.loads(path.read_text())
    manifest["../evil.py"] = manifest["a.py"]
    path.write_text(json.dumps(manifest))
    with pytest.raises(SnapshotError, match="invalid entry"):
        plan_restore(store, run_id, project)
    assert not (project.parent / "evil.py").exists()


def test_unchanged_files_are_not_read_again(project: Path, monkeypatch) -> None:
    import sitegen.snapshot as snap
    old = 1_600_000_000
    for i in range(5):
        p = project / f"m{i}.py"
        p.write_text(f"V = {i}\n")
        os.utime(p, (old, old))
    reads = []
    real = snap._put_blob
    monkeypatch.setattr(snap, "_put_blob", lambda store, data: reads.append(data) or real(store, data))
    store = Store(project / "runs")
    first, _ = take_snapshot(store, project)
    assert len(reads) == 5
    second, _ = take_snapshot(store, project)
    assert (len(reads), second) == (5, first)  # all five from the stat cache
    (project / "m2.py").write_text("V = 9\n")  # same size, fresh mtime
    third, manifest = take_snapshot(store, project)
    assert reads[5:] == [b"V = 9\n"]
    assert third != first and manifest["m2.py"]["size"] == 6
    (project / "m2.py").write_text("V = 8\n")  # edited again within the same second: still seen
    fourth, manifest = take_snapshot(store, project)
    assert reads[6:] == [b"V = 8\n"] and fourth not in (first, third)
