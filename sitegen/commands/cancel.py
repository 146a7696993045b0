"""``sitegen cancel``: stop a running tracked run."""
from __future__ import annotations

from pathlib import Path

import click

from sitegen.commands.common import open_store, store_option
from sitegen.runner import cancel_grace, request_cancel, wait_finished


@click.command("cancel")
@store_option
@click.option("--wait/--no-wait", default=True, show_default=True,
              help="Wait until the run has stopped.")
@click.argument("run")
def cli(store_path: Path | None, wait: bool, run: str) -> None:
    """Stop the running tracked run RUN (an id, a unique prefix, a run number, or `last`).

    The script gets SIGTERM, then SIGKILL after $SITEGEN_CANCEL_GRACE seconds (10); the run's
    status becomes Canceled.

    \b
    Examples:
      sitegen cancel last
      sitegen cancel 12
      sitegen cancel IrisDemo_1504832281116 --no-wait
    """
    store = open_store(store_path)
    run_id = store.resolve(run)
    request_cancel(store, run_id)
    if not wait:
        click.echo(f"cancel requested: {run_id}")
        return
    meta = wait_finished(store, run_id, cancel_grace() + 10)
    click.echo(f"{run_id}: {meta.get('status')}")
