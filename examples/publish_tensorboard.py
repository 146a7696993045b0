"""Publish your TensorBoard logs: import them into a sitegen store, build the site, deploy it.

    python examples/publish_tensorboard.py LOGDIR            # import, build, deploy to GitHub Pages
    python examples/publish_tensorboard.py LOGDIR --dry-run  # stop before pushing
    python examples/publish_tensorboard.py --demo --dry-run  # write a small log first, to try it

Run it again after more training: only new runs and new points are imported. Needs
`pip install 'sitegen-runs[tensorboard]'`.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path


def sitegen(*args: str) -> None:
    """Run one sitegen command; stop here if it fails (its one-line error is already printed)."""
    code = subprocess.call([sys.executable, "-m", "sitegen", *args])
    if code:
        sys.exit(code)


def write_demo_logs(logdir: Path) -> None:
    """Two small runs written by TensorBoard's own writer, as a training script would."""
    from tensorboard.summary import Writer
    for rate in (0.1, 0.01):
        writer = Writer(str(logdir / f"lr_{rate}"))
        for step in range(20):
            writer.add_scalar("loss", 1.0 / (1 + rate * step * 10), step=step)
        writer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("logdir", nargs="?", type=Path, default=Path("tb_logs"))
    parser.add_argument("--demo", action="store_true", help="write a small log into LOGDIR first")
    parser.add_argument("--dry-run", action="store_true", help="build, but push nothing")
    args = parser.parse_args()
    if args.demo:
        write_demo_logs(args.logdir)
    sitegen("import", "tensorboard", str(args.logdir))
    sitegen("build")
    sitegen("deploy", "--no-build", *(["--dry-run"] if args.dry_run else []))


if __name__ == "__main__":
    main()
