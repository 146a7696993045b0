"""The dashboard's data files: a manifest and row shards by blocks of run numbers (pure parts; the
browser side: tests/test_dashboard_shards.py)."""
from __future__ import annotations

from sitegen.site import index_shards as S
from sitegen.site.render import dumps


def test_shards_are_blocks_of_run_numbers_loaded_newest_first(tmp_path):
    assert [S.shard_name(n) for n in (0, 999, 1000, 49_999, None, "7", True)] == \
        ["runs-0", "runs-0", "runs-1", "runs-49", "runs-x", "runs-x", "runs-x"]
    m = S.manifest({"runs-0": 2, "runs-x": 1, "runs-12": 3, "runs-3": 1},
                   {"params": ["a"], "numeric_params": [], "tags": ["t"]}, {"primary": "acc"})
    assert m["shards"] == [["data/index/runs-12.js", 3], ["data/index/runs-3.js", 1],
                           ["data/index/runs-0.js", 2], ["data/index/runs-x.js", 1]]
    assert m["count"] == 7 and m["params"] == ["a"] and m["primary"] == "acc"


def test_a_shard_reads_back_and_keeps_markup_out(tmp_path):
    runs = [{"id": "r1", "meta": {"run_number": 1, "tags": {"<b>": 1}}, "params": {"lr": 0.1, "on": True, "m": "x"}},
            {"id": "r2", "meta": {"run_number": 1500, "tags": {}}, "params": {"on": False}},
            {"id": "r3", "meta": {"run_number": 5, "tags": {}}, "params": {}}]
    rows = {"r1": dumps({"id": "r1", "name": "</script><b>"}), "r2": dumps({"id": "r2", "name": '"q"'}),
            "r3": dumps({"id": "r3", "name": "\u2028"})}
    parts = S.shards(runs, rows)
    assert {k: len(v) for k, v in parts.items()} == {"runs-0": 2, "runs-1": 1}
    names = S.param_tag_names(runs)
    assert names == {"params": ["lr", "m", "on"], "numeric_params": ["lr"], "tags": ["<b>"]}
    (tmp_path / "data" / "index").mkdir(parents=True)
    for k, v in parts.items():
        text = S.shard_js(k, v)
        assert "<" not in text and text.startswith(f'(window.SITEGEN_ROWS=window.SITEGEN_ROWS||{{}})["{k}"]=JSON.parse(')
        (tmp_path / S.shard_path(k)).write_text(text, "utf-8")
    m = S.manifest({k: len(v) for k, v in parts.items()}, names, {})
    (tmp_path / S.MANIFEST).write_text(S.manifest_js(m), "utf-8")
    back = S.read_index(tmp_path)
    assert [r["name"] for r in back["runs"]] == ['"q"', "</script><b>", "\u2028"]  # runs-1 first, then site order
    assert len(S.index_files(tmp_path)) == 3
