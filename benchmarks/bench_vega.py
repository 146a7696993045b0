"""How the charts' library costs a page (issue 19): compare.html of 3 runs and the dashboard's first Vega chart.

    python benchmarks/bench_vega.py --site /tmp/sitegen-bench/site-50000-sweep --repeat 5
    python benchmarks/bench_vega.py --site SITE --only compare

Headless Chromium from ``file://``, 1400 × 900, a fresh browser context per repetition; times from
``performance.now()`` in the page, long tasks from the Long Tasks API (an observer installed before
any page script). Medians over ``--repeat``; raw numbers in benchmarks/out/vega.json.

- **compare.html, 3 runs** (three runs of one shard of the grid's data): *ready* = navigation start
  until ``#compare-body[data-ready]``; *KB at ready* = the sizes of the files its script and style
  elements name at that moment (and the page); then its first chart is scrolled into view at once:
  *first chart* = scroll until drawn (Vega loaded and warmed up if it was not yet); then the page is
  scrolled to the end, every chart drawn: *KB in all* (every file requested) and the *longest task*.
- **dashboard, first Vega chart**: the dashboard opened, every grid row in (its charts made), 1.5 s
  of quiet, then the learning curves scrolled into view: *scroll -> drawn*; the first chart's
  ``vegaEmbed`` call until its promise settles, and the *longest task* within it (and within the
  warm-up charts' calls; 50 = none longer: the API reports tasks over 50 ms); the *longest task* from
  the scroll until 0.3 s after it is drawn (other charts coming near the screen draw meanwhile) and
  of the whole visit (opening the dashboard too).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

INIT = """
window.__v = {long: [], embeds: []};
let ve;  // every vegaEmbed call: [start, ms until its promise settles (one task: Vega draws in microtasks), box]
Object.defineProperty(window, 'vegaEmbed', {configurable: true, get() { return ve; }, set(f) {
  ve = function (box, spec, opts) {
    const t0 = performance.now(), r = f(box, spec, opts);
    const fig = box.closest('figure');
    r.then(() => __v.embeds.push([t0, performance.now() - t0, fig ? fig.getAttribute('data-chart') : box.className]));
    return r; }; }});
new PerformanceObserver(l => l.getEntries().forEach(e => __v.long.push([e.startTime, e.duration])))
  .observe({type: 'longtask', buffered: true});
new MutationObserver(() => {
  const b = document.getElementById('compare-body');
  if (!__v.ready && b && b.getAttribute('data-ready')) {
    __v.ready = performance.now();
    __v.atReady = [...document.querySelectorAll('script[src], link[href]')].map(e => e.src || e.href);
  }
}).observe(document, {childList: true, subtree: true, attributes: true});
"""

# scroll `sel` into view; resolves with the ms until its .vega-box has been drawn (data-drawn)
SCROLL_DRAWN = """async (sel) => {
  const box = document.querySelector(sel + ' .vega-box'), t0 = performance.now();
  __v.scroll = t0;
  box.scrollIntoView({block: 'center'});
  await new Promise(resolve => { const check = () => box.hasAttribute('data-drawn') ? resolve() : setTimeout(check, 5); check(); });
  __v.drawn = performance.now();
  return __v.drawn - t0;
}"""

QUIET = "ms => new Promise(r => setTimeout(r, ms))"


def shard_ids(site: Path, n: int = 3) -> list[str]:
    """n runs of the first shard of the grid's data that has n rows."""
    text = (site / "data" / "index.js").read_text("utf-8")
    manifest = json.loads(text.split("=", 1)[1].rstrip().rstrip(";"))
    path = next(p for p, rows in manifest["shards"] if rows >= n)
    text = (site / path).read_text("utf-8")
    rows = json.loads(json.loads(text[text.index("JSON.parse(") + 11:].rstrip().rstrip(";").rstrip(")")))
    if isinstance(rows, dict):  # columnar shards (DATA_VERSION 9): [shape, id, number, ...] a row
        return [r[1] for r in rows["rows"]][:n]
    return [r["id"] for r in rows][:n]


def kb(site: Path, urls: list[str]) -> float:
    root = site.absolute().as_uri() + "/"
    paths = {u[len(root):].split("#")[0] for u in urls if u.startswith(root)}
    return sum((site / p).stat().st_size for p in paths if (site / p).is_file()) / 1024


def compare(browser, site: Path, ids: list[str]) -> dict:
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    errors: list[str] = []
    requested: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda q: requested.append(q.url))
    page.add_init_script(INIT)
    url = site.absolute().as_uri() + "/compare.html"
    page.goto(url + "#ids=" + ",".join(ids))
    page.wait_for_function("window.__v.ready", timeout=60_000)
    ready = page.evaluate("__v.ready")
    at_ready = kb(site, page.evaluate("__v.atReady") + [url])
    first = page.evaluate(SCROLL_DRAWN, "#compare-body figure.chart")
    page.evaluate("""async () => { for (const b of document.querySelectorAll('.vega-box')) {
      b.scrollIntoView(); await new Promise(r => { const c = () => b.hasAttribute('data-drawn') ? r() : setTimeout(c, 5); c(); }); } }""")
    page.evaluate(QUIET, 300)
    long = max((d for _, d in page.evaluate("__v.long")), default=0)
    ctx.close()
    return {"ready": ready, "kb_at_ready": at_ready, "first_chart": first, "kb_all": kb(site, requested),
            "longest_task": long, "errors": errors}


def dashboard(browser, site: Path) -> dict:
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script(INIT)
    page.goto(site.absolute().as_uri() + "/index.html")
    page.wait_for_selector("#charts-curves figure .vega-box", state="attached", timeout=180_000)
    page.evaluate(QUIET, 1500)
    ms = page.evaluate(SCROLL_DRAWN, "#charts-curves figure")
    page.evaluate(QUIET, 300)
    v = page.evaluate("__v")
    long = max((d for s, d in v["long"] if s + d >= v["scroll"] and s <= v["drawn"] + 300), default=0)
    def task(t0: float, dt: float) -> float:  # the longest task within a vegaEmbed call (50: none longer)
        return max([d for s, d in v["long"] if s + d > t0 and s < t0 + dt] + [50])
    warm = [task(t0, dt) for t0, dt, box in v["embeds"] if box.startswith("vega-warm")]
    first = next((t0, dt) for t0, dt, box in v["embeds"] if not box.startswith("vega-warm"))
    ctx.close()
    return {"curves_drawn": ms, "first_chart_embed_ms": first[1], "first_chart_longest_task": task(*first),
            "warm_up_longest_task": max(warm, default=0), "longest_task_around_first_chart": long,
            "longest_task_of_the_visit": max((d for _, d in v["long"]), default=0), "errors": errors}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--site", type=Path, default=Path("/tmp/sitegen-bench/site-50000-sweep"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--only", choices=["compare", "dashboard"], default=None)
    ap.add_argument("--out", type=Path, default=HERE / "out" / "vega.json")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright
    raw: dict[str, list] = {}
    load = [os.getloadavg()[0]]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            ids = shard_ids(args.site)
            for _ in range(args.repeat):
                if args.only != "dashboard":
                    for k, v in compare(browser, args.site, ids).items():
                        raw.setdefault("compare " + k, []).append(v)
                if args.only != "compare":
                    for k, v in dashboard(browser, args.site).items():
                        raw.setdefault("dashboard " + k, []).append(v)
                load.append(os.getloadavg()[0])
        finally:
            browser.close()
    med = {k: statistics.median(v) for k, v in raw.items() if not k.endswith("errors")}
    out = {"site": str(args.site), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           "load": load, "medians": med, "raw": raw}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1))
    print(f"{args.site}  load {min(load):.1f}-{max(load):.1f}  ({args.repeat} contexts, medians)")
    for k, v in med.items():
        print(f"  {k}: {v:.0f}  (" + ", ".join(f"{x:.0f}" for x in raw[k]) + ")")
    errs = [e for k, v in raw.items() if k.endswith("errors") for e in sum(v, [])]
    print(f"page errors: {len(errs)}" + (f" (first: {errs[0]})" if errs else ""))


if __name__ == "__main__":
    main()
