"""Site build cost: full, incremental (one new run) and no-change builds for 100, 1,000 and 10,000 runs.

    python benchmarks/bench_build.py                          # sizes 100 1000 10000, 3 repeats
    python benchmarks/bench_build.py --sizes 100 1000 --repeat 5
    python benchmarks/bench_build.py --sizes 10000 --repeat 1 --progress-check

Stores come from benchmarks/make_store.py (kept in /tmp/sitegen-bench/, reused). Each measured build
runs in a fresh child process (``build_site`` on a hard-linked working copy of the store; nothing in
the base store is modified), and the parent records:

- ``cpu``: user + system CPU seconds of the child and its pool workers (``os.wait4`` rusage): on a
  machine shared with other work this, not the wall time, shows whether the cost per run is flat;
- ``wall``: the child's wall time (interpreter start, imports and the build: what ``sitegen build``
  costs), and ``build``: the ``BuildResult.seconds`` the child reports;
- ``maxrss``: peak RSS of the largest process of the build (``os.wait4`` rusage: the child and its
  reaped worker processes);
- ``pss``: peak of the summed PSS of the whole process tree (child + pool workers; shared pages
  counted once), sampled from /proc every 100 ms.

With ``--new-best``, each repetition also logs a run with the best Accuracy so far (0.99 and up) and
times the build after it ("new best").

Figures are medians over ``--repeat`` repetitions. A full build starts from an empty site folder; a
no-change build rebuilds the site just built; an incremental build first logs one more run into the
store (through ``start_run``, in its own process, not timed), so repeat k works on N+k runs.
Prints a Markdown table and writes raw numbers to benchmarks/out/build.json.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import make_store  # noqa: E402

CHILD = r"""
import json, sys, time
t = time.perf_counter()
from pathlib import Path
from sitegen.config import Config
from sitegen.store import Store
from sitegen.site.build import build_site
r = build_site(Store(sys.argv[1]), Path(sys.argv[2]), Config(), clean=sys.argv[3] == "clean")
print(json.dumps({"seconds": r.seconds, "in_process": time.perf_counter() - t, "pages_written": r.pages_written,
                  "pages_total": r.pages_total, "files_written": getattr(r, "files_written", None),
                  "files_total": getattr(r, "files_total", None), "warnings": r.warnings,
                  "phases": getattr(r, "phases", {}), "mode": getattr(r, "mode", None)}))
"""


def _children(pid: int) -> list[int]:
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                out += [int(x) for x in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
            except OSError:
                pass
    except OSError:
        pass
    return out


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _tree_pss_kb(root: int) -> int:
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _pss_kb(pid)
        stack += _children(pid)
    return total


def timed_build(store: Path, site: Path, clean: bool = False) -> dict:
    """One build in a child process: wall seconds, the child's report, peak RSS and peak tree PSS."""
    env = dict(os.environ)
    for var in ("SITEGEN_RUN_ID", "SOURCE_DATE_EPOCH"):
        env.pop(var, None)
    t0 = time.perf_counter()
    p = subprocess.Popen([sys.executable, "-c", CHILD, str(store), str(site), "clean" if clean else "-"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=str(store.parent))
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_pss_kb(p.pid))
            done.wait(0.1)
    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, rusage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    done.set()
    th.join()
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise SystemExit(f"build failed ({p.returncode}):\n{err.decode(errors='replace')[-3000:]}")
    report = json.loads(out.decode().strip().splitlines()[-1])
    report.update(wall=wall, cpu=rusage.ru_utime + rusage.ru_stime, maxrss_mb=rusage.ru_maxrss / 1024,
                  pss_mb=peak[0] / 1024)
    return report


def site_stats(site: Path) -> dict:
    """Sizes of the biggest pages and data files of a built site."""
    def sizes(folder: str) -> list[int]:
        d = site / folder
        return [e.stat().st_size for e in os.scandir(d)] if d.is_dir() else []
    run_pages = sizes("runs")
    total = 0
    files = 0
    for dirpath, _, names in os.walk(site):
        for n in names:
            total += os.lstat(os.path.join(dirpath, n)).st_size
            files += 1
    return {"run_page_max_kb": max(run_pages) / 1024 if run_pages else None,
            "run_page_median_kb": statistics.median(run_pages) / 1024 if run_pages else None,
            "index_html_kb": (site / "index.html").stat().st_size / 1024,
            "index_js_kb": (site / "data" / "index.js").stat().st_size / 1024,
            "run_data_max_kb": max(sizes("data/runs")) / 1024,
            "site_mb": total / 2**20, "files": files}


BEST_RUN = r"""
import sys, sitegen
sys.argv[0] = "train.py"
with sitegen.start_run(name="new-best") as run:
    run.log("Accuracy", float(sys.argv[1]))
    for step in range(1000):
        run.log("loss", 1.0 / (step + 1), step)
"""


def log_best_run(store: Path, accuracy: float) -> None:
    """One run whose Accuracy beats every run of the bench store (their best is 0.97)."""
    env = dict(os.environ, SITEGEN_STORE=str(store), SITEGEN_EXPERIMENT=make_store.EXPERIMENT)
    env.pop("SITEGEN_RUN_ID", None)
    subprocess.run([sys.executable, "-c", BEST_RUN, repr(accuracy)], env=env, cwd=str(store.parent), check=True)


def bench_size(n: int, repeat: int, jobs: int, new_best: bool = False) -> dict:
    base = make_store.make_store(n, jobs=jobs)
    work = make_store.ROOT / f"work-{n}"
    site = make_store.ROOT / f"site-{n}"
    shutil.rmtree(work, ignore_errors=True)
    subprocess.run(["cp", "-al", str(base), str(work)], check=True)  # hard links: base untouched
    res: dict = {"runs": n, "full": [], "nochange": [], "incremental": [], "new_best": []}
    for k in range(repeat):
        shutil.rmtree(site, ignore_errors=True)
        r = timed_build(work, site)
        res["full"].append(r)
        print(f"  {n} runs: full build {r['wall']:.2f} s wall, {r['seconds']:.2f} s build, {r['cpu']:.2f} s CPU, "
              f"maxrss {r['maxrss_mb']:.0f} MB, tree PSS {r['pss_mb']:.0f} MB, {r['pages_written']} pages",
              flush=True)
        r = timed_build(work, site)
        res["nochange"].append(r)
        print(f"  {n} runs: no-change {r['wall']:.2f} s wall, {r['seconds']:.2f} s build, "
              f"{r['files_written']} files written", flush=True)
        make_store.add_runs(work, 1, first_index=1_000_000 + k)
        r = timed_build(work, site)
        res["incremental"].append(r)
        print(f"  {n} runs: +1 run {r['wall']:.2f} s wall, {r['seconds']:.2f} s build, "
              f"{r['pages_written']} pages / {r['files_written']} files written", flush=True)
        if new_best:
            log_best_run(work, 0.99 + k / 1000)
            r = timed_build(work, site)
            res["new_best"].append(r)
            print(f"  {n} runs: new best run {r['wall']:.2f} s wall, {r['seconds']:.2f} s build, {r['cpu']:.2f} s CPU, "
                  f"{r['pages_written']} pages / {r['files_written']} files written", flush=True)
    res["site"] = site_stats(site)
    return res


def progress_check(n: int) -> dict:
    """`sitegen build --clean` on a pseudo-terminal (progress bar?) and on a pipe (one line?)."""
    import pty
    work = make_store.ROOT / f"work-{n}"
    site = make_store.ROOT / f"site-{n}"
    cmd = [sys.executable, "-m", "sitegen", "build", "--clean", "--store", str(work), "--site-dir", str(site)]
    piped = subprocess.run(cmd, capture_output=True, text=True, cwd=str(work.parent))
    chunks: list[bytes] = []

    def read(fd: int) -> bytes:
        data = os.read(fd, 65536)
        chunks.append(data)
        return data
    t = time.perf_counter()
    status = pty.spawn(cmd, read)
    tty_text = b"".join(chunks).decode(errors="replace")
    return {"pipe_stdout": piped.stdout, "pipe_stderr": piped.stderr, "pipe_rc": piped.returncode,
            "tty_rc": os.waitstatus_to_exitcode(status), "tty_seconds": time.perf_counter() - t,
            "tty_bar_updates": tty_text.count("\r"), "tty_tail": tty_text[-300:]}


def med(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def table(results: list[dict]) -> str:
    lines = ["| runs | full build, s (wall / build_site) | ms per run (wall / build_site) | CPU ms per run | peak RSS largest process, MB "
             "| peak PSS all processes, MB | +1 run, s (wall / build_site) | +1 run / full | no-change, s "
             "(wall / build_site) | no-change / full | run page max, KB | index.js, KB |",
             "| ---: | --- | ---: | ---: | ---: | ---: | --- | ---: | --- | ---: | ---: | ---: |"]
    for r in results:
        fw, fb = med(r["full"], "wall"), med(r["full"], "seconds")
        iw, ib = med(r["incremental"], "wall"), med(r["incremental"], "seconds")
        nw, nb = med(r["nochange"], "wall"), med(r["nochange"], "seconds")
        lines.append(
            f"| {r['runs']:,} | {fw:.2f} / {fb:.2f} | {fw / r['runs'] * 1000:.2f} / {fb / r['runs'] * 1000:.2f} "
            f"| {med(r['full'], 'cpu') / r['runs'] * 1000:.2f} "
            f"| {max(x['maxrss_mb'] for x in r['full']):.0f} | {max(x['pss_mb'] for x in r['full']):.0f} "
            f"| {iw:.2f} / {ib:.2f} | {iw / fw:.1%} | {nw:.2f} / {nb:.2f} | {nw / fw:.1%} "
            f"| {r['site']['run_page_max_kb']:.1f} | {r['site']['index_js_kb']:.0f} |")
    for a, b in zip(results, results[1:]):
        d = (med(b["full"], "wall") - med(a["full"], "wall")) / (b["runs"] - a["runs"]) * 1000
        c = (med(b["full"], "cpu") - med(a["full"], "cpu")) / (b["runs"] - a["runs"]) * 1000
        lines.append(f"\nMarginal cost of a run from {a['runs']:,} to {b['runs']:,} runs: {d:.2f} ms wall, "
                     f"{c:.2f} ms CPU")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=4, help="writer processes for new stores")
    ap.add_argument("--progress-check", action="store_true",
                    help="also run `sitegen build --clean` on a pipe and on a pseudo-terminal (largest size)")
    ap.add_argument("--new-best", action="store_true", help="also time the build after a new best run")
    ap.add_argument("--out", type=Path, default=HERE / "out" / "build.json")
    args = ap.parse_args()
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
    results = []
    for n in args.sizes:
        results.append(bench_size(n, args.repeat, args.jobs, args.new_best))
    extra = {}
    if args.progress_check:
        extra["progress"] = progress_check(max(args.sizes))
        print(json.dumps(extra["progress"], indent=1))
    load_after = os.getloadavg()
    print(f"load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    print(table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                    "load_before": load, "load_after": load_after,
                                    "results": results, **extra}, indent=1))


if __name__ == "__main__":
    main()
