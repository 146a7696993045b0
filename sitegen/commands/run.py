"""``sitegen run``: run a script as a tracked run (foreground, or --detach)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from sitegen.commands.common import open_store_for_writing, store_option
from sitegen.config import load_config
from sitegen.runner import prepare_run, project_dir_for, start_detached, supervise
from sitegen.store import Store


@click.command("run", context_settings={"ignore_unknown_options": True,
                                        "allow_interspersed_args": False})
@store_option
@click.option("--name", default=None, help="A display name for the run.")
@click.option("--detach", "-d", is_flag=True,
              help="Start in the background, print the run id and return at once.")
@click.option("--no-system-metrics", is_flag=True,
              help="Do not record the script's CPU and memory use (system/… series).")
@click.argument("script")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def cli(store_path: Path | None, name: str | None, detach: bool, no_system_metrics: bool,
        script: str, args: tuple[str, ...]) -> None:
    """Run SCRIPT with ARGS as a tracked run.

    Its output is streamed and kept in the run's driver.log; files it writes to ./outputs/ go to
    the run's own outputs folder in the store; the code is snapshotted; the exit code is the
    script's; its CPU and memory use are sampled as system/… series (config keys
    system_metrics, system_metrics_interval). Options after SCRIPT are passed to the script.

    \b
    Examples:
      sitegen run examples/iris_sklearn.py 0.5
      sitegen run --name baseline train.py --epochs 3
      sitegen run --detach examples/iris_sklearn.py 10    # prints the run id
      sitegen run --no-system-metrics train.py            # no system/… series
      sitegen jobs                                         # watch it
      sitegen cancel last                                  # stop it
    """
    store = Store(open_store_for_writing(store_path).root.absolute())
    project_dir = project_dir_for(Path.cwd())
    run_id = prepare_run(store, script, args, name=name, project_dir=project_dir)
    config = load_config(project_dir)
    interval = config.system_metrics_interval \
        if config.system_metrics and not no_system_metrics else 0.0
    if detach:
        start_detached(store, run_id, script, args, project_dir, system_metrics=interval)
        click.echo(run_id)
        return
    number = store.raw_meta(run_id).get("run_number")
    click.echo(f"sitegen: run {run_id} (run number "
               f"{number if number is not None else 'given when it reaches the bucket'})", err=True)
    code = supervise(store, run_id, script, args, project_dir, foreground=True,
                     system_metrics=interval)
    status = store.raw_meta(run_id).get("status")
    click.echo(f"sitegen: run {run_id} {status} (exit code {code})", err=True)
    sys.exit(code)
