"""The primary metric: the value that decides a script's best run, and whether higher is better.

Configured (``primary_metric``, ``goal``) or chosen from what the logged names mean: never a
parameter (an input), a result named like a score (``accuracy``, ``acc``, ``f1``, ``auc``, ``r2``,
``precision``, ``recall``: higher is better) or like an error (``loss``, ``error``, ``rmse``,
``mae``, ``mse``, ``perplexity``: lower is better), in any case, with prefixes such as ``test_``,
``val_`` or ``eval/``. Held-out results win over training ones (``test_`` > ``val_`` > none >
``train_``).
"""
from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass

from sitegen.site import data as _data

log = logging.getLogger("sitegen")

HIGHER = ("accuracy", "acc", "f1", "auc", "r2", "precision", "recall")
LOWER = ("loss", "error", "rmse", "mae", "mse", "perplexity")
WORDS = {w: i for i, w in enumerate(HIGHER + LOWER)}  # earlier: preferred
SPLITS = {"test": 0, "eval": 1, "val": 1, "valid": 1, "validation": 1, "dev": 1, "": 2, "train": 3,
          "training": 3}
SUFFIXES = {"score", "mean", "avg"}  # "f1_score", "loss_mean": the word before decides
CONFIG_KEYS = "primary_metric, goal"


@dataclass(frozen=True)
class Primary:
    """The chosen metric (None: nothing to rank by), its goal and why: "config", "name" (its name
    says what it means) or "first" (the first numeric value: nothing better was logged)."""
    name: str | None
    goal: str
    source: str


def _words(name: str) -> list[str]:
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)  # valAccuracy -> val_Accuracy
    return [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w]


def _meaning(name: str) -> tuple[int, int] | None:
    """(split rank, word rank) when the name says it is a score or an error, else None."""
    words = _words(name)
    while len(words) > 1 and words[-1] in SUFFIXES | SPLITS.keys():
        split = words.pop()
        if split in SPLITS:  # "loss_val": a split written after the word
            words.insert(0, split)
    if not words or words[-1] not in WORDS:
        return None
    prefix = [w for w in words[:-1] if w in SPLITS]
    return (min((SPLITS[w] for w in prefix), default=SPLITS[""]), WORDS[words[-1]])


def goal_of(name: str) -> str | None:
    """"max" for a score-like name, "min" for an error-like one, None when the name doesn't say."""
    m = _meaning(name)
    if m is None:
        return None
    return "max" if m[1] < len(HIGHER) else "min"


def logged_names(runs: list[dict]) -> set[str]:
    """Names of numeric values logged by the runs (scalars and series)."""
    names = set()
    for s in runs:
        names.update(k for k, v in s["scalars"].items() if _data.is_number(v) or v in ("NaN", "inf", "-inf"))
        names.update(s["series"])
    return names


def _params(runs: list[dict]) -> set[str]:
    return {k for s in runs for k in (s.get("params") or {})}


def choose(config, runs: list[dict]) -> Primary:
    """The configured primary metric, or the one the names point to (see the module docstring). A
    configured name that no run logs is warned about, with the closest logged names."""
    numeric = {k for s in runs for k, v in s["scalars"].items() if _data.is_number(v)}
    return choose_by_names(config, logged_names(runs), _params(runs), numeric, bool(runs))


def choose_by_names(config, logged: set[str], params: set[str], numeric: set[str], any_runs: bool) -> Primary:
    """:func:`choose` from the runs' names alone: ``logged`` (:func:`logged_names`), the parameters'
    and the numeric scalars' names; ``any_runs``: whether there are runs at all."""
    names = logged - params
    if config.primary_metric:
        name = config.primary_metric
        if any_runs and name not in logged:
            close = difflib.get_close_matches(name, sorted(names), n=3, cutoff=0.5)
            hint = f"closest logged: {', '.join(close)}" if close else \
                f"logged: {', '.join(sorted(names)[:8]) or 'none'}"
            log.warning(f"primary_metric {name!r} is not logged by any run ({hint}); fix "
                        f"`primary_metric` in {config.source or 'sitegen.toml'}")
        return Primary(name, config.goal or goal_of(name) or "max", "config")
    meant = sorted((m, n) for n in names if (m := _meaning(n)) is not None)
    if meant:
        name = meant[0][1]
        return Primary(name, config.goal or goal_of(name) or "max", "name")
    first = sorted(numeric - params)
    name = first[0] if first else None
    return Primary(name, config.goal or "max", "first")
