"""`make demo`: the seed scenario end to end.

Runs examples/iris_sklearn.py as tracked runs for the eight regularization rates, two at a time
(`sitegen run --detach`), waits for them, prints `sitegen history list -o table`, then builds the
site and serves it with live reload (`--no-serve` stops after the build).

    python examples/demo.py [--port 8000] [--parallel 2] [--no-serve] [--store PATH] [--site-dir DIR]

The site goes to ./site, or with `--store PATH` to a `site` folder beside that store, so a demo
pointed at another store never overwrites the checkout's ./site.

Runs from the repository root, whose pyproject.toml names the project "IrisDemo".
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = "examples/iris_sklearn.py"
RATES = [10, 5, 2.5, 1.25, 0.625, 0.3125, 0.15625, 0.078125]
RUN_TIMEOUT = 600.0


def sitegen(*args: str, capture: bool = False) -> subprocess.CompletedProcess:
    """Run the sitegen CLI (this interpreter's) in the project folder."""
    return subprocess.run([sys.executable, "-m", "sitegen", *args], cwd=ROOT, text=True,
                          capture_output=capture)


def launch(rate: float) -> str:
    """Start one detached tracked run; its run id."""
    proc = sitegen("run", "--detach", SCRIPT, str(rate), capture=True)
    if proc.returncode != 0:
        sys.exit(f"demo: `sitegen run --detach {SCRIPT} {rate}` failed:\n{proc.stderr.strip()}")
    return proc.stdout.strip().splitlines()[-1]


def run_all(rates: list[float], parallel: int) -> dict[str, str]:
    """Run every rate, ``parallel`` at a time; {run_id: final status}."""
    from sitegen.store import TERMINAL_STATUSES, Store, default_store_path

    store = Store(default_store_path())
    pending = list(rates)
    running: dict[str, tuple[float, float]] = {}  # run id -> (rate, started)
    done: dict[str, str] = {}
    while pending or running:
        while pending and len(running) < parallel:
            rate = pending.pop(0)
            run_id = launch(rate)
            running[run_id] = (rate, time.monotonic())
            print(f"started  {run_id}  rate {rate}", flush=True)
        time.sleep(0.25)
        for run_id, (rate, started) in list(running.items()):
            meta = store.load_meta(run_id)
            status = meta.get("status")
            if status in TERMINAL_STATUSES or time.monotonic() - started > RUN_TIMEOUT:
                del running[run_id]
                done[run_id] = status
                print(f"finished {run_id}  rate {rate}: {status} ({meta.get('duration')})",
                      flush=True)
    return done


def show_history() -> None:
    print()
    sitegen("history", "list", "-o", "table")


def has_display() -> bool:
    return sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def site_dir_for(store: str | None, site_dir: str | None) -> Path:
    """Where the demo builds: as asked, else beside the store it was given, else ./site."""
    if site_dir:
        return Path(site_dir).absolute()
    if store:
        return Path(store).absolute().parent / "site"
    return ROOT / "site"


def build_and_serve(port: int, site_dir: Path, serve: bool = True) -> int:
    """`sitegen build` (a site that opens from disk too), then `sitegen serve` (opens a browser)."""
    if sitegen("build", "--site-dir", str(site_dir)).returncode != 0:
        return 1
    print(f"\nBuilt the site: {site_dir / 'index.html'}", flush=True)
    if not serve:
        return 0
    args = ["serve", "--port", str(port)]
    if has_display():
        args.append("--open")
    print(f"\nServing the site at http://127.0.0.1:{port}/ (Ctrl-C to stop)", flush=True)
    try:
        return sitegen(*args).returncode
    except KeyboardInterrupt:
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8000, help="port for `sitegen serve`")
    parser.add_argument("--parallel", type=int, default=2, help="runs at a time (2)")
    parser.add_argument("--no-serve", action="store_true", help="build the site, do not serve it")
    parser.add_argument("--store", default=None, help="the run store (default: ./runs)")
    parser.add_argument("--site-dir", default=None,
                        help="where to build the site (default: ./site, or beside --store)")
    parser.add_argument("--rates", type=float, nargs="+", default=RATES, help=argparse.SUPPRESS)
    opts = parser.parse_args(argv)
    site_dir = site_dir_for(opts.store, opts.site_dir)  # relative paths: to the caller's folder
    if opts.store:
        os.environ["SITEGEN_STORE"] = str(Path(opts.store).absolute())
    os.chdir(ROOT)
    print(f"Running {SCRIPT} for {len(opts.rates)} regularization rates, "
          f"{opts.parallel} at a time", flush=True)
    statuses = run_all(opts.rates, max(1, opts.parallel))
    show_history()
    failed = [r for r, s in statuses.items() if s != "Completed"]
    if failed:
        print(f"\n{len(failed)} run(s) did not complete: {', '.join(failed)}; "
              f"see `sitegen history info RUN` and the run's driver.log", file=sys.stderr)
        return 1
    return build_and_serve(opts.port, site_dir, serve=not opts.no_serve)


if __name__ == "__main__":
    sys.exit(main())
