"""Read MLflow experiments (``sitegen import mlflow``) through MLflow's own client.

File stores (``mlruns/``, ``file:///…``) and database stores (``sqlite:///mlflow.db``) alike:
parameters, metric histories with steps and timestamps, tags, run names, the description
(``mlflow.note.content``), status, start and end times, nested runs (``mlflow.parentRunId``), and
artifacts copied into the run's outputs.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from sitegen.importers.sync import ImportProblem, Point, RunData, SourceRun, parse_param

SOURCE = "mlflow"
_STATUS = {"FINISHED": "Completed", "FAILED": "Failed", "KILLED": "Killed",
           "RUNNING": "Running", "SCHEDULED": "Running"}
_SYSTEM_TAGS = {"mlflow.runName", "mlflow.note.content", "mlflow.parentRunId", "mlflow.user",
                "mlflow.source.name"}


def require() -> None:
    """Raise ModuleNotFoundError (named ``mlflow``) when MLflow is not installed."""
    import mlflow  # noqa: F401


def tracking_uri(uri: str | None) -> str:
    """The tracking URI: as given, $MLFLOW_TRACKING_URI, or ./mlruns; a bare folder as file://."""
    uri = uri or os.environ.get("MLFLOW_TRACKING_URI") or "mlruns"
    if "://" not in uri and ":" not in uri.split("/")[0]:
        uri = Path(uri).resolve().as_uri()
    if uri.startswith("file:"):  # MLflow 3 refuses file stores unless asked: we only read
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    return uri


def list_runs(uri: str, experiment: str | None = None) -> list[SourceRun]:
    """The runs of every active experiment (or of the one named), oldest first."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException
    from sitegen.errors import UserError

    client = MlflowClient(tracking_uri=uri)
    try:
        if experiment is not None:
            exp = client.get_experiment_by_name(experiment)
            if exp is None:
                names = ", ".join(sorted(e.name for e in client.search_experiments())) or "none"
                raise UserError(f"no MLflow experiment named {experiment!r} at {uri} "
                                f"(experiments: {names})")
            experiments = [exp]
        else:
            experiments = list(client.search_experiments())
        ids = [e.experiment_id for e in experiments]
        names = {e.experiment_id: e.name for e in experiments}
        runs = []
        token = None
        while ids:
            page = client.search_runs(ids, max_results=10000, page_token=token,
                                      order_by=["attributes.start_time ASC"])
            runs.extend(page)
            token = page.token
            if not token:
                break
    except MlflowException as e:
        raise UserError(f"cannot read MLflow runs at {uri}: {e.message}") from None
    return [SourceRun(source_id=r.info.run_id, fingerprint=_fingerprint(r),
                      parent_source_id=r.data.tags.get("mlflow.parentRunId"),
                      load=lambda r=r: read_run(client, r, names.get(r.info.experiment_id)))
            for r in runs]


def _fingerprint(run) -> str | None:
    """What changes when anything is logged to a finished run; None while it runs."""
    if run.info.status in ("RUNNING", "SCHEDULED"):
        return None
    state = [run.info.status, run.info.end_time, run.data.metrics, run.data.params, run.data.tags]
    return hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()


def read_run(client, run, experiment_name: str | None) -> RunData:
    """One MLflow run: its metadata, every metric's history and (lazily) its artifacts."""
    from mlflow.exceptions import MlflowException

    info, tags = run.info, run.data.tags
    data = RunData(
        name=info.run_name or tags.get("mlflow.runName"),
        parameters={k: parse_param(v) for k, v in run.data.params.items()},
        tags={k: v for k, v in tags.items() if k not in _SYSTEM_TAGS},
        description=tags.get("mlflow.note.content", ""),
        status=_STATUS.get(info.status, "Completed"),
        start_time=info.start_time / 1000 if info.start_time else None,
        end_time=info.end_time / 1000 if info.end_time else None,
        script_name=os.path.basename(tags["mlflow.source.name"]) if tags.get("mlflow.source.name")
        else None,
        user_id=info.user_id or tags.get("mlflow.user"),
    )
    if experiment_name:
        data.tags["mlflow.experiment"] = experiment_name
    try:
        for key in run.data.metrics:
            data.points.extend(Point(key, m.step, m.value, m.timestamp / 1000)
                               for m in client.get_metric_history(info.run_id, key))
        has_artifacts = bool(client.list_artifacts(info.run_id))
    except (MlflowException, OSError) as e:
        raise ImportProblem(f"cannot read it ({e})") from None
    if has_artifacts:
        data.outputs = lambda dest: _download(client, info.run_id, dest)
    return data


def _download(client, run_id: str, dest: Path) -> None:
    from mlflow.artifacts import download_artifacts
    download_artifacts(run_id=run_id, dst_path=str(dest), tracking_uri=client.tracking_uri)
