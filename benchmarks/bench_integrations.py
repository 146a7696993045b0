"""What the integrations cost: a framework callback per logged value against calling ``log``
directly, and system-metrics sampling against a CPU-bound script.

    python benchmarks/bench_integrations.py [--values 200000] [--repeat 5] [--loop-seconds 4]
                                            [--skip-callbacks] [--skip-system]

Callbacks: each adapter's hot method is called with 8 metrics a step (Lightning's
``log_metrics``, Transformers' ``on_log`` with a real ``TrainerState``, Keras' ``on_epoch_end``,
XGBoost's ``after_iteration``, LightGBM's callback with a real ``CallbackEnv``) until --values values
were logged, into a fresh run, flush included; the baseline is ``run.log(name, value, step=)`` for
the same values, measured in the same rounds. Frameworks that are not installed are left out.

System metrics: a CPU-bound loop (a fixed amount of work, about --loop-seconds of CPU) run by
``sitegen run`` with sampling every 0.5 s (10x the default rate) and with ``--no-system-metrics``,
alternating, --repeat times; the script reports its own wall and CPU time (on a busy machine the
CPU time is the steadier figure: wall time there is mostly waiting for a core). Prints Markdown tables
and writes benchmarks/out/integrations.json.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_logger import machine  # noqa: E402

NAMES = [f"metric_{i}" for i in range(8)]


def adapters(run) -> dict:
    """name -> a function logging one step of the 8 metrics through that framework's adapter."""
    out = {}
    try:
        from sitegen.integrations.lightning import SitegenLogger
        lg = SitegenLogger(run=run)
        out["Lightning SitegenLogger.log_metrics"] = lambda step, m: lg.log_metrics(m, step)
    except ImportError:
        pass
    try:
        import transformers
        from sitegen.integrations.transformers import SitegenCallback as HF
        hf, state = HF(run=run), transformers.TrainerState()

        def on_log(step, m):
            state.global_step = step
            hf.on_log(None, state, None, logs=m)
        out["Transformers SitegenCallback.on_log"] = on_log
    except ImportError:
        pass
    try:
        os.environ.setdefault("KERAS_BACKEND", "torch")
        from sitegen.integrations.keras import SitegenCallback as KerasCb
        kc = KerasCb(run=run)
        out["Keras SitegenCallback.on_epoch_end"] = lambda step, m: kc.on_epoch_end(step, m)
    except ImportError:
        pass
    try:
        from sitegen.integrations.xgboost import SitegenCallback as XgbCb
        xc = XgbCb(run=run)
        history: dict = {"valid": {n: [] for n in NAMES}}

        def after_iteration(step, m):
            for n, v in m.items():
                history["valid"][n].append(v)
            xc.after_iteration(None, step, history)
        out["XGBoost SitegenCallback.after_iteration"] = after_iteration
    except ImportError:
        pass
    try:
        from lightgbm.callback import CallbackEnv
        from sitegen.integrations.lightgbm import SitegenCallback as LgbCb
        lc = LgbCb(run=run)

        def lgb_call(step, m):
            lc(CallbackEnv(None, {}, step + 1, 0, 10 ** 9,
                           [("valid", n, v, False) for n, v in m.items()]))
        out["LightGBM SitegenCallback"] = lgb_call
    except ImportError:
        pass
    return out


def time_logging(make, values: int) -> float:
    """Nanoseconds per logged value of ``make(run)(step, metrics)`` into a fresh run."""
    from sitegen.logger import Run
    from sitegen.store import Store
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp))
        run = Run(store, store.create_run("bench"), owned=False)
        call = make(run)
        steps = values // len(NAMES)
        batches = [{n: 0.5 + (s % 97) / 1000 + i for i, n in enumerate(NAMES)} for s in range(steps)]
        start = time.perf_counter()
        for s in range(steps):
            call(s, batches[s])
        run.flush()
        return (time.perf_counter() - start) * 1e9 / (steps * len(NAMES))


def direct(run):
    log = run.log

    def call(step, m):
        for n, v in m.items():
            log(n, v, step=step)
    return call


def bench_callbacks(values: int, repeat: int) -> list[dict]:
    """Every adapter and the direct baseline, measured in turn in each of ``repeat`` rounds (so a
    busy machine slows them alike); medians, and each adapter's median ratio to the baseline of
    its own round."""
    from sitegen.logger import Run
    from sitegen.store import Store
    with tempfile.TemporaryDirectory() as tmp:  # which adapters exist (imports happen here)
        store = Store(Path(tmp))
        names = list(adapters(Run(store, store.create_run("probe"), owned=False)))
    base_name = "run.log(name, value, step=) directly"
    rounds: dict[str, list[float]] = {base_name: [], **{n: [] for n in names}}
    for _ in range(repeat):
        rounds[base_name].append(time_logging(direct, values))
        for name in names:
            rounds[name].append(time_logging(lambda run, n=name: adapters(run)[n], values))
    base = rounds[base_name]
    return [{"how": how, "ns": statistics.median(ns),
             "ratio": statistics.median(a / b for a, b in zip(ns, base))}
            for how, ns in rounds.items()]


LOOP = """\
import sys, time
n = int(sys.argv[1])
wall, cpu = time.perf_counter(), time.process_time()
total = 0
for i in range(n):
    total += i * i % 7
print(time.perf_counter() - wall, time.process_time() - cpu)
"""


def bench_system(loop_seconds: float, repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "loop.py").write_text(LOOP)
        env = dict(os.environ, PYTHONPATH=str(HERE.parent))
        env.pop("SITEGEN_RUN_ID", None)
        probe = subprocess.run([sys.executable, str(project / "loop.py"), "2000000"],
                               capture_output=True, text=True, check=True)
        n = int(2_000_000 * loop_seconds / float(probe.stdout.split()[1]))  # by CPU time
        (project / "sitegen.toml").write_text("system_metrics_interval = 0.5\n")
        times: dict[str, list] = {"on": [], "off": []}
        for _ in range(repeat):
            for mode in ("on", "off"):
                flag = [] if mode == "on" else ["--no-system-metrics"]
                proc = subprocess.run([sys.executable, "-m", "sitegen", "run", *flag, "loop.py",
                                       str(n)], cwd=project, env=env, capture_output=True,
                                      text=True, check=True)
                wall, cpu = map(float, proc.stdout.split())
                times[mode].append((wall, cpu))
    med = {m: (statistics.median(w for w, _ in t), statistics.median(c for _, c in t))
           for m, t in times.items()}
    spread = {m: (min(w for w, _ in t), max(w for w, _ in t)) for m, t in times.items()}
    return {"iterations": n, "median": med, "spread": spread, "all": times,
            "wall_ratio": med["on"][0] / med["off"][0], "cpu_ratio": med["on"][1] / med["off"][1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--values", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--loop-seconds", type=float, default=4.0)
    parser.add_argument("--skip-callbacks", action="store_true")
    parser.add_argument("--skip-system", action="store_true")
    args = parser.parse_args()
    result: dict = {"machine": machine(), "load_before": os.getloadavg()}
    print(f"{result['machine']}; load {result['load_before'][0]:.1f}")
    if not args.skip_callbacks:
        result["callbacks"] = bench_callbacks(args.values, args.repeat)
        print(f"\n{args.values:,} values, 8 a step, median of {args.repeat}\n")
        print("| how | ns per value | ratio to `log` |\n| --- | --- | --- |")
        for r in result["callbacks"]:
            print(f"| {r['how']} | {r['ns']:.0f} | {r['ratio']:.2f} |")
    if not args.skip_system:
        s = result["system"] = bench_system(args.loop_seconds, args.repeat)
        print(f"\nCPU-bound loop ({s['iterations']:,} iterations), median of {args.repeat}, "
              f"alternating\n")
        print("| system metrics | wall (min-max) | CPU of the script |\n| --- | --- | --- |")
        for mode, label in (("on", "every 0.5 s"), ("off", "--no-system-metrics")):
            (w, c), (lo, hi) = s["median"][mode], s["spread"][mode]
            print(f"| {label} | {w:.2f} s ({lo:.2f}-{hi:.2f}) | {c:.2f} s |")
        print(f"\nratio on/off: wall {s['wall_ratio']:.3f}, CPU {s['cpu_ratio']:.3f}")
    result["load_after"] = os.getloadavg()
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "integrations.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
