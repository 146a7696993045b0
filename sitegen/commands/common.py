"""Options shared by the commands."""
from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import click

from sitegen.store import Store, default_store_location

store_option = click.option(
    "--store", "store_path", default=None, envvar="SITEGEN_STORE", show_envvar=True,
    help="The run store: a folder, or a URL such as s3://bucket/prefix (default: the config's "
         "`store`, else ./runs).")


def open_store(store_path: str | Path | None, must_exist: bool = True) -> Store:
    """The Store at ``store_path`` (or the default); StoreError if it must exist and does not.

    A store URL gives its local mirror, brought up to date from the bucket first."""
    location = store_path or default_store_location()
    if isinstance(location, str) and "://" in location:
        from sitegen.sync import mirror_store
        return mirror_store(location)
    store = Store(Path(location))
    if must_exist:
        store.check()
    return store


def open_store_for_writing(store_path: str | Path | None) -> Store:
    """The store new runs go into: a local folder, or for a URL this machine's spool of it."""
    location = store_path or default_store_location()
    if isinstance(location, str) and "://" in location:
        from sitegen.remote import open_remote
        from sitegen.sync import spool_store
        open_remote(location)  # a missing extra or a bad URL: one line now, not in the run
        return spool_store(location)
    return Store(Path(location))


class TerminalProgress:
    """A progress bar on stderr when it is a terminal (nothing otherwise): use as a context
    manager and pass ``.update`` (``update(done, total)``) to the library function."""

    def __init__(self, label: str, min_total: int = 1) -> None:
        import sys
        self.label = label
        self.min_total = min_total
        self.enabled = sys.stderr.isatty()
        self.bar = None
        self.done = 0

    def update(self, done: int, total: int) -> None:
        if not self.enabled or total < self.min_total:
            return
        if self.bar is None:
            import sys
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(max(0, done - self.done))
        self.done = max(self.done, done)

    def __enter__(self) -> "TerminalProgress":
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


class _EchoHandler(logging.Handler):
    def __init__(self, label: str) -> None:
        super().__init__(logging.WARNING)
        self.label = label

    def emit(self, record: logging.LogRecord) -> None:
        from sitegen.formatting import terminal_safe
        click.echo(f"{self.label}: {terminal_safe(record.getMessage())}", err=True)


@contextmanager
def warnings_to_terminal(label: str = "WARNING") -> Iterator[None]:
    """Print the warnings logged on the "sitegen" logger meanwhile, one line each on stderr
    (``label: message``, terminal escapes in names shown escaped), instead of logging's default."""
    logger = logging.getLogger("sitegen")
    handler = _EchoHandler(label)
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
