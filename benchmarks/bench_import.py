"""Importer speed: `sitegen import mlflow` of N runs x P points, then a re-import with nothing new.

    python benchmarks/bench_import.py [--runs 1000] [--points 1000] [--backend file|sqlite]
                                      [--keep DIR] [--repeat 3]

The MLflow store is written by MLflow itself (MlflowClient.log_batch, 1,000 points a call), once per
--keep folder (reused when it is there). Each import is the real command in a fresh process
(`python -m sitegen import mlflow`), timed as a whole (interpreter, `import mlflow`, reading,
writing); the figure printed beside it is the time `import mlflow` alone takes in a fresh process,
measured the same way. The first import writes into an empty store; the re-imports find every run
unchanged. Prints a Markdown table and writes benchmarks/out/import.json.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_logger import machine  # noqa: E402


def generate(uri: str, runs: int, points: int) -> float:
    """Write the MLflow store with MLflow's client; returns the seconds it took."""
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param
    client = MlflowClient(tracking_uri=uri)
    exp = client.create_experiment("bench")
    start = time.perf_counter()
    base = int(time.time() * 1000)
    for r in range(runs):
        run = client.create_run(exp, run_name=f"run {r}", start_time=base + r)
        client.log_batch(run.info.run_id, params=[Param("lr", str(0.001 * (r + 1))),
                                                  Param("layers", str(r % 4))])
        metrics = [Metric("loss", 1.0 / (i + 1 + r), base + r + i, i) for i in range(points)]
        for k in range(0, points, 1000):
            client.log_batch(run.info.run_id, metrics=metrics[k:k + 1000])
        client.log_batch(run.info.run_id, metrics=[Metric("accuracy", 0.5 + r / (2 * runs),
                                                          base + r, 0)])
        client.set_terminated(run.info.run_id)
    return time.perf_counter() - start


def timed(cmd: list[str], cwd: Path, env: dict) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return seconds, proc.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--backend", choices=["file", "sqlite"], default="file")
    parser.add_argument("--keep", type=Path, default=None, help="folder for the MLflow store")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    work = (args.keep or Path(f"/tmp/sitegen-bench-import-{args.backend}-{args.runs}x{args.points}"))
    work.mkdir(parents=True, exist_ok=True)
    uri = (work / "mlruns").as_uri() if args.backend == "file" else f"sqlite:///{work}/mlflow.db"
    marker = work / "generated.json"
    if not marker.exists():
        seconds = generate(uri, args.runs, args.points)
        marker.write_text(json.dumps({"seconds": seconds}))
    generated = json.loads(marker.read_text())["seconds"]
    env = dict(os.environ, PYTHONPATH=str(HERE.parent))
    cmd = [sys.executable, "-m", "sitegen", "import", "mlflow", "--tracking-uri", uri]
    first, again, bare = [], [], []
    for _ in range(args.repeat):
        project = work / "project"
        shutil.rmtree(project, ignore_errors=True)
        project.mkdir()
        seconds, out = timed(cmd, project, env)
        assert f"{args.runs} new run(s)" in out, out
        first.append(seconds)
        seconds, out = timed(cmd, project, env)
        assert f"{args.runs} unchanged" in out, out
        again.append(seconds)
        bare.append(timed([sys.executable, "-c", "import mlflow.tracking"], project, env)[0])
    result = {"machine": machine(), "load": os.getloadavg(), "runs": args.runs,
              "points": args.points, "backend": args.backend, "generate_s": generated,
              "import_s": statistics.median(first), "reimport_s": statistics.median(again),
              "import_mlflow_s": statistics.median(bare), "all": [first, again, bare]}
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "import.json").write_text(json.dumps(result, indent=2))
    print(f"{result['machine']}; load {result['load'][0]:.1f}")
    print(f"| store | runs x points | MLflow writing it | import | re-import (nothing new) | "
          f"ratio | `import mlflow` alone |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print(f"| {args.backend} | {args.runs:,} x {args.points:,} | {generated:.1f} s | "
          f"{result['import_s']:.1f} s | {result['reimport_s']:.2f} s | "
          f"{100 * result['reimport_s'] / result['import_s']:.1f}% | {result['import_mlflow_s']:.2f} s |")


if __name__ == "__main__":
    main()
