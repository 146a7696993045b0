"""The sharded build cache (sitegen.site.cache): a build after a new, changed or removed run touches
only the shards of those runs, and equals a full build byte for byte whatever happened to the cache
(a damaged or missing shard, a build killed while writing it, a cache of the previous format).

Shards are blocks of SHARD_RUNS run numbers; the tests make them 2 runs wide so that a handful of runs
spans several shards. Builds run in-process (``build_site``), except the killed one."""
from __future__ import annotations

import marshal
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sitegen.config import Config
from sitegen.site import cache as cache_mod
from sitegen.site.build import build_site
from sitegen.site.cache import CACHE_NAME, SHARDS_DIR, BuildCache
from sitegen.store import Store
from test_incremental import assert_same_as_full, log_runs, snapshot, changed  # noqa: F401

NAMES = ["a", "b", "c", "d", "e", "f", "g"]


@pytest.fixture
def small_shards(monkeypatch):
    monkeypatch.setattr(cache_mod, "SHARD_RUNS", 2)


@pytest.fixture
def built(tmp_path: Path, small_shards):
    store_dir = tmp_path / "runs"
    store_dir.mkdir()
    ids = log_runs(store_dir, [0.5, 0.6, 0.55, 0.7, 0.52, 0.58, 0.61], NAMES, points=20)
    store, site = Store(store_dir), tmp_path / "site"
    build_site(store, site, Config())
    return store, site, ids


def shard_files(site: Path) -> set[str]:
    return set(os.listdir(site / SHARDS_DIR))


def test_cache_is_sharded_by_run_number(built):
    store, site, ids = built
    cache = BuildCache.load(site)
    assert sorted(cache.shard_files) == ["0", "1", "2", "3"]  # runs 1, 2-3, 4-5, 6-7
    assert {n.split(".")[1] for n in shard_files(site)} == {"runs", "rows", "files"}
    assert len(shard_files(site)) == 12


def test_new_run_rewrites_only_its_shard(built, tmp_path):
    store, site, ids = built
    before = shard_files(site)
    (new,) = log_runs(store.root, [0.4], ["h"], points=20)  # run 8: shard 4, its previous run 7: shard 3
    build_site(store, site, Config())
    after = shard_files(site)
    assert {n.split(".")[0] for n in after - before} == {"3", "4"}  # 3: run 7's files (its next link)
    assert {n.split(".")[0] for n in before - after} == {"3"}
    assert {n for n in after if n.startswith("3.")} - before == {n for n in after if n.startswith("3.files")}
    assert_same_as_full(store, site, tmp_path)


def test_changed_run_rewrites_its_shard(built, tmp_path):
    store, site, ids = built
    before = shard_files(site)
    meta = store.root / ids[2] / "run.json"  # run 3: shard 1
    meta.write_text(meta.read_text().replace('"name": "c"', '"name": "renamed"'))
    build_site(store, site, Config())
    gone = {n.split(".")[0] for n in before - shard_files(site)}
    assert gone <= {"1", "2"}  # its own shard, and its next run's (whose page shows its name)
    assert "1" in gone
    assert_same_as_full(store, site, tmp_path)


def test_removed_run(built, tmp_path):
    store, site, ids = built
    shutil.rmtree(store.root / ids[3])  # run 4
    result = build_site(store, site, Config())
    assert f"runs/{ids[3]}.html" not in snapshot(site)
    assert result.mode == "patch"
    assert ids[3] not in BuildCache.load(site).slims
    assert_same_as_full(store, site, tmp_path)


def test_damaged_shard_is_rebuilt(built, tmp_path):
    store, site, ids = built
    name = sorted(n for n in shard_files(site) if n.startswith("3.runs"))[0]
    path = site / SHARDS_DIR / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, other bytes
    path.write_bytes(bytes(data))
    (store.root / ids[6] / "run.json").touch()  # run 7 is read again: its old summary is compared
    result = build_site(store, site, Config())
    assert result.mode == "swap"  # the cache was dropped: everything made again
    assert_same_as_full(store, site, tmp_path)
    BuildCache.load(site).section("3", "runs")  # whole again


def test_missing_shard_is_rebuilt(built, tmp_path):
    store, site, ids = built
    os.unlink(site / SHARDS_DIR / sorted(shard_files(site))[0])
    log_runs(store.root, [0.4], ["h"], points=20)
    assert BuildCache.load(site) is None
    result = build_site(store, site, Config())
    assert result.mode == "swap"
    assert_same_as_full(store, site, tmp_path)
    assert BuildCache.load(site) is not None


def test_previous_format_cache_is_rebuilt(built, tmp_path):
    store, site, ids = built
    old = {"version": ["sitegen-build-cache", 3, cache_mod.DATA_VERSION, list(sys.version_info[:2])],
           "keys": {}, "runs": {}, "rows": {}}
    (site / CACHE_NAME).write_bytes(marshal.dumps(old, 2))
    shutil.rmtree(site / SHARDS_DIR)
    (site / "index.html").write_text("stale")
    log_runs(store.root, [0.4], ["h"], points=20)
    result = build_site(store, site, Config())
    assert result.mode == "swap"
    assert_same_as_full(store, site, tmp_path)


KILLER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from sitegen.config import Config
    from sitegen.site import cache, fileops
    from sitegen.site.build import build_site
    from sitegen.store import Store
    cache.SHARD_RUNS = 2
    real = fileops.write_atomic
    def write_atomic(path, data):
        if Path(path).name == cache.CACHE_NAME:  # every new shard is written: stop before the index
            print("shards written", flush=True)
            sys.stdin.readline()  # killed while waiting here
        real(path, data)
    fileops.write_atomic = write_atomic
    build_site(Store(sys.argv[1]), Path(sys.argv[2]), Config())
""")


def test_build_killed_while_writing_the_cache(built, tmp_path):
    store, site, ids = built
    before = shard_files(site)
    (store.root / ids[4] / "run.json").touch()
    meta = store.root / ids[4] / "run.json"
    meta.write_text(meta.read_text().replace('"name": "e"', '"name": "killed"'))
    log_runs(store.root, [0.4], ["h"], points=20)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    child = subprocess.Popen([sys.executable, "-c", KILLER, str(store.root), str(site)], env=env,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "shards written\n"
        assert shard_files(site) == before  # they went into the tree being made, not the site
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait()
    cache = BuildCache.load(site)  # the previous index: it names the previous shards, all whole
    assert cache is not None and ids[4] in cache.slims
    for shard, sections in cache.shard_files.items():
        for name in sections:
            cache.section(shard, name)
    result = build_site(store, site, Config())
    assert result.mode == "patch"
    assert_same_as_full(store, site, tmp_path)
    assert not list(tmp_path.glob(".site.tmp-*")) and not list(tmp_path.glob(".site.old-*"))
    named = {n for v in BuildCache.load(site).shard_files.values() for n in v.values()}
    assert shard_files(site) == named  # the killed build's leftovers are gone


def test_all_paths_lists_every_file_of_the_site(built):
    store, site, ids = built
    on_disk = {p.relative_to(site).as_posix() for p in site.rglob("*")
               if p.is_file() and not p.relative_to(site).parts[0].startswith(".sitegen")}
    assert sorted(BuildCache.load(site).all_paths()) == sorted(on_disk)
