"""A build's working set is bounded by a batch of runs, not by the store (issue 17: a full build of
50,000 runs in ≤ 300 MB): the runs read are kept marshalled in a spill file, not as objects; runs
are planned and their pages rendered a cache shard at a time; each shard of the cache is written
as soon as it is complete. And a build made in batches equals one made in one go, byte for byte.

Shards and batches are made 2 runs wide so that a handful of runs spans several batches. Builds run
in-process (``build_site``), without worker processes, so the hooks below see every page."""
from __future__ import annotations

import json
import marshal
from pathlib import Path

import pytest

from sitegen.config import Config
from sitegen.site import cache as cache_mod
from sitegen.site import plan as plan_mod
from sitegen.site import renderer as renderer_mod
from sitegen.site import workers as workers_mod
from sitegen.site.build import build_site
from sitegen.site.cache import BuildCache, Raw
from sitegen.site.spill import Spill
from sitegen.store import Store
from test_incremental import log_runs, tree_bytes

ACCURACY = [0.5, 0.6, 0.55, 0.7, 0.52, 0.58, 0.61, 0.66, 0.49]
NAMES = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]


@pytest.fixture
def store(tmp_path: Path, monkeypatch) -> tuple[Store, list[str]]:
    monkeypatch.setattr(cache_mod, "SHARD_RUNS", 2)
    monkeypatch.setattr(workers_mod, "POOL_MIN", 10**9)  # in this process: the hooks see every call
    root = tmp_path / "runs"
    root.mkdir()
    ids = log_runs(root, ACCURACY, NAMES, points=20)
    meta = root / ids[4] / "run.json"  # one hidden run, one child run: links across batches
    data = json.loads(meta.read_text())
    data["hidden"] = True
    meta.write_text(json.dumps(data))
    meta = root / ids[7] / "run.json"
    data = json.loads(meta.read_text())
    data["parent_run_id"] = ids[1]
    meta.write_text(json.dumps(data))
    return Store(root), ids


def batched(monkeypatch, runs: int = 2) -> None:
    monkeypatch.setattr(plan_mod, "BATCH_RUNS", runs)


def test_a_build_in_batches_equals_one_in_one_go(store, tmp_path, monkeypatch):
    store, ids = store
    one, many = tmp_path / "one", tmp_path / "many"
    build_site(store, one, Config())
    batched(monkeypatch)
    result = build_site(store, many, Config())
    assert result.mode == "swap" and result.pages_total == build_site(store, one, Config()).pages_total
    assert tree_bytes(many) == tree_bytes(one)
    # more runs changed than a batch holds: planned again in batches over the last build
    for rid in ids[:5]:
        meta = store.root / rid / "run.json"
        meta.write_text(meta.read_text().replace('"name": "', '"name": "re-'))
    log_runs(store.root, [0.4, 0.8], ["j", "k"], points=20)
    build_site(store, many, Config())
    monkeypatch.setattr(plan_mod, "BATCH_RUNS", 1000)
    build_site(store, one, Config())
    fresh = tmp_path / "fresh"
    build_site(store, fresh, Config(), clean=True)
    assert tree_bytes(many) == tree_bytes(one) == tree_bytes(fresh)


def test_pages_are_planned_and_rendered_a_batch_at_a_time(store, tmp_path, monkeypatch):
    """The renderer never holds more than one batch of page contexts (the site-wide pages are a
    batch of their own); without batches it made every page's context before rendering any."""
    store, ids = store
    batched(monkeypatch)
    waiting, most, batches = [0], [0], []
    page_context, render_page, plan_runs = (renderer_mod.page_context, renderer_mod.render_page,
                                            plan_mod.Plan.plan_runs)

    def counted_context(entry, site):
        waiting[0] += 1
        most[0] = max(most[0], waiting[0])
        return page_context(entry, site)

    def counted_render(pc, job):
        waiting[0] -= 1
        return render_page(pc, job)

    def counted_plan(self, run_ids):
        run_ids = list(run_ids)
        batches.append(len(run_ids))
        return plan_runs(self, run_ids)

    monkeypatch.setattr(renderer_mod, "page_context", counted_context)
    monkeypatch.setattr(renderer_mod, "render_page", counted_render)
    monkeypatch.setattr(plan_mod.Plan, "plan_runs", counted_plan)
    site = tmp_path / "site"
    result = build_site(store, site, Config())
    site_pages = result.pages_total - (len(ids) - 1)  # one page a published run
    assert sum(batches) == len(ids) - 1 and max(batches) <= 2
    assert waiting[0] == 0 and most[0] <= max(2, site_pages) < result.pages_total


def test_each_shard_of_the_cache_is_written_when_its_batch_is_done(store, tmp_path, monkeypatch):
    """A full build holds no shard's sections to the end: each is in the new tree (and out of
    memory) once its runs are made; the cache then equals the one a build in one go leaves."""
    store, ids = store
    batched(monkeypatch)
    saved = []
    save = BuildCache.save

    def watched_save(self, dest):
        saved.append(sorted(self.sections))  # what is still held when the cache is saved
        return save(self, dest)

    monkeypatch.setattr(BuildCache, "save", watched_save)
    site = tmp_path / "site"
    build_site(store, site, Config())
    assert saved == [[]]
    monkeypatch.setattr(plan_mod, "BATCH_RUNS", 1000)
    one = tmp_path / "one"
    build_site(store, one, Config())
    a, b = BuildCache.load(site), BuildCache.load(one)
    assert a.shard_files == b.shard_files and a.slims == b.slims and a.info == b.info


def test_runs_read_are_kept_marshalled_in_the_spill(store, tmp_path):
    """Gathering keeps each run's summary as the bytes the cache stores (and its grid row) in a
    spill file, not as objects; the build removes the file before the site is swapped in."""
    from sitegen.site.gather import gather
    from sitegen.site.fingerprint import fingerprint
    store, ids = store
    tmp = tmp_path / "tmp"
    (tmp / "data" / "runs").mkdir(parents=True)
    got = gather(store, Config(), fingerprint(store, Config()), None, tmp)
    assert isinstance(got.fresh, Spill) and sorted(got.fresh) == sorted(ids)
    raw = got.fresh[ids[0]]
    assert type(raw) is Raw and marshal.loads(raw) == got.summary(ids[0])
    assert got.summary(ids[0])["meta"]["name"] == "a" and json.loads(got.row(ids[0]))["name"] == "a"
    assert got.fresh.row(ids[4]) is None  # hidden: no grid row
    got.fresh.close()
    assert not (tmp / ".sitegen-spill").exists()
    site = tmp_path / "site"
    build_site(store, site, Config())
    assert not (site / ".sitegen-spill").exists()


def test_raw_values_are_written_as_marshal_writes_them(tmp_path):
    """A shard section with values already marshalled has the bytes of the decoded section's."""
    values = {"b": {"x": [1.5, None, "é"], "n": 3}, "a": {"y": True}, "c": "row"}
    cache = BuildCache()
    for rid, v in values.items():
        cache.put("0", "runs", rid, Raw(marshal.dumps(v, cache_mod.MARSHAL_FORMAT)) if rid != "c" else v, None)
    plain = BuildCache()
    for rid, v in values.items():
        plain.put("0", "runs", rid, v, None)
    for c, folder in ((cache, tmp_path / "a"), (plain, tmp_path / "b")):
        folder.mkdir()
        c.save(folder)
    assert cache.shard_files == plain.shard_files
    assert BuildCache.load(tmp_path / "a").get("b", "runs", "0") == values["b"]


def test_sections_read_are_kept_a_few_at_a_time(store, tmp_path, monkeypatch):
    """Reading every shard of a big cache (a build walking its runs) keeps only the last few."""
    store, ids = store
    site = tmp_path / "site"
    build_site(store, site, Config())
    cache = BuildCache.load(site)
    for shard in sorted(cache.shard_files):
        cache.section(shard, "runs")
    assert len(cache.shard_files) == 5 and len(cache._loaded) == cache_mod.KEEP_SECTIONS
    assert cache.get(ids[0], "runs")["id"] == ids[0]  # read again when needed


def test_a_kept_runs_file_removed_by_hand_is_made_again(store, tmp_path, monkeypatch):
    """A build in batches over a previous site links the files of the runs it does not plan again
    from it; one removed from the site by hand is made again (that run is planned)."""
    store, ids = store
    batched(monkeypatch)
    site = tmp_path / "site"
    build_site(store, site, Config())
    (site / "runs" / f"{ids[8]}.html").unlink()  # the last run: not planned again below
    for rid in ids[:4]:
        meta = store.root / rid / "run.json"
        meta.write_text(meta.read_text().replace('"name": "', '"name": "re-'))
    result = build_site(store, site, Config())
    assert result.mode == "swap" and f"runs/{ids[8]}.html" in result.changed
    fresh = tmp_path / "fresh"
    build_site(store, fresh, Config(), clean=True)
    assert tree_bytes(site) == tree_bytes(fresh)
