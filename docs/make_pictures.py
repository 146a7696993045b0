"""Make the README's pictures from real runs: the iris demo (`examples/demo.py`) into a temporary
store, its site built, then screenshots in headless Chromium.

    python docs/make_pictures.py                 # writes docs/dashboard.png
    python docs/make_pictures.py --keep /tmp/pics  # keep the store and site there

Needs the demo extras (scikit-learn, matplotlib) and Debian's chromium (`/usr/bin/chromium`).
Nothing in the checkout changes but the PNG files in docs/.
"""
from __future__ import annotations

import argparse
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
    """One screenshot: a page of the site (relative URL, fragment allowed), where to save it, and
    the element to wait for before taking it."""
    page: str
    png: str
    ready: str = "#grid tbody tr[data-id]"
    width: int = 1280
    height: int = 900
    full_page: bool = False


PICTURES = [
    Picture("index.html", "dashboard.png", height=1400),
    Picture("reports/iris.html", "report.png", ready=".sg-parallel[data-drawn]", width=1100, height=2300),
]


def make_demo_site(workdir: Path, rates: list[str] | None = None) -> Path:
    """Run the iris runs of the demo into ``workdir/runs`` and build ``workdir/site``."""
    store = workdir / "runs"
    extra = ["--rates", *rates] if rates else []
    subprocess.run([sys.executable, str(ROOT / "examples" / "demo.py"), "--no-serve",
                    "--store", str(store), "--site-dir", str(workdir / "site"), *extra],
                   check=True)
    return workdir / "site"


def screenshot(site: Path, pictures: list[Picture], out_dir: Path) -> list[Path]:
    """Open each picture's page from disk and save its PNG into ``out_dir``."""
    from playwright.sync_api import sync_playwright
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for pic in pictures:
            page = browser.new_page(viewport={"width": pic.width, "height": pic.height})
            page.goto((site / pic.page.split("#")[0]).as_uri() +
                      ("#" + pic.page.split("#", 1)[1] if "#" in pic.page else ""))
            page.wait_for_selector(pic.ready)
            page.wait_for_function("() => !document.querySelector('.chart:not(.drawn)')"
                                   " || document.readyState === 'complete'")
            page.wait_for_timeout(800)  # let Vega finish its transitions: a picture, not a test
            target = out_dir / pic.png
            page.screenshot(path=str(target), full_page=pic.full_page)
            written.append(target)
            page.close()
        browser.close()
    return written


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
    return 0


if __name__ == "__main__":
    sys.exit(main())
