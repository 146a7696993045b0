"""The runs as reports see them, read afresh from the store (for ``sitegen report new`` and
``freeze``; a build uses the summaries it has). Apart from :mod:`sitegen.site.reports` because it
reads runs the way the build's gathering does (no import cycle: the build imports reports)."""
from __future__ import annotations

from sitegen.site import data as _data
from sitegen.site.gather import order_key
from sitegen.site.reports import Runs
from sitegen.site.primary import choose


def load_runs(store, config) -> Runs:
    """The published runs of ``store`` read afresh (for ``sitegen report new/freeze``; the build
    uses the summaries it has)."""
    summaries = []
    for run_id in store.run_ids():
        if not _data.valid_run_id(run_id):
            continue
        with _data.capture_warnings():
            s = _data.summarize(str(store.root), run_id, config, [], None)
        if not s.get("skip") and not s.get("hidden"):
            summaries.append(s)
    summaries.sort(key=order_key)
    chosen = choose(config, summaries)
    return Runs(summaries, primary=chosen.name, goal=chosen.goal)
