"""Site build cost: full, incremental (one new run) and no-change builds for 100, 1,000 and 10,000 runs.

    python benchmarks/bench_build.py                          # sizes 100 1000 10000, 3 repeats
    python benchmarks/bench_build.py --sizes 100 1000 --repeat 5
    python benchmarks/bench_build.py --sizes 10000 --repeat 1 --progress-check
    PYTHONPATH=/tmp/sitegen-bench/before python benchmarks/bench_build.py --sizes 1000 10000 \
        --label before --remove --out /tmp/sitegen-bench/build-before.json   # another tree's sitegen
    python benchmarks/bench_build.py --sizes 10000 --repeat 1 --label prof --remove --profile /tmp/prof
    python benchmarks/bench_build.py --compare /tmp/sitegen-bench/build-before.json benchmarks/out/build.json

Stores come from benchmarks/make_store.py (kept in /tmp/sitegen-bench/, reused). Each measured build
runs in a fresh child process (``build_site`` on a hard-linked working copy of the store; nothing in
the base store is modified), and the parent records:

- ``cpu``: user + system CPU seconds of the child and its pool workers (``os.wait4`` rusage; also
  apart in the JSON: ``cpu_user``, ``cpu_system``, the latter mostly the kernel creating files): on a
  machine shared with other work this, not the wall time, shows whether the cost per run is flat;
- ``wall``: the child's wall time (interpreter start, imports and the build: what ``sitegen build``
  costs), and ``build``: the ``BuildResult.seconds`` the child reports;
- ``maxrss``: peak RSS of the largest process of the build (``os.wait4`` rusage: the child and its
  reaped worker processes);
- ``pss``: peak of the summed PSS of the whole process tree (child + pool workers; shared pages
  counted once), sampled from /proc every 100 ms.

With ``--new-best``, each repetition also logs a run with the best Accuracy so far (0.99 and up) and
times the build after it ("new best").

The sitegen measured is the one the child imports, byte-compiled first as an installed package is
(``compileall``; on this machine ``PYTHONDONTWRITEBYTECODE`` is set, so no ``.pyc`` would be written
and every build would compile the package from source): ``PYTHONPATH`` picks the tree (the +1 run is logged by
that tree's logger too). ``--label`` names the tree in the output and in the work/site folders
(``work-<N>-<label>``, ``site-<N>-<label>``), so two benchmarks never share them; ``--remove`` deletes
them after each size (a 100,000-run site is several GB). Each build records the 1-minute load average
at its start. The site's size is what ``sitegen deploy`` would publish (the ``.sitegen*`` build
bookkeeping left out), in all, a run, and by part (``runs``, ``data/runs``, ``metrics``, …).
``--profile DIR`` runs each build under ``py-spy record --subprocesses`` (PyPI ``py-spy``) and prints
the costliest functions; ``--compare`` prints one table of several ``--out`` files.

Figures are medians over ``--repeat`` repetitions. A full build starts from an empty site folder; a
no-change build rebuilds the site just built; an incremental build first logs one more run into the
store (through ``start_run``, in its own process, not timed), and "+1 run again" logs one more after
that (a patch build after a patch build: the steady state of building after each run, while the
first patch build after a full one may pay once for what the full build left undone), so repeat k
works on N+2k runs.
Prints a Markdown table and writes raw numbers to benchmarks/out/build.json.
"""
from __future__ import annotations

import argparse
import json
import os
import re
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


def compile_package() -> str:
    """Byte-compile the sitegen package the children import (``PYTHONPATH`` picks it), as ``pip
    install`` does: with ``PYTHONDONTWRITEBYTECODE`` set (as on this machine) no ``.pyc`` is ever
    written, and every build would compile sitegen's ~30 modules from source (~0.13 CPU s, 8% of
    a 1,000-run build) — a cost an installed sitegen does not pay. Returns the package's folder."""
    code = "import compileall, os, sitegen; d = os.path.dirname(sitegen.__file__); " \
           "compileall.compile_dir(d, quiet=1); print(d)"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()


def timed_build(store: Path, site: Path, clean: bool = False, spy: Path | None = None) -> dict:
    """One build in a child process: wall seconds, the child's report, peak RSS and peak tree PSS
    (with ``spy``, under ``py-spy record --subprocesses``: folded stacks written to ``spy``)."""
    env = dict(os.environ)
    for var in ("SITEGEN_RUN_ID", "SOURCE_DATE_EPOCH"):
        env.pop(var, None)
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    cmd = [sys.executable, "-c", CHILD, str(store), str(site), "clean" if clean else "-"]
    if spy:
        cmd = [shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy")), "record", "--subprocesses", "--format", "raw", "--rate", "200",
               "--nonblocking", "--output", str(spy), "--", *cmd]
    p = subprocess.Popen(cmd,
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
    report = json.loads([x for x in out.decode().splitlines() if x.startswith("{")][-1])
    report.update(wall=wall, cpu=rusage.ru_utime + rusage.ru_stime, cpu_user=rusage.ru_utime, cpu_system=rusage.ru_stime, maxrss_mb=rusage.ru_maxrss / 1024,
                  pss_mb=peak[0] / 1024, load=load)
    return report


def _part(rel: str) -> str:
    """The part of the site a file belongs to: its first folder (two levels under data/), or "top"."""
    parts = rel.split("/")
    if len(parts) == 1:
        return "top"
    return "/".join(parts[:2]) if parts[0] == "data" and len(parts) > 2 else parts[0]


def site_stats(site: Path, runs: int | None = None) -> dict:
    """Sizes of a built site: every file (``site_mb``, build cache included), the published files
    (``published_mb``: what ``sitegen deploy`` commits, i.e. without the ``.sitegen*`` bookkeeping
    files and folders at the top), published KB a run, and published MB and files by part (``runs``, ``data/runs``, …)."""
    def sizes(folder: str) -> list[int]:
        d = site / folder
        return [e.stat().st_size for e in os.scandir(d)] if d.is_dir() else []
    run_pages = sizes("runs")
    total = files = published = 0
    parts: dict[str, list[int]] = {}
    for dirpath, _, names in os.walk(site):
        rel_dir = os.path.relpath(dirpath, site)
        for n in names:
            size = os.lstat(os.path.join(dirpath, n)).st_size
            total += size
            files += 1
            rel = n if rel_dir == "." else f"{rel_dir}/{n}"
            if rel.startswith(".sitegen"):  # build bookkeeping (a file or a folder at the top)
                continue
            published += size
            part = parts.setdefault(_part(rel), [0, 0])
            part[0] += size
            part[1] += 1
    index_js = site / "data" / "index.js"
    run_data = sizes("data/runs")
    return {"run_page_max_kb": max(run_pages) / 1024 if run_pages else None,
            "run_page_median_kb": statistics.median(run_pages) / 1024 if run_pages else None,
            "index_html_kb": (site / "index.html").stat().st_size / 1024,
            "index_js_kb": index_js.stat().st_size / 1024 if index_js.exists() else None,
            "run_data_max_kb": max(run_data) / 1024 if run_data else None,
            "site_mb": total / 2**20, "files": files, "published_mb": published / 2**20,
            "published_kb_per_run": published / 1024 / runs if runs else None,
            "parts": {k: {"mb": v[0] / 2**20, "files": v[1]} for k, v in sorted(parts.items())}}


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


def bench_size(n: int, repeat: int, jobs: int, new_best: bool = False, tag: str = "",
               remove: bool = False, profile: Path | None = None) -> dict:
    """Full, no-change and +1-run builds of the n-run store, ``repeat`` times, in work-<n><tag> and
    site-<n><tag> under make_store.ROOT (removed afterwards with ``remove``). With ``profile`` (a
    folder), every build runs under py-spy and its folded stacks are written there."""
    base = make_store.make_store(n, jobs=jobs)
    work = make_store.ROOT / f"work-{n}{tag}"
    site = make_store.ROOT / f"site-{n}{tag}"
    shutil.rmtree(work, ignore_errors=True)
    subprocess.run(["cp", "-al", str(base), str(work)], check=True)  # hard links: base untouched
    res: dict = {"runs": n, "full": [], "nochange": [], "incremental": [], "incremental_again": [], "new_best": []}

    def build(kind: str, k: int, clean: bool = False) -> dict:
        spy = profile / f"{n}-{kind}-{k}.txt" if profile else None
        r = timed_build(work, site, clean, spy)
        res[kind].append(r)
        return r
    try:
        for k in range(repeat):
            for folder in [site, *site.parent.glob(f".{site.name}.*")]:
                shutil.rmtree(folder, ignore_errors=True)
            r = build("full", k)
            print(f"  {n} runs: full build {r['wall']:.2f} s wall, {r['seconds']:.2f} s build, {r['cpu']:.2f} s CPU, "
                  f"maxrss {r['maxrss_mb']:.0f} MB, tree PSS {r['pss_mb']:.0f} MB, {r['pages_written']} pages, "
                  f"load {r['load']:.1f}", flush=True)
            r = build("nochange", k)
            print(f"  {n} runs: no-change {r['wall']:.2f} s wall, {r['seconds']:.2f} s build, {r['cpu']:.2f} s CPU, "
                  f"{r['files_written']} files written, load {r['load']:.1f}", flush=True)
            make_store.add_runs(work, 1, first_index=1_000_000 + k)
            r = build("incremental", k)
            print(f"  {n} runs: +1 run {r['wall']:.2f} s wall, {r['seconds']:.2f} s build, {r['cpu']:.2f} s CPU, "
                  f"{r['pages_written']} pages / {r['files_written']} files written, load {r['load']:.1f}", flush=True)
            make_store.add_runs(work, 1, first_index=2_000_000 + k)  # the steady state: not the first
            r = build("incremental_again", k)                        # patch build after a full one
            print(f"  {n} runs: +1 run again {r['wall']:.2f} s wall, {r['seconds']:.2f} s build, {r['cpu']:.2f} s CPU, "
                  f"{r['pages_written']} pages / {r['files_written']} files written, load {r['load']:.1f}", flush=True)
            if new_best:
                log_best_run(work, 0.99 + k / 1000)
                r = build("new_best", k)
                print(f"  {n} runs: new best run {r['wall']:.2f} s wall, {r['seconds']:.2f} s build, {r['cpu']:.2f} s CPU, "
                      f"{r['pages_written']} pages / {r['files_written']} files written", flush=True)
        res["site"] = site_stats(site, n + 2 * repeat)
    finally:
        if remove:
            for folder in [site, work, *site.parent.glob(f".{site.name}.*")]:  # the build's .prev/.tmp-*
                shutil.rmtree(folder, ignore_errors=True)
    return res


def progress_check(n: int, tag: str = "") -> dict:
    """`sitegen build --clean` on a pseudo-terminal (progress bar?) and on a pipe (one line?)."""
    import pty
    work = make_store.ROOT / f"work-{n}{tag}"
    site = make_store.ROOT / f"site-{n}{tag}"
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


def _phases(rows: list[dict], top: int = 6) -> str:
    """The ``top`` costliest build phases, median seconds over ``rows``: "plan 6.4, finish 5.7"."""
    names = {name for r in rows for name in r.get("phases", {})}
    meds = {name: statistics.median(r.get("phases", {}).get(name, 0.0) for r in rows) for name in names}
    return ", ".join(f"{name} {sec:.2f}" for name, sec in sorted(meds.items(), key=lambda x: -x[1])[:top])


def summary_row(r: dict) -> dict:
    """The figures of issue 17's table for one size: medians over the repetitions, peaks: maxima."""
    n = r["runs"]
    full, inc, nc, again = r["full"], r["incremental"], r["nochange"], r.get("incremental_again", [])
    site = r.get("site", {})
    return {"runs": n, "repeat": len(full),
            "full_wall": med(full, "wall"), "full_cpu": med(full, "cpu"), "full_build": med(full, "seconds"),
            "ms_per_run_wall": med(full, "wall") / n * 1000, "cpu_ms_per_run": med(full, "cpu") / n * 1000,
            "inc_wall": med(inc, "wall"), "inc_cpu": med(inc, "cpu"), "inc_files": med(inc, "files_written"),
            "nc_wall": med(nc, "wall"), "nc_cpu": med(nc, "cpu"),
            "inc2_wall": med(again, "wall") if again else None, "inc2_cpu": med(again, "cpu") if again else None,
            "maxrss_mb": max(x["maxrss_mb"] for x in full), "pss_mb": max(x["pss_mb"] for x in full),
            "site_mb": site.get("published_mb", site.get("site_mb")),
            "kb_per_run": site.get("published_kb_per_run"),
            "load": [min(x["load"] for x in full + inc + nc), max(x["load"] for x in full + inc + nc)]
            if all("load" in x for x in full + inc + nc) else None,
            "full_phases": _phases(full), "inc_phases": _phases(inc),
            "inc2_phases": _phases(again) if again else ""}


COLUMNS = [("full build wall / CPU s", lambda x: f"{x['full_wall']:.2f} / {x['full_cpu']:.2f}"),
           ("ms a run wall / CPU", lambda x: f"{x['ms_per_run_wall']:.2f} / {x['cpu_ms_per_run']:.2f}"),
           ("+1 run wall / CPU s", lambda x: f"{x['inc_wall']:.2f} / {x['inc_cpu']:.2f}"),
           ("+1 run again wall / CPU s",
            lambda x: f"{x['inc2_wall']:.2f} / {x['inc2_cpu']:.2f}" if x["inc2_wall"] is not None else "–"),
           ("no change wall / CPU s", lambda x: f"{x['nc_wall']:.2f} / {x['nc_cpu']:.2f}"),
           ("peak RSS MB (largest process / all, PSS)", lambda x: f"{x['maxrss_mb']:.0f} / {x['pss_mb']:.0f}"),
           ("site MB published", lambda x: f"{x['site_mb']:,.0f}" if x["site_mb"] is not None else "–"),
           ("KB a run", lambda x: f"{x['kb_per_run']:.1f}" if x["kb_per_run"] is not None else "–"),
           ("load (1-min, min–max)", lambda x: f"{x['load'][0]:.1f}–{x['load'][1]:.1f}" if x["load"] else "–"),
           ("repeats", lambda x: str(x["repeat"]))]


def table(results: list[dict], label: str = "") -> str:
    """Markdown: one row per size (issue 17's figures), CPU a run against the smallest size, phases."""
    rows = [summary_row(r) for r in results]
    lines = ["| runs | " + (" | ".join(c for c, _ in COLUMNS)) + " |",
             "| ---: |" + " ---: |" * len(COLUMNS)]
    for x in rows:
        lines.append(f"| {x['runs']:,}{' ' + label if label else ''} | " + " | ".join(f(x) for _, f in COLUMNS) + " |")
    if len(rows) > 1:
        first = rows[0]
        lines.append("\nCPU ms a run against " + f"{first['runs']:,} runs: " + ", ".join(
            f"{x['runs']:,}: {x['cpu_ms_per_run']:.2f} ({x['cpu_ms_per_run'] / first['cpu_ms_per_run'] - 1:+.0%})"
            for x in rows))
    lines.append("")
    for x in rows:
        lines.append(f"- {x['runs']:,} runs, phases (median s): full: {x['full_phases']}; +1 run: {x['inc_phases']}"
                     + (f"; +1 run again: {x['inc2_phases']}" if x["inc2_phases"] else ""))
    return "\n".join(lines)


def compare(files: list[Path]) -> str:
    """One table of several benchmark outputs (``--label`` of each run), rows by size then label."""
    sets = []
    for f in files:
        data = json.loads(f.read_text())
        sets.append((data.get("label") or f.stem, {r["runs"]: summary_row(r) for r in data["results"]}))
    sizes = sorted({n for _, by in sets for n in by})
    lines = ["| runs | tree | " + (" | ".join(c for c, _ in COLUMNS)) + " |",
             "| ---: | --- |" + " ---: |" * len(COLUMNS)]
    for n in sizes:
        for label, by in sets:
            if n in by:
                lines.append(f"| {n:,} | {label} | " + " | ".join(f(by[n]) for _, f in COLUMNS) + " |")
    return "\n".join(lines)


_FRAME = re.compile(r"^(.+) \((.+):\d+\)$")  # py-spy's "function (file:line)"


def top_costs(folded: Path, n: int = 25) -> str:
    """The costliest functions of a py-spy folded-stack file (lines of a function merged): share of
    the samples inclusive and self. Frames that are not functions (processes, threads) are left out."""
    incl: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in folded.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit() or ";" not in stack:
            continue
        c = int(count)
        frames = [f"{m[1]} ({m[2]})" for m in map(_FRAME.match, stack.split(";")) if m]
        if not frames:
            continue
        total += c
        for f in set(frames):
            incl[f] = incl.get(f, 0) + c
        own[frames[-1]] = own.get(frames[-1], 0) + c
    if not total:
        return "(no samples)"
    out = [f"{folded.name}: {total} samples", "inclusive:"]
    out += [f"  {v / total:5.1%}  {k}" for k, v in sorted(incl.items(), key=lambda x: -x[1])[:n]]
    out.append("self:")
    out += [f"  {v / total:5.1%}  {k}" for k, v in sorted(own.items(), key=lambda x: -x[1])[:n]]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=4, help="writer processes for new stores")
    ap.add_argument("--progress-check", action="store_true",
                    help="also run `sitegen build --clean` on a pipe and on a pseudo-terminal (largest size)")
    ap.add_argument("--new-best", action="store_true", help="also time the build after a new best run")
    ap.add_argument("--out", type=Path, default=HERE / "out" / "build.json")
    ap.add_argument("--label", default="", help="name of the tree measured (e.g. before, after): kept in --out "
                    "and used for the work/site folders (work-<N>-<label>), so two trees never share them")
    ap.add_argument("--remove", action="store_true", help="remove the work copy and the site after each size")
    ap.add_argument("--profile", type=Path, default=None, metavar="DIR",
                    help="run every build under `py-spy record --subprocesses` (pip install py-spy): folded "
                    "stacks in DIR, top functions printed; the times are then a profile's, not a benchmark's")
    ap.add_argument("--compare", type=Path, nargs="+", default=None, metavar="JSON",
                    help="only print one table of earlier --out files (e.g. before.json after.json)")
    args = ap.parse_args()
    if args.progress_check and args.remove:
        ap.error("--progress-check needs the work copy: drop --remove")
    if args.compare:
        print(compare(args.compare))
        return
    print(f"sitegen measured: {compile_package()} (byte-compiled)", flush=True)
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    results = []
    tag = f"-{args.label}" if args.label else ""
    for n in args.sizes:
        results.append(bench_size(n, args.repeat, args.jobs, args.new_best, tag, args.remove, args.profile))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                        "label": args.label, "load_before": load, "results": results}, indent=1))
    extra = {}
    if args.progress_check:
        extra["progress"] = progress_check(max(args.sizes), tag)
        print(json.dumps(extra["progress"], indent=1))
    load_after = os.getloadavg()
    print(f"load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    print(table(results))
    if args.profile:
        for f in sorted(args.profile.glob("*.txt")):
            print(top_costs(f))
    args.out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                    "label": args.label, "load_before": load, "load_after": load_after,
                                    "results": results, **extra}, indent=1))


if __name__ == "__main__":
    main()
