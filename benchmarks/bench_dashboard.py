"""The big dashboard in headless Chromium: time to open (grid rows on screen), to sort and to filter.

    python benchmarks/bench_dashboard.py                       # /tmp/sitegen-bench/site-10000
    python benchmarks/bench_dashboard.py --site site --repeat 7
    python benchmarks/bench_dashboard.py --charts              # learning curves, smoothing, compare.html
    python benchmarks/bench_dashboard.py --sweep                # /tmp/sitegen-bench/site-10000-sweep
    python benchmarks/bench_dashboard.py --sweep --site /tmp/sitegen-bench/dash-after --repeat 3

The site is opened from ``file://`` (the hardest case: no HTTP cache, ``<script src>`` data files).
If ``--site`` does not exist it is built from the 10,000-run synthetic store (benchmarks/make_store.py).

Measured in the page with ``performance.now()`` (milliseconds since navigation start):

- **open**: a ``MutationObserver`` installed before any page script records when the first screen of
  grid rows (20 ``#grid tbody tr[data-id]``, or every run once the grid no longer says "Loading") is in; "open (frame)" is the next ``requestAnimationFrame`` after
  it (the frame that paints the rows); "main thread free" is when a ``setTimeout(0)`` queued at that
  moment runs (a click on the grid is answered no earlier: charts drawing below keep the thread busy).
  ``DOMContentLoaded`` and ``load`` are reported too, and the longest main-thread task
  (``PerformanceObserver`` "longtask") until 1 s after ``load``: the worst wait for a click meanwhile.
- **sort**: click a column header; time from just before the click until the grid body has changed
  (a ``MutationObserver`` on ``tbody``; a sort still "Sorting…" in slices does not count), and until
  the next animation frame.
- **filter**: set the filter box and fire ``input``; time until the grid body has changed (this
  includes the grid's 60 ms typing debounce), and until the next frame.

Each figure is the median over ``--repeat`` fresh browser contexts (sort and filter: every action
once per context, each after the page has had no long task for 0.5 s, as when a person reads the
grid before clicking; one more figure clears the filter at once while charts draw: the worst case). Writes benchmarks/out/dashboard.json.

``--charts`` measures the charts of many runs instead (benchmarks/out/charts.json), each in a fresh
context, medians over ``--repeat``:

- **50 learning curves**: the dashboard's "loss" chart of learning curves draws the first 50 runs the
  grid shows (1,000 points each: 50,000 points). Time from scrolling it into view until it is drawn
  (its 50 ``data/runs/<id>.js`` files loaded by ``<script>``, the chart made and drawn), and the same
  chart drawn again with the data loaded (the drawing alone, what a new grid filter costs);
- **smoothing**: the page-wide smoothing set to 0.6 (its ``change`` event) until the chart is drawn
  again;
- **compare.html with 25 runs**: from navigation start until the comparison is ready (its runs' data
  files loaded, the table and every section made: ``#compare-body[data-ready]``), and until its first
  chart is drawn.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

INIT = """
(() => {
  window.__sg = {long: []};
  try {
    new PerformanceObserver(l => l.getEntries().forEach(e => window.__sg.long.push([e.startTime, e.duration])))
      .observe({type: 'longtask', buffered: true});
  } catch (e) {}
  const seen = () => {
    // the grid's first screen of rows: 20 rows (or every run, when fewer; the grid loads in shards)
    const count = document.querySelectorAll('#grid tbody tr[data-id]').length;
    const status = (document.getElementById('grid-status') || {}).textContent || '';
    if (!count || window.__sg.rows || (count < 20 && /Loading/.test(status))) return;
    window.__sg.rows = performance.now();
    window.__sg.count = count;
    requestAnimationFrame(() => { window.__sg.frame = performance.now(); });
    setTimeout(() => { window.__sg.idle = performance.now(); }, 0);
    obs.disconnect();
  };
  const obs = new MutationObserver(seen);
  obs.observe(document, {childList: true, subtree: true});
  const charted = new MutationObserver(() => {  // the first chart drawn (Vega or plain SVG: data-drawn)
    const drawn = [...document.querySelectorAll('main [data-drawn]')];
    if (drawn.length && !window.__sg.chart) window.__sg.chart = performance.now();
    // ... and the first drawn from every row (not the preview drawn while the rows load)
    if (drawn.some(d => !d.closest('.pc-preview'))) { window.__sg.chartAll = performance.now(); charted.disconnect(); }
  });
  charted.observe(document, {attributes: true, attributeFilter: ['data-drawn'], subtree: true});
})();
"""

ACTION = """
async ([kind, arg]) => {
  const tbody = document.querySelector('#grid tbody');
  const changed = new Promise(resolve => {  // (a sort in slices shows the old rows and "Sorting…" meanwhile)
    const o = new MutationObserver(() => {
      if (/^Sorting/.test(document.getElementById('grid-status').textContent)) return;
      o.disconnect(); resolve(performance.now());
    });
    o.observe(tbody, {childList: true, subtree: true, characterData: true});
  });
  let t0;
  if (kind === 'sort') {
    const th = [...document.querySelectorAll('#grid thead th')].find(t => t.textContent.trim().replace(/ [▾▴]$/, '') === arg);
    if (!th) throw new Error('no column ' + arg);
    t0 = performance.now();
    th.click();
  } else if (kind === 'group') {
    const sel = document.getElementById('grid-group');
    if (!sel) return null;  // a theme before group-by
    t0 = performance.now();
    sel.value = arg;
    sel.dispatchEvent(new Event('change', {bubbles: true}));
  } else {
    const box = document.getElementById('grid-filter');
    t0 = performance.now();
    box.value = arg;
    box.dispatchEvent(new Event('input', {bubbles: true}));
  }
  const t1 = await changed;
  const t2 = await new Promise(r => requestAnimationFrame(() => r(performance.now())));
  const first = tbody.querySelector('tr[data-id]');
  return {dom: t1 - t0, frame: t2 - t0, rows: document.getElementById('grid-status').textContent,
          first: first ? first.getAttribute('data-id') : null};
}
"""

SETTLE = """
async (quiet) => {
  // wait until no long task for `quiet` ms from now on (at most 10 s): charts draw lazily, one per task
  const t0 = performance.now();
  for (;;) {
    const now = performance.now();
    const last = window.__sg.long.reduce((m, [s, d]) => Math.max(m, s + d), t0);
    if (now - last >= quiet || now - t0 > 10000) return now - t0;
    await new Promise(r => setTimeout(r, 50));
  }
}
"""

DRAW_ALL = """
async () => {
  // scroll down the page a screen at a time (as a reader does) until every chart box is drawn
  const t0 = performance.now(), from = window.__sg.long.length;
  const boxes = () => [...document.querySelectorAll('main .vega-box, main .pc-box')];
  for (let i = 0; i < 400; i++) {
    const left = boxes().filter(b => !b.getAttribute('data-drawn') && !b.textContent.trim().startsWith('Chart failed'));
    if (!left.length) break;
    left[0].scrollIntoView({block: 'center'});
    await new Promise(r => setTimeout(r, 250));
  }
  const n = boxes().length, drawn = boxes().filter(b => b.getAttribute('data-drawn')).length;
  window.scrollTo(0, 0);
  const long = window.__sg.long.slice(from).reduce((m, [, d]) => Math.max(m, d), 0);
  return {ms: performance.now() - t0, boxes: n, drawn: drawn, long: long};
}
"""

SORTS = [("Accuracy", "sort Accuracy (number)"), ("Name", "sort Name (text)"), ("#", "sort # (number)")]
FILTERS = [# worst case first: with no row left, the charts below the grid come into view for the first
           # time and start drawing (one per task); the filter is cleared at once, while they draw
           ("zzz", None), ("", "clear filter at once after 'zzz' (charts drawing)"),
           ("run-12", "filter 'run-12' (111 rows)"), ("completed", "filter 'completed' (all rows)"),
           ("zzz", "filter 'zzz' (no row)"), ("", "clear filter")]


# --sweep: the site of benchmarks/make_store.py --sweep (10,000 runs, 20 parameters, 10 metrics each)
SWEEP_ACTIONS = [("filter", 'Accuracy > 0.9 and params.model = "tree"',
                  'query \'Accuracy > 0.9 and params.model = "tree"\''),
                 ("filter", "", None),
                 ("group", "p:config", "group by config (200 groups)"),
                 ("sort", "Accuracy", "sort 200 groups by Accuracy (mean)"),
                 ("filter", "params.lr < 0.01", "query 'params.lr < 0.01' while grouped"),
                 ("filter", "", None),
                 ("group", "p:model", "group by model (5 groups)"),
                 ("group", "", "ungroup")]


def ensure_site(site: Path, sweep: bool = False) -> Path:
    if (site / "index.html").exists():
        return site
    import make_store
    from sitegen.config import Config
    from sitegen.store import Store
    from sitegen.site.build import build_site
    store = make_store.make_store(10000, sweep=sweep, points=100 if sweep else 1000)
    print(f"building {site} from {store} ...", flush=True)
    r = build_site(Store(store), site, Config())
    print(r.summary(), flush=True)
    return site


def measure(site: Path, repeat: int, sweep: bool = False) -> dict:
    from playwright.sync_api import sync_playwright
    url = (site / "index.html").absolute().as_uri()
    res: dict[str, list] = {}
    errors: list[str] = []
    outside: list[str] = []

    def add(key: str, value) -> None:
        res.setdefault(key, []).append(value)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            for _ in range(repeat):
                ctx = browser.new_context(viewport={"width": 1400, "height": 900})
                page = ctx.new_page()
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("file:", "data:", "blob:")) else None)
                page.add_init_script(INIT)
                page.goto(url, wait_until="load")
                page.wait_for_function("window.__sg && window.__sg.frame && window.__sg.idle", timeout=60_000)
                t = page.evaluate("""() => {
                  const nav = performance.getEntriesByType('navigation')[0];
                  return {rows: __sg.rows, frame: __sg.frame, idle: __sg.idle, count: __sg.count,
                          dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
                          box: document.getElementById('grid-scroll').clientHeight,
                          drawn: [...document.querySelectorAll('#grid tbody tr[data-id]')]
                                 .reduce((h, tr) => h + tr.getBoundingClientRect().height, 0),
                          status: document.getElementById('grid-status').textContent};
                }""")
                add("open (rows in DOM)", t["rows"])
                page.wait_for_function("window.__sg.chartAll", timeout=60_000)
                add("first chart drawn", page.evaluate("__sg.chart"))
                add("first chart drawn from every row", page.evaluate("__sg.chartAll"))
                add("open (rows painted)", t["frame"])
                add("main thread free after open", t["idle"])
                add("DOMContentLoaded", t["dcl"])
                add("load", t["load"])
                res.setdefault("_status", []).append(t["status"])
                res.setdefault("_rows_drawn", []).append(t["count"])
                # the rows drawn must cover the grid's box (else part of it stays blank until a scroll)
                res.setdefault("_box_filled", []).append(t["drawn"] >= t["box"] - 40)
                page.wait_for_timeout(1000)
                lt = page.evaluate("window.__sg.long")
                add("longest main-thread task in the first seconds", max((d for _, d in lt), default=0))
                add("end of the last long task (page settled)", max((s + d for s, d in lt), default=0))
                for col, label in SORTS:
                    page.evaluate(SETTLE, 500)
                    r = page.evaluate(ACTION, ["sort", col])
                    add(label, r["dom"])
                    add(label + " + frame", r["frame"])
                for q, label in FILTERS:
                    if not (label or "").startswith("clear filter at once"):
                        page.evaluate(SETTLE, 500)
                    r = page.evaluate(ACTION, ["filter", q])
                    if label is None:
                        continue
                    add(label, r["dom"])
                    add(label + " + frame", r["frame"])
                    res.setdefault("_filter_status", []).append(r["rows"])
                for kind, arg, label in SWEEP_ACTIONS if sweep else []:
                    page.evaluate(SETTLE, 500)
                    r = page.evaluate(ACTION, [kind, arg])
                    if label is None or r is None:
                        continue
                    add(label, r["dom"])
                    add(label + " + frame", r["frame"])
                    res.setdefault("_sweep_status", []).append([label, r["rows"]])
                lt = page.evaluate("window.__sg.long")
                add("longest task: opening, sorting, filtering", max((d for _, d in lt), default=0))
                page.evaluate(SETTLE, 500)
                r = page.evaluate(DRAW_ALL)
                add("every chart drawn (scrolling down, 250 ms a screen)", r["ms"])
                add("longest task while drawing every chart", r["long"])
                res.setdefault("_charts_drawn", []).append([r["drawn"], r["boxes"]])
                page.evaluate(SETTLE, 500)
                cdp = ctx.new_cdp_session(page)
                add("_JS heap used after every chart, MB", cdp.send("Runtime.getHeapUsage")["usedSize"] / 2**20)
                cdp.send("HeapProfiler.collectGarbage")
                add("_JS heap used after every chart and a GC, MB", cdp.send("Runtime.getHeapUsage")["usedSize"] / 2**20)
                cdp.detach()
                ctx.close()
        finally:
            browser.close()
    out = {k: statistics.median(v) for k, v in res.items() if not k.startswith("_")}
    heap = {k[1:]: statistics.median(v) for k, v in res.items() if k.startswith("_JS heap")}
    return {"medians_ms": out, "heap_mb": heap, "raw": res, "console_errors": errors[:20], "outside_requests": outside[:20],
            "index_js_kb": (site / "data" / "index.js").stat().st_size / 1024,
            "index_shards_kb": sum(f.stat().st_size for f in (site / "data" / "index").glob("*.js")) / 1024
            if (site / "data" / "index").is_dir() else 0,
            "index_html_kb": (site / "index.html").stat().st_size / 1024}


CURVES = "#charts-curves figure[data-chart='curves:loss'] .vega-box"
DRAWN = """([sel, n]) => { const b = document.querySelector(sel); return b && Number(b.getAttribute('data-drawn')) >= n; }"""
TIMED_DRAW = """async ([sel, action]) => {
  const box = document.querySelector(sel), n = Number(box.getAttribute('data-drawn')) || 0;
  const t0 = performance.now();
  if (action === 'scroll') box.scrollIntoView();
  else if (action === 'redraw') SitegenChartControls.refresh(c => c.box === box);
  else { const s = document.querySelector('.chart-settings input[data-opt=smooth]'); s.value = action;
         s.dispatchEvent(new Event('change')); }
  await new Promise(resolve => { const o = new MutationObserver(() => {
    if (Number(box.getAttribute('data-drawn')) > n) { o.disconnect(); resolve(); } });
    o.observe(box, {attributes: true}); });
  const t1 = performance.now();
  await new Promise(r => requestAnimationFrame(() => r()));
  return {ms: t1 - t0, frame: performance.now() - t0, lines: box.querySelectorAll("path[aria-roledescription='line mark']").length,
          rows: box._sgView.data('curves').length};
}"""


COMPARE_INIT = """
(() => {
  window.__cmp = {};
  const o = new MutationObserver(() => {
    const b = document.getElementById('compare-body');
    if (!__cmp.ready && b && b.getAttribute('data-ready')) __cmp.ready = performance.now();
    if (!__cmp.chart && document.querySelector('.vega-box[data-drawn]')) { __cmp.chart = performance.now(); o.disconnect(); }
  });
  o.observe(document, {childList: true, subtree: true, attributes: true});
})();
"""


def index_rows(site: Path) -> list[dict]:
    """The grid's rows: data/index.js's "runs" (a site before the shards), else its shards' rows."""
    from sitegen.site.index_shards import read_index
    text = (site / "data" / "index.js").read_text("utf-8")
    index = json.loads(text.split("=", 1)[1].rstrip().rstrip(";"))
    return index["runs"] if "runs" in index else read_index(site)["runs"]


def measure_charts(site: Path, repeat: int) -> dict:
    from playwright.sync_api import sync_playwright
    ids = [r["id"] for r in index_rows(site)][-25:]
    res: dict[str, list] = {}
    errors: list[str] = []

    def add(key: str, value) -> None:
        res.setdefault(key, []).append(value)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            for _ in range(repeat):
                ctx = browser.new_context(viewport={"width": 1400, "height": 900})
                page = ctx.new_page()
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.add_init_script(INIT)
                page.goto((site / "index.html").absolute().as_uri(), wait_until="load")
                page.wait_for_function("window.__sg && window.__sg.idle", timeout=60_000)
                add("dashboard: grid rows in the DOM", page.evaluate("__sg.rows"))
                page.evaluate(SETTLE, 500)
                r = page.evaluate(TIMED_DRAW, [CURVES, "scroll"])
                add("50 learning curves: scrolled into view -> drawn (50 data files loaded)", r["ms"])
                res.setdefault("_lines", []).append([r["lines"], r["rows"]])
                page.evaluate(SETTLE, 300)
                add("50 learning curves drawn again (data loaded)", page.evaluate(TIMED_DRAW, [CURVES, "redraw"])["ms"])
                page.evaluate(SETTLE, 300)
                add("smoothing 0 -> 0.6 -> drawn", page.evaluate(TIMED_DRAW, [CURVES, "0.6"])["ms"])
                page.evaluate(SETTLE, 300)
                add("smoothing 0.6 -> 0.9 -> drawn", page.evaluate(TIMED_DRAW, [CURVES, "0.9"])["ms"])
                lt = page.evaluate("window.__sg.long")
                add("longest main-thread task (dashboard, curves, smoothing)", max((d for _, d in lt), default=0))
                ctx.close()
                ctx = browser.new_context(viewport={"width": 1400, "height": 900})
                page = ctx.new_page()
                page.on("pageerror", lambda e: errors.append(str(e)))
                requested: list[str] = []
                page.on("request", lambda q: requested.append(q.url))
                page.add_init_script(COMPARE_INIT)
                page.goto((site / "compare.html").absolute().as_uri() + "#ids=" + ",".join(ids))
                page.wait_for_selector("#compare-body[data-ready='25']", timeout=60_000)
                add("compare.html, 25 runs: ready (table and sections)", page.evaluate("__cmp.ready"))
                page.wait_for_function("window.__cmp.chart", timeout=60_000)
                add("compare.html, 25 runs: first chart drawn", page.evaluate("__cmp.chart"))
                root = (site.absolute().as_uri() + "/")
                res.setdefault("_compare_kb", []).append(sum(
                    (site / u[len(root):]).stat().st_size for u in requested if u.startswith(root)) / 1024)
                ctx.close()
        finally:
            browser.close()
    out = {k: statistics.median(v) for k, v in res.items() if not k.startswith("_")}
    return {"medians_ms": out, "raw": res, "page_errors": errors[:20]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--site", type=Path, default=Path("/tmp/sitegen-bench/site-10000"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", type=Path, default=None,
                    help="default: benchmarks/out/dashboard.json (charts.json, dashboard-sweep.json)")
    ap.add_argument("--charts", action="store_true", help="learning curves, smoothing and compare.html instead")
    ap.add_argument("--sweep", action="store_true",
                    help="the sweep site (/tmp/sitegen-bench/site-10000-sweep unless --site): also time "
                         "queries, group-by into 200 and 5 groups, sorting groups")
    args = ap.parse_args()
    if args.sweep and args.site == ap.get_default("site"):
        args.site = Path("/tmp/sitegen-bench/site-10000-sweep")
    site = ensure_site(args.site, args.sweep)
    load = os.getloadavg()
    if args.charts:
        r = measure_charts(site, args.repeat)
        r["load_before"], r["date"] = load, time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        print(f"load average before: {load[0]:.2f}; lines, rows drawn: {r['raw']['_lines'][0]}; "
              f"compare.html data loaded: {r['raw']['_compare_kb'][0]:.0f} KB")
        print("| measure | median, ms |\n| --- | ---: |")
        for k, v in r["medians_ms"].items():
            print(f"| {k} | {v:.1f} |")
        print(f"page errors: {len(r['page_errors'])}")
        out = args.out or HERE / "out" / "charts.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(r, indent=1))
        return
    args.out = args.out or HERE / "out" / f"dashboard{'-sweep' if args.sweep else ''}.json"
    r = measure(site, args.repeat, args.sweep)
    r["load_before"] = load
    r["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"load average before: {load[0]:.2f}; grid: {r['raw']['_status'][0]}; "
          f"rows drawn: {r['raw']['_rows_drawn'][0]}; grid box filled: {all(r['raw']['_box_filled'])}; "
          f"index.js {r['index_js_kb']:.0f} KB")
    print("| measure | median, ms |\n| --- | ---: |")
    for k, v in r["medians_ms"].items():
        print(f"| {k} | {v:.1f} |")
    for k, v in r["heap_mb"].items():
        print(f"| {k} | {v:.1f} |")
    print(f"charts drawn / boxes: {r['raw']['_charts_drawn'][0]}; index.js {r['index_js_kb']:.0f} KB + shards "
          f"{r['index_shards_kb']:.0f} KB")
    print(f"console errors: {len(r['console_errors'])}; requests outside the site: {len(r['outside_requests'])}")
    for label, status in r["raw"].get("_sweep_status", [])[:len(SWEEP_ACTIONS)]:
        print(f"  {label}: {status}")
    r["load_after"] = os.getloadavg()
    print(f"load average after: {r['load_after'][0]:.2f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(r, indent=1))


if __name__ == "__main__":
    main()
