"""Options shared by the commands."""
from __future__ import annotations

from pathlib import Path

import click

from sitegen.store import Store, default_store_path

store_option = click.option(
    "--store", "store_path", type=click.Path(file_okay=False, path_type=Path), default=None,
    envvar="SITEGEN_STORE", show_envvar=True,
    help="The run store folder (default: the config's `store`, else ./runs).")


def open_store(store_path: Path | None, must_exist: bool = True) -> Store:
    """The Store at ``store_path`` (or the default); StoreError if it must exist and does not."""
    store = Store(store_path or default_store_path())
    if must_exist:
        store.check()
    return store
