"""The logger API (issue 2, point 2) against a real store, in-process and in real script processes."""
from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import sitegen
from sitegen.store import Store


@pytest.fixture
def store(tmp_path, monkeypatch) -> Store:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SITEGEN_STORE", str(tmp_path / "runs"))
    monkeypatch.setenv("SITEGEN_EXPERIMENT", "LogTest")
    monkeypatch.delenv("SITEGEN_RUN_ID", raising=False)
    return Store(tmp_path / "runs")


def script_env(store_root: Path) -> dict:
    env = dict(os.environ, SITEGEN_STORE=str(store_root), SITEGEN_EXPERIMENT="LogTest")
    env.pop("SITEGEN_RUN_ID", None)
    return env


def run_script(tmp_path: Path, code: str, check: bool = True) -> subprocess.CompletedProcess:
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(code))
    return subprocess.run([sys.executable, str(script), "a1", "--lr", "0.5"], cwd=tmp_path,
                          env=script_env(tmp_path / "runs"), capture_output=True, text=True,
                          timeout=60, check=check)


def points(store: Store, run_id: str) -> dict[str, list]:
    return {k: list(zip(s.steps, s.values)) for k, s in store.metrics(run_id).items()}


def test_value_types_series_and_steps(store):
    with sitegen.start_run(name="types") as run:
        run.log("int", 7)
        run.log("float", 0.68)
        run.log("bool", True)
        run.log("str", "lbfgs")
        run.log("np float64", np.float64(0.25))
        run.log("np float32", np.float32(0.5))
        run.log("np int64", np.int64(-3))
        run.log("np bool", np.bool_(False))
        run.log("all values", [5, 6, 7])
        run.log("tuple", (1.5, "x"))
        run.log("array", np.array([1, 2, 3], dtype=np.int32))
        for loss in (3.0, 2.0, 1.0):
            run.log("loss", loss)
        run.log("stepped", 1.0, step=10)
        run.log("stepped", 2.0, step=20)
        run.log("stepped", 3.0)
        run.log("np step", 4.0, step=np.int64(5))
        rid = run.run_id
    got = points(store, rid)
    assert got == {
        "int": [(0, 7)], "float": [(0, 0.68)], "bool": [(0, True)], "str": [(0, "lbfgs")],
        "np float64": [(0, 0.25)], "np float32": [(0, 0.5)], "np int64": [(0, -3)],
        "np bool": [(0, False)],
        "all values": [(0, 5), (1, 6), (2, 7)], "tuple": [(0, 1.5), (1, "x")],
        "array": [(0, 1), (1, 2), (2, 3)],
        "loss": [(0, 3.0), (1, 2.0), (2, 1.0)],
        "stepped": [(10, 1.0), (20, 2.0), (21, 3.0)], "np step": [(5, 4.0)],
    }
    # exact Python types survive the round trip
    m = store.metrics(rid)
    assert [type(m[k].values[0]) for k in ("int", "float", "bool", "str", "np int64", "np bool")] \
        == [int, float, bool, str, int, bool]
    meta = store.load_meta(rid)
    assert (meta["status"], meta["name"], meta["experiment_id"]) == ("Completed", "types", "LogTest")


def test_unicode_names_and_special_floats_stored_exactly(store):
    names = ["精度 ✓", 'quote " and \\ backslash', "tab\tnew\nline", "<script>x</script>", " spaced ",
             "emoji 🚀", "metric:status"]
    with sitegen.start_run() as run:
        for i, name in enumerate(names):
            run.log(name, i)
        run.log("nan", float("nan"))
        run.log("inf", float("inf"))
        run.log("-inf", float("-inf"))
        run.log("neg zero", -0.0)
        run.log("np nan", np.float64("nan"))
        run.log("tiny", 5e-324)
        run.log("big", 1.7976931348623157e308)
        run.log("bigint", 2 ** 70)
        run.log("text", "tab\there\nnewline \"q\" 精度")
        rid = run.run_id
    m = store.metrics(rid)
    for i, name in enumerate(names):
        assert m[name].values == [i]
    assert math.isnan(m["nan"].last) and math.isnan(m["np nan"].last)
    assert m["inf"].last == math.inf and m["-inf"].last == -math.inf
    assert m["neg zero"].last == 0.0 and math.copysign(1.0, m["neg zero"].last) == -1.0
    assert m["tiny"].last == 5e-324 and m["big"].last == 1.7976931348623157e308
    assert m["bigint"].last == 2 ** 70
    assert m["text"].last == "tab\there\nnewline \"q\" 精度"
    # one record per line, even with tabs and newlines in names and values
    lines = (store.root / rid / "metrics.tsv").read_text("utf-8").splitlines()
    assert len(lines) == len(names) + 9
    assert all(line.count("\t") == 3 for line in lines)


@pytest.mark.parametrize("value, type_name", [({"a": 1}, "dict"), (None, "NoneType"),
                                              (object(), "object"), (b"bytes", "bytes"),
                                              ([1, None], "NoneType"), (1 + 2j, "complex")])
def test_unsupported_values_raise_typeerror_naming_metric_and_type(store, value, type_name):
    with sitegen.start_run() as run:
        run.log("ok", 1)
        with pytest.raises(TypeError) as info:
            run.log("bad metric ✓", value)
        msg = str(info.value)
        assert "'bad metric ✓'" in msg and type_name in msg
        with pytest.raises(TypeError, match="step must be an int"):
            run.log("x", 1, step=1.5)
        with pytest.raises(TypeError, match="name must be a str"):
            run.log(3, 1)
        rid = run.run_id
    # nothing of a rejected call was recorded (a list fails as a whole)
    assert points(store, rid) == {"ok": [(0, 1)]}


def test_nested_runs_record_parent(store):
    with sitegen.start_run(name="outer") as outer:
        assert sitegen.get_logger() is outer
        outer.log("a", 1)
        with sitegen.start_run(name="inner") as inner:
            assert sitegen.get_logger() is inner
            inner.log("b", 2)
            with sitegen.start_run(name="innermost") as innermost:
                innermost.log("c", 3)
        assert sitegen.get_logger() is outer
        with sitegen.start_run(name="sibling") as sibling:
            sibling.log("d", 4)
    metas = {m["name"]: m for m in store.runs()}
    assert metas["outer"]["parent_run_id"] is None
    assert metas["inner"]["parent_run_id"] == outer.run_id
    assert metas["innermost"]["parent_run_id"] == inner.run_id
    assert metas["sibling"]["parent_run_id"] == outer.run_id
    assert {m["status"] for m in metas.values()} == {"Completed"}
    assert sorted(m["run_number"] for m in metas.values()) == [1, 2, 3, 4]
    assert points(store, inner.run_id) == {"b": [(0, 2)]}


def test_failed_context_run(store):
    with pytest.raises(ZeroDivisionError):
        with sitegen.start_run(name="boom") as run:
            run.log("x", 1)
            1 / 0
    meta = store.load_meta(run.run_id)
    assert meta["status"] == "Failed" and meta["end_time_utc"] is not None
    assert points(store, run.run_id) == {"x": [(0, 1)]}


def test_plain_script_run_completed(tmp_path):
    p = run_script(tmp_path, """\
        import os
        from sitegen import get_logger
        logger = get_logger()
        logger.log("Accuracy", 0.68)
        for i in range(1000):
            logger.log("loss", 1.0 / (i + 1))
        os.makedirs("outputs", exist_ok=True)
        open("outputs/model.pkl", "wb").write(b"pickle")
        print("done")
    """)
    assert p.stdout == "done\n"
    store = Store(tmp_path / "runs")
    (meta,) = store.runs()
    assert (meta["status"], meta["script_name"], meta["arguments"], meta["target"]) == \
        ("Completed", "train.py", ["a1", "--lr", "0.5"], "local")
    assert meta["end_time_utc"] and meta["duration"]
    m = store.metrics(meta["run_id"])
    assert m["Accuracy"].values == [0.68]
    assert m["loss"].values == [1.0 / (i + 1) for i in range(1000)]
    assert m["loss"].steps == list(range(1000))
    assert (store.root / meta["run_id"] / "outputs" / "model.pkl").read_bytes() == b"pickle"


def test_plain_script_run_failed_on_uncaught_exception(tmp_path):
    p = run_script(tmp_path, """\
        from sitegen import get_logger
        get_logger().log("before", 1)
        raise RuntimeError("diverged")
    """, check=False)
    assert p.returncode == 1 and "RuntimeError: diverged" in p.stderr
    (meta,) = Store(tmp_path / "runs").runs()
    assert meta["status"] == "Failed"
    assert points(Store(tmp_path / "runs"), meta["run_id"]) == {"before": [(0, 1)]}


def test_points_are_flushed_within_a_second_while_the_script_runs(tmp_path):
    script = tmp_path / "slow.py"
    script.write_text(textwrap.dedent("""\
        import sys, time
        from sitegen import get_logger
        logger = get_logger()
        for i in range(50):
            logger.log("loss", float(i))
        print("logged", flush=True)
        time.sleep(30)
    """))
    proc = subprocess.Popen([sys.executable, str(script)], cwd=tmp_path,
                            env=script_env(tmp_path / "runs"), stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline() == "logged\n"
        t0 = time.monotonic()
        store = Store(tmp_path / "runs")
        values = []
        while time.monotonic() - t0 < 3:
            ids = store.run_ids()
            if ids:
                values = store.metrics(ids[0]).get("loss", [])
                values = list(values.values) if values else []
                if len(values) == 50:
                    break
            time.sleep(0.05)
        elapsed = time.monotonic() - t0
        assert values == [float(i) for i in range(50)]
        assert elapsed < 1.5, f"points appeared after {elapsed:.2f} s"
        assert proc.poll() is None  # still sleeping: this was not the exit flush
        assert store.load_meta(ids[0])["status"] == "Running"
    finally:
        proc.kill()
        proc.wait()


def test_io_error_warns_once_keeps_points_and_writes_them_later(store):
    """metrics.tsv replaced by a folder: open() fails with EISDIR even for root."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with sitegen.start_run() as run:
            blocker = store.root / run.run_id / "metrics.tsv"
            blocker.mkdir()
            for i in range(100):
                run.log("loss", float(i))
            run.flush()
            run.log("loss", 100.0)
            run.flush()
            run.flush()
            assert blocker.is_dir()
            ours = [w for w in caught if "cannot write to the run store" in str(w.message)]
            assert len(ours) == 1 and issubclass(ours[0].category, RuntimeWarning)
            assert store.metrics(run.run_id) == {}
            blocker.rmdir()  # writable again
            run.log("loss", 101.0)
            run.flush()
            assert store.metrics(run.run_id)["loss"].values == [float(i) for i in range(102)]
            run.log("loss", 102.0)
    ours = [w for w in caught if "cannot write to the run store" in str(w.message)]
    assert len(ours) == 1
    assert store.metrics(run.run_id)["loss"].values == [float(i) for i in range(103)]
    assert store.metrics(run.run_id)["loss"].steps == list(range(103))
    assert store.load_meta(run.run_id)["status"] == "Completed"


def test_unwritable_store_never_kills_the_script(tmp_path):
    """The store's parent is a regular file (mkdir fails with ENOTDIR, also for root) until the
    script itself fixes it: one warning, no crash, every point written afterwards."""
    blocker = tmp_path / "blocked"
    blocker.write_text("a file, not a folder")
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(f"""\
        import os, time
        from sitegen import get_logger
        logger = get_logger()
        for i in range(200):
            logger.log("loss", float(i))
        logger.flush()
        time.sleep(1.2)
        logger.flush()
        print("training continues", flush=True)
        os.remove({str(blocker)!r})
        os.mkdir({str(blocker)!r})
        for i in range(200, 300):
            logger.log("loss", float(i))
    """))
    env = script_env(blocker / "runs")
    p = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "training continues\n"
    assert p.stderr.count("cannot write to the run store") == 1, p.stderr
    assert "Traceback" not in p.stderr
    store = Store(blocker / "runs")
    (meta,) = store.runs()
    assert meta["status"] == "Completed"
    assert store.metrics(meta["run_id"])["loss"].values == [float(i) for i in range(300)]


def test_import_and_get_logger_stay_light(tmp_path):
    code = textwrap.dedent("""\
        import sys, time
        t = time.perf_counter()
        import sitegen
        logger = sitegen.get_logger()
        logger.log("x", 1)
        logger.flush()
        heavy = sorted(m for m in ("pandas", "altair", "jinja2", "click", "numpy", "markdown")
                       if m in sys.modules)
        print(heavy)
    """)
    p = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=script_env(tmp_path / "runs"),
                       capture_output=True, text=True, timeout=60, check=True)
    assert p.stdout == "[]\n", p.stdout
    (meta,) = Store(tmp_path / "runs").runs()
    assert meta["status"] == "Completed" and meta["script_name"] is None
