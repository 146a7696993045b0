"""The query language at 10,000 runs with 20 parameters and 10 metrics each (issue 10's shape):
`sitegen history list --filter` in a fresh interpreter, and typing a query into the dashboard's
filter box in headless Chromium.

    python benchmarks/bench_query.py                     # store and site under /tmp/sitegen-bench/
    python benchmarks/bench_query.py --runs 1000 --repeat 3

The sweep store (``sweep-<runs>``) is written once through the public API (``start_run``,
``log_params``, ``log``) by 4 processes and reused; each run has 20 parameters (``config`` takes 200
values: group-by makes ~200 groups), 9 scalar metrics and a 100-point ``loss`` series. Its site is
built once (``sweep-<runs>-site``).

- **CLI**: ``history list --filter EXPR -o json`` and ``--group-by``, each in a new process on a
  hard-linked copy of the store (the per-run summaries written by the first call stay in the copy):
  the first call ("cold": summaries made) and the median of ``--repeat`` calls ("warm"), wall and
  CPU (user + system of the process) seconds.
- **grid**: the filter box is set and ``input`` fired (as typing does); time until the grid body has
  changed (this includes the grid's 60 ms typing debounce) and until the next frame; the query's own
  part (parse, and filter the 10,000 rows of data/index.js) and the grid's (``setFilter``: filter,
  sort, render, tell the charts), both timed in the page without the debounce. Medians over ``--repeat`` fresh browser contexts, each action after 0.5 s
  without a long task (bench_dashboard.py's method).

Prints Markdown tables and writes benchmarks/out/query.json.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
ROOT = Path("/tmp/sitegen-bench")
MODELS = ("tree", "linear", "forest", "svm", "knn")
FILTERS = [
    ("Accuracy > 0.75", "a number"),
    ('Accuracy > 0.75 and params.model = "tree"', "the issue's example"),
    ("lr < 1e-2 and not run.status = Failed and loss < 0.5", "three terms, a series' last value"),
    ('(model ~ re or tags.team = vision) and "batch size" >= 64', "contains, a tag, a quoted name"),
]
GROUP_BY = "params.config"


def log_sweep_run(index: int) -> None:
    """One run of the sweep: 20 parameters, 9 scalars, a 100-point loss series."""
    import sitegen
    rng = random.Random(index)
    with sitegen.start_run(name=f"sweep-{index}") as run:
        run.log_params({
            "config": f"c{index % 200}", "seed": index % 5, "model": MODELS[index % 5],
            "lr": 10 ** -(1 + index % 4), "batch size": 2 ** (4 + index % 4), "epochs": 10 + index % 20,
            "optimizer": {"name": ("adam", "sgd")[index % 2], "momentum": round(rng.uniform(0.5, 0.99), 3),
                          "weight_decay": 10 ** -(3 + index % 3)},
            "dropout": round(0.1 * (index % 6), 1), "layers": index % 4 + 1, "hidden": 64 * (1 + index % 3),
            "activation": ("relu", "gelu", "tanh")[index % 3], "scheduler": ("cosine", "step")[index % 2],
            "warmup": index % 7, "augment": index % 2 == 0, "label_smoothing": 0.05 * (index % 3),
            "data.version": f"v{index % 3}", "data.split": 0.2, "early_stop": index % 3 != 0})
        acc = round(0.5 + 0.45 * rng.random(), 6)
        run.log({"Accuracy": acc, "f1": acc - 0.02, "precision": acc + 0.01, "recall": acc - 0.03,
                 "auc": min(1.0, acc + 0.05), "val_loss": round(1 - acc, 6), "train_time": rng.uniform(5, 50),
                 "n_errors": int(100 * (1 - acc)), "score": round(acc * 100, 2)})
        decay = rng.uniform(0.01, 0.05)
        for step in range(100):
            run.log("loss", 2.5 * math.exp(-decay * step) + 0.05 * rng.random(), step=step)
        run.set_tags(team=("vision", "nlp")[index % 2])
        if index % 17 == 0:
            run.finish("Failed")


def worker(start: int, count: int) -> None:
    for i in range(start, start + count):
        log_sweep_run(i)


def make_sweep(runs: int, jobs: int = 4) -> Path:
    out = ROOT / f"sweep-{runs}"
    marker = out.with_name(out.name + ".json")
    if out.is_dir() and marker.exists() and json.loads(marker.read_text()).get("runs") == runs:
        return out
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    env = dict(os.environ, SITEGEN_STORE=str(out), SITEGEN_EXPERIMENT="sweep")
    env.pop("SITEGEN_RUN_ID", None)
    per, procs, t0 = -(-runs // jobs), [], time.perf_counter()
    for j in range(jobs):
        start, count = j * per, min(per, runs - j * per)
        code = f"import sys; sys.path.insert(0, {str(HERE)!r}); import bench_query; bench_query.worker({start}, {count})"
        procs.append(subprocess.Popen([sys.executable, "-c", code], env=env, cwd=str(ROOT)))
    if any(p.wait() for p in procs):
        raise SystemExit("bench_query: a writer failed")
    marker.write_text(json.dumps({"runs": runs, "seconds": time.perf_counter() - t0}))
    print(f"wrote {runs} runs to {out} in {time.perf_counter() - t0:.0f} s", flush=True)
    return out


def ensure_site(store: Path) -> Path:
    site = store.with_name(store.name + "-site")
    if not (site / "index.html").exists():
        from sitegen.config import Config
        from sitegen.site.build import build_site
        from sitegen.store import Store
        t0 = time.perf_counter()
        build_site(Store(store), site, Config(title="Sweep"))
        print(f"built {site} in {time.perf_counter() - t0:.0f} s", flush=True)
    return site


def cli_times(store: Path, repeat: int) -> dict[str, dict]:
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    env.pop("SITEGEN_STORE", None)
    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(dir=ROOT) as tmp:
        copy = Path(tmp) / "store"
        shutil.copytree(store, copy, copy_function=os.link)
        commands = [(f"--filter '{q}'", ["--filter", q]) for q, _ in FILTERS[:2]]
        commands.append((f"--group-by {GROUP_BY} --sort 'Accuracy desc'",
                         ["--group-by", GROUP_BY, "--sort", "Accuracy desc"]))
        for label, args in commands:
            times, cpu, lines = [], [], 0
            for _ in range(repeat + 1):
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                t = time.perf_counter()
                p = subprocess.run([sys.executable, "-m", "sitegen", "history", "list", "--store", str(copy),
                                    "-o", "json", *args], env=env, capture_output=True, text=True, check=True)
                times.append(time.perf_counter() - t)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
                lines = len(json.loads(p.stdout))
            out[label] = {"cold_s": times[0], "warm_median_s": statistics.median(times[1:]),
                          "cold_cpu_s": cpu[0], "warm_cpu_median_s": statistics.median(cpu[1:]), "rows": lines}
    return out


DIRECT = """
(q) => {
  const grid = SitegenGrid.current, runs = SITEGEN_INDEX.runs || grid.all();  // before / after the shards
  const t0 = performance.now();
  const keep = SitegenQuery.gridFilter(q), kept = keep ? runs.filter(keep).length : runs.length;
  const t1 = performance.now();
  grid.setFilter(q);
  const t2 = performance.now();
  return {query: t1 - t0, grid: t2 - t1, kept: kept, status: document.getElementById('grid-status').textContent};
}
"""


def grid_times(site: Path, repeat: int) -> dict:
    from playwright.sync_api import sync_playwright
    from bench_dashboard import ACTION, CHROMIUM_ARGS, INIT, SETTLE
    res: dict[str, list] = {}
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            for _ in range(repeat):
                ctx = browser.new_context(viewport={"width": 1400, "height": 900})
                page = ctx.new_page()
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.add_init_script(INIT)
                page.goto((site / "index.html").absolute().as_uri(), wait_until="load")
                page.wait_for_function("window.__sg && window.__sg.frame && window.__sg.idle", timeout=60_000)
                for q, label in FILTERS:
                    page.evaluate(SETTLE, 500)
                    r = page.evaluate(ACTION, ["filter", q])
                    res.setdefault(f"type: {q}", []).append(r["frame"])
                    res.setdefault(f"_status {q}", []).append(r["rows"])
                    page.evaluate(SETTLE, 500)
                    page.evaluate(ACTION, ["filter", ""])
                    page.evaluate(SETTLE, 500)
                    d = page.evaluate(DIRECT, q)
                    res.setdefault(f"parse + filter 10,000 rows: {q}", []).append(d["query"])
                    res.setdefault(f"grid.setFilter (filter, sort, render, charts told): {q}", []).append(d["grid"])
                    page.evaluate(DIRECT, "")
                ctx.close()
        finally:
            browser.close()
    return {"medians_ms": {k: statistics.median(v) for k, v in res.items() if not k.startswith("_")},
            "status": {k[8:]: v[0] for k, v in res.items() if k.startswith("_status")},
            "console_errors": errors[:10]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", type=Path, default=HERE / "out" / "query.json")
    ap.add_argument("--grid-only", action="store_true", help="skip the CLI part")
    args = ap.parse_args()
    store = make_sweep(args.runs)
    site = ensure_site(store)
    result = {"runs": args.runs, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "load_before": os.getloadavg()}
    result["cli"] = {} if args.grid_only else cli_times(store, args.repeat)
    result["load_after_cli"] = os.getloadavg()
    result["grid"] = grid_times(site, args.repeat)
    result["load_after_grid"] = os.getloadavg()
    print(f"{args.runs} runs; load average before {result['load_before'][0]:.1f}, after the CLI "
          f"{result['load_after_cli'][0]:.1f}, after the grid {result['load_after_grid'][0]:.1f}")
    print("| history list -o json | cold wall / CPU s | warm wall / CPU s (median) | rows |\n"
          "| --- | ---: | ---: | ---: |")
    for k, v in result["cli"].items():
        print(f"| {k} | {v['cold_s']:.2f} / {v['cold_cpu_s']:.2f} | {v['warm_median_s']:.2f} / "
              f"{v['warm_cpu_median_s']:.2f} | {v['rows']} |")
    print("| grid (Chromium) | median ms |\n| --- | ---: |")
    for k, v in result["grid"]["medians_ms"].items():
        print(f"| {k} | {v:.1f} |")
    print("grid counts:", result["grid"]["status"], "console errors:", len(result["grid"]["console_errors"]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
