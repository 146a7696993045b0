"""``sitegen report``: write, freeze and export Markdown experiment reports (thin CLI over
sitegen.site.reports and sitegen.site.report_export)."""
from __future__ import annotations

import tempfile
from pathlib import Path

import click

from sitegen.commands.common import open_store, store_option, warnings_to_terminal
from sitegen.errors import UserError


class _OrderedGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


@click.group(cls=_OrderedGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Markdown experiment reports over the runs, built into reports/NAME.html.

    A report is reports/NAME.md (the config's `reports_dir`): front matter
    (title, author, date, description, runs), Markdown, and fenced embeds
    sitegen-chart, sitegen-table, sitegen-compare and sitegen-parallel.
    `sitegen build` and `sitegen serve` build every report.

    \b
    Examples:
      sitegen report new sweep             a starter with your metric names
      sitegen serve                        edit reports/sweep.md, see it reload
      sitegen report freeze sweep          pin its queries to today's runs
      sitegen report export sweep -o sweep.html   one file, works offline
    """


def _report_file(config, name: str, must_exist: bool = True) -> Path:
    from sitegen.site.reports import NAME_RE, reports_dir
    if not NAME_RE.match(name):
        raise UserError(f"{name!r} cannot be a report name: use letters, digits, _ . - (e.g. sweep-1)")
    path = reports_dir(config) / f"{name}.md"
    if must_exist and not path.is_file():
        raise UserError(f"no report {name!r} ({path} does not exist); start one with "
                        f"`sitegen report new {name}`")
    return path


@cli.command("new", short_help="Write a starter report using the store's metric names.")
@click.argument("name")
@store_option
@click.option("--force", is_flag=True, help="Overwrite the report if it exists.")
def new_cmd(name: str, store_path: Path | None, force: bool) -> None:
    """Write reports/NAME.md: front matter, and a chart, a table, a comparison and
    parallel coordinates over the metrics and parameters your runs logged.

    \b
    Examples:
      sitegen report new sweep
      sitegen report new sweep --force     start over
    """
    from sitegen.config import load_config
    from sitegen.site.report_starter import starter
    from sitegen.site.report_runs import load_runs
    config = load_config()
    path = _report_file(config, name, must_exist=False)
    if path.exists() and not force:
        raise UserError(f"{path} exists; edit it, or use --force to write a new starter over it")
    store = open_store(store_path, must_exist=False)
    runs = load_runs(store, config) if store.root.is_dir() else None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(starter(name, runs), "utf-8")
    click.echo(f"Wrote {path}; `sitegen serve` shows it at reports/{name}.html")


@cli.command("freeze", short_help="Replace the report's queries by the run ids they match now.")
@click.argument("name")
@store_option
def freeze_cmd(name: str, store_path: Path | None) -> None:
    """Rewrite reports/NAME.md so that every run set it draws (a query, `best`,
    `last`, or all runs) becomes the list of run ids it matches now: new runs
    never change a published conclusion. Undo with your editor (or git).

    \b
    Examples:
      sitegen report freeze sweep
    """
    from sitegen.config import load_config
    from sitegen.site.report_runs import load_runs
    from sitegen.site.reports import EmbedProblem, freeze, load_report
    config = load_config()
    path = _report_file(config, name)
    src = load_report(name, path)
    runs = load_runs(open_store(store_path), config)
    try:
        text, count = freeze(src, runs)
    except EmbedProblem as e:
        raise UserError(f"report {name}.md:{e.line}: {e.message}; fix it, then freeze") from None
    if count:
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, "utf-8")
        tmp.replace(path)
    click.echo(f"Froze {path}: {count} run set{'s' if count != 1 else ''} now name{'s' if count == 1 else ''} "
               f"run ids" if count else f"{path} is already frozen (every run set names run ids)")


@cli.command("export", short_help="Write the report as one self-contained HTML file.")
@click.argument("name")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The file to write (default: NAME.html here).")
@store_option
@click.option("--site-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Build into (and reuse) this site folder instead of a temporary one.")
@click.option("--strict", is_flag=True, help="Fail if the build logs any warning.")
def export_cmd(name: str, output: Path | None, store_path: Path | None, site_dir: Path | None,
               strict: bool) -> None:
    """Build the site, then write reports/NAME.html as one HTML file with the
    chart code, the data and the images inside: it opens from an e-mail
    attachment or a paper's supplementary material with no network.

    \b
    Examples:
      sitegen report export sweep -o sweep.html
      sitegen report export sweep --site-dir site   reuse ./site (incremental)
    """
    from sitegen.config import load_config
    from sitegen.site.build import build_site
    from sitegen.site.report_export import write_export
    from sitegen.site.reports import report_path
    config = load_config()
    _report_file(config, name)
    store = open_store(store_path)
    output = output or Path(f"{name}.html")
    with warnings_to_terminal(), tempfile.TemporaryDirectory(prefix="sitegen-export-") as tmp:
        folder = site_dir or Path(tmp) / "site"
        build_site(store, folder, config, strict=strict)
        size = write_export(folder, report_path(name), output)
    click.echo(f"Wrote {output} ({size / 1e6:.1f} MB, opens with no network)")
