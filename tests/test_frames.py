"""``sitegen.runs()`` and ``sitegen.metrics(run)`` (issue 15 item 4): DataFrames of real runs."""
from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import sitegen
from sitegen.store import Store

SCRIPT = textwrap.dedent("""\
    import argparse
    from sitegen import get_logger
    p = argparse.ArgumentParser()
    p.add_argument("--lr", type=float)
    p.add_argument("--model", default="tree")
    args = p.parse_args()
    log = get_logger()
    log.log_params(vars(args))
    log.set_tags(team="vision")
    log.log("Accuracy", 0.5 + args.lr)
    for i in range(5):
        log.log("loss", 1.0 / (i + 1) + args.lr, step=i * 10)
""")


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Store:
    tmp = tmp_path_factory.mktemp("frames")
    (tmp / "train.py").write_text(SCRIPT)
    env = dict(os.environ, SITEGEN_STORE=str(tmp / "runs"), SITEGEN_EXPERIMENT="Frames")
    env.pop("SITEGEN_RUN_ID", None)
    for lr, model in (("0.1", "tree"), ("0.2", "svm"), ("0.3", "tree")):
        subprocess.run([sys.executable, "train.py", "--lr", lr, "--model", model], cwd=tmp, env=env,
                       check=True, timeout=60)
    return Store(tmp / "runs")


def test_runs_is_one_row_per_run_with_params_metrics_and_tags(store):
    df = sitegen.runs(store.root)
    assert list(df.columns) == ["run_id", "run_number", "name", "experiment_id", "script_name",
                                "status", "start_time", "end_time", "duration", "user_id",
                                "parent_run_id", "hidden", "params.lr", "params.model",
                                "metrics.Accuracy", "metrics.loss", "tags.team"]
    assert list(df["run_number"]) == [3, 2, 1]  # newest first
    assert list(df["params.lr"]) == [0.3, 0.2, 0.1]
    assert list(df["params.model"]) == ["tree", "svm", "tree"]
    assert df["metrics.Accuracy"].tolist() == pytest.approx([0.8, 0.7, 0.6])
    assert df["metrics.loss"].tolist() == pytest.approx([0.5, 0.4, 0.3])  # a series: its last value
    assert set(df["tags.team"]) == {"vision"} and set(df["status"]) == {"Completed"}
    assert isinstance(df["start_time"].dtype, pd.DatetimeTZDtype) and str(df["start_time"].dt.tz) == "UTC"
    assert (df["duration"] > 0).all()
    assert df["run_id"].tolist() == [m["run_id"] for m in store.runs()]


def test_runs_filter_uses_the_query_language(store):
    df = sitegen.runs(store.root, filter='params.model = "tree" and metrics.loss < 0.45')
    assert df["params.lr"].tolist() == [0.1]
    assert sitegen.runs(store.root, filter="metrics.Accuracy > 2").empty
    assert len(sitegen.runs(store.root, filter="Completed")) == 3  # plain text: a search
    from sitegen.query import QueryError
    with pytest.raises(QueryError):
        sitegen.runs(store.root, filter="metrics.Accuracy > ")


def test_metrics_are_every_point_of_a_run(store):
    df = sitegen.runs(store.root)
    first = df.iloc[-1]
    points = sitegen.metrics(first, store=store.root)  # a row of runs()
    assert list(points.columns) == ["name", "step", "value", "time"]
    assert points["name"].tolist() == ["Accuracy"] + ["loss"] * 5
    assert points["step"].tolist() == [0, 0, 10, 20, 30, 40]
    want = [0.6] + [1.0 / (i + 1) + 0.1 for i in range(5)]
    assert points["value"].tolist() == pytest.approx(want)
    raw = store.metrics(first["run_id"])
    assert [t.timestamp() for t in points["time"]] == pytest.approx(
        raw["Accuracy"].times + raw["loss"].times, abs=1e-3)
    same = sitegen.metrics("1", store=store.root)  # by run number
    pd.testing.assert_frame_equal(points, same)


def test_metrics_of_a_logger_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SITEGEN_STORE", str(tmp_path / "runs"))
    monkeypatch.delenv("SITEGEN_RUN_ID", raising=False)
    with sitegen.start_run() as run:
        run.log("note", "text")
        run.log("x", float("nan"))
    points = sitegen.metrics(run)
    assert points["value"].iloc[0] == "text" and math.isnan(points["value"].iloc[1])


def test_import_sitegen_stays_light(tmp_path):
    code = ("import sys, sitegen; sitegen.get_logger().log('x', 1); "
            "print(sorted(m for m in ('pandas', 'numpy', 'jinja2', 'altair') if m in sys.modules))")
    env = dict(os.environ, SITEGEN_STORE=str(tmp_path / "runs"))
    env.pop("SITEGEN_RUN_ID", None)
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True,
                         text=True, check=True, timeout=60)
    assert out.stdout == "[]\n", out.stdout
