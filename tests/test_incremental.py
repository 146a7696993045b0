"""Incremental builds: the output equals a full build's, byte for byte, and only what changed is
rewritten (unchanged files keep their inode and mtime). Stores are written by the real logger in
child processes; builds call ``build_site`` in-process."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sitegen.config import Config
from sitegen.store import Store
from sitegen.site.build import CACHE_NAME, build_site

BOOKKEEPING = {CACHE_NAME, ".sitegen-build-state.json", ".sitegen-tree"}  # never published (deploy leaves them out)


def bookkeeping(rel: str) -> bool:
    """The build's own files: the cache's index and shards, the state (never published)."""
    return rel.split("/", 1)[0].startswith(".sitegen")

# Accuracy per run, in logging order: run 1 (0.91) is the best; runs added later never are.
ACCURACY = [0.62, 0.91, 0.55, 0.70, 0.66]


def log_runs(store: Path, accuracies: list[float], names: list[str], points: int = 40) -> list[str]:
    """Log one run per accuracy with the real logger in a child process; return their ids in order."""
    code = textwrap.dedent(f"""
        import sys, sitegen
        sys.argv[0] = "train.py"
        for i, (acc, name) in enumerate(zip({accuracies!r}, {names!r})):
            with sitegen.start_run(name=name) as run:
                run.log("Regularization Rate", 10 / 2 ** i)
                run.log("Accuracy", acc)
                for step in range({points}):
                    run.log("loss", 1.0 / (step + 1 + i))
                print(run.run_id, flush=True)
    """)
    env = dict(os.environ, SITEGEN_STORE=str(store), SITEGEN_EXPERIMENT="inc")
    env.pop("SITEGEN_RUN_ID", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=60, check=True, cwd=str(store.parent))
    ids = out.stdout.split()
    assert len(ids) == len(accuracies)
    return ids


def snapshot(site: Path) -> dict[str, tuple[int, int]]:
    """Every file of the site: relative path -> (inode, mtime_ns)."""
    out = {}
    for dirpath, _, names in os.walk(site):
        for n in names:
            p = os.path.join(dirpath, n)
            st = os.lstat(p)
            rel = os.path.relpath(p, site)
            if not bookkeeping(rel) or rel in BOOKKEEPING:
                out[rel] = (st.st_ino, st.st_mtime_ns)
    return out


def tree_bytes(site: Path) -> dict[str, bytes]:
    """Every published file's bytes (the build cache and state are bookkeeping, not output)."""
    out = {}
    for dirpath, _, names in os.walk(site):
        for n in names:
            p = Path(dirpath) / n
            rel = p.relative_to(site).as_posix()
            if not bookkeeping(rel):
                out[rel] = p.read_bytes()
    return out


def assert_same_as_full(store: Store, site: Path, tmp_path: Path) -> None:
    """A full build of ``store`` into a fresh folder has the same files and bytes as ``site``."""
    fresh = tmp_path / f"full-{time.monotonic_ns()}"
    build_site(store, fresh, Config(), clean=True)
    a, b = tree_bytes(site), tree_bytes(fresh)
    assert sorted(a) == sorted(b)
    differ = sorted(k for k in a if a[k] != b[k])
    assert differ == []


def changed(before: dict, after: dict) -> set[str]:
    """Paths added, removed or rewritten (new inode or mtime)."""
    return {p for p in set(before) | set(after) if before.get(p) != after.get(p)}


@pytest.fixture
def setup(project: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    root = project / "runs"
    root.mkdir()
    ids = log_runs(root, ACCURACY, [f"r{i}" for i in range(len(ACCURACY))])
    store = Store(root)
    site = project / "site"
    result = build_site(store, site, Config())
    assert result.runs == len(ACCURACY)
    assert result.pages_written == result.pages_total
    return store, site, ids


def test_no_change_build_writes_nothing(setup, tmp_path: Path) -> None:
    store, site, ids = setup
    before = snapshot(site)
    dir_mtime = site.stat().st_mtime_ns
    result = build_site(store, site, Config())
    assert (result.pages_written, result.files_written, result.changed) == (0, 0, [])
    # 5 run pages; the dashboard, compare.html, assets.html (the 4 comparisons with the previous
    # run are stub files opening compare.html#ids=…; the one with the best run is made in the
    # browser from data/best.js)
    assert result.pages_total == 5 + 3
    assert snapshot(site) == before
    assert site.stat().st_mtime_ns == dir_mtime
    assert_same_as_full(store, site, tmp_path)


def test_new_run_rewrites_only_what_it_changes(setup, tmp_path: Path) -> None:
    store, site, ids = setup
    before = snapshot(site)
    time.sleep(0.01)
    (new,) = log_runs(store.root, [0.5], ["added"])
    result = build_site(store, site, Config())
    after = snapshot(site)
    last = ids[-1]
    expected_pages = {f"runs/{new}.html", f"runs/{last}.html",  # the new page; its neighbour's next link
                      f"compare/{last}--{new}.html", "index.html"}
    # the grid's data: the new run's row shard, and the manifest (it counts the rows)
    expected = expected_pages | {f"data/runs/{new}.js", "data/index/runs-0.js", "data/index.js"}
    assert changed(before, after) - BOOKKEEPING == expected
    assert set(result.changed) == expected
    assert result.pages_written == len(expected_pages) - 1  # the comparison is a stub file
    assert result.pages_total == 6 + 3
    assert_same_as_full(store, site, tmp_path)
    # and the next build has nothing left to do
    again = build_site(store, site, Config())
    assert (again.pages_written, again.files_written) == (0, 0)
    assert snapshot(site) == after


@pytest.mark.parametrize("change", ["tags", "description", "hidden"])
def test_metadata_change(setup, tmp_path: Path, change: str) -> None:
    store, site, ids = setup
    r = {f"R{i}": rid for i, rid in enumerate(ids)}
    before = snapshot(site)
    time.sleep(0.01)
    if change == "tags":
        store.update_meta(r["R3"], lambda m: m.setdefault("tags", {}).update(stage="<b>prod</b>"))
    elif change == "description":
        store.update_meta(r["R3"], {"description": "# Better\n\nwith *momentum* <script>x</script>"})
    else:
        store.update_meta(r["R3"], {"hidden": True})
    result = build_site(store, site, Config())
    after = snapshot(site)
    assert_same_as_full(store, site, tmp_path)
    expected = {
        # the run page, its data file (metadata rows) and the grid's data file (the grid shows and
        # filters tags); comparison pages draw from the run data files, so they are not rewritten
        "tags": {"runs/R3.html", "data/runs/R3.js", "data/index/runs-0.js", "data/index.js"},
        "description": {"runs/R3.html"},
        # R3's page, data, downloads and comparisons go; R2 and R4 become neighbours (their pages
        # link each other, and get a new "previous" comparison); the dashboard counts one run less
        "hidden": {"runs/R3.html", "data/runs/R3.js",
                   "compare/R2--R3.html", "compare/R3--R4.html", "compare/R2--R4.html",
                   "runs/R2.html", "runs/R4.html", "index.html", "data/index/runs-0.js", "data/index.js"},
    }[change]
    for name, rid in sorted(r.items(), reverse=True):  # R3 before R1 in "compare/R1--R3.html"
        expected = {p.replace(name, rid) for p in expected}
    assert changed(before, after) - BOOKKEEPING == expected
    assert set(after) - BOOKKEEPING - set(before) == ({f"compare/{r['R2']}--{r['R4']}.html"}
                                                      if change == "hidden" else set())
    assert result.pages_written == {"tags": 1, "description": 1, "hidden": 3}[change]
    if change == "hidden":
        assert f"runs/{r['R3']}.html" not in after


def test_running_run_then_finished(setup, tmp_path: Path) -> None:
    store, site, ids = setup
    go = tmp_path / "go"
    code = textwrap.dedent(f"""
        import os, sys, time, sitegen
        sys.argv[0] = "train.py"
        with sitegen.start_run(name="live") as run:
            run.log("Accuracy", 0.6)
            for step in range(20):
                run.log("loss", 1.0 / (step + 1))
            run.flush()
            print(run.run_id, flush=True)
            while not os.path.exists({str(go)!r}):
                time.sleep(0.02)
            for step in range(20, 30):
                run.log("loss", 1.0 / (step + 1))
    """)
    env = dict(os.environ, SITEGEN_STORE=str(store.root), SITEGEN_EXPERIMENT="inc")
    env.pop("SITEGEN_RUN_ID", None)
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True,
                            cwd=str(store.root.parent))
    try:
        live = proc.stdout.readline().strip()
        assert live.startswith("inc_")
        result = build_site(store, site, Config())
        assert result.pages_written >= 1
        assert store.load_meta(live)["status"] == "Running"
        assert "Running" in (site / "runs" / f"{live}.html").read_text("utf-8")
        go.write_text("1")
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()
        proc.wait()
    assert store.load_meta(live)["status"] == "Completed"
    before = snapshot(site)
    time.sleep(0.01)
    result = build_site(store, site, Config())
    after = snapshot(site)
    assert_same_as_full(store, site, tmp_path)
    moved = changed(before, after)
    assert {f"runs/{live}.html", f"data/runs/{live}.js",
            "data/index/runs-0.js", "index.html"} <= moved
    assert "Completed" in (site / "runs" / f"{live}.html").read_text("utf-8")
    for rid in ids[:4]:
        assert after[f"runs/{rid}.html"] == before[f"runs/{rid}.html"]
    # finished now: the next build rewrites nothing
    again = build_site(store, site, Config())
    assert (again.pages_written, again.files_written) == (0, 0)
    assert snapshot(site) == after
