"""Publish your MLflow experiments: import them into a sitegen store, build the site, deploy it.

    python examples/publish_mlflow.py                                   # ./mlruns
    python examples/publish_mlflow.py --tracking-uri sqlite:///mlflow.db --experiment iris
    python examples/publish_mlflow.py --demo --dry-run                  # log two runs first, to try it

Run it again later: only new runs and new points are imported. Needs
`pip install 'sitegen-runs[mlflow]'`.
"""
from __future__ import annotations

import argparse
import subprocess
import sys


def sitegen(*args: str) -> None:
    """Run one sitegen command; stop here if it fails (its one-line error is already printed)."""
    code = subprocess.call([sys.executable, "-m", "sitegen", *args])
    if code:
        sys.exit(code)


def log_demo_runs(uri: str) -> None:
    """Two small MLflow runs, as a training script would log them."""
    import mlflow
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment("demo")
    for rate in (0.1, 0.01):
        with mlflow.start_run(run_name=f"lr {rate}"):
            mlflow.log_param("lr", rate)
            for step in range(20):
                mlflow.log_metric("loss", 1.0 / (1 + rate * step * 10), step=step)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tracking-uri", default=None, help="default: ./mlruns")
    parser.add_argument("--experiment", default=None, help="only this experiment")
    parser.add_argument("--demo", action="store_true", help="log two runs into the store first")
    parser.add_argument("--dry-run", action="store_true", help="build, but push nothing")
    args = parser.parse_args()
    if args.demo:
        args.tracking_uri = args.tracking_uri or "sqlite:///mlflow.db"
        log_demo_runs(args.tracking_uri)
    options = [f"--tracking-uri={args.tracking_uri}"] if args.tracking_uri else []
    options += [f"--experiment={args.experiment}"] if args.experiment else []
    sitegen("import", "mlflow", *options)
    sitegen("build")
    sitegen("deploy", "--no-build", *(["--dry-run"] if args.dry_run else []))


if __name__ == "__main__":
    main()
