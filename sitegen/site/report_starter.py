"""``sitegen report new``: a starter report written with the store's real metric and parameter names."""
from __future__ import annotations

import getpass
import time

from sitegen.site.reports import Runs


def _quote(name: str) -> str:
    return f'"{name}"' if ("," in name or name != name.strip()) else name


def starter(name: str, runs: Runs | None) -> str:
    """The text of ``reports/<name>.md``: every embed kind, over names the runs really logged."""
    try:
        author = getpass.getuser()
    except (OSError, KeyError):
        author = ""
    title = name.replace("-", " ").replace("_", " ").strip().capitalize() or name
    out = ["---", f"title: {title}", f"author: {author}", f"date: {time.strftime('%Y-%m-%d')}",
           "description: What was tried, and what came out of it.", "---", "",
           "Start with the conclusion. The best run so far is [the best run](run:best).", "",
           "[TOC]", ""]
    if runs is None or not runs.runs:
        out += ["No runs yet: log some (`sitegen run train.py`), then run `sitegen report new "
                f"{name} --force` for a starter with their names.", ""]
        return "\n".join(out)
    primary = runs.primary
    series = sorted(runs.series)
    scalars = [m for m in runs.metrics if m not in runs.series]
    params = runs.params
    if series:
        out += [f"## {series[0]} across runs", "", "```sitegen-chart", f"series: {series[0]}",
                "smoothing: 0.6", "```", ""]
    x = params[0] if params else next((m for m in scalars if m != primary), None)
    if primary and x:
        out += [f"## {primary} against {x}", "", "```sitegen-chart", f"value: {primary}", f"x: {x}",
                "```", ""]
    columns = [*params[:4], *([primary] if primary else []),
               *[m for m in scalars if m != primary][:3]]
    out += ["## The runs", "", "```sitegen-table"]
    if columns:
        out.append(f"columns: {', '.join(map(_quote, columns))}")
    if primary:
        out.append(f"sort: {'-' if runs.goal == 'max' else ''}{primary}")
    out += ["limit: 20", "```", ""]
    if len(runs.runs) >= 2:
        out += ["## The best run and the newest one", "", "```sitegen-compare",
                "runs: [best, last]" if primary and runs.best() is not runs.runs[-1] else
                "runs: [" + ", ".join(s["id"] for s in runs.runs[-2:]) + "]", "```", ""]
    dims = [*params[:5], *([primary] if primary else [])]
    if len(dims) >= 2:
        out += ["## Parameters and results", "", "```sitegen-parallel", f"columns: {', '.join(map(_quote, dims))}",
                "```", ""]
    out += ["## What's next", "", "- …", ""]
    return "\n".join(out)
