"""A report with 10 embeds over the 10,000-run synthetic store: build, open in Chromium, reload while
serving.

    python benchmarks/bench_reports.py                  # /tmp/sitegen-bench/store-10000, 5 repeats
    python benchmarks/bench_reports.py --runs 1000 --repeat 3

The store comes from benchmarks/make_store.py (reused); the project (sitegen.toml pointing at the
store, reports/bench.md) and its site live in /tmp/sitegen-bench/reports-<N>/. Measured:

- **build**: ``sitegen build`` after the report was edited (one line changed), in a fresh process
  (wall: interpreter start, imports and the build) and ``BuildResult.seconds``, with the build's
  ``plan`` phase (where reports are resolved), and the CPU seconds of the process (what a shared
  machine cannot inflate as much); and the same for a no-change build (the floor).
  The report's own cost (parse, ten queries over every run, Markdown, the page data) is
  ``report_resolve``: ``resolve()`` in process over the runs' summaries.
- **open**: ``file://`` page in headless Chromium, from navigation start until the charts on the first
  screen are drawn (charts draw as they come near the screen), and until every chart is drawn
  (``SitegenCharts.drawAll()``, as before printing); medians over fresh pages.
- **reload**: ``sitegen serve --site-dir`` on the built site; the report is edited and saved; time
  from the save until the open page has reloaded and drawn its first screen again.

Prints a Markdown table and writes benchmarks/out/reports.json.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import make_store  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
REPORT = """---
title: Ten embeds over every run
author: bench
date: 2026-12-01
description: The benchmark report of benchmarks/bench_reports.py.
---
# Findings

The best run is [this one](run:best). Edit counter: 0

```sitegen-chart
series: loss
runs: Accuracy > 0.939
smoothing: 0.6
```

```sitegen-chart
series: loss
runs: [best, 1, 2, 3]
y: log
```

```sitegen-chart
value: Accuracy
x: Regularization Rate
x-scale: log
```

```sitegen-chart
value: Accuracy
x: optimizer_momentum
runs: epochs < 12
```

```sitegen-table
columns: Accuracy, Regularization Rate, batch_size, epochs
sort: -Accuracy
limit: 20
```

```sitegen-table
runs: Accuracy > 0.93
group-by: batch_size
columns: Accuracy, optimizer_momentum
```

```sitegen-compare
runs: [best, 2, 3]
```

```sitegen-compare
runs: [1, 2, 3, 4]
diff-only: true
```

```sitegen-parallel
runs: Accuracy > 0.9
columns: batch_size, epochs, optimizer_momentum, Accuracy
```

```sitegen-parallel
runs: epochs = 10
columns: Regularization Rate, batch_size, Accuracy
```
"""
CHARTS = [0, 1, 2, 3, 8, 9]

BUILD = r"""
import json, sys, time
from pathlib import Path
from sitegen.config import load_config
from sitegen.store import Store
from sitegen.site.build import build_site
config = load_config(Path(sys.argv[1]))
r = build_site(Store(config.base_dir / config.store), Path(sys.argv[2]), config)
import resource
u = resource.getrusage(resource.RUSAGE_SELF)
c = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": r.seconds, "warnings": r.warnings, "phases": r.phases,
                  "pages_written": r.pages_written,
                  "cpu": u.ru_utime + u.ru_stime + c.ru_utime + c.ru_stime}))
"""

RESOLVE = r"""
import json, sys, time
from pathlib import Path
from sitegen.commands.common import open_store
from sitegen.config import load_config
from sitegen.site.report_runs import load_runs
from sitegen.site.reports import Runs, load_sources, resolve
config = load_config(Path(sys.argv[1]))
runs = load_runs(open_store(config.base_dir / config.store), config)
src = load_sources(config)["bench"]
import gc
gc.freeze()  # as in a build: the collector does not scan the 10,000 summaries again and again
gc.disable()
times, cpu = [], []
for _ in range(5):
    runs = Runs(runs.runs, primary=runs.primary, goal=runs.goal)  # rows, best made again: as a build
    t, c = time.perf_counter(), time.process_time()
    page = resolve(src, runs)
    times.append(time.perf_counter() - t)
    cpu.append(time.process_time() - c)
print(json.dumps({"seconds": sorted(times)[2], "cpu": sorted(cpu)[2], "warnings": page.warnings}))
"""


def project(runs: int) -> tuple[Path, Path]:
    store = make_store.make_store(runs)
    proj = make_store.ROOT / f"reports-{runs}"
    (proj / "reports").mkdir(parents=True, exist_ok=True)
    (proj / "sitegen.toml").write_text(f'title = "Bench"\nstore = "{store}"\nprimary_metric = "Accuracy"\n')
    (proj / "reports" / "bench.md").write_text(REPORT)
    return proj, proj / "site"


def edit(proj: Path, n: int) -> None:
    path = proj / "reports" / "bench.md"
    path.write_text(re.sub(r"Edit counter: \d+", f"Edit counter: {n}", path.read_text()))


def build(proj: Path, site: Path) -> dict:
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", BUILD, str(proj), str(site)], check=True,
                         capture_output=True, text=True, cwd=proj)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    data["wall"] = time.perf_counter() - t
    return data


def drawn_js() -> str:
    return "() => window.SGReport && " + " && ".join(f"SGReport.drawn[{i}]" for i in CHARTS)


FIRST_SCREEN = """() => window.SGReport && [...document.querySelectorAll('.sg-embed[data-embed] .sg-vega')]
  .filter(b => b.getBoundingClientRect().top < innerHeight)
  .every(b => b.closest('.sg-embed').hasAttribute('data-drawn'))"""


def measure_open(site: Path, repeat: int) -> tuple[list[float], list[float]]:
    """Seconds from navigation start until the charts on the first screen are drawn (the others
    draw as they come near the screen), and until all are (SitegenCharts.drawAll: as before
    printing)."""
    from playwright.sync_api import sync_playwright
    first, every = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(repeat):
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.goto((site / "reports" / "bench.html").as_uri())
            page.wait_for_function(FIRST_SCREEN, timeout=60_000, polling=10)
            first.append(page.evaluate("() => performance.now()") / 1000)
            page.evaluate("() => SitegenCharts.drawAll()")
            page.wait_for_function(drawn_js(), timeout=60_000, polling=10)
            every.append(page.evaluate("() => performance.now()") / 1000)
            page.context.close()
        browser.close()
    return first, every


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure_reload(proj: Path, site: Path, repeat: int) -> list[float]:
    from playwright.sync_api import sync_playwright
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITEGEN_")}
    err = open(proj / "serve.err", "wb")
    server = subprocess.Popen([sys.executable, "-m", "sitegen", "serve", "--port", str(port),
                               "--site-dir", str(site)], cwd=proj, env=env,
                              stdout=subprocess.DEVNULL, stderr=err)
    url = f"http://127.0.0.1:{port}/reports/bench.html"
    out = []
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"serve did not start: {(proj / 'serve.err').read_text()}")
                time.sleep(0.3)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(url)
            for k in range(repeat):
                page.wait_for_function("() => window.LiveReload && window.LiveReload.connector"
                                       " && window.LiveReload.connector.protocol", timeout=30_000)
                page.wait_for_function(FIRST_SCREEN, timeout=60_000)
                time.sleep(1.5)  # the watcher's cold scan and the last build are over
                n = 1000 + k
                t = time.perf_counter()
                edit(proj, n)
                page.wait_for_function(f"() => document.body.textContent.includes('Edit counter: {n}')",
                                       timeout=60_000, polling=20)
                page.wait_for_function(FIRST_SCREEN, timeout=60_000, polling=20)
                out.append(time.perf_counter() - t)
            browser.close()
    finally:
        server.terminate()
        server.wait(30)
        err.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    opts = parser.parse_args()
    proj, site = project(opts.runs)
    first = build(proj, site)  # full (or catch-up) build: not measured
    assert first["warnings"] == 0, first
    edited, same = [], []
    for k in range(opts.repeat):
        edit(proj, k + 1)
        edited.append(build(proj, site))
        same.append(build(proj, site))
    resolve = subprocess.run([sys.executable, "-c", RESOLVE, str(proj), str(site)], check=True,
                             capture_output=True, text=True, cwd=proj)
    resolved = json.loads(resolve.stdout.strip().splitlines()[-1])
    opened, opened_all = measure_open(site, opts.repeat)
    reloads = measure_reload(proj, site, max(3, opts.repeat // 2))
    med = statistics.median
    result = {
        "runs": opts.runs, "load": os.getloadavg(),
        "report_resolve": resolved["seconds"], "report_resolve_cpu": resolved["cpu"],
        "build_after_edit": {"wall": med(e["wall"] for e in edited), "build": med(e["seconds"] for e in edited),
                             "plan": med(e["phases"].get("plan", 0) for e in edited),
                             "cpu": med(e["cpu"] for e in edited),
                             "pages_written": edited[0]["pages_written"]},
        "build_no_change": {"wall": med(e["wall"] for e in same), "build": med(e["seconds"] for e in same),
                            "cpu": med(e["cpu"] for e in same)},
        "open": med(opened), "open_every_chart": med(opened_all), "open_runs": [opened, opened_all],
        "reload": med(reloads), "reload_all": reloads,
    }
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "reports.json").write_text(json.dumps(result, indent=1))
    b, n = result["build_after_edit"], result["build_no_change"]
    print(f"| {opts.runs} runs, 10 embeds | median |\n|---|---|")
    print(f"| report resolved (parse, queries, Markdown): wall / CPU | {result['report_resolve'] * 1000:.0f} ms / "
          f"{result['report_resolve_cpu'] * 1000:.0f} ms |")
    print(f"| `build` after editing the report: wall / build_site / plan phase / CPU | "
          f"{b['wall']:.2f} s / {b['build']:.2f} s / {b['plan']:.2f} s / {b['cpu']:.2f} s ({b['pages_written']} page written) |")
    print(f"| `build`, nothing changed: wall / build_site / CPU | {n['wall']:.2f} s / {n['build']:.2f} s / {n['cpu']:.2f} s |")
    print(f"| open in Chromium (file://): first screen drawn / every chart drawn | "
          f"{result['open']:.2f} s / {result['open_every_chart']:.2f} s |")
    print(f"| save → reloaded, first screen drawn (`sitegen serve`) | {result['reload']:.2f} s |")
    print(f"load average: {' '.join(f'{x:.2f}' for x in result['load'])}")


if __name__ == "__main__":
    main()
