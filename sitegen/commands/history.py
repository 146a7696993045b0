"""``sitegen history``: query and manage recorded runs (a thin layer over sitegen.history)."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable

import click

from sitegen import history as h
from sitegen import query
from sitegen.commands.common import open_store, store_option
from sitegen.errors import UserError
from sitegen.formatting import STATUS_COLOURS


def _status_style(text: str, column: str, value: Any) -> str:
    colour = STATUS_COLOURS.get(value) if column == "Status" else None
    return click.style(text, fg=colour) if colour else text


def _diff_style(text: str, column: str, differs: Any) -> str:
    return click.style(text, fg="yellow", bold=True) if differs else text


def _tty() -> bool:
    return h.is_tty(sys.stdout)


class _OrderedGroup(click.Group):
    """Lists subcommands in the order they are defined (list, info, last, compare, …)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


@click.group(cls=_OrderedGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Query and manage recorded runs.

    RUN is a run id, a unique prefix of one, a run number, or `last`.

    \b
    Examples:
      sitegen history list                     all runs, newest first
      sitegen history info IrisDemo_15048      one run as JSON (prefix of its id)
      sitegen history last                     the newest run as JSON
      sitegen history compare 3 4              runs 3 and 4 side by side
      sitegen history download last ./keep     a run's files
      sitegen history promote 4 outputs/model.pkl --name iris
      sitegen history restore 4 --dry-run      what restoring run 4 would change
      sitegen history update 4 --tag stage=best
    """


@cli.command("list", short_help="List runs, newest first (table, json or csv); filter, sort, group.")
@click.option("-o", "--output", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True, help="Output format (json and csv are complete, never truncated).")
@click.option("--script", default=None, metavar="NAME", help="Only runs of this script (e.g. train.py).")
@click.option("--all", "show_all", is_flag=True, help="Include hidden runs.")
@click.option("--filter", "where", default=None, metavar="EXPR",
              help='Only runs matching EXPR, e.g. \'Accuracy > 0.75 and params.model = "tree"\' '
                   "(the dashboard's filter language; text without = ! < > ~ is a plain search).")
@click.option("--sort", "order", default=None, metavar='"NAME [asc|desc]"',
              help="Order by a parameter, metric (a series by its last value), tag or run field; "
                   "missing values last.")
@click.option("--limit", type=click.IntRange(min=0), default=None, metavar="N",
              help="At most N runs (or groups), after filtering and sorting.")
@click.option("--group-by", "group_by", default=None, metavar="NAME",
              help="One row per value of NAME: its number of runs and mean ± std of each metric.")
@store_option
def list_cmd(fmt: str, script: str | None, show_all: bool, where: str | None, order: str | None,
             limit: int | None, group_by: str | None, store_path: Path | None) -> None:
    """List runs, newest first: #, Name, a column per parameter, then per scalar metric, then
    Duration, Run_id, Script_name, Start_time_utc, Status.

    With -o json each run has the keys of `history info` ("parameters", its scalar metrics, then
    the run fields; series are left out: `history info RUN` has their points).

    EXPR compares names with values (= != < <= > >= ~ for "contains"), joined by and, or, not and
    parentheses. A bare name is looked up in parameters, then metrics, then tags, then run fields;
    params.NAME, metrics.NAME, tags.NAME and run.status/name/number/script/id pick one; quote names
    with spaces. Missing values and NaN match no comparison. See "Find the best run" in the README.

    \b
    Examples:
      sitegen history list
      sitegen history list -o csv > runs.csv
      sitegen history list -o json --script iris_sklearn.py
      sitegen history list --all                include hidden runs
      sitegen history list --filter '"Regularization Rate" < 1' --sort "Accuracy desc" --limit 3
      sitegen history list --filter 'run.status = Completed and params.test_size = 0.35'
      sitegen history list --group-by params.model --sort "Accuracy desc"
    """
    store = open_store(store_path)
    choice = h.Selection(where=_option(query.make_filter, "--filter", where),
                         sort=_option(query.parse_sort, "--sort", order), limit=limit)
    if group_by is not None:
        _option(query.parse_name, "--group-by", group_by)
        groups = h.group_runs(store, group_by, script=script, include_hidden=show_all, choice=choice)
        click.echo(h.groups_json(groups) if fmt == "json" else
                   h.groups_csv(groups).rstrip("\n") if fmt == "csv" else h.groups_text(groups))
        return
    table = h.list_runs(store, script=script, include_hidden=show_all, records=fmt == "json",
                        choice=choice)
    if fmt == "json":
        click.echo(h.table_json(table))
    elif fmt == "csv":
        click.echo(h.table_csv(table), nl=False)
    else:
        if not table.rows:
            matching = " matching the filter" if where and where.strip() else ""
            click.echo("No runs" + (f" of {script}" if script else "") + matching
                       + (" yet." if not matching else "."), err=True)
            unknown = h.unknown_names(store, where, script, show_all) if matching else []
            if unknown:
                click.echo(f"No run has a value named {', '.join(map(repr, unknown))} (names are "
                           f"case-sensitive; the table's columns are the names).", err=True)
            return
        click.echo(h.table_text(table, style=_status_style if _tty() else None))


def _option(parse: Callable[[str], Any], option: str, text: str | None) -> Any:
    """``parse(text)`` (None for no text); a QueryError becomes one line naming the option."""
    if text is None:
        return None
    try:
        return parse(text)
    except query.QueryError as e:
        example = {"--filter": "--filter 'Accuracy > 0.75'", "--sort": '--sort "Accuracy desc"',
                   "--group-by": "--group-by params.model"}[option]
        raise UserError(f"{option} {text!r}: {e}; e.g. {example}") from None


@cli.command("info", short_help="Print a run as JSON.")
@click.argument("run")
@store_option
def info_cmd(run: str, store_path: Path | None) -> None:
    """Print a run as JSON: its "parameters", every metric by name (a series as a list), then the
    run's fields.

    RUN is a run id, a unique prefix of one, a run number, or `last`. NaN and infinities are
    written as the strings "NaN", "Infinity", "-Infinity"; a metric named like a field (e.g.
    `status`) appears as "metric:status".

    \b
    Examples:
      sitegen history info IrisDemo_1504832281116
      sitegen history info 3
      sitegen history info last | jq .Accuracy
    """
    store = open_store(store_path)
    click.echo(h.dumps(h.run_info(store, store.resolve(run))))


@cli.command("last", short_help="Print the newest run as JSON.")
@store_option
def last_cmd(store_path: Path | None) -> None:
    """Print the newest run as JSON (same as `history info last`).

    \b
    Examples:
      sitegen history last
      sitegen history last --store ../other/runs
    """
    store = open_store(store_path)
    click.echo(h.dumps(h.run_info(store, store.resolve("last"))))


@cli.command("compare", short_help="Show two or three runs side by side.")
@click.argument("runs", nargs=-1, required=True)
@click.option("-o", "--output", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Output format.")
@click.option("--pin", is_flag=True, help="Pin this comparison: the site always builds its page.")
@store_option
def compare_cmd(runs: tuple[str, ...], fmt: str, pin: bool, store_path: Path | None) -> None:
    """Show two or three runs side by side (run fields, parameters, then metrics); `*` marks rows
    whose values differ.

    Series are summarised as their last value and length. RUN is a run id, a unique prefix,
    a run number, or `last`.

    \b
    Examples:
      sitegen history compare 3 4
      sitegen history compare 3 4 last -o json
      sitegen history compare IrisDemo_1504832281116 IrisDemo_1504832290000 --pin
    """
    if not 2 <= len(runs) <= 3:
        raise UserError(f"compare takes two or three runs, got {len(runs)}; "
                        f"e.g. sitegen history compare 3 4")
    store = open_store(store_path)
    ids = [store.resolve(r) for r in runs]
    rows = h.compare_runs(store, ids)
    if fmt == "json":
        click.echo(h.compare_json(ids, rows))
    else:
        click.echo(h.compare_text(ids, rows, style=_diff_style if _tty() else None))
    if pin:
        added = store.add_pin(ids)
        msg = "Pinned" if added else "Already pinned"
        click.echo(f"{msg}: {' vs '.join(ids)} (its page is built by `sitegen build`)", err=True)


@cli.command("download", short_help="Copy a run's files into a folder.")
@click.argument("run")
@click.argument("dest", required=False, type=click.Path())
@store_option
def download_cmd(run: str, dest: str | None, store_path: Path | None) -> None:
    """Copy all of a run's files (outputs, driver.log, metrics.tsv, run.json) into DEST.

    DEST defaults to ./<run id>/. Nothing is written outside DEST; symbolic links leading out
    of the run are skipped.

    \b
    Examples:
      sitegen history download last
      sitegen history download 3 ./best-run
    """
    store = open_store(store_path)
    run_id = store.resolve(run)
    files = h.download(store, run_id, dest if dest is not None else run_id)
    for f in files:
        click.echo(f)
    click.echo(f"Downloaded {len(files)} files of {run_id} to {dest or run_id}", err=True)


@cli.command("promote", short_help="Register an output as a named, versioned asset.")
@click.argument("run")
@click.argument("artifact")
@click.option("--name", default=None, help="Asset name (default: the file name without extension).")
@store_option
def promote_cmd(run: str, artifact: str, name: str | None, store_path: Path | None) -> None:
    """Register an output of a run as a named, versioned asset (a kept copy in the store).

    ARTIFACT is a path in the run, e.g. outputs/model.pkl (or just model.pkl).

    \b
    Examples:
      sitegen history promote last outputs/model.pkl
      sitegen history promote 4 outputs/model.pkl --name iris-classifier
      sitegen history assets
    """
    store = open_store(store_path)
    entry = h.promote(store, store.resolve(run), artifact, name=name)
    click.echo(f"Promoted {entry['artifact']} of {entry['run_id']} as {entry['name']} "
               f"version {entry['version']}: {store.root / entry['file']}")


@cli.command("assets", short_help="List promoted assets.")
@click.option("-o", "--output", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Output format.")
@store_option
def assets_cmd(fmt: str, store_path: Path | None) -> None:
    """List promoted assets, oldest first.

    \b
    Examples:
      sitegen history assets
      sitegen history assets -o json
    """
    store = open_store(store_path)
    assets = store.assets()
    if fmt == "json":
        click.echo(h.dumps(assets))
    elif not assets:
        click.echo("No assets yet: see `sitegen history promote --help`.", err=True)
    else:
        click.echo(h.assets_text(assets))


@cli.command("restore", short_help="Put the project back as it was in a run.")
@click.argument("run")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--dry-run", is_flag=True, help="Only list what would change.")
@click.option("--project-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="The project folder to restore into.")
@store_option
def restore_cmd(run: str, yes: bool, dry_run: bool, project_dir: Path,
                store_path: Path | None) -> None:
    """Put the project's files back as they were in a run's code snapshot.

    Files may be overwritten or removed: the changes are listed and you are asked first, unless
    --yes. Without a terminal, --yes is required.

    \b
    Examples:
      sitegen history restore 4 --dry-run
      sitegen history restore 4
      sitegen history restore last --yes --project-dir ../copy
    """
    from sitegen import snapshot

    store = open_store(store_path)
    run_id = store.resolve(run)
    plan = snapshot.plan_restore(store, run_id, project_dir)
    lists = h.plan_lists(plan)
    total = sum(len(v) for v in lists.values())
    click.echo(f"Restoring {run_id} into {project_dir}:")
    click.echo(h.plan_text(plan))
    if dry_run:
        return
    if total == 0:
        click.echo("Nothing to change: the project already matches the run.")
        return
    if not yes:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise UserError("restore would change files and there is no terminal to confirm; "
                            "pass --yes (or --dry-run to only list the changes)")
        click.confirm("Apply these changes?", abort=True)
    snapshot.apply_restore(store, run_id, project_dir, plan)
    click.echo(f"Restored {run_id}: {len(lists['overwrite'])} overwritten, "
               f"{len(lists['create'])} created, {len(lists['remove'])} removed.")


@cli.command("update", short_help="Change a run's name, description, tags or visibility.")
@click.argument("run")
@click.option("--name", default=None, help="New display name.")
@click.option("--description", default=None, help="New description (Markdown).")
@click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE", help="Set a tag (repeatable).")
@click.option("--untag", multiple=True, metavar="KEY", help="Remove a tag (repeatable).")
@click.option("--hide/--unhide", "hidden", default=None,
              help="Hide the run from lists and the site (or show it again).")
@store_option
def update_cmd(run: str, name: str | None, description: str | None, tags: tuple[str, ...],
               untag: tuple[str, ...], hidden: bool | None, store_path: Path | None) -> None:
    """Change a run's name, description, tags or hidden flag.

    \b
    Examples:
      sitegen history update 4 --name "best so far" --tag stage=candidate
      sitegen history update last --description "lbfgs, *scaled* features"
      sitegen history update 2 --untag stage --hide
    """
    parsed = h.parse_tags(tags)
    store = open_store(store_path)
    run_id = store.resolve(run)
    meta = h.update_run(store, run_id, name=name, description=description,
                        tags=parsed, untag=untag, hidden=hidden)
    click.echo(f"Updated {run_id}: name={meta.get('name')!r}, hidden={meta.get('hidden')}, "
               f"tags={json.dumps(meta.get('tags') or {}, ensure_ascii=False)}")
