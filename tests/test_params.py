"""Parameters apart from metrics (issue 10 item 1), ``log`` of a dict with a step, error messages that
name the real type (issue 9 item 7) and the logger's bounded buffer (issue 19 item 1)."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

import sitegen
import sitegen.logger as logger_mod
from sitegen.store import Store
from sitegen.site.index_shards import read_index
from sitegen.site.runpack import unpack

from helpers import wait_for

# One script logging parameters through every accepted kind of configuration object.
PARAMS_SCRIPT = """\
    import argparse, dataclasses, types
    import pydantic
    from omegaconf import OmegaConf
    import numpy as np
    from sitegen import get_logger

    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--layers", type=int, nargs="+", default=[64, 32])
    parser.add_argument("--resume", default=None)
    args = parser.parse_args()

    @dataclasses.dataclass
    class Optim:
        name: str = "adam"
        beta: float = 0.9

    @dataclasses.dataclass
    class Train:
        epochs: int = 3
        optimizer: Optim = dataclasses.field(default_factory=Optim)

    class Data(pydantic.BaseModel):
        path: str = "data/iris.csv"
        split: float = 0.2
        shuffle: bool = True

    logger = get_logger()
    logger.log_params(vars(args))                       # a dict (argparse's vars)
    logger.log_params(args)                             # the Namespace itself: same values, no-op
    logger.log_params(Train())                          # a dataclass, nested
    logger.log_params({"data": Data().model_dump()})    # pydantic's model_dump, nested in a dict
    logger.log_params({"model": Data(path="m")})         # a pydantic model nested in a dict
    logger.log_params(OmegaConf.create({"hydra": {"seed": 7, "tags": ["a", "b"]}}))
    logger.log_params(types.SimpleNamespace(np_int=np.int64(4), np_float=np.float32(0.5)))
    logger.log_param("Regularization Rate", 2.5)
    logger.log("Accuracy", 0.9)
    for i in range(3):
        logger.log({"loss": 1.0 / (i + 1), "acc": 0.5 + i / 10}, step=10 * i)
    print("ok")
"""

EXPECTED_PARAMS = {
    "lr": 0.5, "layers": [64, 32], "resume": None,
    "epochs": 3, "optimizer.name": "adam", "optimizer.beta": 0.9,
    "data.path": "data/iris.csv", "data.split": 0.2, "data.shuffle": True,
    "model.path": "m", "model.split": 0.2, "model.shuffle": True,
    "hydra.seed": 7, "hydra.tags": ["a", "b"],
    "np_int": 4, "np_float": 0.5,
    "Regularization Rate": 2.5,
}


def script_env(store_root: Path) -> dict:
    env = dict(os.environ, SITEGEN_STORE=str(store_root), SITEGEN_EXPERIMENT="ParamTest")
    env.pop("SITEGEN_RUN_ID", None)
    return env


def run_script(tmp_path: Path, code: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(code))
    return subprocess.run([sys.executable, str(script), *args], cwd=tmp_path,
                          env=script_env(tmp_path / "runs"), capture_output=True, text=True,
                          timeout=120, check=check)


@pytest.fixture
def store(tmp_path, monkeypatch) -> Store:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SITEGEN_STORE", str(tmp_path / "runs"))
    monkeypatch.setenv("SITEGEN_EXPERIMENT", "ParamTest")
    monkeypatch.delenv("SITEGEN_RUN_ID", raising=False)
    return Store(tmp_path / "runs")


@pytest.fixture(scope="module")
def params_store(tmp_path_factory) -> Store:
    """A store holding two runs of PARAMS_SCRIPT (real processes): --lr 0.5, then --lr 0.1."""
    tmp = tmp_path_factory.mktemp("params")
    for lr in ("0.5", "0.1"):
        p = run_script(tmp, PARAMS_SCRIPT, "--lr", lr, "--layers", "64", "32")
        assert p.stdout == "ok\n", p.stderr
    return Store(tmp / "runs")


def run_ids(store: Store) -> list[str]:
    """Oldest first."""
    return [m["run_id"] for m in sorted(store.runs(), key=lambda m: m["run_number"])]


def history(store: Store, *args: str) -> str:
    p = subprocess.run([sys.executable, "-m", "sitegen", "history", *args, "--store", str(store.root)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_params_of_every_accepted_type_land_in_run_json(params_store):
    run_id = run_ids(params_store)[0]
    raw = json.loads((params_store.root / run_id / "run.json").read_text("utf-8"))
    assert raw["parameters"] == EXPECTED_PARAMS
    assert [type(raw["parameters"][k]) for k in ("lr", "epochs", "data.shuffle", "np_int")] == \
        [float, int, bool, int]
    # the metrics are metrics: the plain log stays a scalar, the dict log makes two stepped series
    m = params_store.metrics(run_id)
    assert set(m) == {"Accuracy", "loss", "acc"}
    assert m["Accuracy"].values == [0.9]
    assert m["loss"].steps == [0, 10, 20] and m["acc"].steps == [0, 10, 20]
    assert m["acc"].values == [0.5, 0.6, 0.7]
    # the seed's top-level keys are all still there, unchanged in kind; "parameters" is new
    assert {"run_id", "run_number", "status", "properties", "arguments", "tags"} <= set(raw)
    assert raw["status"] == "Completed" and raw["arguments"] == ["--lr", "0.5", "--layers", "64", "32"]


def test_history_info_list_and_compare_show_parameters_first(params_store):
    first, second = run_ids(params_store)
    info = json.loads(history(params_store, "info", first))
    assert list(info)[:4] == ["parameters", "Accuracy", "loss", "acc"]
    assert list(info["parameters"]) == sorted(EXPECTED_PARAMS)
    assert info["parameters"] == EXPECTED_PARAMS
    assert info["Accuracy"] == 0.9 and "lr" not in info  # parameters are not metrics
    # list -o json: the same keys as info (series left out)
    listed = json.loads(history(params_store, "list", "-o", "json"))
    assert [r["run_id"] for r in listed] == [second, first]
    assert listed[1] == {k: v for k, v in info.items() if k not in ("loss", "acc")}
    assert listed[0]["parameters"]["lr"] == 0.1
    # the table and CSV: parameter columns first, then metrics, then the run columns
    header = history(params_store, "list").splitlines()[0].split("  ")
    header = [h.strip() for h in header if h.strip()]
    assert header == ["#", "Name"] + sorted(EXPECTED_PARAMS) + [
        "Accuracy", "Duration", "Run_id", "Script_name", "Start_time_utc", "Status"]  # (run.json sorts keys)
    rows = list(csv.reader(io.StringIO(history(params_store, "list", "-o", "csv"))))
    assert rows[0] == header
    cells = dict(zip(header, rows[2]))
    assert (cells["lr"], cells["layers"], cells["resume"], cells["data.shuffle"]) == \
        ("0.5", "[64, 32]", "", "true")
    assert dict(zip(header, rows[1]))["lr"] == "0.1"
    # compare: run fields, then parameters (differences marked), then metrics
    data = json.loads(history(params_store, "compare", first, second, "-o", "json"))
    kinds = [r["kind"] for r in data["rows"]]
    assert kinds == sorted(kinds, key=["run", "param", "metric", "series"].index)
    by = {(r["kind"], r["field"]): r for r in data["rows"]}
    assert by["param", "lr"] == {"field": "lr", "kind": "param", "values": [0.5, 0.1], "differs": True}
    assert by["param", "optimizer.name"]["differs"] is False
    assert ("param", "Accuracy") not in by and by["metric", "Accuracy"]["values"] == [0.9, 0.9]
    text = history(params_store, "compare", first, second).splitlines()
    assert [line[:3] + line[3:].split()[0] for line in text if line[3:].startswith("lr ")] == ["*  lr"]


def test_parameter_named_like_a_column_or_metric(store, capsys):
    with sitegen.start_run() as run:
        run.log_params({"Status": "p", "Accuracy": 1})
        run.log("Accuracy", 0.5)
    from sitegen import history as h
    table = h.list_runs(store, records=True)
    assert table.columns[:5] == ["#", "Name", "param:Accuracy", "param:Status", "Accuracy"]
    assert table.rows[0]["param:Accuracy"] == 1 and table.rows[0]["Accuracy"] == 0.5
    assert table.rows[0]["Status"] == "Completed"
    assert table.records[0]["parameters"] == {"Status": "p", "Accuracy": 1}


def test_relogging_a_parameter_with_another_value_raises_and_records_nothing(store):
    with sitegen.start_run() as run:
        run.log_params({"lr": 0.1, "opt": {"name": "sgd"}})
        run.log_params({"lr": 0.1})  # same value: fine
        run.log_param("opt.name", "sgd")
        with pytest.raises(ValueError, match=r"'lr' was logged as 0.1; it cannot change to 0.2"):
            run.log_params({"batch": 32, "lr": 0.2})
        with pytest.raises(ValueError, match="'opt.name'"):
            run.log_param("opt.name", "adam")
        with pytest.raises(ValueError):  # 1 and 1.0 are different values
            run.log_param("lr", 1)
        rid = run.run_id
    assert store.raw_meta(rid)["parameters"] == {"lr": 0.1, "opt.name": "sgd"}  # no "batch"


@pytest.mark.parametrize("config, message", [
    ({"x": object()}, "parameter 'x': unsupported value type object"),
    ({"a": {"b": [[1, 2]]}}, "parameter 'a.b': a list may hold only scalars, not list"),
    ({"m": np.zeros((2, 3))}, "parameter 'm': unsupported value type numpy.ndarray of shape (2, 3)"),
    ({1.5: 2}, "parameter names must be str, not float"),
    ("lr=0.1", "log_params takes a dict, an argparse.Namespace, a dataclass"),
    (42, "not int"),
])
def test_bad_parameters_raise_typeerror(store, config, message):
    with sitegen.start_run() as run:
        with pytest.raises(TypeError) as info:
            run.log_params(config)
        assert message in str(info.value)
        rid = run.run_id
    assert "parameters" not in store.raw_meta(rid)


def test_error_messages_name_the_real_type_and_shape(store):
    with sitegen.start_run() as run:
        with pytest.raises(TypeError) as info:
            run.log("weights", np.ones((2, 3)))
        assert "metric 'weights': unsupported value type numpy.ndarray of shape (2, 3)" in str(info.value)
        with pytest.raises(TypeError, match=r"unsupported value type decimal\.Decimal"):
            import decimal
            run.log("d", decimal.Decimal("1.5"))
        with pytest.raises(TypeError, match="metric 'bad': unsupported value type NoneType"):
            run.log({"good": 1.0, "bad": None}, step=1)  # all or nothing
        with pytest.raises(TypeError, match="step must be an int, not float"):
            run.log({"good": 1.0}, step=1.5)
        with pytest.raises(TypeError, match=r"log\('x'\) needs a value"):
            run.log("x")
        run.log({"good": 2.0, "also": [1, 2]})
        rid = run.run_id
    m = store.metrics(rid)
    assert m["good"].values == [2.0] and m["also"].values == [1, 2] and "bad" not in m


def test_unwritable_store_keeps_parameters_and_writes_them_later(store, monkeypatch):
    with sitegen.start_run() as run:
        real = run.store.update_meta
        failing = [True]

        def flaky(run_id, changes):
            if failing[0]:
                raise OSError(28, "No space left on device")
            return real(run_id, changes)

        monkeypatch.setattr(run.store, "update_meta", flaky)
        with pytest.warns(RuntimeWarning, match="cannot write to the run store"):
            run.log_params({"lr": 0.3})
        failing[0] = False
        run.flush()
        assert store.raw_meta(run.run_id)["parameters"] == {"lr": 0.3}


def test_buffer_passing_the_soft_limit_wakes_the_writer(tmp_path):
    """In a script whose writer thread would otherwise sleep for an hour, passing the soft limit
    gets the points written at once, while the script still runs."""
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent("""\
        import sys
        import sitegen.logger as L
        L.FLUSH_INTERVAL = 3600.0
        L.BUFFER_SOFT_LIMIT = 1000
        run = L.get_logger()
        for i in range(1000):
            run.log("loss", float(i))
        print(run.run_id, flush=True)
        sys.stdin.read()  # until the test is done
    """))
    proc = subprocess.Popen([sys.executable, str(script)], cwd=tmp_path, env=script_env(tmp_path / "runs"),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        run_id = proc.stdout.readline().strip()
        store = Store(tmp_path / "runs")
        wait_for(lambda: len(store.metrics(run_id).get("loss", ())) == 1000,
                 what="the background thread to write the buffer")
        assert proc.poll() is None
    finally:
        proc.communicate("", timeout=60)


def test_buffer_never_passes_the_hard_limit(store, monkeypatch):
    """With no background thread writing this run, the caller flushes at the hard limit."""
    monkeypatch.setattr(logger_mod, "BUFFER_SOFT_LIMIT", 100)
    monkeypatch.setattr(logger_mod, "BUFFER_HARD_LIMIT", 400)
    with sitegen.start_run() as run:
        logger_mod._registry.discard(run)  # the background thread no longer sees it
        biggest = 0
        for i in range(2000):
            run.log("loss", float(i))
            biggest = max(biggest, run._buffered())
        assert biggest < 400
        run.flush()
        assert store.metrics(run.run_id)["loss"].values == [float(i) for i in range(2000)]


def test_failing_disk_never_blocks_the_caller(store, monkeypatch):
    monkeypatch.setattr(logger_mod, "BUFFER_SOFT_LIMIT", 10)
    monkeypatch.setattr(logger_mod, "BUFFER_HARD_LIMIT", 20)
    with sitegen.start_run() as run:
        run.log("x", 0.0)
        run.flush()
        calls = []

        def failing_open():
            calls.append(1)
            raise OSError(28, "No space left on device")

        run._open_metrics = failing_open
        run._close_fd()
        run.log("x", 0.5)
        with pytest.warns(RuntimeWarning):
            run.flush()  # the failure is noticed once …
        before = len(calls)
        for i in range(1000):
            run.log("x", float(i))  # … then log keeps everything and never writes itself
        assert run._buffered() >= 1000 - 10  # (the background thread may have tried too)
        assert threading.current_thread() is threading.main_thread()
        assert len(calls) - before <= 3
        del run._open_metrics  # the disk works again
        run.flush()
        assert len(store.metrics(run.run_id)["x"]) == 1002


# ---------------------------------------------------------------- the site

@pytest.fixture(scope="module")
def params_site(params_store, tmp_path_factory) -> Path:
    """``sitegen build`` (a real process) of the two PARAMS_SCRIPT runs."""
    site = tmp_path_factory.mktemp("site") / "site"
    p = subprocess.run([sys.executable, "-m", "sitegen", "build", "--store", str(params_store.root),
                        "--site-dir", str(site)], capture_output=True, text=True, timeout=300,
                       cwd=params_store.root.parent)
    assert p.returncode == 0, p.stderr
    return site


def _js_object(path: Path, prefix: str) -> dict:
    text = path.read_text("utf-8")
    assert text.startswith(prefix)
    return json.loads(text[len(prefix):].rstrip().rstrip(";"))


def test_site_data_carries_parameters_apart_from_metrics(params_store, params_site):
    first, second = run_ids(params_store)
    index = read_index(params_site)
    rows = {r["id"]: r for r in index["runs"]}
    assert rows[first]["params"] == EXPECTED_PARAMS
    assert rows[second]["params"]["lr"] == 0.1
    assert "lr" not in rows[first]["values"] and rows[first]["values"]["Accuracy"] == 0.9
    assert "lr" not in index["scalars"] and "lr" not in index["series"]
    _, run = unpack((params_site / "data" / "runs" / f"{first}.js").read_text("utf-8"))
    assert run["params"]["optimizer.name"] == "adam"


def test_run_page_shows_parameters_before_values(params_store, params_site):
    first, _ = run_ids(params_store)
    html = (params_site / "runs" / f"{first}.html").read_text("utf-8")
    params_at, values_at = html.index('id="params-h">Parameters<'), html.index('id="scalars-h">Values<')
    assert params_at < values_at
    section = html[params_at:values_at]
    for name in ("optimizer.name", "data.shuffle", "hydra.tags", "Regularization Rate"):
        assert f"<th>{name}</th>" in section
    assert "<td>adam</td>" in section and "[a, b]" in section and ">None<" in section
    assert "<th>Accuracy</th>" not in section and "<th>Accuracy</th>" in html[values_at:]


pw = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")
def test_comparisons_show_a_parameters_section_in_chromium(params_store, params_site):
    first, second = run_ids(params_store)
    pages = sorted((params_site / "compare").glob("*.html"))
    assert pages, "no precomputed comparison"
    with pw.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            for url in (pages[0].as_uri(), (params_site / "compare.html").as_uri() + f"#ids={first},{second}"):
                page.goto(url)
                page.wait_for_selector("#compare-table tbody tr.section")
                sections = page.eval_on_selector_all(
                    "#compare-table tr.section th", "ths => ths.map(t => t.textContent)")
                assert sections.index("Parameters") < sections.index("Metrics"), sections
                rows = page.eval_on_selector_all(
                    "#compare-table tbody tr:not(.section)",
                    "trs => trs.map(t => [t.className, t.querySelector('th').textContent])")
                assert ["differ", "lr"] in rows and ["same", "optimizer.name"] in rows
            assert not errors, errors
        finally:
            browser.close()
