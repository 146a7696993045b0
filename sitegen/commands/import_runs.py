"""``sitegen import tensorboard|mlflow``: bring runs recorded by other tools into the store."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from sitegen.commands.common import open_store, store_option, warnings_to_terminal
from sitegen.errors import UserError
from sitegen.store import default_store_location


def _missing_extra(extra: str, module: str) -> UserError:
    """The one-line error for a reader that is not installed, naming the extra that brings it."""
    from importlib.metadata import packages_distributions
    dist = (packages_distributions().get("sitegen") or ["sitegen"])[0]
    return UserError(f"reading {extra} logs needs the {module} package: "
                     f"pip install '{dist}[{extra}]'")


def _run_import(store_path: Path | None, source: str, location: str, runs, strict: bool) -> None:
    from sitegen.config import project_name
    from sitegen.importers.sync import sync_runs

    target = store_path or default_store_location()
    if isinstance(target, str) and "://" in target:
        raise UserError(f"sitegen import writes a local store, not {target}: import into a "
                        f"folder (--store runs), then `sitegen sync runs {target}`")
    store = open_store(target, must_exist=False)
    with warnings_to_terminal("Warning"):
        if sys.stderr.isatty() and runs:
            with click.progressbar(runs, label=f"Importing {source} runs", file=sys.stderr) as bar:
                result = sync_runs(store, source, location, bar, project_name(), strict=strict)
        else:
            result = sync_runs(store, source, location, runs, project_name(), strict=strict)
    click.echo(result.summary(location))


@click.group("import", context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Import runs recorded by TensorBoard or MLflow into the store.

    Re-runnable: a second import adds only what is new (new runs, new points of
    a run still being written) and never duplicates a run.

    \b
    Examples:
      sitegen import tensorboard lightning_logs/
      sitegen import mlflow                                  # ./mlruns
      sitegen import mlflow --tracking-uri sqlite:///mlflow.db --experiment demo
      sitegen build && sitegen deploy
    """


@cli.command("tensorboard")
@store_option
@click.option("--strict", is_flag=True, help="Fail (exit 1) on a corrupt event file.")
@click.argument("logdir", type=click.Path(exists=True, file_okay=False, path_type=Path))
def tensorboard_cmd(store_path: Path | None, strict: bool, logdir: Path) -> None:
    """Import every folder of LOGDIR holding TensorBoard event files as a run.

    A run is named by its folder's path relative to LOGDIR; scalars keep their
    steps and wall times, HParams become parameters, the last image of each
    image tag becomes an output. Needs the `tensorboard` extra.

    \b
    Examples:
      sitegen import tensorboard runs_tb/
      sitegen import tensorboard lightning_logs/ --strict
    """
    try:
        from sitegen.importers import tensorboard as reader
        reader.require()
    except ModuleNotFoundError as e:
        raise _missing_extra("tensorboard", e.name or "tensorboard") from None
    runs = reader.list_runs(logdir)
    if not runs:
        raise UserError(f"no TensorBoard event files (*tfevents*) under {logdir}")
    _run_import(store_path, reader.SOURCE, str(logdir.resolve()), runs, strict)


@cli.command("mlflow")
@store_option
@click.option("--tracking-uri", default=None, envvar="MLFLOW_TRACKING_URI", show_envvar=True,
              help="An MLflow store: a folder (default ./mlruns), file:///…, sqlite:///mlflow.db.")
@click.option("--experiment", default=None, help="Only this MLflow experiment (default: all).")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on a run that cannot be read.")
def mlflow_cmd(store_path: Path | None, tracking_uri: str | None, experiment: str | None,
               strict: bool) -> None:
    """Import MLflow runs: parameters, metric histories, tags, notes, status,
    times, nested runs and artifacts. Needs the `mlflow` extra.

    \b
    Examples:
      sitegen import mlflow
      sitegen import mlflow --tracking-uri sqlite:///mlflow.db
      sitegen import mlflow --tracking-uri ./mlruns --experiment iris
    """
    try:
        from sitegen.importers import mlflow as reader
        reader.require()
    except ModuleNotFoundError as e:
        raise _missing_extra("mlflow", e.name or "mlflow") from None
    uri = reader.tracking_uri(tracking_uri)
    local = uri.removeprefix("file://") if uri.startswith("file:") else \
        uri.removeprefix("sqlite:///") if uri.startswith("sqlite:///") else None
    if local is not None and not Path(local).exists():  # reading must not create a store
        raise UserError(f"no MLflow store at {uri}: pass --tracking-uri (a folder or sqlite:///…)")
    _run_import(store_path, reader.SOURCE, uri, reader.list_runs(uri, experiment), strict)
