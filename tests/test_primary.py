"""The primary metric: chosen from what names mean (never a parameter), its goal inferred the same
way, said on the dashboard; a misspelled configured name warns with the closest logged names."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sitegen.config import Config
from sitegen.site.build import StrictError, build_site
from sitegen.site.primary import choose, goal_of
from sitegen.store import Store
from sitegen.site.index_shards import read_index


def summary(scalars: dict, series: tuple = (), params: dict | None = None) -> dict:
    return {"scalars": scalars, "series": {k: {"last": 0.5} for k in series}, "params": params or {}}


@pytest.mark.parametrize("name, goal", [
    ("Accuracy", "max"), ("test_accuracy", "max"), ("val_acc", "max"), ("eval/F1", "max"),
    ("f1_score", "max"), ("roc_auc", "max"), ("R2", "max"), ("valRecall", "max"),
    ("loss", "min"), ("val_loss", "min"), ("eval/loss", "min"), ("test_RMSE", "min"),
    ("train.error", "min"), ("Perplexity", "min"), ("loss_val", "min"),
    ("alpha", None), ("lr", None), ("batch_size", None), ("loss_weight", None), ("accuracy_drop", None),
])
def test_goal_from_the_name(name, goal):
    assert goal_of(name) == goal


def test_results_by_name_before_anything_alphabetical():
    runs = [summary({"alpha": 0.1, "lr": 0.01, "batch_size": 32, "test_accuracy": 0.9},
                    series=("train_loss", "val_loss"))]
    chosen = choose(Config(), runs)
    assert (chosen.name, chosen.goal, chosen.source) == ("test_accuracy", "max", "name")
    # a held-out error beats a training score; an error means lower is better
    chosen = choose(Config(), [summary({"train_acc": 0.99}, series=("eval/loss",))])
    assert (chosen.name, chosen.goal) == ("eval/loss", "min")


def test_never_a_parameter():
    # "accuracy" logged as a parameter too (a target accuracy, say) is an input, not a result
    runs = [summary({"accuracy": 0.8, "score": 3.0}, params={"accuracy": 0.8})]
    assert choose(Config(), runs).name == "score"
    runs = [summary({"alpha": 0.5, "zeta": 1.0}, params={"alpha": 0.5})]
    assert choose(Config(), runs).name == "zeta"


def test_configured_goal_and_name_win():
    runs = [summary({"test_accuracy": 0.9, "loss": 0.1})]
    assert choose(Config(primary_metric="loss"), runs).goal == "min"
    assert choose(Config(primary_metric="loss", goal="max"), runs).goal == "max"
    assert choose(Config(goal="min"), runs).goal == "min"


def log_runs(store: Path, rows: list[dict]) -> list[str]:
    """One real run per row of metrics (the real logger, in a child process)."""
    code = textwrap.dedent(f"""
        import sys, sitegen
        sys.argv[0] = "train.py"
        for row in {rows!r}:
            with sitegen.start_run() as run:
                for k, v in row.items():
                    if isinstance(v, list):
                        for step, x in enumerate(v):
                            run.log(k, x, step=step)
                    else:
                        run.log(k, v)
                print(run.run_id, flush=True)
    """)
    env = dict(os.environ, SITEGEN_STORE=str(store), SITEGEN_EXPERIMENT="prim")
    env.pop("SITEGEN_RUN_ID", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=60, check=True, cwd=str(store.parent))
    return out.stdout.split()


def index_js(site: Path) -> dict:
    return read_index(site)


def best_of(site: Path) -> str:
    """The best run's id, as data/best.js tells the run pages (one script)."""
    text = (site / "data" / "best.js").read_text("utf-8")
    (best,) = json.loads(text[text.index("=") + 1:].rstrip().rstrip(";"))["scripts"].values()
    return best["id"]


def test_build_picks_by_meaning_and_says_so(tmp_path):
    store = tmp_path / "runs"
    ids = log_runs(store, [
        {"alpha": 0.5, "batch_size": 64, "test_accuracy": 0.81, "val_loss": [0.9, 0.5]},
        {"alpha": 0.1, "batch_size": 32, "test_accuracy": 0.93, "val_loss": [0.8, 0.6]},
        {"alpha": 0.9, "batch_size": 16, "test_accuracy": 0.77, "val_loss": [0.7, 0.4]},
    ])
    site = tmp_path / "site"
    build_site(Store(store), site, Config())
    index = index_js(site)
    assert (index["primary"], index["goal"]) == ("test_accuracy", "max")
    dashboard = (site / "index.html").read_text("utf-8")
    assert "primary metric <strong>test_accuracy</strong> (higher is better)" in dashboard
    assert "chosen by its name; change it with <code>primary_metric</code>" in dashboard
    assert best_of(site) == ids[1]  # the 0.93 one

    # an error-like name: lower is better, the best run is the one with the lowest last value
    build_site(Store(store), site, Config(primary_metric="val_loss"))
    index = index_js(site)
    assert (index["primary"], index["goal"]) == ("val_loss", "min")
    assert best_of(site) == ids[2]  # the lowest last val_loss, 0.4
    assert "set by <code>primary_metric</code>" in (site / "index.html").read_text("utf-8")


def test_misspelled_primary_metric_warns_and_strict_fails(tmp_path, caplog):
    store = tmp_path / "runs"
    log_runs(store, [{"test_accuracy": 0.8, "test_loss": 0.3, "lr": 0.1}])
    site = tmp_path / "site"
    with caplog.at_level(logging.WARNING, logger="sitegen"):
        result = build_site(Store(store), site, Config(primary_metric="test_acc"))
    assert result.warnings == 1
    (message,) = [r.getMessage() for r in caplog.records]
    assert "primary_metric 'test_acc' is not logged by any run" in message
    assert "closest logged: test_accuracy" in message and "primary_metric" in message
    with pytest.raises(StrictError):
        build_site(Store(store), site, Config(primary_metric="test_acc"), strict=True)
    assert build_site(Store(store), site, Config(primary_metric="test_accuracy"), strict=True).warnings == 0
