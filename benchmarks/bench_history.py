"""`sitegen history list` and `sitegen jobs` over a big store, before and after, side by side.

    python benchmarks/bench_history.py --store /tmp/sitegen-bench/store-10000 [--repeat 5]
                                       [--baseline /path/to/other/tree] [--tree /path/to/tree]

Works on a hard-linked copy of ``--store`` (so per-run summaries written by the commands land in the
copy only, never in the original). Each command runs in a fresh interpreter (what a user pays,
imports of the byte-compiled package included); the first call of the tree's code on the copy is reported apart ("cold": the
summaries are made), then the median of ``--repeat`` calls ("warm"). With ``--baseline`` the same
commands run with another source tree's sitegen on its own copy, alternating with this tree's
(``--tree``: measure another tree than the one holding this script, e.g. an exported ``main``).
Prints a Markdown table and writes benchmarks/out/history.json.
"""
from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILTER = "Accuracy > 0.75 and batch_size >= 32"  # about a third of make_store's runs
COMMANDS = {"list -o json": ["history", "list", "-o", "json"],
            f"list -o json --filter '{FILTER}'": ["history", "list", "-o", "json", "--filter", FILTER],
            "list": ["history", "list"], "jobs": ["jobs"]}


def timed(tree: Path, store: Path, args: list[str]) -> tuple[float, float]:
    """(wall, CPU: user + system) seconds of one command in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(tree), "COLUMNS": "200"}
    env.pop("SITEGEN_STORE", None)
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "sitegen", *args, "--store", str(store)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=store.parent)  # not a source tree: `-m` puts the cwd first on sys.path
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"sitegen {' '.join(args)} failed with {tree}")
    return time.perf_counter() - t, usage.ru_utime + usage.ru_stime


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--store", type=Path, required=True)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--baseline", type=Path, default=None, help="the 'before' tree")
    p.add_argument("--tree", type=Path, default=HERE.parent, help="the 'after' tree (default: this one)")
    p.add_argument("--out", type=Path, default=HERE / "out" / "history.json")
    args = p.parse_args()
    trees = {"after": args.tree.resolve()} | ({"before": args.baseline.resolve()} if args.baseline else {})
    for tree in trees.values():  # byte-compiled, as an installed package is (PYTHONDONTWRITEBYTECODE
        compileall.compile_dir(str(tree / "sitegen"), quiet=1)  # may be set: no .pyc written then)
    work = Path(tempfile.mkdtemp(prefix="bench-history-"))
    copies = {}
    for label in trees:
        copies[label] = work / label
        subprocess.run(["cp", "-al", str(args.store), str(copies[label])], check=True)
    runs = sum(1 for e in os.scandir(args.store) if not e.name.startswith("."))
    r: dict = {"store": str(args.store), "runs": runs, "load": os.getloadavg(), "results": {}}
    try:
        for name, cmd in COMMANDS.items():
            for label, tree in trees.items():
                r["results"].setdefault(name, {})[label] = {"cold": timed(tree, copies[label], cmd),
                                                            "warm": []}
            for _ in range(args.repeat):
                for label, tree in trees.items():
                    r["results"][name][label]["warm"].append(timed(tree, copies[label], cmd))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    r["load_after"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(r, indent=2))
    print(f"{runs:,} runs in {args.store}; load average {r['load'][0]:.1f} -> {r['load_after'][0]:.1f}\n")
    print("wall / CPU (user + system) seconds\n")
    print("| command | " + " | ".join(f"{t} cold | {t} warm (median of {args.repeat})" for t in trees) + " |")
    print("| --- |" + " ---: | ---: |" * len(trees))
    for name, by in r["results"].items():
        cells = []
        for label in trees:
            cold, warm = by[label]["cold"], by[label]["warm"]
            cells += [f"{cold[0]:.2f} / {cold[1]:.2f}",
                      f"{statistics.median(w for w, _ in warm):.2f} / {statistics.median(c for _, c in warm):.2f}"]
        print(f"| `sitegen {name}` | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
