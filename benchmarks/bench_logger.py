"""Logger cost: ``log`` calls with sitegen (with and without ``step=``, time and peak memory), and
MLflow's ``log_metric`` side by side.

    python benchmarks/bench_logger.py [--calls 1000000] [--mlflow-calls 2000] [--repeat 3]
                                      [--memory-calls 10000000] [--baseline /path/to/other/tree]

MLflow runs only when it is importable (``pip install -e '.[bench]'``). Each figure is the median of
``--repeat`` runs in fresh folders; sitegen's time includes the final flush to disk. The memory figure
is the peak RSS of a fresh process making ``--memory-calls`` calls, minus the peak RSS of the same
process running the bare loop (no ``log``). ``--baseline`` runs every sitegen measure a second time
with the sitegen package of another source tree (e.g. a checkout of ``main`` before a change), in
alternation, so before/after figures come from one sitting. sitegen is always this script's own
tree (``benchmarks/..``), whatever is installed. Every sitegen figure includes the loop around the
calls (``for i in range(calls): log("loss", i * 0.001)``); the bare loop's own cost is printed too.
Prints the command, the load average before and after, and a Markdown table for BENCHMARKS.md, and
writes the raw numbers to benchmarks/out/logger.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # this tree's sitegen, not an installed one


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {platform.system()}"


def import_time(module: str, repeat: int) -> float:
    """Median seconds for ``import module`` (+ get_logger for sitegen) in a fresh interpreter."""
    code = (f"import time; t=time.perf_counter(); import {module}; "
            + ("sitegen.get_logger; " if module == "sitegen" else "")
            + "print(time.perf_counter()-t)")
    times = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="bench-sitegen-") as store:
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                 env={**os.environ, "SITEGEN_STORE": store, "PYTHONPATH": str(HERE.parent)})
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def sitegen_calls(calls: int) -> float:
    """Seconds per log call, the final flush included."""
    import sitegen
    from sitegen.store import Store

    with tempfile.TemporaryDirectory(prefix="bench-sitegen-") as root:  # removed after, with the run
        os.environ["SITEGEN_STORE"] = root
        with sitegen.start_run(name="bench") as run:
            log = run.log
            t = time.perf_counter()
            for i in range(calls):
                log("loss", i * 0.001)
            run.flush()
            elapsed = time.perf_counter() - t
        assert len(Store(root).metrics(run.run_id)["loss"]) == calls
    return elapsed / calls


_CHILD = """
import os, sys, time
os.environ["SITEGEN_STORE"] = os.path.abspath("runs")  # in the child's cwd, removed after it
import sitegen
mode, calls = sys.argv[1], int(sys.argv[2])
with sitegen.start_run(name="bench") as run:
    log = run.log
    t, c = time.perf_counter(), time.process_time()
    if mode == "bare":
        for i in range(calls):
            x = i * 0.001
    elif mode == "step":
        for i in range(calls):
            log("loss", i * 0.001, step=i)
    else:
        for i in range(calls):
            log("loss", i * 0.001)
    run.flush()
    elapsed, cpu = time.perf_counter() - t, time.process_time() - c
with open("/proc/self/status") as f:  # VmHWM: this process's own peak (ru_maxrss can carry
    peak = [l for l in f if l.startswith("VmHWM:")][0].split()[1]  # the forking parent's)
print(elapsed / calls, cpu / calls, int(peak) * 1024)
"""


def child_calls(tree: Path, mode: str, calls: int) -> tuple[float, float, int]:
    """(wall seconds per call, CPU seconds per call (all threads), peak RSS bytes) of ``calls``
    calls in a fresh interpreter using the sitegen package of ``tree``; ``mode``: "plain"
    (``log(name, v)``), "step" (``step=i``) or "bare" (no log)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    with tempfile.TemporaryDirectory(prefix="bench-cwd-") as cwd:  # removed after, with its runs
        out = subprocess.run([sys.executable, "-c", _CHILD, mode, str(calls)], capture_output=True,
                             text=True, check=True, env=env, cwd=cwd)
    per_call, cpu, rss = out.stdout.split()
    return float(per_call), float(cpu), int(rss)


def tree_figures(tree: Path, calls: int, memory_calls: int) -> dict:
    """One repetition of the sitegen measures with ``tree``'s package."""
    r = {}
    for mode in ("plain", "step"):
        wall, cpu, _ = child_calls(tree, mode, calls)
        r[f"{mode}_us"], r[f"{mode}_cpu_us"] = wall * 1e6, cpu * 1e6
    bare_wall, bare_cpu, bare = child_calls(tree, "bare", memory_calls)
    r["bare_cpu_us"] = bare_cpu * 1e6
    wall, cpu, peak = child_calls(tree, "plain", memory_calls)
    r["memory_us"], r["memory_cpu_us"] = wall * 1e6, cpu * 1e6
    r["peak_above_bare_mb"] = (peak - bare) / 2 ** 20
    r["bare_peak_mb"] = bare / 2 ** 20
    return r


def mlflow_calls(calls: int, uri_kind: str) -> tuple[float, float] | None:
    """(wall, CPU) seconds per ``log_metric(..., step=i)`` call in one MLflow run (CPU: this process,
    all threads)."""
    try:
        import mlflow
    except ImportError:
        return None
    with tempfile.TemporaryDirectory(prefix=f"bench-mlflow-{uri_kind}-") as d:  # removed after
        folder = Path(d)
        uri = folder.as_uri() if uri_kind == "file" else f"sqlite:///{folder / 'mlflow.db'}"
        mlflow.set_tracking_uri(uri)
        mlflow.set_experiment(f"bench-{folder.name}")
        with mlflow.start_run():
            mlflow.log_metric("warmup", 0.0)
            t, c = time.perf_counter(), time.process_time()
            for i in range(calls):
                mlflow.log_metric("loss", i * 0.001, step=i)
            elapsed, cpu = time.perf_counter() - t, time.process_time() - c
    return elapsed / calls, cpu / calls


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--calls", type=int, default=1_000_000)
    p.add_argument("--mlflow-calls", type=int, default=2000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--memory-calls", type=int, default=10_000_000)
    p.add_argument("--baseline", type=Path, default=None,
                   help="another source tree whose sitegen is measured alongside (before/after)")
    args = p.parse_args()
    import warnings
    warnings.filterwarnings("ignore")
    os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3.x keeps it behind this switch

    r = {"machine": machine(), "calls": args.calls, "mlflow_calls": args.mlflow_calls,
         "command": " ".join(["python", "benchmarks/bench_logger.py", *sys.argv[1:]]),
         "load_before": os.getloadavg()}
    r["import_sitegen_s"] = import_time("sitegen", args.repeat + 2)
    r["sitegen_us_per_call"] = statistics.median(sitegen_calls(args.calls) for _ in range(args.repeat)) * 1e6
    trees = {"after": HERE.parent} | ({"before": args.baseline.resolve()} if args.baseline else {})
    reps: dict[str, list[dict]] = {k: [] for k in trees}
    for _ in range(args.repeat):
        for label, tree in trees.items():  # alternate: load drifts hit both alike
            reps[label].append(tree_figures(tree, args.calls, args.memory_calls))
    r["trees"] = {label: {k: statistics.median(x[k] for x in reps[label]) for k in reps[label][0]}
                  | {"path": str(trees[label])} for label in trees}
    try:
        import mlflow  # noqa: F401
        r["mlflow_version"] = mlflow.__version__
        r["import_mlflow_s"] = import_time("mlflow", args.repeat)
        for kind in ("file", "sqlite"):
            n = args.mlflow_calls if kind == "file" else max(200, args.mlflow_calls // 5)
            reps_m = [mlflow_calls(n, kind) for _ in range(args.repeat)]
            r[f"mlflow_{kind}_us_per_call"] = statistics.median(w for w, _ in reps_m) * 1e6
            r[f"mlflow_{kind}_cpu_us_per_call"] = statistics.median(c for _, c in reps_m) * 1e6
    except ImportError:
        r["mlflow_version"] = None

    r["load_after"] = os.getloadavg()
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "logger.json").write_text(json.dumps(r, indent=2))

    print(f"Machine: {r['machine']}")
    print(f"Command: {r['command']}")
    print("Load average (1, 5, 15 min): before " + " ".join(f"{x:.2f}" for x in r["load_before"])
          + ", after " + " ".join(f"{x:.2f}" for x in r["load_after"]) + "\n")
    print("| measure | sitegen | MLflow " + (r["mlflow_version"] or "(not installed)") + " | ratio |")
    print("| --- | --- | --- | --- |")
    s = r["sitegen_us_per_call"]
    for kind in ("file", "sqlite"):
        m = r.get(f"mlflow_{kind}_us_per_call")
        if m:
            print(f"| `log` vs `log_metric` ({kind} store), µs per call | {s:.2f} | {m:.0f} | "
                  f"sitegen {m / s:,.0f}x cheaper |")
    m_cpu = r.get("mlflow_file_cpu_us_per_call")
    if m_cpu:  # CPU against CPU: what the machine's load does not move (fresh interpreters, first tree)
        t = next(iter(r["trees"].values()))
        for key, label in (("plain_cpu_us", "`log(name, v)`"), ("step_cpu_us", "`log(name, v, step=i)`")):
            print(f"| {label} vs `log_metric` (file store), CPU µs per call | {t[key]:.2f} | {m_cpu:.0f} | "
                  f"sitegen {m_cpu / t[key]:,.0f}x cheaper |")
    imp_m = r.get("import_mlflow_s")
    line = f"| `import sitegen` + `get_logger`, ms | {r['import_sitegen_s'] * 1e3:.1f} | "
    if imp_m:
        line += f"{imp_m * 1e3:.0f} | {100 * r['import_sitegen_s'] / imp_m:.1f}% of MLflow's |"
    else:
        line += "– | – |"
    print(line)
    print("\n| sitegen measure | " + " | ".join(r["trees"]) + " |")
    print("| --- |" + " --- |" * len(r["trees"]))
    for key, label in (("plain_us", f"`log(name, v)`, µs per call ({args.calls:,} calls)"),
                       ("plain_cpu_us", "… CPU µs per call (all threads)"),
                       ("step_us", f"`log(name, v, step=i)`, µs per call ({args.calls:,} calls)"),
                       ("step_cpu_us", "… CPU µs per call (all threads)"),
                       ("memory_us", f"`log(name, v)`, µs per call ({args.memory_calls:,} calls)"),
                       ("memory_cpu_us", "… CPU µs per call (all threads)"),
                       ("peak_above_bare_mb", f"peak RSS above the bare loop, MB ({args.memory_calls:,} calls)"),
                       ("bare_peak_mb", "peak RSS of the bare loop, MB"),
                       ("bare_cpu_us", f"the bare loop alone, CPU µs per turn ({args.memory_calls:,} turns)")):
        print(f"| {label} | " + " | ".join(f"{t[key]:.2f}" for t in r["trees"].values()) + " |")


if __name__ == "__main__":
    main()
