"""Synthetic run stores for the build benchmarks, written through the public API (``sitegen.start_run``).

    python benchmarks/make_store.py --runs 10000                 # -> /tmp/sitegen-bench/store-10000
    python benchmarks/make_store.py --runs 100 --out /tmp/s100 --jobs 1
    python benchmarks/make_store.py --add 1 --out /tmp/sitegen-bench/work-10000   # one more run
    python benchmarks/make_store.py --runs 10000 --sweep --points 100   # the dashboard benchmark's store

Each run logs 5 scalars (``Accuracy``, ``Regularization Rate``, ``batch_size``, ``epochs``,
``optimizer_momentum``) and one 1,000-point series (``loss``), deterministic per run index. Writing is
split over ``--jobs`` worker processes, each a plain Python process calling ``start_run`` (default 4:
the writes wait on fsync more than on the CPU; 1,000 runs with 2 processes: 6.3 ms a run, 4: 4.8 ms,
8: 3.5 ms on this machine).

A finished store is marked by ``<out>.json`` next to it (run count, seconds); a store with that marker
and the same run count is reused, not rewritten. Stores live outside the repository
(default ``/tmp/sitegen-bench/``).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path("/tmp/sitegen-bench")
EXPERIMENT = "bench"
SCRIPT = "train.py"


def log_run(index: int, points: int, name: str | None = None) -> str:
    """One run through the public API; returns its id. Its Accuracy is < 0.95 (never the best run
    when the store already has run 0, whose Accuracy is 0.97)."""
    import sitegen

    rng = random.Random(index)
    with sitegen.start_run(name=name or f"run-{index}") as run:
        rate = 10 / 2 ** (index % 8)
        run.log("Regularization Rate", rate)
        run.log("batch_size", 2 ** (4 + index % 4))
        run.log("epochs", 10 + index % 20)
        run.log("optimizer_momentum", round(rng.uniform(0.5, 0.99), 4))
        run.log("Accuracy", 0.97 if index == 0 else round(0.5 + 0.44 * rng.random(), 6))
        decay = rng.uniform(0.002, 0.01)
        log = run.log
        for step in range(points):
            log("loss", 2.5 * math.exp(-decay * step) + 0.05 * rng.random(), step)
        return run.run_id


CONFIGS = 200  # a sweep: 200 configurations, each run once per seed


def log_sweep_run(index: int, points: int) -> str:
    """One run of a sweep (the dashboard benchmark's store): 20 parameters, 9 scalar metrics and one
    series (``loss``). Configuration ``index % 200`` fixes the parameters but the seed; metrics vary."""
    import sitegen

    c, seed = index % CONFIGS, index // CONFIGS
    rng = random.Random(index)
    with sitegen.start_run(name=f"cfg{c:03d}-seed{seed}") as run:
        run.log_params({
            "config": f"c{c:03d}", "model": ["tree", "logreg", "knn", "mlp", "svm"][c % 5],
            "lr": 10 ** -(1 + c % 4), "batch_size": 2 ** (4 + c % 4), "epochs": 10 + c % 20,
            "dropout": round(0.1 * (c % 6), 1), "weight_decay": 10 ** -(3 + c % 3), "seed": seed,
            "optimizer": {"name": ["adam", "sgd"][c % 2], "momentum": 0.9 if c % 2 else 0.0},
            "layers": 1 + c % 4, "hidden": 64 * (1 + c % 3), "warmup": 100 * (c % 5),
            "schedule": ["cosine", "step", "none"][c % 3], "augment": c % 2 == 0,
            "label_smoothing": 0.05 * (c % 3), "grad_clip": 1.0 + c % 2, "precision": ["fp32", "bf16"][c % 2],
            "data": {"fraction": 1.0 - 0.1 * (c % 4), "version": f"v{1 + c % 3}"},
        })
        base = 0.55 + 0.4 * ((c * 37) % CONFIGS) / CONFIGS
        acc = min(0.999, base + rng.gauss(0, 0.01))
        run.log({"Accuracy": round(acc, 6), "val_loss": round(1 - acc + rng.random() * 0.05, 6),
                 "f1": round(acc - 0.02 * rng.random(), 6), "precision": round(acc + 0.01 * rng.random(), 6),
                 "recall": round(acc - 0.01 * rng.random(), 6), "auc": round(min(1.0, acc + 0.03), 6),
                 "train_time": round(30 + 60 * rng.random(), 3), "epochs_run": 10 + c % 20,
                 "memory_mb": 500 + 10 * (c % 50)})
        for step in range(points):
            run.log("loss", 2.5 * math.exp(-0.01 * step) + 0.05 * rng.random(), step)
        return run.run_id


def worker(start: int, count: int, points: int, sweep: bool = False) -> None:
    """Log runs start .. start+count-1 (called in a child process, SITEGEN_STORE set)."""
    sys.argv[0] = SCRIPT  # the runs' script_name
    for i in range(start, start + count):
        log_sweep_run(i, points) if sweep else log_run(i, points)


def _spawn(store: Path, start: int, count: int, points: int, sweep: bool = False) -> subprocess.Popen:
    env = dict(os.environ, SITEGEN_STORE=str(store), SITEGEN_EXPERIMENT=EXPERIMENT)
    env.pop("SITEGEN_RUN_ID", None)
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parent)!r}); "
            f"import make_store; make_store.worker({start}, {count}, {points}, {sweep})")
    return subprocess.Popen([sys.executable, "-c", code], env=env, cwd=str(store.parent))


def make_store(runs: int, out: Path | None = None, jobs: int = 4, points: int = 1000,
               force: bool = False, quiet: bool = False, sweep: bool = False) -> Path:
    """A store of ``runs`` runs at ``out`` (default /tmp/sitegen-bench/store-<runs>, or
    store-<runs>-sweep for ``sweep``: log_sweep_run's runs); reused if done."""
    out = Path(out or ROOT / f"store-{runs}{'-sweep' if sweep else ''}").absolute()
    marker = out.with_name(out.name + ".json")
    if not force and out.is_dir() and marker.exists():
        try:
            info = json.loads(marker.read_text())
            if info.get("runs") == runs and info.get("points") == points and info.get("sweep", False) == sweep:
                if not quiet:
                    print(f"reusing {out} ({runs} runs, made in {info['seconds']:.1f} s)")
                return out
        except (OSError, ValueError):
            pass
    shutil.rmtree(out, ignore_errors=True)
    marker.unlink(missing_ok=True)
    out.mkdir(parents=True)
    t0 = time.perf_counter()
    jobs = max(1, min(jobs, runs))
    per = -(-runs // jobs)
    procs = []
    for j in range(jobs):
        start = j * per
        count = min(per, runs - start)
        if count > 0:
            procs.append(_spawn(out, start, count, points, sweep))
    failed = [p.args for p in procs if p.wait() != 0]
    if failed:
        raise SystemExit(f"make_store: a worker failed: {failed}")
    seconds = time.perf_counter() - t0
    n = sum(1 for e in os.scandir(out) if not e.name.startswith(".") and e.is_dir())
    if n != runs:
        raise SystemExit(f"make_store: expected {runs} runs in {out}, found {n}")
    marker.write_text(json.dumps({"runs": runs, "points": points, "jobs": jobs, "seconds": seconds, "sweep": sweep}))
    if not quiet:
        print(f"wrote {runs} runs to {out} in {seconds:.1f} s ({jobs} processes, "
              f"{seconds / runs * 1000:.2f} ms per run)")
    return out


def add_runs(store: Path, count: int, points: int = 1000, first_index: int = 1_000_000) -> list[str]:
    """Log ``count`` more runs into ``store`` in a child process; returns their ids (new folders)."""
    store = Path(store).absolute()
    before = set(os.listdir(store))
    p = _spawn(store, first_index, count, points)
    if p.wait() != 0:
        raise SystemExit("make_store: adding runs failed")
    return sorted(set(os.listdir(store)) - before - {".sitegen"})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=100, help="runs to write (default 100)")
    ap.add_argument("--out", type=Path, default=None, help="store folder (default /tmp/sitegen-bench/store-N)")
    ap.add_argument("--jobs", type=int, default=4,
                    help="writer processes (default 4: writing waits on fsync more than on the CPU)")
    ap.add_argument("--points", type=int, default=1000, help="points in the loss series (default 1000)")
    ap.add_argument("--force", action="store_true", help="rewrite even if a finished store exists")
    ap.add_argument("--add", type=int, default=0, help="add this many runs to --out instead")
    ap.add_argument("--sweep", action="store_true",
                    help="a sweep instead: 200 configurations x seeds, 20 parameters and 10 metrics a run")
    args = ap.parse_args()
    if args.add:
        if not args.out:
            ap.error("--add needs --out")
        ids = add_runs(args.out, args.add, args.points)
        print("\n".join(ids))
        return
    make_store(args.runs, args.out, args.jobs, args.points, args.force, sweep=args.sweep)


if __name__ == "__main__":
    main()
