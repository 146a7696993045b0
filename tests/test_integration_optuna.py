"""sitegen.integrations.optuna against a real study: completed, pruned and failed trials."""
from __future__ import annotations

from pathlib import Path

import pytest

from sitegen import start_run
from sitegen.store import Store

optuna = pytest.importorskip("optuna", reason="optuna is not installed")

from sitegen.integrations.optuna import SitegenCallback  # noqa: E402


def objective(trial):
    x = trial.suggest_float("x", -10, 10)
    kind = trial.suggest_categorical("kind", ["a", "b"])
    if trial.number == 1:
        raise ValueError("bad trial")
    for step in range(3):
        trial.report((x - 2) ** 2 + step, step)
        if trial.number == 2:
            raise optuna.TrialPruned()
    return (x - 2) ** 2 + (kind == "b")


def test_each_trial_is_a_child_run_with_its_state(project: Path) -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    with start_run(name="study") as run:
        study.optimize(objective, n_trials=4, callbacks=[SitegenCallback()], catch=(ValueError,))
    store = Store(project / "runs")
    trials = {m["name"]: m for m in store.runs() if m["run_id"] != run.run_id}
    assert set(trials) == {"trial 0", "trial 1", "trial 2", "trial 3"}
    assert all(t["parent_run_id"] == run.run_id for t in trials.values())
    assert [trials[f"trial {i}"]["status"] for i in range(4)] == \
        ["Completed", "Failed", "Pruned", "Completed"]
    first = study.trials[0]
    assert trials["trial 0"]["parameters"] == first.params
    metrics = store.metrics(trials["trial 0"]["run_id"])
    assert metrics["value"].values == [pytest.approx(first.value)]
    assert metrics["intermediate"].steps == [0, 1, 2]
    assert store.metrics(trials["trial 2"]["run_id"])["intermediate"].steps == [0]  # pruned at 0
    assert trials["trial 0"]["start_time_utc"].startswith(
        first.datetime_start.astimezone(__import__("datetime").timezone.utc)
        .strftime("%Y-%m-%dT%H:%M:%S"))
    best = store.metrics(run.run_id)["best_value"]
    assert best.values[-1] == pytest.approx(study.best_value)
