"""Read MLflow experiments (``sitegen import mlflow``) through MLflow's own client.

File stores (``mlruns/``, ``file:///…``) and database stores (``sqlite:///mlflow.db``) alike:
parameters, metric histories with steps and timestamps, tags, run names, the description
(``mlflow.note.content``), status, start and end times, nested runs (``mlflow.parentRunId``), and
artifacts copied into the run's outputs.
"""
from __future__ import annotations

import functools
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
    """Raise ModuleNotFoundError (named ``mlflow``) when MLflow is not installed (without importing
    it: an unchanged file store is re-imported without MLflow)."""
    import importlib.util
    if importlib.util.find_spec("mlflow") is None:
        raise ModuleNotFoundError("No module named 'mlflow'", name="mlflow")


def tracking_uri(uri: str | None) -> str:
    """The tracking URI: as given, $MLFLOW_TRACKING_URI, or ./mlruns; a bare folder as file://."""
    uri = uri or os.environ.get("MLFLOW_TRACKING_URI") or "mlruns"
    if "://" not in uri and ":" not in uri.split("/")[0]:
        uri = Path(uri).resolve().as_uri()
    if uri.startswith("file:"):  # MLflow 3 refuses file stores unless asked: we only read
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    return uri


@functools.lru_cache(maxsize=None)
def _client(uri: str):
    from mlflow import MlflowClient
    return MlflowClient(tracking_uri=uri)


def list_runs(uri: str, experiment: str | None = None) -> list[SourceRun]:
    """The runs of every active experiment (or of the one named), oldest first."""
    from sitegen.errors import UserError
    root = file_store_root(uri)
    try:
        if root is not None:
            ids = None if experiment is None else {_experiment(uri, experiment).experiment_id}
            return _list_file_store(uri, root, ids)
        return _list_by_search(uri, experiment)
    except UserError:
        raise
    except Exception as e:  # MLflow's own errors: one line
        if type(e).__module__.startswith("mlflow"):
            raise UserError(f"cannot read MLflow runs at {uri}: {getattr(e, 'message', e)}") from None
        raise


def _experiment(uri: str, name: str):
    from sitegen.errors import UserError
    client = _client(uri)
    exp = client.get_experiment_by_name(name)
    if exp is None:
        names = ", ".join(sorted(e.name for e in client.search_experiments())) or "none"
        raise UserError(f"no MLflow experiment named {name!r} at {uri} (experiments: {names})")
    return exp


def _list_by_search(uri: str, experiment: str | None) -> list[SourceRun]:
    """A database store: the client's search gives each run's state, fingerprinted."""
    client = _client(uri)
    experiments = [_experiment(uri, experiment)] if experiment is not None \
        else list(client.search_experiments())
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
    return [SourceRun(source_id=r.info.run_id, fingerprint=_fingerprint(r),
                      load=lambda r=r: read_run(_client(_reading_uri(uri)), r,
                                                names.get(r.info.experiment_id)))
            for r in runs]


@functools.lru_cache(maxsize=None)
def _reading_uri(uri: str) -> str:
    """Where to read metric histories from. A SQLite store whose planner has no statistics (MLflow
    never runs ANALYZE) answers each run's history by scanning every point of that metric name in
    the store (1 s a run at 1,000 x 1,000): histories are then read from a consistent snapshot copy
    (SQLite's backup API) that has them, 10 ms a run; the user's database is only read."""
    if not uri.startswith("sqlite:///"):
        return uri
    import atexit
    import shutil
    import sqlite3
    import tempfile
    source = sqlite3.connect(f"file:{uri.removeprefix('sqlite:///')}?mode=ro", uri=True)
    try:
        if source.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
            return uri
        folder = tempfile.mkdtemp(prefix="sitegen-mlflow-")
        atexit.register(shutil.rmtree, folder, True)
        copy = sqlite3.connect(os.path.join(folder, "mlflow.db"))
        source.backup(copy)
        copy.execute("ANALYZE")
        copy.commit()
        copy.close()
    finally:
        source.close()
    return f"sqlite:///{folder}/mlflow.db"


def file_store_root(uri: str) -> Path | None:
    """The folder of a file store (``file:///…/mlruns``), else None."""
    if not uri.startswith("file:"):
        return None
    from urllib.parse import unquote, urlsplit
    return Path(unquote(urlsplit(uri).path))


def _list_file_store(uri: str, root: Path, experiment_ids: set[str] | None) -> list[SourceRun]:
    """A file store, listed without MLflow: MLflow's own search reads every point of every metric
    to find the latest values (25 s for 1,000 runs x 1,000 points here), so an unchanged run is
    recognised by the sizes and modification times of its files (``<root>/<experiment id>/<run
    id>/``), and only a new or changed one is read, through the client."""
    found = []
    for exp_dir in _dirs(root):
        if exp_dir.name.startswith(".") or not (exp_dir / "meta.yaml").is_file() or \
                (experiment_ids is not None and exp_dir.name not in experiment_ids):
            continue
        for run_dir in _dirs(exp_dir):
            if (run_dir / "meta.yaml").is_file():
                found.append((run_dir.stat().st_mtime_ns, run_dir))
    found.sort()  # a run folder is made with its first files: about the order runs began
    return [SourceRun(source_id=run_dir.name, fingerprint=_files_fingerprint(run_dir),
                      load=lambda run_id=run_dir.name: _read_by_id(uri, run_id))
            for _, run_dir in found]


def _dirs(folder: Path) -> list[Path]:
    with os.scandir(folder) as entries:
        return [Path(e.path) for e in entries if e.is_dir(follow_symlinks=False)]


def _files_fingerprint(run_dir: Path) -> str:
    h = hashlib.sha256()
    for dirpath, dirs, files in os.walk(run_dir):
        dirs.sort()
        for name in sorted(files):
            st = os.stat(os.path.join(dirpath, name))
            h.update(f"{dirpath}/{name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


@functools.lru_cache(maxsize=None)
def _experiment_name(uri: str, experiment_id: str) -> str:
    return _client(uri).get_experiment(experiment_id).name


def _read_by_id(uri: str, run_id: str) -> RunData | None:
    """One run of a file store through the client; None for a deleted run."""
    from mlflow.exceptions import MlflowException
    client = _client(uri)
    try:
        run = client.get_run(run_id)
        if run.info.lifecycle_stage == "deleted":
            return None
        name = _experiment_name(uri, run.info.experiment_id)
    except MlflowException as e:
        raise ImportProblem(f"cannot read it ({e.message})") from None
    return read_run(client, run, name)


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
        parent_source_id=tags.get("mlflow.parentRunId"),
    )
    if experiment_name:
        data.tags["mlflow.experiment"] = experiment_name
    try:
        for key in run.data.metrics:
            data.points.extend(Point(key, m.step, m.value, m.timestamp / 1000)
                               for m in client.get_metric_history(info.run_id, key))
        local = _local_folder(info.artifact_uri)
        has_artifacts = bool(os.listdir(local)) if local is not None and os.path.isdir(local) \
            else local is None and bool(client.list_artifacts(info.run_id))
    except (MlflowException, OSError) as e:
        raise ImportProblem(f"cannot read it ({e})") from None
    if has_artifacts:
        data.outputs = lambda dest: _download(client, info.run_id, dest)
    return data


def _local_folder(artifact_uri: str | None) -> str | None:
    """The folder of a run's artifacts when they are on this disk (a cheap look before asking the
    client to list them: 50 ms a run), else None."""
    if not artifact_uri:
        return None
    if artifact_uri.startswith("file:"):
        from urllib.parse import unquote, urlsplit
        return unquote(urlsplit(artifact_uri).path)
    return artifact_uri if artifact_uri.startswith("/") else None


def _download(client, run_id: str, dest: Path) -> None:
    from mlflow.artifacts import download_artifacts
    download_artifacts(run_id=run_id, dst_path=str(dest), tracking_uri=client.tracking_uri)
