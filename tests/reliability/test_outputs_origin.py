"""Issue 16.2: published outputs never run script on the site's origin — by a link on the site or
by typing their URL — while images stay viewable and HTML reports are shown in a sandbox.

A real HTTP server on 127.0.0.1 serves the built site (a static host picks a type from the file
name, as GitHub Pages does) and headless Chromium follows every link of the run page and types the
URL of every output."""
from __future__ import annotations

import base64
import functools
import http.server
import threading

import pytest

from .conftest import py, sg, write_script
from .test_hostile import browser  # noqa: F401 - the module-scoped Chromium fixture

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")
ACTIVE = {
    "chart.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20" onload="alert(\'svg\')">'
                 '<script>alert("svg-script")</script><rect width="40" height="20" fill="red"/></svg>',
    "report.html": "<!doctype html><html><body><p id=r>report body</p><script>"
                   "document.body.dataset.ran = '1'; alert('report');"
                   "try { document.body.dataset.parent = parent.document.title; } catch (e) {"
                   " document.body.dataset.blocked = '1'; }</script></body></html>",
    "page.xhtml": '<html xmlns="http://www.w3.org/1999/xhtml"><body><script>alert("xhtml")</script></body></html>',
    "data.xml": '<?xml version="1.0"?><x><script xmlns="http://www.w3.org/1999/xhtml">alert("xml")</script></x>',
    "sub/Inner.HTM": "<script>alert('htm')</script>",
}
NOTES = ("# Notes\n\n[the report](report.html) · [the page](page.xhtml) · [chart](chart.svg)\n\n"
         "![drawn](chart.svg) ![raster](cm.png) ![not an image](page.xhtml)\n")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    proj = tmp_path_factory.mktemp("origin") / "proj"
    proj.mkdir()
    files = dict(ACTIVE, **{"notes.md": NOTES})
    write_script(proj / "make.py", f"""
        import base64, os
        from sitegen import get_logger
        log = get_logger()
        log.log("Accuracy", 0.5)
        os.makedirs("outputs/sub", exist_ok=True)
        for name, text in {files!r}.items():
            open(os.path.join("outputs", name), "w").write(text)
        open("outputs/cm.png", "wb").write(base64.b64decode({base64.b64encode(PNG).decode()!r}))
    """)
    py(proj / "make.py", cwd=proj)
    b = sg("build", "--strict", cwd=proj)
    assert b.returncode == 0, b.stderr
    site = proj / "site"
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    run_id = next((site / "runs").glob("*.html")).stem
    yield {"site": site, "base": f"http://127.0.0.1:{server.server_address[1]}/", "run": run_id}
    server.shutdown()
    server.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def test_no_published_file_is_an_active_document(served):
    site = served["site"]
    outputs = site / "files" / served["run"] / "outputs"
    published = sorted(p.relative_to(outputs).as_posix() for p in outputs.rglob("*") if p.is_file())
    assert published == ["chart.svg.txt", "cm.png", "data.xml.txt", "notes.md", "page.xhtml.txt",
                         "report.html.txt", "sub/Inner.HTM.txt"]
    active = {".html", ".htm", ".svg", ".xhtml", ".xml"}
    for p in site.rglob("*"):  # our own pages are the only active documents in the site
        if p.is_file() and p.suffix.lower() in active and p.relative_to(site).as_posix() != "assets/favicon.svg":
            assert p.suffix == ".html" and "files" not in p.relative_to(site).parts, p


def test_outputs_never_run_on_the_sites_origin(served, browser):
    base, rid = served["base"], served["run"]
    ctx = browser.new_context()
    dialogs: list[str] = []
    ctx.on("page", lambda pg: pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss())))
    page = ctx.new_page()
    page.goto(f"{base}runs/{rid}.html", wait_until="load")

    # images viewable: the PNG from its file, the SVG from a data: URL through <img>
    page.wait_for_function("Array.from(document.images).every(i => i.complete)", timeout=10000)
    imgs = dict(page.evaluate("() => Array.from(document.images).map(i => [i.alt, i.naturalWidth])"))
    assert imgs == {"cm.png": 1, "chart.svg": 40, "drawn": 40, "raster": 1, "not an image": 0}, imgs
    # a Markdown output's images: the SVG from the same data: URL as the gallery, no src for the rest
    srcs = page.evaluate("() => Array.from(document.querySelectorAll('.md-output img')).map(i => i.getAttribute('src'))")
    assert srcs[0].startswith("data:image/svg+xml;base64,") and srcs[1].endswith("/cm.png") and srcs[2] is None, srcs

    # the HTML report is shown in a sandbox: its script ran, in an opaque origin, cut off the page
    titles = page.evaluate("() => Array.from(document.querySelectorAll('iframe')).map(f => f.title)")
    assert sorted(titles) == ["page.xhtml", "report.html", "sub/Inner.HTM"]
    frame = page.query_selector("iframe[title='report.html']").content_frame()
    frame.wait_for_function("document.body && document.body.dataset.ran === '1'", timeout=10000)
    assert frame.evaluate("self.origin") == "null"
    assert frame.evaluate("document.body.dataset.blocked") == "1"
    assert frame.evaluate("document.getElementById('r').textContent") == "report body"
    sandboxes = page.evaluate("() => Array.from(document.querySelectorAll('iframe')).map(f => [f.getAttribute('sandbox'), f.hasAttribute('src')])")
    assert sandboxes == [["allow-scripts", False]] * 3

    # follow every link of the run page that leads into files/ (table, gallery, Markdown output)
    hrefs = page.evaluate("() => Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
    file_links = sorted({h for h in hrefs if "/files/" in h and not h.endswith(".zip")})
    print(f"\nMEASURE outputs origin: {len(file_links)} distinct links into files/ followed")
    assert any(h.endswith("report.html.txt") for h in file_links)  # also notes.md's link, renamed
    md_links = page.evaluate("() => Array.from(document.querySelectorAll('.md-output a')).map(a => a.href)")
    assert sorted(h.rsplit("/", 1)[-1] for h in md_links) == ["chart.svg.txt", "page.xhtml.txt",
                                                             "report.html.txt"]
    types = {}
    for h in file_links:
        p = ctx.new_page()
        resp = p.goto(h, wait_until="load")
        types[h.rsplit("/", 1)[-1]] = (resp.status, p.evaluate("document.contentType"))
        p.close()
    for name, (status, ctype) in types.items():
        assert status == 200, (name, status)
        assert ctype in ("text/plain", "image/png", "text/markdown"), (name, ctype)

    # type the outputs' own names: nothing is there
    for name in ACTIVE:
        p = ctx.new_page()
        resp = p.goto(f"{base}files/{rid}/outputs/{name}", wait_until="load")
        assert resp.status == 404, name
        p.close()
    page.wait_for_timeout(0)
    assert dialogs == [], dialogs
    ctx.close()
