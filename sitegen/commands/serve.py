"""``sitegen serve``: preview the site with live reload (thin CLI over sitegen.preview)."""
from __future__ import annotations

from pathlib import Path

import click

from sitegen.commands.common import store_option


@click.command("serve")
@store_option
@click.option("--site-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Build into this folder instead of a temporary one (kept after exit).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on (0.0.0.0: reachable from other machines).")
@click.option("-p", "--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help="The port to listen on.")
@click.option("--base-path", default="/", show_default=True,
              help="Serve under this URL prefix, e.g. /repo/ to preview a GitHub Pages project site.")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a web browser.")
@click.option("--no-livereload", is_flag=True,
              help="Don't reload open pages on changes (the site is still rebuilt).")
@click.option("--allow-control", is_flag=True,
              help="Keep the workbench (launch, cancel, restore, annotate runs from the browser) "
                   "on a non-loopback --host: anyone who can reach the port can then run code here.")
def cli(store_path: Path | None, site_dir: Path | None, host: str, port: int, base_path: str,
        open_browser: bool, no_livereload: bool, allow_control: bool) -> None:
    """Build the site and serve it with live reload while you work.

    The site is built into a temporary folder (your ./site is not touched). New runs, new points,
    status changes, theme and config edits rebuild what changed, and open pages reload by
    themselves. A failed build is printed here and shown in the browser; the server keeps going.

    On a loopback address the served pages are also a workbench: a New run panel on the
    dashboard, Cancel in the jobs panel, and Run again, Restore, Edit and a live driver log on run
    pages (the built files never contain them).

    \b
    Examples:
      sitegen serve                        http://127.0.0.1:8000/
      sitegen serve --open --port 8001     and open a browser
      sitegen serve --base-path /myrepo/   as GitHub Pages will serve it
      sitegen serve --host 0.0.0.0         reachable from other machines (no workbench)
      sitegen serve --host 0.0.0.0 --allow-control   ... with the workbench: trusted networks only
    """
    from sitegen.preview import serve
    serve(store_path, site_dir=site_dir, host=host, port=port, base_path=base_path,
          open_browser=open_browser, livereload=not no_livereload,
          echo=lambda line: click.echo(line, err=True), allow_control=allow_control)
