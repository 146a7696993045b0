"""metrics.tsv as the logger writes it (issue 17: the logger's cost): the records made in bulk at
flush time — steps counted there, each millisecond's time text made once, names written into the
template — are byte for byte what one record at a time gives, in every case the bulk paths take."""
from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import sitegen
import sitegen.logger as logger_mod
from sitegen.store import Store, encode_name, encode_value

BASE = 1_780_000_000.0  # a time of today's size: a float's step there is 2.4e-7 s


@pytest.fixture
def store(tmp_path, monkeypatch) -> Store:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SITEGEN_STORE", str(tmp_path / "runs"))
    monkeypatch.setenv("SITEGEN_EXPERIMENT", "FormatTest")
    monkeypatch.delenv("SITEGEN_RUN_ID", raising=False)
    return Store(tmp_path / "runs")


def reference(points: list[tuple]) -> bytes:
    """One record at a time, the plain way: (name, step or None, value, time) -> metrics.tsv."""
    next_step: dict[str, int] = {}
    out = []
    for name, step, value, t in points:
        if step is None:
            step = next_step.get(name, 0)
        next_step[name] = step + 1
        out.append(f"{encode_name(name)}\t{step}\t{encode_value(value)}\t{t:.3f}\n")
    return "".join(out).encode("utf-8")


def log_with_clock(monkeypatch, store: Store, points: list[tuple], flush_every: int = 0) -> bytes:
    """Log ``points`` (name, step or None, value, time) with the logger's clock giving each point's
    time; flush every ``flush_every`` points (0: at the end only); the metrics.tsv bytes."""
    times = iter([t for *_, t in points])
    monkeypatch.setattr(logger_mod, "_now", lambda: next(times))
    with sitegen.start_run(name="format") as run:
        logger_mod._registry.discard(run)  # flushed here only: the chunks are this test's
        for i, (name, step, value, _) in enumerate(points, 1):
            if step is None:
                run.log(name, value)
            else:
                run.log(name, value, step=step)
            if flush_every and i % flush_every == 0:
                run.flush()
    return (store.root / run.run_id / "metrics.tsv").read_bytes()


def dense(n: int, gap: float = 0.9e-6, start: float = BASE) -> list[float]:
    return [start + i * gap for i in range(n)]


@pytest.mark.parametrize("names", [["loss"], ["loss", "acc", "lr"], ["lr%d", "100%", "%%s", "a\tb"]],
                         ids=["one name", "three names", "names with % and tab"])
@pytest.mark.parametrize("gap", [0.9e-6, 3e-5, 1e-3], ids=["dense", "32 a ms", "sparse"])
def test_numbers_byte_for_byte(store, monkeypatch, names, gap):
    rng = random.Random(17)
    values = [rng.choice([rng.random(), rng.randint(-10**20, 10**20), 1e-300, float("nan"),
                          float("inf"), -0.0, 0.1 + 0.2]) for _ in range(5000)]
    points = [(names[i % len(names)], None, v, t) for i, (v, t) in enumerate(zip(values, dense(5000, gap)))]
    assert log_with_clock(monkeypatch, store, points) == reference(points)


def test_times_at_millisecond_edges(store, monkeypatch):
    """Dense points a few float steps either side of every half millisecond (where %.3f rounds),
    and exactly on it: each time's text is its own."""
    ulp = 2.384185791015625e-07
    times = sorted(BASE + ms / 1000 + 0.0005 + k * ulp for ms in range(40) for k in range(-60, 61))
    points = [("loss", None, float(i), t) for i, t in enumerate(times)]
    assert log_with_clock(monkeypatch, store, points) == reference(points)
    runs = logger_mod._time_runs(times)
    assert runs is not None and len(runs) < len(times) / 10  # the bulk path was the one taken
    assert b"".join(text * k for text, k in runs) == b"".join(b"%.3f" % t for t in times)


def test_times_out_of_order(store, monkeypatch):
    """A clock stepped back (NTP) mid-chunk: no run of texts is trusted; every time is its own."""
    times = dense(3000) + dense(3000, start=BASE - 0.0013)
    points = [("loss", None, float(i), t) for i, t in enumerate(times)]
    assert logger_mod._time_runs(times) is None
    assert log_with_clock(monkeypatch, store, points) == reference(points)


def test_steps_given_missing_and_mixed_across_chunks(store, monkeypatch):
    """Steps counted at flush time continue each name's last step (given or counted) across
    chunks and flushes, in every mix: all given, none given, one name or several, mixed."""
    monkeypatch.setattr(logger_mod, "FORMAT_CHUNK", 700)
    rng = random.Random(3)
    points = []
    t = BASE
    for block in range(12):
        names = ["a"] if block % 3 == 0 else ["a", "b", "c"]
        kind = block % 4  # 0: no steps, 1: all given, 2: mixed by name, 3: mixed at random
        for i in range(900):
            name = names[i % len(names)]
            given = (kind == 1 or (kind == 2 and name == "b") or (kind == 3 and rng.random() < 0.5))
            points.append((name, rng.randint(0, 10**6) if given else None, float(i), t))
            t += 0.9e-6
    assert log_with_clock(monkeypatch, store, points, flush_every=1300) == reference(points)


@pytest.mark.parametrize("names", [["a"], ["a", "b"]], ids=["one name", "two names"])
def test_counting_goes_on_from_steps_given_in_an_earlier_flush(store, monkeypatch, names):
    times = iter(dense(400))
    points = [(names[i % len(names)], 10 * i, 1.0, t) for i, t in zip(range(200), times)]
    points += [(names[i % len(names)], None, 2.0, t) for i, t in zip(range(200), times)]
    assert log_with_clock(monkeypatch, store, points, flush_every=200) == reference(points)


def test_strings_and_bools_with_numbers(store, monkeypatch):
    values = ["adam", True, 3, 0.5, "é\"\\n", False] * 500
    points = [("mixed", None, v, t) for v, t in zip(values, dense(3000))]
    points += [("n", 7, 1.5, BASE + 1.0)]
    assert log_with_clock(monkeypatch, store, points) == reference(points)


def test_forked_child_counts_on_from_the_parents_buffered_points(tmp_path):
    """A child forked while the parent has points buffered (not written yet) does not write them
    again, and its own points take the steps after them, as if it had counted them itself."""
    script = tmp_path / "fork.py"
    script.write_text(textwrap.dedent("""\
        import os, sys
        import sitegen
        run = sitegen.start_run(name="fork")
        for i in range(3):
            run.log("loss", float(i))  # buffered: steps 0, 1, 2
        pid = os.fork()
        if pid == 0:
            run.log("loss", 30.0)  # step 3 in the child
            run.flush()
            os._exit(0)
        os.waitpid(pid, 0)
        run.log("loss", 3.0)  # step 3 in the parent
        run.finish()
        print(run.run_id)
    """))
    env = {**os.environ, "SITEGEN_STORE": str(tmp_path / "runs"), "SITEGEN_EXPERIMENT": "ForkTest"}
    env.pop("SITEGEN_RUN_ID", None)
    p = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True,
                       text=True, timeout=60, check=True)
    loss = Store(tmp_path / "runs").metrics(p.stdout.split()[-1])["loss"]
    assert sorted(zip(loss.steps, loss.values)) == [(0, 0.0), (1, 1.0), (2, 2.0), (3, 3.0), (3, 30.0)]


FAIL_MID_FLUSH = """
    import os, resource, signal, sys
    import sitegen.logger as L
    from sitegen import start_run
    L.FORMAT_CHUNK = 1000
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    run = start_run("midflush")
    L._registry.discard(run)  # flushed by this script only
    run.log("v", 0)
    run.flush()
    size0 = os.path.getsize(run.dir / "metrics.tsv")
    resource.setrlimit(resource.RLIMIT_FSIZE, (size0 + 75000, hard))  # room for about 2.5 chunks
    n = int(sys.argv[1])
    for k in range(1, n + 1):
        run.log("v", k)
    run.flush()  # fails in the third chunk: the points after it stay first in line …
    for k in range(n + 1, n + 2001):
        run.log("v", k)  # … before these
    run.flush()
    print("left:", run._buffered())
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    run.finish()
    print("finished")
"""


@pytest.mark.parametrize("n", [6000, 20000], ids=["taken a chunk at a time", "a backlog taken at once"])
def test_write_failing_mid_flush_keeps_every_point_once_in_order(tmp_path, n):
    script = tmp_path / "midflush.py"
    script.write_text(textwrap.dedent(FAIL_MID_FLUSH))
    env = {**os.environ, "SITEGEN_STORE": str(tmp_path / "runs"), "SITEGEN_EXPERIMENT": "MidFlush"}
    env.pop("SITEGEN_RUN_ID", None)
    p = subprocess.run([sys.executable, str(script), str(n)], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stderr.count("cannot write to the run store") == 1, p.stderr
    left = int(p.stdout.split("left:")[1].split()[0])
    assert 2000 < left < n  # the limit stopped the flush after some chunks
    assert "finished" in p.stdout
    store = Store(tmp_path / "runs")
    (run_id,) = store.run_ids()
    v = store.metrics(run_id)["v"]
    assert v.values == list(range(n + 2001)) and v.steps == list(range(n + 2001))


def test_a_name_or_value_utf8_cannot_hold_is_kept_with_a_warning(tmp_path):
    """A lone surrogate (a name made from an undecodable file name) used to make every flush raise:
    the run's points were never written and the script ended on a traceback with the run not
    finished. Now it is written as U+FFFD, with a warning naming the metric, and nothing is lost."""
    script = tmp_path / "surrogate.py"
    script.write_text(textwrap.dedent("""\
        from sitegen import get_logger
        log = get_logger()
        log.log("loss", 1.0)
        log.log("bad\\udcff", 2.0)
        log.log("note", "caf\\udce9")
        print(log.run_id)
    """))
    env = {**os.environ, "SITEGEN_STORE": str(tmp_path / "runs"), "SITEGEN_EXPERIMENT": "Surrogate"}
    env.pop("SITEGEN_RUN_ID", None)
    p = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr
    assert "metric name 'bad\\udcff' has characters UTF-8 cannot hold" in p.stderr
    store = Store(tmp_path / "runs")
    run_id = p.stdout.split()[-1]
    metrics = store.metrics(run_id)
    assert {k: s.values for k, s in metrics.items()} == {"loss": [1.0], "bad\ufffd": [2.0],
                                                         "note": ["caf\ufffd"]}
    assert store.load_meta(run_id)["status"] == "Completed"
    (store.root / run_id / "metrics.tsv").read_bytes().decode("utf-8")  # strict: valid UTF-8
