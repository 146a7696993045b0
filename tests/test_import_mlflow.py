"""`sitegen import mlflow` against runs written by real MLflow, in a file store and in SQLite."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from import_helpers import hide_package, store_state

from sitegen.store import Store

mlflow = pytest.importorskip("mlflow", reason="the mlflow extra is not installed")


@pytest.fixture(params=["file", "sqlite"])
def tracking(request, project: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A tracking URI (as a user passes it) of a fresh MLflow store in the project."""
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    monkeypatch.setenv("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    if request.param == "file":
        uri, absolute = "mlruns", (project / "mlruns").as_uri()
    else:  # MLflow caches stores by URI: the writer's must not be one a previous test used
        uri, absolute = "sqlite:///mlflow.db", f"sqlite:///{project}/mlflow.db"
    mlflow.set_tracking_uri(absolute)
    yield uri
    while mlflow.active_run():
        mlflow.end_run()
    mlflow.set_tracking_uri(None)


def log_experiment(project: Path) -> dict[str, str]:
    """A parent run with a nested child, a failed run; returns their MLflow run ids."""
    mlflow.set_experiment("iris")
    (project / "cm.txt").write_text("confusion matrix")
    with mlflow.start_run(run_name="sweep", description="**three** rates") as parent:
        mlflow.log_params({"lr": 0.1, "optimizer": "adam", "layers": 3})
        mlflow.set_tag("team", "vision")
        for step in range(4):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        mlflow.log_metric("accuracy", 0.93)
        mlflow.log_artifact(str(project / "cm.txt"), "plots")
        with mlflow.start_run(run_name="fold 1", nested=True) as child:
            mlflow.log_metric("loss", 0.4, step=0)
    with mlflow.start_run(run_name="broken") as failed:
        mlflow.log_metric("loss", 9.0)
        mlflow.end_run("FAILED")
    return {"parent": parent.info.run_id, "child": child.info.run_id, "failed": failed.info.run_id}


def by_source(store: Store) -> dict[str, dict]:
    return {m["imported"]["source_id"]: m for m in store.runs()}


def test_import_everything_and_reimport_changes_nothing(project: Path, cli, tracking: str) -> None:
    ids = log_experiment(project)
    source = mlflow.MlflowClient().get_metric_history(ids["parent"], "loss")
    proc = cli("import", "mlflow", "--tracking-uri", tracking)
    assert proc.returncode == 0, proc.stderr
    assert "3 new run(s)" in proc.stdout
    store = Store(project / "runs")
    runs = by_source(store)
    parent, child, failed = runs[ids["parent"]], runs[ids["child"]], runs[ids["failed"]]
    assert parent["name"] == "sweep" and parent["description"] == "**three** rates"
    assert parent["parameters"] == {"lr": 0.1, "optimizer": "adam", "layers": 3}
    assert parent["tags"]["team"] == "vision" and parent["tags"]["mlflow.experiment"] == "iris"
    assert parent["status"] == "Completed" and failed["status"] == "Failed"
    assert child["parent_run_id"] == parent["run_id"] and child["name"] == "fold 1"
    assert parent["imported"]["source"] == "mlflow"
    info = mlflow.MlflowClient().get_run(ids["parent"]).info
    assert parent["start_time_utc"].startswith(
        __import__("sitegen.store", fromlist=["x"]).format_utc(info.start_time / 1000)[:23])
    metrics = store.metrics(parent["run_id"])
    assert metrics["loss"].steps == [m.step for m in source]
    assert metrics["loss"].values == [m.value for m in source]
    assert metrics["loss"].times == [m.timestamp / 1000 for m in source]
    assert metrics["accuracy"].values == [0.93]
    assert (store.run_dir(parent["run_id"]) / "outputs" / "plots" / "cm.txt").read_text() \
        == "confusion matrix"

    before = store_state(project / "runs")
    again = cli("import", "mlflow", "--tracking-uri", tracking)
    assert again.returncode == 0, again.stderr
    assert "0 new run(s), 0 updated, 3 unchanged" in again.stdout
    assert store_state(project / "runs") == before


def test_a_run_still_being_written_gets_only_its_new_points(project: Path, cli,
                                                           tracking: str) -> None:
    mlflow.set_experiment("live")
    run = mlflow.start_run(run_name="training")
    for step in range(3):
        mlflow.log_metric("loss", float(step), step=step)
    assert cli("import", "mlflow", "--tracking-uri", tracking).returncode == 0
    for step in range(3, 5):
        mlflow.log_metric("loss", float(step), step=step)
    mlflow.end_run()
    proc = cli("import", "mlflow", "--tracking-uri", tracking)
    assert "0 new run(s), 1 updated" in proc.stdout and "2 new point(s)" in proc.stdout
    store = Store(project / "runs")
    [meta] = store.runs()
    assert store.metrics(meta["run_id"])["loss"].steps == [0, 1, 2, 3, 4]
    assert meta["status"] == "Completed" and meta["imported"]["source_id"] == run.info.run_id


@pytest.mark.parametrize("tracking", ["file"], indirect=True)
def test_experiment_filter_and_errors(project: Path, cli, tracking: str, tmp_path: Path) -> None:
    log_experiment(project)
    mlflow.set_experiment("other")
    with mlflow.start_run(run_name="elsewhere"):
        mlflow.log_metric("x", 1.0)
    proc = cli("import", "mlflow", "--tracking-uri", tracking, "--experiment", "other")
    assert proc.returncode == 0, proc.stderr
    assert [m["name"] for m in Store(project / "runs").runs()] == ["elsewhere"]
    wrong = cli("import", "mlflow", "--tracking-uri", tracking, "--experiment", "nope")
    assert wrong.returncode == 1 and wrong.stderr.count("\n") == 1
    assert "no MLflow experiment named 'nope'" in wrong.stderr and "iris" in wrong.stderr
    missing = cli("import", "mlflow", "--tracking-uri", "sqlite:///absent.db")
    assert missing.returncode == 1 and "no MLflow store" in missing.stderr
    assert not (project / "absent.db").exists()
    hidden = cli("import", "mlflow", "--tracking-uri", tracking,
                 env=hide_package(tmp_path, "mlflow"))
    assert hidden.returncode == 1 and hidden.stderr.count("\n") == 1
    assert "[mlflow]" in hidden.stderr and "pip install" in hidden.stderr
