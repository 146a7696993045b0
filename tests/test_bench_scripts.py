"""The benchmark scripts' own bookkeeping: what counts as published, how profiles and tables are read.

(The figures themselves live in BENCHMARKS.md, never in tests.)
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import bench_build  # noqa: E402


def _write(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)


def test_published_size_leaves_out_build_bookkeeping_files_and_folders(tmp_path):
    site = tmp_path / "site"
    _write(site / "index.html", 1000)
    _write(site / "data" / "index.js", 2000)
    _write(site / "data" / "runs" / "a.js", 3000)
    _write(site / "data" / "runs" / "b.js", 3000)
    _write(site / "runs" / "a.html", 500)
    _write(site / ".sitegen-build.cache", 10_000)
    _write(site / ".sitegen-build.shards" / "0.files.abc", 20_000)
    _write(site / ".sitegen-tree", 16)
    stats = bench_build.site_stats(site, runs=2)
    assert stats["published_mb"] * 2**20 == 9500
    assert stats["site_mb"] * 2**20 == 9500 + 30_016
    assert stats["published_kb_per_run"] == 9500 / 1024 / 2
    assert {k: v["files"] for k, v in stats["parts"].items()} == {"data": 1, "data/runs": 2, "runs": 1, "top": 1}


def test_top_costs_merges_lines_of_a_function_and_skips_broken_frames(tmp_path):
    folded = tmp_path / "p.txt"
    folded.write_text(
        'process 1:"python -c \n'  # py-spy's process frame, broken by the newlines of `-c` code
        'x";main (a.py:1);read (b.py:10) 3\n'
        'main (a.py:2);read (b.py:11) 1\n'
        'main (a.py:2);render (c.py:5) 4\n')
    text = bench_build.top_costs(folded)
    assert "8 samples" in text
    inclusive, own = text.split("self:")
    assert "100.0%  main (a.py)" in inclusive
    assert "50.0%  read (b.py)" in own and "50.0%  render (c.py)" in own


def _build(wall: float, cpu: float, load: float = 1.0) -> dict:
    return {"wall": wall, "cpu": cpu, "seconds": wall, "files_written": 7, "maxrss_mb": 50, "pss_mb": 60,
            "load": load, "phases": {"read runs": wall / 2, "render pages": wall / 4}}


def test_compare_prints_one_row_per_size_and_tree(tmp_path):
    def result(runs: int, k: float) -> dict:
        return {"runs": runs, "full": [_build(k, k), _build(3 * k, k)], "nochange": [_build(0.1, 0.1)] * 2,
                "incremental": [_build(0.5, 0.4)] * 2, "incremental_again": [_build(0.3, 0.2)] * 2,
                "site": {"published_mb": runs * 10 / 1024, "published_kb_per_run": 10.0}}
    files = []
    for label, k in (("before", 2.0), ("after", 1.0)):
        f = tmp_path / f"{label}.json"
        f.write_text(json.dumps({"label": label, "results": [result(1000, k), result(10000, 10 * k)]}))
        files.append(f)
    rows = [r for r in bench_build.compare(files).splitlines() if r.startswith("| 1")]
    assert [r.split(" | ")[:2] for r in rows] == [["| 1,000", "before"], ["| 1,000", "after"],
                                                  ["| 10,000", "before"], ["| 10,000", "after"]]
    assert "| 4.00 / 2.00 | 4.00 / 2.00 | 0.50 / 0.40 | 0.30 / 0.20 | 0.10 / 0.10 |" in rows[0]  # medians
    table = bench_build.table([result(1000, 1.0), result(10000, 10.0)])
    assert "10,000: 1.00 (+0%)" in table
    assert "full: read runs 1.00, render pages 0.50" in table
