"""``sitegen jobs``: the jobs panel (running and recently finished runs)."""
from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

import click

from sitegen.commands.common import open_store, store_option
from sitegen.formatting import STATUS_COLOURS, format_value, terminal_safe
from sitegen.history import json_safe
from sitegen.runner import jobs


def format_elapsed(seconds: float | None) -> str:
    """``3723.4`` -> ``'1:02:03'``."""
    if seconds is None:
        return ""
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def clean(text: str) -> str:
    """Text safe for a terminal table: newlines and tabs as spaces, control characters escaped."""
    return terminal_safe(text.replace("\r", " ").replace("\n", " ").replace("\t", " "))


def primary_metric(rows: list[dict]) -> str | None:
    """The project's primary metric (configured, or chosen from the names as the site does)."""
    from sitegen.config import _quiet_config, Config
    from sitegen.site.primary import choose
    summaries = [{"scalars": {k: v for k, v in r["metrics"].items() if k not in r["series"]},
                  "series": {k: None for k in r["series"]}, "params": r["parameters"]} for r in rows]
    return choose(_quiet_config() or Config(), summaries).name


def ordered_values(row: dict, primary: str | None) -> list[tuple[str, object]]:
    """What the values column shows, in order: the primary metric, the series (latest value),
    the other metrics, the system/… series of the supervisor, then the parameters."""
    metrics = row.get("metrics") or {}
    series = set(row.get("series") or ())
    first = [primary] if primary in metrics else []
    rest = [k for k in metrics if k not in first and not k.startswith("system/")]
    system = [k for k in metrics if k not in first and k.startswith("system/")]
    names = first + [k for k in rest if k in series] + [k for k in rest if k not in series] + system
    return [(k, metrics[k]) for k in names] + list((row.get("parameters") or {}).items())


def format_values(values: list[tuple[str, object]], width: int) -> str:
    text = "  ".join(f"{k}={format_value(v)}" for k, v in values)
    text = clean(text)  # names and values are untrusted
    return text if len(text) <= width else text[:max(1, width - 1)] + "…"


def terminal_width() -> int:
    """The terminal's width ($COLUMNS first, as shutil reads it; 80 when unknown)."""
    return shutil.get_terminal_size((80, 24)).columns


def _finite(value: float) -> float:
    if value != value:  # NaN passes every range check
        raise click.BadParameter("not a number; give seconds, e.g. 2")
    return value


def render_table(rows: list[dict], colour: bool, width: int | None = None) -> str:
    """The jobs panel as an aligned text table, ``width`` columns wide (default: the terminal's);
    the values column takes what the other columns leave."""
    width = width or terminal_width()
    primary = primary_metric(rows)
    header = ["#", "Run_id", "Script", "Status", "Elapsed", "Values"]
    cells = [[str(r.get("run_number") or ""), clean(r["run_id"]), clean(str(r.get("script_name") or "")),
              clean(str(r.get("status") or "")), format_elapsed(r.get("elapsed"))] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h)
              for i, h in enumerate(header[:-1])]
    room = max(20, width - sum(widths) - 2 * len(widths))
    for c, r in zip(cells, rows):
        c.append(format_values(ordered_values(r, primary), room))
    widths.append(len(header[-1]))
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip()]
    for c in cells:
        parts = [v.ljust(w) for v, w in zip(c, widths)]
        if colour and c[3] in STATUS_COLOURS:
            parts[3] = click.style(parts[3], fg=STATUS_COLOURS[c[3]])
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


@click.command("jobs")
@store_option
@click.option("--all", "show_all", is_flag=True, help="List every run, not only recent ones.")
@click.option("--limit", default=10, show_default=True,
              help="How many finished runs to show (besides the running ones).")
@click.option("-o", "--output", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Output format.")
@click.option("-w", "--watch", is_flag=True,
              help="Keep the panel on screen, refreshed every --interval seconds (Ctrl-C to stop).")
@click.option("--interval", default=2.0, show_default=True, type=click.FloatRange(min=0.2, max=86400),
              callback=lambda ctx, param, v: _finite(v),
              help="Seconds between refreshes with --watch (0.2 to 86400).")
def cli(store_path: Path | None, show_all: bool, limit: int, fmt: str, watch: bool,
        interval: float) -> None:
    """The jobs panel: running runs and the most recent finished ones, newest first.

    Columns: run number, run id, script, status, elapsed time (running: so far), and the latest
    values: the primary metric first, then each series' latest value, the other metrics, the
    parameters, cut to the terminal's width ($COLUMNS).

    \b
    Examples:
      sitegen jobs
      sitegen jobs --watch            # refreshed every 2 s until Ctrl-C
      sitegen jobs --all
      sitegen jobs -o json
    """
    store = open_store(store_path)
    if not watch:
        click.echo(panel(store, show_all, limit, fmt), color=sys.stdout.isatty())
        return
    tty = sys.stdout.isatty()
    try:
        while True:
            text = panel(store, show_all, limit, fmt)
            if tty:
                click.clear()
            stamp = time.strftime("%H:%M:%S")
            click.echo(f"{text}\n\n(refreshed {stamp}, every {interval:g} s; Ctrl-C to stop)",
                       color=tty)
            sys.stdout.flush()  # each refresh reaches a pipe (`| tee log`) as it is made
            time.sleep(interval)
    except KeyboardInterrupt:
        pass


def panel(store, show_all: bool, limit: int, fmt: str) -> str:
    """The jobs panel as text: a table (coloured on a terminal) or strict JSON."""
    rows = jobs(store, show_all=show_all, limit=limit)
    if fmt == "json":
        return json.dumps(json_safe(rows), indent=2, ensure_ascii=False)
    if not rows:
        return "no runs yet: start one with `sitegen run SCRIPT`"
    return render_table(rows, colour=sys.stdout.isatty())
