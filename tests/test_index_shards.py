"""The dashboard's data files: a manifest and row shards by blocks of run numbers (pure parts; the
browser side: tests/test_dashboard_shards.py)."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from sitegen.site import index_shards as S
from sitegen.site.render import dumps

SHARDS_JS = Path(__file__).resolve().parents[1] / "themes" / "default" / "static" / "js" / "shards.js"


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


def index_row(i: int, params: dict, values: dict, **meta) -> dict:
    row = {"id": f"r{i}", "number": i, "name": f"cfg{i % 3}-seed{i}", "script": "train.py", "status": "Completed",
           "start": "2026-12-01T12:00:00Z", "duration": 0.5 + i, "tags": {}, "parent": "", "params": params,
           "values": values}
    return dict(row, **meta)


def test_the_browser_reads_a_shard_back_as_the_rows_it_was_made_of():
    """Columnar shards: names once per shape; node's shards.js (a real subprocess) and read_index's
    rows_of give back exactly the rows (hostile names, __proto__, lists, null, a row of another shape)."""
    sweep = {"lr": 0.1, "model": "tree", "layers": [64, 32], "__proto__": {"x": 1}, "</script>": "<b>"}
    rows = [index_row(i, dict(sweep, seed=i), {"Accuracy": 0.5 + i / 100, "loss": None}) for i in range(5)]
    rows.append(index_row(9, {"seed": 9}, {}, number=None, tags={"<i>": "v"}, parent="r1", duration=None))
    text = S.shard_js("runs-0", [dumps(r) for r in rows])
    assert "<" not in text and text.count("Accuracy") == 1 and text.count("layers") == 1  # names once a shape
    assert len(text) < 0.7 * len(dumps(rows))
    data = json.loads(json.loads(text[text.index("JSON.parse(") + 11:].rstrip().rstrip(";").rstrip(")")))
    assert len(data["shapes"]) == 2 and S.rows_of(data) == rows
    script = ("global.window = {}; const Sh = require(process.argv[1]); eval(require('fs').readFileSync(0, 'utf-8'));"
              "const rows = Sh.rows(window.SITEGEN_ROWS['runs-0']);"
              "if (!Object.prototype.hasOwnProperty.call(rows[0].params, '__proto__')) throw new Error('__proto__');"
              "process.stdout.write(JSON.stringify(rows));")
    proc = subprocess.run(["node", "-e", script, str(SHARDS_JS)], input=text, capture_output=True, text=True,
                          timeout=60, check=True)
    assert json.loads(proc.stdout) == rows
