"""Make the README's pictures from real runs: the iris demo (`examples/demo.py`) into a temporary
store, its site built, then screenshots in headless Chromium.

    python docs/make_pictures.py                 # writes docs/dashboard.png
    python docs/make_pictures.py --keep /tmp/pics  # keep the store and site there

Needs the demo extras (scikit-learn, matplotlib) and Debian's chromium (`/usr/bin/chromium`).
Nothing in the checkout changes but the PNG files in docs/.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@dataclass
class Picture:
    """One screenshot: a page of the site (relative URL, fragment allowed; ``{ids}`` stands for every
    run id of the site, in run number order), where to save it, and the element to wait for before
    taking it. ``element``: a screenshot of that element only, once the charts in it are drawn."""
    page: str
    png: str
    ready: str = "#grid tbody tr[data-id]"
    width: int = 1280
    height: int = 900
    full_page: bool = False
    element: str | None = None


PICTURES = [
    Picture("index.html", "dashboard.png", height=1400),
    Picture("reports/iris.html", "report.png", ready=".sg-embed[data-embed='1'][data-drawn]", width=1100, height=2300),
    # issue 11's views, from the same runs
    Picture("index.html#charts=s.6", "curves.png", element="#charts-curves figure.chart", width=760),
    Picture("index.html", "parallel.png", element="#sweep-section"),
    Picture("compare.html#ids={ids}", "compare.png", ready="#compare-body[data-ready]", element="#side"),
    Picture("compare.html#ids={ids}", "compare-charts.png", ready="#compare-body[data-ready]", element="#values"),
    Picture("compare.html#ids={ids}", "compare-images.png", ready="#compare-body[data-ready]",
            element="#compare-images"),
]
# a comparison of two iris runs whose code differs (make_code_diff_site)
CODE_PICTURES = [
    Picture("compare.html#ids={ids}", "code-diff.png", ready="#code-section pre.diff", element="#code-section"),
]


def make_demo_site(workdir: Path, rates: list[str] | None = None) -> Path:
    """Run the iris runs of the demo into ``workdir/runs`` and build ``workdir/site``."""
    store = workdir / "runs"
    extra = ["--rates", *rates] if rates else []
    subprocess.run([sys.executable, str(ROOT / "examples" / "demo.py"), "--no-serve",
                    "--store", str(store), "--site-dir", str(workdir / "site"), *extra],
                   check=True)
    return workdir / "site"


def make_code_diff_site(workdir: Path) -> Path:
    """Two real iris runs (``sitegen run``) of a copy of examples/iris_sklearn.py, the second after an
    edit of its code, in ``workdir/code``; their site in ``workdir/code/site``."""
    proj = workdir / "code"
    proj.mkdir(parents=True, exist_ok=True)
    script = proj / "iris_sklearn.py"
    text = (ROOT / "examples" / "iris_sklearn.py").read_text("utf-8")
    env = dict(os.environ, SITEGEN_STORE=str(proj / "runs"), SITEGEN_EXPERIMENT="IrisDemo")
    for version in (text, text.replace("default=0.35", "default=0.3").replace(
            "LogisticRegression(C=1 / reg, max_iter=args.max_iter)",
            "LogisticRegression(C=1 / reg, max_iter=args.max_iter, tol=1e-5)")):
        script.write_text(version, "utf-8")
        subprocess.run([sys.executable, "-m", "sitegen", "run", "iris_sklearn.py", "1.25"], cwd=proj, env=env,
                       check=True, stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, "-m", "sitegen", "build", "--site-dir", str(proj / "site")], cwd=proj, env=env,
                   check=True, stdout=subprocess.DEVNULL)
    return proj / "site"


def run_ids(site: Path) -> list[str]:
    """The site's run ids in run number order (from the grid's data: data/index.js and its shards)."""
    from sitegen.site.index_shards import read_index
    runs = read_index(site)["runs"]
    return [r["id"] for r in sorted(runs, key=lambda r: (r.get("number") or 0, r["id"]))]


ELEMENT_DRAWN = """sel => { const e = document.querySelector(sel);
  return e && [...e.querySelectorAll('.vega-box')].every(b => b.getAttribute('data-drawn')); }"""


def screenshot(site: Path, pictures: list[Picture], out_dir: Path) -> list[Path]:
    """Open each picture's page from disk and save its PNG into ``out_dir``."""
    from playwright.sync_api import sync_playwright
    written = []
    ids = ",".join(run_ids(site))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for pic in pictures:
            page = browser.new_page(viewport={"width": pic.width, "height": pic.height})
            where = pic.page.replace("{ids}", ids)
            page.goto((site / where.split("#")[0]).as_uri() +
                      ("#" + where.split("#", 1)[1] if "#" in where else ""))
            page.wait_for_selector(pic.ready)
            page.wait_for_function("() => !document.querySelector('.chart:not(.drawn)')"
                                   " || document.readyState === 'complete'")
            page.wait_for_timeout(800)  # let Vega finish its transitions: a picture, not a test
            target = out_dir / pic.png
            if pic.element:
                page.add_style_tag(content="header.top { position: static !important; }")  # not over the element
                part = page.locator(pic.element).first
                part.scroll_into_view_if_needed()
                page.wait_for_function(ELEMENT_DRAWN, arg=pic.element, timeout=30_000)
                page.wait_for_timeout(500)
                part.screenshot(path=str(target))
            else:
                page.screenshot(path=str(target), full_page=pic.full_page)
            written.append(target)
            page.close()
        browser.close()
    return written


def workbench_picture(store: Path, out_dir: Path) -> Path:
    """The dashboard as `sitegen serve` shows it on this machine: the workbench's New run panel
    above the jobs panel (served from the repository, whose demo script the runs ran)."""
    import socket
    import urllib.request
    from playwright.sync_api import sync_playwright
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "sitegen", "serve", "--store", str(store),
                               "--port", str(port), "--no-livereload"], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/index.html", timeout=2).read()
                break
            except OSError:
                server.poll()
                if server.returncode is not None:
                    raise SystemExit("sitegen serve exited")
                import time
                time.sleep(0.1)
        target = out_dir / "workbench.png"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(base + "/index.html")
            page.wait_for_selector("#wb-script option", state="attached")
            page.fill("#wb-args", "0.3")
            page.fill("#wb-name", "a smaller rate")
            box = page.locator("section.jobs").bounding_box()
            page.screenshot(path=str(target), clip={"x": 0, "y": 0, "width": 1280,
                                                    "height": box["y"] + box["height"] + 16})
            browser.close()
        return target
    finally:
        server.terminate()
        server.wait(30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, default=None,
                        help="build the demo store and site in this folder and keep them")
    parser.add_argument("--out", type=Path, default=DOCS, help="where the PNGs go (docs/)")
    parser.add_argument("--rates", nargs="+", default=None, help=argparse.SUPPRESS)
    opts = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sitegen-pictures-") as tmp:
        workdir = opts.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        site = make_demo_site(workdir, opts.rates)
        opts.out.mkdir(parents=True, exist_ok=True)
        for path in screenshot(site, PICTURES, opts.out):
            print(f"wrote {path}")
        if not opts.rates:  # the full set (a test passes --rates: the demo's pictures only)
            print(f"wrote {workbench_picture(workdir / 'runs', opts.out)}")
            for path in screenshot(make_code_diff_site(workdir), CODE_PICTURES, opts.out):
                print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
