"""Scenario 4: hostile input, checked in the built site in headless Chromium.

Run names, descriptions (Markdown), tags, metric names, string values, arguments and output file names
carry script tags, event handlers, ``javascript:`` links, ``</script>``, quotes, right-to-left and
zero-width characters, ``../../``, 100 KB strings; one run has 10,000 metric names; values are NaN,
±inf, 1e308 and -0.0. No dialog may fire, nothing may be written outside ``site/``, every page must
stay usable and show the values faithfully.
"""
from __future__ import annotations

import os
import re
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

import pytest

from .conftest import check_html, clean_env, py, sg, tree, write_script

H = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', 'javascript:alert(1)',
     '</script><script>alert(1)</script>', '"\'><svg onload=alert(1)>',
     '\u202eRTL\u202c zero\u200bwidth\u200d', '../../../../escape', '{{7*7}} ${alert(1)} %s']
BIG = ('<script>alert(1)</script>' * 5000)[:100_000]
OUTPUT_NAMES = ['<img src=x onerror=alert(1)>.png', '"quote\'s.txt', 'javascript:alert(1).txt',
                '\u202etxt.exe', '..%2F..%2Fx.txt', '<script>alert(1)<.txt', 'evil.svg', 'notes.md']
MAKE = f"""
    from sitegen import start_run
    H = {H!r}
    BIG = {BIG!r}
    PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
    for i, h in enumerate(H):
        with start_run(name=h) as r:
            r.set_description(f"# Title {{h}}\\n\\n[click me](javascript:alert(1)) <script>alert(1)</script> "
                              f"<img src=x onerror=alert(1)> **bold** {{h}}\\n\\n"
                              f"<a href=\\"javascript:alert(1)\\">raw</a> <iframe src=\\"javascript:alert(1)\\"></iframe> "
                              f"<a href=\\"JaVaScRiPt:alert(1)\\">case</a> [tab](java\\tscript:alert(1)) "
                              f"[data](data:text/html,<script>alert(1)</script>) "
                              f"<a href=\\"&#106;avascript:alert(1)\\">entity</a> <svg><script>alert(1)</script></svg> "
                              f"<details open ontoggle=alert(1)>x</details> <style>body{{{{display:none}}}}</style>")
            r.set_tags(**{{h: h, "kind": "hostile"}})
            r.log(h, 1.0 + i)
            r.log("Accuracy", 0.5 + i / 100)
            r.log(h + " series", [1.0, 2.0, 3.0])
            r.log("note", h)
            r.log("nan", float("nan")); r.log("inf", float("inf")); r.log("ninf", float("-inf"))
            r.log("big", 1e308); r.log("negzero", -0.0)
            for name in {OUTPUT_NAMES[:6]!r}:
                (r.outputs / name).write_bytes(PNG if name.endswith(".png") else h.encode())
            (r.outputs / "evil.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
                                                '<script>alert(1)</script></svg>')
            (r.outputs / "notes.md").write_text(f"# Notes\\n\\n<script>alert(1)</script> "
                                                f"[x](javascript:alert(1)) <img src=x onerror=alert(1)> {{h}}\\n")
    with start_run(name=BIG) as r:
        r.set_description(BIG)
        r.set_tags(big=BIG)
        r.log(BIG, 1.0)
        r.log("Accuracy", 0.4)
        r.log("note", BIG)
    with start_run(name="many metrics") as r:
        for j in range(10_000):
            r.log(f"m{{j:05d}} <b>x</b>", j)
        r.log("Accuracy", 0.3)
"""
ARGS_SCRIPT = """
    from sitegen import get_logger
    get_logger().log("Accuracy", 0.2)
"""
HOSTILE_SCRIPT = "\"'><img src=x onerror=alert(1)> \u202e<script>.py"
EXPECTED_VALUES = {"nan": "NaN", "inf": "inf", "ninf": "-inf", "big": "1e+308", "negzero": "-0"}
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]

DOM_CHECK = r"""() => {
  const bad = [];
  for (const e of document.querySelectorAll('*')) {
    for (const a of e.attributes) {
      const n = a.name.toLowerCase(), v = a.value.replace(/[\s\u0000-\u001f]/g, '').toLowerCase();
      if (n.startsWith('on')) bad.push(e.tagName + ' ' + n);
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data'].includes(n) &&
          (v.startsWith('javascript:') || v.startsWith('data:text/html'))) bad.push(e.tagName + ' ' + n + '=' + a.value);
    }
    if (['IFRAME', 'OBJECT', 'EMBED', 'FRAME'].includes(e.tagName)) bad.push(e.tagName);
    if (e.tagName === 'SCRIPT' && !e.src && /<\/?script/i.test(e.textContent)) bad.push('inline script with a script tag');
  }
  return bad;
}"""
LINKS = """() => Array.from(document.querySelectorAll('a[href], img[src], script[src], link[href]'))
  .map(e => [e.tagName, e.getAttribute('href') || e.getAttribute('src'), e.href || e.src])"""


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    proj = root / "proj"
    proj.mkdir()
    write_script(proj / "make.py", MAKE)
    write_script(proj / "args.py", ARGS_SCRIPT)
    env = clean_env()
    py(proj / "make.py", cwd=proj, env=env, timeout=300)
    hostile_args = H + [BIG]
    py(proj / "args.py", *hostile_args, cwd=proj, env=env)  # untracked: sys.argv recorded
    r = sg("run", "args.py", *hostile_args, cwd=proj, env=env)  # tracked: arguments and command
    assert r.returncode == 0, r.stderr
    evil_script = proj / HOSTILE_SCRIPT  # a script name becomes a dashboard page of its own
    evil_script.write_text((proj / "args.py").read_text())
    py(evil_script, "--note", H[3], cwd=proj, env=env)
    pr = sg("history", "promote", "1", f"outputs/{OUTPUT_NAMES[1]}", "--name", H[1] + "../../x", cwd=proj, env=env)
    assert pr.returncode == 0, pr.stderr
    before = tree(root)
    t0 = time.perf_counter()
    b = sg("build", cwd=proj, env=env, timeout=300)
    build_s = time.perf_counter() - t0
    assert b.returncode == 0, b.stderr
    return {"root": root, "proj": proj, "site": proj / "site", "before": before, "build_s": build_s}


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("no /usr/bin/chromium")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=LAUNCH_ARGS)
        yield b
        b.close()


def test_static_files_stay_inside_the_site(hostile_site):
    site = hostile_site["site"]
    for p in site.rglob("*"):
        assert not p.is_symlink(), p
        assert os.path.realpath(p).startswith(str(site.resolve()) + os.sep)
    for page in site.rglob("*.html"):
        check_html(page)
        text = page.read_text("utf-8")
        assert "<script>alert(1)" not in text and "<img src=x" not in text and "<svg onload" not in text, page
        assert 'href="javascript:' not in text.lower(), page
    # the build wrote nothing but the site
    after = tree(hostile_site["root"], skip=("proj/site",))
    assert after == {k: v for k, v in hostile_site["before"].items()}


def _file_of(url: str) -> Path:
    assert url.startswith("file://"), url
    return Path(unquote(urlparse(url).path))


class _StubMarkup(HTMLParser):
    """The tags, attributes and refresh target of a compare/<a>--<b>.html stub."""

    def __init__(self) -> None:
        super().__init__()
        self.bad: list[str] = []
        self.refresh: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "iframe", "object", "embed", "frame", "img", "svg", "style"):
            self.bad.append(tag)
        for name, value in attrs:
            v = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
            if name.startswith("on") or v.startswith(("javascript:", "data:")):
                self.bad.append(f"{tag} {name}={value}")
        if tag == "meta" and dict(attrs).get("http-equiv") == "refresh":
            self.refresh.append(dict(attrs)["content"])


def _stub_target(text: str) -> str:
    """A comparison stub: no markup from the runs' names, and the ``#ids=`` it opens."""
    stub = _StubMarkup()
    stub.feed(text)
    assert stub.bad == [], stub.bad
    [content] = stub.refresh
    target = content.split("url=", 1)[1]
    assert target.startswith("../compare.html#ids="), target
    return target[len("../compare.html"):]


def _settle(page) -> None:
    """Wait two animation frames: work queued by the last event (the grid renders on the next frame
    after a scroll; handlers queued at load) has run."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r())))")


def _scroll_grid(page, where: str) -> None:
    """Scroll the virtual grid to ``where`` (a JS expression of ``s``) and wait for its render."""
    page.evaluate("() => { const s = document.getElementById('grid-scroll'); s.scrollTop = " + where + "; "
                  "s.dispatchEvent(new Event('scroll')); }")
    _settle(page)


def _compare_values_faithful(page) -> int:
    """On a comparison page: every row of a special value shows it exactly in every run's cell."""
    page.wait_for_selector("#compare-body[data-ready]", state="attached")  # filled from the runs' data
    rows = page.evaluate("""() => Array.from(document.querySelectorAll('tr'))
        .map(tr => Array.from(tr.children).map(c => c.innerText.trim()))""")
    n = 0
    for r in rows:
        if r and r[0] in EXPECTED_VALUES and len(r) >= 3:
            assert all(c == EXPECTED_VALUES[r[0]] for c in r[1:] if c), r
            n += 1
    return n


def test_hostile_site_in_chromium(hostile_site, browser):
    site = hostile_site["site"].resolve()
    dialogs, errors, requests = [], [], []
    page = browser.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.on("popup", lambda p: dialogs.append("popup " + p.url))
    timings = {}

    def visit(url: str, what: str, ready: str | None = None, limit: float = 30.0) -> None:
        t0 = time.perf_counter()
        page.goto(url, timeout=limit * 1000)
        if ready:
            page.wait_for_selector(ready, timeout=limit * 1000)
        _settle(page)  # handlers queued at load (onload/onerror, if any got in) have run
        timings[what] = max(timings.get(what, 0.0), time.perf_counter() - t0)
        assert page.evaluate(DOM_CHECK) == [], (what, url)
        for tag, raw, absolute in page.evaluate(LINKS):
            if raw.startswith("#") or (tag == "IMG" and raw.startswith("data:image/svg+xml;base64,")):
                continue  # an SVG output drawn from a data: URL (issue 16.2), no request
            assert not urlparse(raw).scheme and not raw.startswith("//"), (what, tag, raw)  # relative only
            target = _file_of(absolute.split("#")[0].split("?")[0])
            assert target.is_file(), (what, tag, raw)
            assert str(target.resolve()).startswith(str(site) + os.sep), (what, raw)

    # dashboard: loads, the grid shows every run
    visit((site / "index.html").as_uri(), "dashboard", "#grid tbody tr input[type=checkbox]", limit=60)
    # 10,000 metric names: the grid shows a bounded set of columns (the rest in Columns), the
    # dashboard draws a bounded number of charts, and it paints in bounded time
    assert timings["dashboard"] < 8.0, timings
    assert page.locator("#grid thead th").count() <= 40
    assert page.locator("#grid-columns input[type=checkbox]").count() >= 10_000
    assert page.locator("#charts-across figure").count() <= 61
    assert page.locator("#charts-scatter figure").count() <= 60
    runs = sorted((site / "runs").glob("*.html"))
    assert len(runs) == 13  # 8 hostile, the 100 KB one, 10,000 metrics, three with hostile arguments
    ids_js = "() => Array.from(document.querySelectorAll('#grid tbody input[data-id]')).map(b => b.dataset.id)"
    shown_ids = set(page.evaluate(ids_js))
    grid = page.inner_text("#grid tbody")
    _scroll_grid(page, "s.scrollHeight")
    shown_ids |= set(page.evaluate(ids_js))
    assert shown_ids == {r.stem for r in runs}  # the (virtual) grid has a row for every run
    _scroll_grid(page, "0")
    for h in ("<script>alert(1)</script>", '"\'><svg onload=alert(1)>', "javascript:alert(1)"):
        assert h in grid  # shown as text
    # columns chosen through the URL (hostile metric names included): values shown faithfully
    cols = ["number", "name"] + [f"v:{n}" for n in EXPECTED_VALUES] + [f"v:{H[0]}", f"v:{H[4]}"]
    page.goto((site / "index.html").as_uri() + "#cols=" + ",".join(quote(c, safe="") for c in cols))
    page.reload()
    page.wait_for_selector("#grid tbody tr input[type=checkbox]", timeout=30000)
    assert page.evaluate(DOM_CHECK) == []
    heads = [t.strip() for t in page.locator("#grid thead tr:last-child th").all_inner_texts()][1:]
    heads = [h.rstrip(" ▾▴") for h in heads]
    assert sorted(heads) == sorted(["#", "Name"] + list(EXPECTED_VALUES) + [H[0], H[4]])  # nothing else
    rows_js = """() => Array.from(document.querySelectorAll('#grid tbody tr[data-id]'))
        .map(tr => Array.from(tr.querySelectorAll('td')).slice(1).map(td => td.innerText.trim()))"""
    rows = {r[0]: r for r in page.evaluate(rows_js)}
    _scroll_grid(page, "s.scrollHeight")
    rows.update({r[0]: r for r in page.evaluate(rows_js)})
    assert len(rows) == 13
    faithful = [r for r in rows.values() if all(r[heads.index(n)] == v for n, v in EXPECTED_VALUES.items())]
    assert len(faithful) == 8, (heads, rows)  # the 8 hostile runs

    # tick three runs and compare them in the browser
    page.fill("#grid-filter", "hostile")  # the tag of the 8 hostile runs
    page.wait_for_function("document.querySelectorAll('#grid tbody input[data-id]').length === 8", timeout=10000)
    boxes = page.locator("#grid tbody tr input[type=checkbox]")
    for k in range(3):
        boxes.nth(k).check()
    t0 = time.perf_counter()
    page.click("#grid-compare")
    page.wait_for_url("**/compare.html#ids=*", timeout=30000)
    page.wait_for_load_state("load")
    page.wait_for_selector("#compare-body[data-ready]", state="attached")
    _settle(page)
    timings["compare.html (3 ticked)"] = time.perf_counter() - t0
    assert page.evaluate(DOM_CHECK) == []
    text = page.inner_text("body")
    assert text.count("alert(1)") >= 3  # the names are there, as text
    assert _compare_values_faithful(page) == 5

    # every run page
    for run in runs:
        visit(run.as_uri(), "run pages", limit=20)
        text = page.inner_text("body")
        rows = dict(page.evaluate("""() => Array.from(document.querySelectorAll('tr'))
            .filter(tr => tr.querySelector('th') && tr.querySelector('td'))
            .map(tr => [tr.querySelector('th').innerText.trim(), tr.querySelector('td').innerText.trim()])"""))
        if "negzero" in rows:
            for name, shown in EXPECTED_VALUES.items():
                assert rows[name] == shown, (run.name, name, rows[name])
            imgs = page.evaluate("() => Array.from(document.images).map(i => [i.getAttribute('src'), i.naturalWidth])")
            outs = [i for i in imgs if i[0] and ("/outputs/" in i[0] or i[0].startswith("data:image/svg+xml"))]
            assert len(outs) == 2 and all(w > 0 for _, w in outs), imgs  # the png (hostile name) and the svg
            assert "Title" in text and "bold" in text  # the description is rendered
        if "many metrics" in text:
            assert "m09999 <b>x</b>" in text

    # every precomputed comparison page
    compares = sorted((site / "compare").glob("*.html"))
    assert compares
    visit((site / "assets.html").as_uri(), "assets page", limit=20)
    assert len(page.locator("a[href*='promoted/']").all()) == 1  # the promoted output, downloadable
    scripts = sorted((site / "scripts").glob("*.html"))
    assert len(scripts) == 3  # make.py, args.py and the hostile script name
    for sp in scripts:
        visit(sp.as_uri(), "script dashboards", "#grid tbody tr input[type=checkbox]", limit=30)
    checked = 0
    for c in compares:  # a stub (its markup checked as text: it opens compare.html at once)
        target = _stub_target(c.read_text("utf-8"))
        visit((site / "compare.html").as_uri() + target, "comparison pages", "#compare-body[data-ready]",
              limit=20)
        checked += _compare_values_faithful(page)
    assert checked >= 5 * 7  # the five values on each comparison of two hostile runs

    assert dialogs == []
    assert errors == []
    outside = [u for u in requests if not u.startswith("file://") and not u.startswith("data:")
               and not u.startswith("blob:") and u != "about:blank"]
    assert outside == []
    after = tree(hostile_site["root"], skip=("proj/site",))
    assert after == hostile_site["before"]  # browsing wrote nothing either
    print(f"\nMEASURE hostile: build {hostile_site['build_s']:.1f} s; {len(runs)} run pages, "
          f"{len(compares)} comparison pages, {len(scripts)} script dashboards; max load " +
          ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
