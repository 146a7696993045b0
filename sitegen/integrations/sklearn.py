"""scikit-learn: ``log_search(search)`` records a fitted ``GridSearchCV`` / ``RandomizedSearchCV``.

Each candidate becomes a child run of the current run (named ``candidate N``): its parameters and,
for every scorer, the mean and std of its test (and train, when kept) scores, its rank and fit time.
The current run gets the best candidate's parameters (``best.*``) and score (``best_score``).
"""
from __future__ import annotations

from typing import Any

from sitegen.integrations._common import flat_params, log_metrics, log_params, number
from sitegen.logger import Run, get_logger, start_run

_KEPT = ("mean_test_", "std_test_", "rank_test_", "mean_train_", "std_train_")
_TIMES = ("mean_fit_time", "std_fit_time", "mean_score_time", "std_score_time")


def log_search(search: Any, run: Run | None = None) -> list[str]:
    """Record every candidate of a fitted search as a child run of ``run`` (default: the current
    run); returns the child run ids, in candidate order."""
    results = getattr(search, "cv_results_", None)
    if results is None:
        raise ValueError("sitegen: log_search needs a fitted search (call .fit first): "
                         f"{type(search).__name__} has no cv_results_")
    parent = run or get_logger()
    columns = [k for k in results if k.startswith(_KEPT) or k in _TIMES]
    ids = []
    for i, params in enumerate(results["params"]):
        with start_run(name=f"candidate {i}") as child:
            if run is not None and child.run_id:  # the given run, not the innermost one
                child.store.update_meta(child.run_id, {"parent_run_id": parent.run_id})
            child.log_params(flat_params(params))
            log_metrics(child, {k: results[k][i] for k in columns}, None)
        ids.append(child.run_id)
    best = getattr(search, "best_params_", None)
    if best is not None:
        log_params(parent, best, "best.")
    score = number(getattr(search, "best_score_", None))
    if score is not None:
        parent.log("best_score", score)
    return ids
