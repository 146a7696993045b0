"""Per-run metric summaries (issue 17 item 2): exact, brought up to date as a run grows, never
trusted when they do not match the metrics.tsv they summarise."""
from __future__ import annotations

import json
import os
import random

import pytest

import sitegen
from sitegen.store import Store, read_metrics
from sitegen.summary import SUMMARY_FILE, MetricStats, run_metrics


def expected_stats(path) -> dict[str, MetricStats]:
    """The stats computed the slow, obvious way from read_metrics."""
    out = {}
    for name, s in read_metrics(path).items():
        nums = [(v, i) for i, v in enumerate(s.values)
                if type(v) in (int, float) and v == v]
        lo = min(nums, key=lambda t: t[0]) if nums else None
        hi = max(nums, key=lambda t: t[0]) if nums else None
        out[name] = MetricStats(len(s), s.steps[0], s.values[0], s.steps[-1], s.values[-1],
                                s.values[lo[1]] if lo else None, s.values[hi[1]] if hi else None)
    return out


def same(a, b) -> bool:
    return type(a) is type(b) and (a == b or (a != a and b != b))


def assert_equal_stats(got: dict, want: dict, context: str = "") -> None:
    assert list(got) == list(want), context
    for k in want:
        for f in ("n", "first_step", "first", "last_step", "last", "min", "max"):
            assert same(getattr(got[k], f), getattr(want[k], f)), (k, f, context)


def test_summary_agrees_with_read_metrics_on_odd_files(tmp_path):
    rng = random.Random(7)
    names = ['"a"', '"b"', '"\\u0061"', '"c d"', '"s"', "3", '"n"', "garbage"]
    values = ["1", "2.5", "nan", "-0.0", '"x\\ty"', "true", "1e", "", "-inf", "7", "-3", "1e999"]
    for trial in range(300):
        lines = []
        for _ in range(rng.randint(0, 10)):
            if rng.random() < 0.1:
                lines.append(rng.choice(["", "torn", '"a"\t0', '"a"\t0\t1\t1\t1']))
                continue
            step = rng.choice(["0", "0", "1", "x", "5"])
            lines.append("\t".join([rng.choice(names), step, rng.choice(values),
                                    rng.choice(["1.0", "2", "x"])]))
        text = "\n".join(lines) + rng.choice(["\n", "", '\n"a"\t0\t1.'])
        run_dir = tmp_path / f"r{trial}"
        run_dir.mkdir()
        (run_dir / "metrics.tsv").write_text(text, "utf-8")
        want = expected_stats(run_dir / "metrics.tsv")
        assert_equal_stats(run_metrics(run_dir), want, text)
        assert_equal_stats(run_metrics(run_dir), want, text)  # again, from summary.json
    assert run_metrics(tmp_path / "missing") == {}


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SITEGEN_STORE", str(tmp_path / "runs"))
    monkeypatch.setenv("SITEGEN_EXPERIMENT", "Sum")
    monkeypatch.delenv("SITEGEN_RUN_ID", raising=False)
    return tmp_path


def test_summary_follows_a_growing_run_reading_only_what_was_added(project, monkeypatch):
    with sitegen.start_run() as run:
        run.log("Accuracy", 0.5)
        for i in range(100):
            run.log("loss", 1.0 / (i + 1))
        run.flush()
        run_dir = run.dir
        assert run_metrics(run_dir)["loss"].n == 100
        import sitegen.summary as summary_mod
        parsed = []
        real_parse = summary_mod.parse
        monkeypatch.setattr(summary_mod, "parse", lambda data: parsed.append(len(data)) or real_parse(data))
        for i in range(100, 150):
            run.log("loss", 1.0 / (i + 1), step=i)
        run.log("loss", "diverged", step=150)
        run.flush()
        stats = run_metrics(run_dir)
        assert parsed and parsed[-1] < 60 * 40  # the new lines only, not the whole file
        assert_equal_stats(stats, expected_stats(run_dir / "metrics.tsv"))
        assert stats["loss"].n == 151 and stats["loss"].last == "diverged"
        assert stats["loss"].min == 1.0 / 150 and stats["loss"].max == 1.0
        assert stats["Accuracy"].is_scalar and not stats["loss"].is_scalar
        # a torn last line (a write in progress) waits until it is complete
        with open(run_dir / "metrics.tsv", "ab") as f:
            f.write(b'"loss"\t151\t0.00')
        assert run_metrics(run_dir)["loss"].n == 151
        with open(run_dir / "metrics.tsv", "ab") as f:
            f.write(b'1\t1.0\n')
        assert run_metrics(run_dir)["loss"].last == 0.001


@pytest.mark.parametrize("damage", ["garbage", "foreign", "stale-same-size", "shrunk", "lies"])
def test_corrupt_or_stale_summaries_are_rebuilt(tmp_path, damage):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    path = run_dir / "metrics.tsv"
    path.write_text('"loss"\t0\t3\t1.0\n"loss"\t1\t2\t1.0\n"acc"\t0\t0.5\t1.0\n')
    run_metrics(run_dir)
    summary = run_dir / SUMMARY_FILE
    assert json.loads(summary.read_text())["metrics"]["loss"]["n"] == 2
    if damage == "garbage":
        summary.write_bytes(b"\x00{not json")
    elif damage == "foreign":
        summary.write_text(json.dumps({"format": 99, "metrics": []}))
    elif damage == "stale-same-size":  # rewritten in place, same length: the mtime tells
        st = path.stat()
        path.write_text('"loss"\t0\t9\t1.0\n"loss"\t1\t8\t1.0\n"acc"\t0\t0.7\t1.0\n')
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    elif damage == "shrunk":
        path.write_text('"loss"\t0\t9\t1.0\n')
    elif damage == "lies":  # a summary claiming the current size and mtime but another tail:
        path.write_text('"loss"\t0\t3\t1.0\n"loss"\t1\t2\t1.0\n"acc"\t0\t0.5\t1.0\n"acc"\t1\t0.9\t1.0\n')
        data = json.loads(summary.read_text())
        data["tail"] = "00" * 32  # … grown, but not from what it summarised: read it all again
        summary.write_text(json.dumps(data))
    assert_equal_stats(run_metrics(run_dir), expected_stats(path), damage)


def test_unwritable_summary_still_answers(tmp_path):
    """A summary that cannot be written (here: a folder is in its place) costs a full read, no more."""
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "metrics.tsv").write_text('"loss"\t0\t3\t1.0\n"loss"\t1\t2\t1.0\n')
    (run_dir / SUMMARY_FILE).mkdir()
    assert run_metrics(run_dir)["loss"].last == 2
    assert run_metrics(run_dir)["loss"].n == 2
    assert not list((run_dir).glob(".*.tmp"))


def test_history_list_uses_the_summary(project, monkeypatch):
    """Once made, `list` does not read metrics.tsv again (it reads the summary)."""
    tmp_path = project
    with sitegen.start_run() as run:
        run.log("Accuracy", 0.5)
        run.log("loss", [3.0, 2.0])
    from sitegen import history as h
    store = Store(tmp_path / "runs")
    first = h.list_runs(store, records=True)
    assert (run.dir / SUMMARY_FILE).exists()
    real_open = open
    opened = []

    def spy(file, *a, **k):
        opened.append(str(file))
        return real_open(file, *a, **k)

    monkeypatch.setattr("builtins.open", spy)
    again = h.list_runs(store, records=True)
    assert not [f for f in opened if f.endswith("metrics.tsv")]
    assert again.rows == first.rows and again.records == first.records
    assert first.rows[0]["Accuracy"] == 0.5 and "loss" not in first.rows[0]
