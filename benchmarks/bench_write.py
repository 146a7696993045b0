"""The write phase alone (``sitegen.site.write.patch``): what putting a few changed files in place
costs on a site of N runs, now that every build ends in one swap of a complete tree.

    python benchmarks/bench_write.py --runs 10000 50000 --repeat 5

The site is synthetic but shaped like a built one (``--files-per-run`` files a run in ``runs/``,
``data/runs/``, ``metrics/``, … and a few top-level pages; 1 KB each), made under
``/tmp/sitegen-bench/write-<N>/`` and removed afterwards. Each repetition is a patch build of
``--changed`` files (a new run's page, data and download, the dashboard, its data, the previous
run's page) timed in the calling process: ``cold`` without a kept previous tree (every unchanged
file hard-linked into the new tree: the first patch build after a full one), ``warm`` with the tree
the last swap kept (the usual case). The cache's own bytes are left out (a small stand-in is
written): that cost is the cache's, not the write phase's. Prints a Markdown table with the load.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sitegen.site.cache import BuildCache, BuildState  # noqa: E402
from sitegen.site import write  # noqa: E402

ROOT = Path("/tmp/sitegen-bench")
FOLDERS = ("runs", "data/runs", "metrics", "compare", "files")


class _Cache(BuildCache):
    def to_bytes(self) -> bytes:  # the cache's own cost is not the write phase's
        return b"cache"


def make_site(site: Path, runs: int, per_run: int) -> list[str]:
    paths = ["index.html", "data/index.js", "assets.html", "compare.html"]
    for folder in FOLDERS[:per_run]:
        (site / folder).mkdir(parents=True, exist_ok=True)
    for i in range(runs):
        for folder in FOLDERS[:per_run]:
            paths.append(f"{folder}/run-{i:06d}.html")
    blob = b"x" * 1024
    for p in paths:
        with open(site / p, "wb") as f:
            f.write(blob)
    return paths


def one_patch(site: Path, paths: list[str], n: int, changed_count: int, k: int) -> float:
    tmp = site.with_name(f".{site.name}.tmp-{os.getpid()}")
    tmp.mkdir()
    changed = ["index.html", "data/index.js"] + [f"runs/run-{(n - 1 - j):06d}.html"
                                                 for j in range(changed_count - 2)]
    for p in changed:
        (tmp / p).parent.mkdir(parents=True, exist_ok=True)
        (tmp / p).write_bytes(f"build {k}".encode())
    cache = _Cache(keys={p: "k" for p in paths})
    t0 = time.perf_counter()
    write.patch(site, tmp, changed, [], cache, BuildState(inputs=str(k)))
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, nargs="+", default=[10000, 50000])
    ap.add_argument("--files-per-run", type=int, default=4)
    ap.add_argument("--changed", type=int, default=6)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print("| runs | files | cold (no kept tree) s | warm (kept tree) s, median | load |")
    print("|---:|---:|---:|---:|---|")
    for n in args.runs:
        base = ROOT / f"write-{n}"
        shutil.rmtree(base, ignore_errors=True)
        site = base / "site"
        paths = make_site(site, n, args.files_per_run)
        (site / ".sitegen-build.cache").write_bytes(b"cache")
        load = os.getloadavg()[0]
        colds, warms = [], []
        for k in range(args.repeat):
            shutil.rmtree(write.previous_dir(site), ignore_errors=True)
            colds.append(one_patch(site, paths, n, args.changed, 2 * k))
            warms.append(one_patch(site, paths, n, args.changed, 2 * k + 1))
        print(f"| {n:,} | {len(paths):,} | {statistics.median(colds):.3f} | {statistics.median(warms):.4f} "
              f"| {load:.1f} → {os.getloadavg()[0]:.1f} |", flush=True)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
