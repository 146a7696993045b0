"""``sitegen build``: render the run store as a static website."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from sitegen.commands.common import open_store, store_option, warnings_to_terminal


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@store_option
@click.option("--site-dir", "-d", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the site (default: the config's `site_dir`, else ./site).")
@click.option("--clean", is_flag=True, help="Ignore the build cache and render every page again.")
@click.option("--strict", is_flag=True,
              help="Fail (exit 1, previous site kept) if any warning is logged during the build.")
def cli(store_path: Path | None, site_dir: Path | None, clean: bool, strict: bool) -> None:
    """Render the run store as a static website (dashboard, run pages, comparisons).

    Only what changed since the last build is rendered again; the new site is
    built in a temporary folder and swapped in, so a failed build leaves the
    previous site whole. Open site/index.html from disk, or publish the folder.

    \b
    Examples:
      sitegen build                      build ./runs into ./site
      sitegen build --store runs --site-dir public
      sitegen build --clean --strict     full rebuild; fail on any warning
    """
    from sitegen.config import load_config
    from sitegen.site.build import build_site

    config = load_config()
    store = open_store(store_path)
    if site_dir is None:
        site_dir = Path(config.base_dir) / config.site_dir
    bar = None
    progress = None
    if sys.stderr.isatty():
        state = {"bar": None, "last": 0}

        def progress(done: int, total: int) -> None:
            if state["bar"] is None:
                if total < 500:
                    return
                state["bar"] = click.progressbar(length=total, label="Building", file=sys.stderr)
                state["bar"].__enter__()
            state["bar"].update(max(0, done - state["last"]))
            state["last"] = max(state["last"], done)
        bar = state
    try:
        with warnings_to_terminal():
            result = build_site(store, site_dir, config, clean=clean, strict=strict,
                                progress=progress)
    finally:
        if bar and bar["bar"] is not None:
            bar["bar"].__exit__(None, None, None)
    click.echo(result.summary())
