"""The build's fast path for metrics.tsv (sitegen/site/data.py ``read_metrics_raw`` and runpack's
``_pack_texts``; issue 17) publishes exactly what the exact reader (``sitegen.store.read_metrics``)
publishes, or hands the file over to it: for every odd value, step and name a hand-edited file can
hold, in a scalar, a series of floats or of ints, a file of one metric and interleaved metrics."""
from __future__ import annotations

import datetime as dt
import json
import math
import random
from types import SimpleNamespace

import pytest

from sitegen.config import Config
from sitegen.site import data, runpack
from sitegen import store as store_module
from sitegen.store import Store, parse_utc

T = "1796117005.810"
ODD_VALUES = ["1E5", "+1", ".5", "5.", "01", "-0", "-00", "00", "0", "-0.0", "1e5", "1e+300", "1e999",
              "1e-45", "1e-300", "0." + "0" * 40 + "1", "0." + "0" * 36 + "2", "nan", "inf", '"s"', "true",
              "1_0", " 1", "", "--1", "1.2.3", "1,5", "2147483648", "3.5e38", "1" * 5000, "1" * 50, "+.5",
              "1.e5", "-.5", "1e05", "12345678901234567891", "١"]
ODD_STEPS = ["+1", "00", "-0", "1_0", "x", "", "1,2", "9" * 30, "-3"]


def _tsv(lines: list[tuple[str, str, str]]) -> str:
    return "".join(f"{name}\t{step}\t{value}\t{T}\n" for name, step, value in lines)


def odd_files() -> list[str]:
    files = []
    for v in ODD_VALUES:
        files += [
            _tsv([('"s"', "0", v), ('"loss"', "0", "0.5"), ('"loss"', "1", "0.25")]),  # a scalar
            _tsv([('"s"', "0", "3")] + [('"loss"', str(i), v if i == 3 else repr(0.1 * i)) for i in range(10)]),
            _tsv([('"s"', "0", "3")] + [('"ep"', str(i), v if i == 3 else str(i)) for i in range(10)]),
            _tsv([('"a"', str(i), v if i == 1 else repr(0.1 * i)) for i in range(5)]),  # one metric
            _tsv([(f'"{"ab"[i % 2]}"', str(i // 2), v if i == 3 else str(i)) for i in range(10)]),  # interleaved
        ]
    for s in ODD_STEPS:
        files += [_tsv([('"s"', "0", "3")] + [('"loss"', s if i == 2 else str(i), repr(0.1 * i)) for i in range(10)]),
                  _tsv([('"s"', s, "3")])]
    files += [_tsv([('"a"', "0", "1"), ('"\\u0061"', "1", "2")]),  # one name written two ways
              _tsv([('"a"', "0", "1"), ('"b"', "0", "2"), ('"a"', "1", "2")]),
              _tsv([('"lr"', str(i), repr(1e-5 * (i + 1))) for i in range(3000)])]  # downsampled: a points file
    return files


def test_the_fast_path_publishes_what_the_exact_reader_publishes(tmp_path, monkeypatch):
    store = Store(tmp_path / "runs")
    site = tmp_path / "site"
    site.mkdir()
    fast = 0
    for i, text in enumerate(odd_files()):
        rid = store.create_run("odd", name=f"odd {i}")
        store.update_meta(rid, {"status": "Completed", "end_time_utc": "2026-12-01T09:23:26.000000Z"})
        (store.root / rid / "metrics.tsv").write_text(text, "utf-8")
        fast += data.read_metrics_raw(str(store.root / rid / "metrics.tsv")) is not None
        made = {}
        for way in ("fast", "exact"):
            store_module._warned.clear()  # the exact reader warns once a process about a file
            if way == "exact":
                monkeypatch.setattr(data, "read_metrics_raw", lambda *a: None)
            summary = data.summarize(str(store.root), rid, Config(), [], str(site / f"{way}.js"),
                                     str(site / f"{way}-points.js"))
            points = (site / f"{way}-points.js").read_bytes() if summary["points_file"] else None
            made[way] = summary, (site / f"{way}.js").read_bytes(), points
            monkeypatch.undo()
        assert made["fast"] == made["exact"], text[:200]
    assert fast >= 60  # most of them take the fast path


@pytest.mark.parametrize("text", ['"s"\t0\t1E5\t1.0\n', '"s"\t0\t1,5\t1.0\n', f'"s"\t0\t{"1" * 5000}\t1.0\n',
                                  '"a"\t0\t1.5\t1.0\n"a"\t1\t1e999\t1.0\n', '"a"\t1,2\t1.5\t1.0\n',
                                  '"a"\t0\t1\t1.0\n"\\u0061"\t1\t2\t1.0\n'])
def test_the_fast_path_leaves_what_it_cannot_publish_exactly(text):
    """(Before, 1E5, 1,5 and a 5,000-digit int crashed the read of the run; a name written two ways
    lost a series.)"""
    assert data.read_metrics_raw("", text.encode()) is None


def test_steps_counting_from_zero_are_known_from_their_text():
    raw = data.read_metrics_raw("", _tsv([('"s"', "0", "1")] + [('"a"', str(i), "0.5") for i in range(1234)]
                                         + [('"b"', str(i + 1), "2") for i in range(3)]).encode())
    assert (raw["s"].counting, raw["a"].counting, raw["b"].counting) == (True, True, False)
    assert runpack.pack_series(raw["a"])[0]["start"] == 0 and runpack.pack_series(raw["b"])[0]["start"] == 1
    for n in (0, 1, 9, 10, 11, 99, 100, 101, 12345):
        assert data._counting_length(n) == len(",".join(map(str, range(n))))


@pytest.mark.parametrize("times", [[f"{1796117005 + i * 0.013:.3f}" for i in range(100)],
                                   ["1.2345", "2.000"], ["-1.000", "2.000"], ["1e9", "1.000"], [1.5, 2.25],
                                   ["x", "1.000"], ["1796117005.8", "1796117005.810"]])
def test_logging_times_in_one_conversion_equal_each_converted(times):
    try:
        each = [runpack._time_ms(t) for t in times]
    except ValueError:
        each = None
    assert runpack._times_ms(times) == each


def test_parse_utc_reads_what_strptime_reads():
    def slow(text):
        try:
            return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc).timestamp()
        except (TypeError, ValueError):
            return None
    rng = random.Random(3)
    texts = ["2026-12-01T09:23:25.803709Z", "2026-02-30T09:23:25.803709Z", "2026-12-01T24:00:00.000000Z",
             "0000-12-01T09:23:25.803709Z", "9999-12-31T23:59:59.999999Z", "2026-12-01 09:23:25.803709Z",
             "١٢٣٤-12-01T09:23:25.803709Z", "2026-1-01T09:23:25.803709Z", "2026-12-01T09:23:25.8037Z"]
    texts += [(dt.datetime(1, 1, 1) + dt.timedelta(seconds=rng.uniform(0, 3.1e11))).isoformat(timespec="microseconds")
              + "Z" for _ in range(2000)]
    for _ in range(5000):
        chars = list(rng.choice(texts))
        chars[rng.randrange(len(chars))] = rng.choice("0123456789-:.TZ+ _")
        texts.append("".join(chars))
    for text in texts + [None, "", 5]:
        assert parse_utc(text) == slow(text or None), text
    assert math.isclose(parse_utc("2026-12-01T09:23:25.803709Z"), 1796117005.803709)


def test_a_data_file_is_written_whole(tmp_path):
    text = json.dumps(["é" * 100_000])
    data.write_text(str(tmp_path / "f.js"), text)
    data.write_text(str(tmp_path / "f.js"), text[:10])  # emptied first
    assert (tmp_path / "f.js").read_text("utf-8") == text[:10]


@pytest.mark.parametrize("text", ['"s"\t0\t1E5\t1.0\n"a"\t0\t2.5\t1.0\n', '"s"\t0\t1,5\t1.0\n"a"\t0\t2.5\t1.0\n',
                                  f'"s"\t0\t{"1" * 5000}\t1.0\n"a"\t0\t2.5\t1.0\n'])
def test_run_summaries_skip_what_the_exact_reader_skips(text):
    """``history list``'s per-run summaries use the same fast reader (they raised on these)."""
    from sitegen import summary
    stats, end, bad = summary.parse(text.encode())
    assert list(stats) == ["a"] and stats["a"].last == 2.5 and (end, bad) == (len(text.encode()), 1)


def test_a_run_file_is_read_whole_even_while_it_grows(tmp_path, monkeypatch):
    from sitegen import store as store_module
    path = tmp_path / "metrics.tsv"
    path.write_bytes(b"x" * 5000)
    assert store_module.read_run_file(path) == b"x" * 5000
    real = store_module._open_run_fd
    for size in (100, 4999, 5000, 5001):  # what fstat saw: the file grew since, or shrank
        monkeypatch.setattr(store_module, "_open_run_fd", lambda p: (real(p)[0], SimpleNamespace(st_size=size)))
        assert store_module.read_run_file(path) == b"x" * 5000
    monkeypatch.undo()
    path.write_bytes(b"")
    assert store_module.read_run_file(path) == b""
