"""sitegen build: sites made from stores written by real logger calls, checked file by file."""
from __future__ import annotations

import gzip
import json
import os
import struct
import subprocess
import sys
import time
import zlib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

import sitegen
from sitegen.config import Config
from sitegen.errors import UserError
from sitegen.store import Store
from sitegen.site.build import CACHE_NAME, STATE_NAME, BuildError, StrictError, build_site
from sitegen.site.cache import STAMPS_NAME
from sitegen.site.index_shards import index_files, read_index
from sitegen.site.runpack import pack_series, shortest_f32, unpack
from sitegen.site.write import TREE_NAME

RATES = [10, 5, 2.5, 1.25, 0.625, 0.3125, 0.15625, 0.078125]
ACCURACY = [0.6316, 0.6579, 0.7105, 0.7632, 0.8158, 0.8421, 0.8684, 0.8947]
HOSTILE = '</script><script>alert("x")</script>'


def png(width: int = 8, height: int = 8, rgb: tuple = (200, 40, 40)) -> bytes:
    """A small valid PNG (no image library needed)."""
    raw = b"".join(b"\0" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def log_iris_run(i: int, rate: float, acc: float, points: int = 120) -> str:
    """One run like the iris demo, through the public logger API."""
    with sitegen.start_run(f"iris-{rate}") as run:
        run.log("Regularization Rate", rate)
        run.log("Accuracy", acc)
        run.log("loss", [1.0 / (k + 1) + 0.01 * ((k * 7 + i) % 5) for k in range(points)])
        run.set_tags(model="logreg", seed=str(i))
        run.set_description(f"Logistic regression, regularization **{rate}**.")
        (run.outputs / "cm.png").write_bytes(png(rgb=(40 * i % 255, 120, 200)))
        (run.outputs / "report.md").write_text(f"## Report {i}\n\n| rate | acc |\n|---|---|\n| {rate} | {acc} |\n")
        (run.outputs / "model.pkl").write_bytes(os.urandom(64))
        return run.run_id


@pytest.fixture
def store(tmp_path, monkeypatch) -> Store:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SITEGEN_STORE", str(tmp_path / "runs"))
    monkeypatch.setenv("SITEGEN_EXPERIMENT", "IrisDemo")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    return Store(tmp_path / "runs")


def make_iris(store: Store, n: int = 8) -> list[str]:
    return [log_iris_run(i, RATES[i], ACCURACY[i]) for i in range(n)]


# ---------------------------------------------------------------- link checking

class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []
        self.attrs: set[str] = set()
        self.scripts: list[dict] = []
        self._in_script: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.attrs.update(a)
        for attr in ("href", "src"):
            if a.get(attr) is not None:
                self.urls.append((tag, a[attr]))
        if tag == "script":
            self._in_script = {"src": a.get("src"), "text": ""}
            self.scripts.append(self._in_script)

    def handle_data(self, data):
        if self._in_script is not None:
            self._in_script["text"] += data

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None


def check_site(site: Path) -> dict[str, _Links]:
    """Every local href/src of every page names an existing file inside the site; nothing remote."""
    parsed = {}
    pages = sorted(site.rglob("*.html"))
    assert pages
    for page in pages:
        p = _Links()
        p.feed(page.read_text("utf-8"))
        parsed[page.relative_to(site).as_posix()] = p
        for tag, url in p.urls:
            parts = urlsplit(url)
            assert not parts.scheme and not parts.netloc, f"{page}: non-local URL {url!r}"
            assert not url.startswith("/"), f"{page}: absolute path {url!r}"
            if not parts.path:
                assert url.startswith("#"), url
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.is_relative_to(site.resolve()), f"{page}: {url!r} leaves the site"
            assert target.is_file(), f"{page}: {url!r} does not name a file"
        for s in p.scripts:
            if s["src"] is None:  # inline scripts only call the theme's code
                assert s["text"].startswith("SG."), s["text"][:80]
    return parsed


# ---------------------------------------------------------------- tests

def test_full_site_pages_links_and_downloads(store, tmp_path):
    ids = make_iris(store)
    store.add_pin([ids[0], ids[3], ids[5]])
    kept = store.internal / "assets" / "model-v1.pkl"
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"model bytes")
    store.add_asset({"name": "model", "run_id": ids[7], "artifact": "outputs/model.pkl",
                     "file": ".sitegen/assets/model-v1.pkl", "size": 11, "sha256": "x"})
    site = tmp_path / "site"
    result = build_site(store, site, Config(title="Iris"))
    # pages: dashboard, 8 runs, compare.html, assets.html (the comparison with the best run is
    # compare.html#ids=…, linked from data/best.js; the 7 "previous" comparisons and the pinned one
    # are tiny files opening compare.html#ids=…, not rendered pages)
    assert result.pages_total == 1 + 8 + 1 + 1
    assert result.pages_written == result.pages_total and result.warnings == 0
    assert (site / "index.html").is_file() and (site / "compare.html").is_file()
    assert (site / "assets.html").is_file() and (site / "assets" / "vega-bundle.js").stat().st_size > 500_000
    for i, rid in enumerate(ids):
        assert (site / "runs" / f"{rid}.html").is_file()
        assert (site / "files" / rid / "outputs" / "cm.png").read_bytes()[:4] == b"\x89PNG"
        assert (site / "files" / rid / f"{rid}.zip").is_file()
        assert (site / "data" / "runs" / f"{rid}.js").is_file()
        if i:
            stub = (site / "compare" / f"{ids[i - 1]}--{rid}.html").read_text("utf-8")
            assert f'url=../compare.html#ids={ids[i - 1]},{rid}"' in stub
            assert f'<a href="../runs/{rid}.html">' in stub and len(stub) < 700
    best = json.loads((site / "data" / "best.js").read_text("utf-8").split("=", 1)[1].rstrip().rstrip(";"))
    assert [b["id"] for b in best["scripts"].values()] == [ids[7]]  # the highest accuracy
    assert (best["primary"], best["goal"]) == ("Accuracy", "max")
    assert (site / "compare" / f"{ids[0]}--{ids[3]}--{ids[5]}.html").is_file()
    assert not (site / "scripts").exists()  # one script: no per-script dashboards
    assert (site / "promoted" / "model" / "v1" / "model.pkl").read_bytes() == b"model bytes"
    parsed = check_site(site)
    # the run page: restore command, prev/next, compare links, outputs, rendered Markdown
    page = (site / "runs" / f"{ids[3]}.html").read_text("utf-8")
    assert f"sitegen history restore {ids[3]}" in page
    assert f'href="../runs/{ids[2]}.html"' in page and f'href="../runs/{ids[4]}.html"' in page
    assert f'href="../compare.html#ids={ids[2]},{ids[3]}"' in page
    assert f'data-run="{ids[3]}"><noscript><a href="../index.html">Best run: on the dashboard' in page
    assert f'src="../files/{ids[3]}/outputs/cm.png"' in page
    assert '<h2 id="md-report-3">Report 3</h2>' in page and "<td>1.25</td>" in page
    assert "<strong>1.25</strong>" in page and '<span class="tag">model=logreg</span>' in page
    assert len(page.encode()) < 100_000
    assets_page = parsed["assets.html"]
    assert ("a", "promoted/model/v1/model.pkl") in assets_page.urls
    assert ("a", f"runs/{ids[7]}.html") in assets_page.urls
    # the grid's data file: every published run, exact values
    index = read_index(site)
    assert [r["number"] for r in index["runs"]] == list(range(1, 9))
    assert [r["values"]["Accuracy"] for r in index["runs"]] == ACCURACY
    assert index["primary"] == "Accuracy" and index["scalars"] == ["Accuracy", "Regularization Rate"]


def test_cli_build_summary_line_and_unknown_config_key(store, tmp_path):
    make_iris(store, 3)
    env = dict(os.environ, SITEGEN_STORE=str(tmp_path / "runs"))
    out = subprocess.run([sys.executable, "-m", "sitegen", "build", "--site-dir", "public"],
                         capture_output=True, text=True, cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Built 6 pages (6 changed) in ")  # 1 + 3 runs + 2 (comparisons: stub files)
    assert out.stdout.rstrip().endswith(f"→ {tmp_path / 'public' / 'index.html'}")
    assert (tmp_path / "public" / "index.html").is_file()
    (tmp_path / "sitegen.toml").write_text('title = "x"\ncolour = "blue"\n')
    out = subprocess.run([sys.executable, "-m", "sitegen", "build"], capture_output=True, text=True,
                         cwd=tmp_path, env=env)
    assert out.returncode == 1
    assert out.stderr.startswith("Error: ") and "unknown key 'colour'" in out.stderr
    assert "Traceback" not in out.stderr


def test_hostile_text_is_escaped_everywhere(store, tmp_path):
    with sitegen.start_run(HOSTILE) as run:
        run.log(HOSTILE, 1.5)
        run.log("diverged", float("nan"))
        run.log("acc'\"<b>", [0.1, 0.2, float("nan"), float("inf")])
        run.set_tags(**{"<script>k": 'v"><script>alert(1)</script>'})
        run.set_description(f"# Title\n\n{HOSTILE}\n\n<img src=x onerror=alert(1)>\n\n"
                            "[click](javascript:alert(1)) ![remote](https://evil.example/x.png)\n\n"
                            "```python\nx = '<script>'\n```\n")
        (run.outputs / '"><img src=x onerror=alert(1)>.png').write_bytes(png())
        (run.outputs / "evil.md").write_text(f"{HOSTILE}\n\n[x](javascript:alert(2)) [ok](cm.png) "
                                             "[gone](missing.png) [up](../../run.json)\n")
        (run.outputs / "cm.png").write_bytes(png())
        rid = run.run_id
    log_iris_run(1, 5, 0.5)
    site = tmp_path / "site"
    build_site(store, site, Config())
    parsed = check_site(site)
    for rel, p in parsed.items():  # check_site: every <script> is ours, every URL local
        text = (site / rel).read_text("utf-8")
        assert "<script>alert" not in text and "javascript:" not in text, rel
        assert not [a for a in p.attrs if a.startswith("on")], rel  # no event handler from data
        assert ("img", "x") not in p.urls
    page = (site / "runs" / f"{rid}.html").read_text("utf-8")
    assert "&lt;/script&gt;&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page  # the name, escaped
    assert '<h1 id="md-title">Title</h1>' in page
    assert '<code class="language-python">x = \'&lt;script&gt;\'' in page
    assert "evil.example" not in page  # remote image dropped (no request may leave the site)
    assert '<a href="../files/' + rid + '/outputs/cm.png" rel="noopener noreferrer">ok</a>' in page
    assert '<a rel="noopener noreferrer">gone</a>' in page and '<a rel="noopener noreferrer">up</a>' in page
    assert "%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.png" in page
    assert '<td class="num">NaN</td>' in page and '<td class="num">inf</td>' in page  # no title: the same text
    data = (site / "data" / "runs" / f"{rid}.js").read_text("utf-8")
    assert "<" not in data and "script>" not in data  # names are inside the packed data (base64)
    run_data = unpack(data)[1]
    assert run_data["name"] == HOSTILE and run_data["series"]["acc'\"<b>"]["values"] == [0.1, 0.2, None, None]
    index = "".join(p.read_text("utf-8") for p in index_files(site))
    assert "<" not in index
    values = [r["values"] for r in read_index(site)["runs"] if "diverged" in r["values"]]
    assert values and values[0]["diverged"] == "NaN" and "inf" in values[0].values()


def test_outputs_never_leak(store, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    with sitegen.start_run("leaky") as run:
        run.log("Accuracy", 0.5)
        out = run.outputs
        (out / "ok.txt").write_text("fine")
        (out / ".env").write_text("TOKEN=1")
        (out / "id_rsa").write_text("key")
        (out / "big.ckpt").write_text("checkpoint")
        os.symlink(secret, out / "link.txt")
        os.symlink(tmp_path, out / "linkdir")
        rid = run.run_id
    with sitegen.start_run("hidden") as run:
        run.log("Accuracy", 0.9)
        hidden = run.run_id
    store.update_meta(hidden, {"hidden": True})
    os.makedirs(store.root / "bad id" / "outputs")
    (store.root / "bad id" / "run.json").write_text(json.dumps({"run_id": "bad id"}))
    site = tmp_path / "site"
    result = build_site(store, site, Config(unpublished=["*.ckpt"], publish_metrics_tsv=True))
    files = sorted(p.relative_to(site / "files" / rid).as_posix() for p in (site / "files" / rid).rglob("*")
                   if p.is_file())
    assert files == sorted([f"{rid}.zip", "outputs/ok.txt"])
    assert sorted(p.name for p in (site / "metrics").iterdir()) == [f"{rid}.tsv.gz"]  # not the hidden run
    assert not any(hidden in p.name for p in site.rglob("*"))
    assert not any(hidden in p.read_text("utf-8") for p in index_files(site))
    # the bad id, and the two symbolic links (named, never followed: issue 16.1)
    assert result.warnings == 3 and not (site / "runs" / "bad id.html").exists()
    for p in site.rglob("*"):
        assert p.resolve().is_relative_to(site.resolve())
        if p.is_file():
            assert "top secret" not in p.read_bytes().decode("utf-8", "replace")


def test_incremental_build_equals_full_build(store, tmp_path):
    ids = make_iris(store, 5)
    site = tmp_path / "site"
    first = build_site(store, site, Config())
    assert first.pages_written == first.pages_total == 1 + 5 + 2  # dashboard, runs, 2 pages (the 4 "previous" comparisons are stub files)
    again = build_site(store, site, Config())
    assert again.pages_written == 0 and again.files_written == 0 and again.pages_total == first.pages_total
    assert again.mode == "unchanged"
    assert "load cache" not in again.phases  # nothing changed: decided from fingerprints alone
    mtimes = {p: p.stat().st_mtime_ns for p in site.rglob("*") if p.is_file()}
    time.sleep(0.05)
    new = log_iris_run(5, 0.3, 0.70)  # not the best run: the best stays ids[4]
    result = build_site(store, site, Config())
    full = tmp_path / "full"
    build_site(store, full, Config(), clean=True)
    # every file but the token naming the tree's build (bookkeeping, never published)
    a = {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file() and p.name != TREE_NAME}
    b = {p.relative_to(full).as_posix(): p.read_bytes() for p in full.rglob("*") if p.is_file() and p.name != TREE_NAME}
    assert a.keys() == b.keys()
    for k in a:
        assert a[k] == b[k], k
    changed = sorted(p for p in result.changed if p.endswith(".html"))
    assert changed == sorted(["index.html", f"runs/{new}.html", f"runs/{ids[4]}.html",
                              f"compare/{ids[4]}--{new}.html"])
    assert result.pages_written == 3  # and the comparison stub (a file, not a page)
    for p, t in mtimes.items():
        rel = p.relative_to(site).as_posix()
        if rel.startswith(".sitegen-build.shards/"):  # content-named: replaced, never rewritten
            continue
        if rel in ("index.html", f"runs/{ids[4]}.html", "data/index.js", "data/index/runs-0.js", CACHE_NAME, STATE_NAME,
                   STAMPS_NAME, TREE_NAME):
            assert p.stat().st_mtime_ns != t, rel
        else:
            assert p.stat().st_mtime_ns == t, rel  # unchanged files are not rewritten


def test_failed_build_leaves_previous_site(store, tmp_path):
    make_iris(store, 2)
    site = tmp_path / "site"
    build_site(store, site, Config())
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    theme = tmp_path / "broken"
    (theme / "templates").mkdir(parents=True)
    (theme / "templates" / "run.html").write_text("{% extends 'default/run.html' %}{% block title %}{% endblok %}")
    log_iris_run(2, 2.5, 0.7)
    with pytest.raises(UserError, match=r"run\.html"):
        build_site(store, site, Config(theme=str(theme)))
    (theme / "templates" / "run.html").write_text("{% extends 'default/run.html' %}{% block title %}{{ 1 // 0 }}{% endblock %}")
    with pytest.raises(BuildError, match="ZeroDivisionError"):
        build_site(store, site, Config(theme=str(theme)))
    after = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == []


def test_strict_fails_on_torn_metrics_record(store, tmp_path):
    ids = make_iris(store, 2)
    site = tmp_path / "site"
    build_site(store, site, Config(), strict=True)
    before = (site / "index.html").read_bytes()
    with open(store.root / ids[1] / "metrics.tsv", "a") as f:
        f.write('"loss"\t999\t0.12')  # a torn last write
    with pytest.raises(StrictError, match="1 warning"):
        build_site(store, site, Config(), strict=True)
    assert (site / "index.html").read_bytes() == before
    result = build_site(store, site, Config())  # without --strict: a warning; the torn line is skipped
    assert result.warnings == 1 and result.pages_written == 0
    with pytest.raises(StrictError):  # a cached run still reports its warning
        build_site(store, site, Config(), strict=True)
    env = dict(os.environ, SITEGEN_STORE=str(store.root))
    out = subprocess.run([sys.executable, "-m", "sitegen", "build", "--strict"], capture_output=True,
                         text=True, cwd=tmp_path, env=env)
    assert out.returncode == 1
    assert "skipped 1 unreadable metric record" in out.stderr
    assert "Error: 1 warning(s) during the build (--strict)" in out.stderr


def test_theme_override_extends_default(store, tmp_path):
    ids = make_iris(store, 2)
    theme = tmp_path / "mytheme"
    (theme / "templates").mkdir(parents=True)
    (theme / "templates" / "run.html").write_text(
        '{% extends "default/run.html" %}{% block title %}CUSTOM {{ super() }}{% endblock %}')
    (theme / "static").mkdir()
    (theme / "static" / "extra.css").write_text("body { color: red; }")
    (tmp_path / "sitegen.toml").write_text('theme = "mytheme"\ntitle = "Mine"\n')
    env = dict(os.environ, SITEGEN_STORE=str(store.root))
    out = subprocess.run([sys.executable, "-m", "sitegen", "build"], capture_output=True, text=True,
                         cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    page = (tmp_path / "site" / "runs" / f"{ids[0]}.html").read_text("utf-8")
    assert "<title>CUSTOM Run 1 iris-10 · Mine</title>" in page
    assert "Logistic regression" in page  # the rest of the default template
    assert (tmp_path / "site" / "assets" / "extra.css").read_text() == "body { color: red; }"
    assert "<title>Mine</title>" in (tmp_path / "site" / "index.html").read_text("utf-8")


def test_several_scripts_get_their_own_dashboards(store, tmp_path):
    ids = make_iris(store, 4)
    for rid in ids[2:]:
        store.update_meta(rid, {"script_name": "svm <b>.py"})
    site = tmp_path / "site"
    build_site(store, site, Config())
    pages = sorted(p.name for p in (site / "scripts").iterdir())
    assert len(pages) == 2 and "svm_b_.py.html" in pages
    check_site(site)
    page = (site / "scripts" / "svm_b_.py.html").read_text("utf-8")
    assert "svm &lt;b&gt;.py" in page
    # prev/next and "compare with previous" stay within a script
    assert (site / "compare" / f"{ids[2]}--{ids[3]}.html").is_file()
    assert not (site / "compare" / f"{ids[1]}--{ids[2]}.html").exists()


def test_refuses_to_replace_a_foreign_folder(store, tmp_path):
    make_iris(store, 1)
    site = tmp_path / "docs"
    site.mkdir()
    (site / "notes.txt").write_text("mine")
    with pytest.raises(BuildError, match="was not made by"):
        build_site(store, site, Config())
    assert (site / "notes.txt").read_text() == "mine"


def test_long_series_are_downsampled_but_downloads_complete(store, tmp_path):
    with sitegen.start_run("long") as run:
        for k in range(20_000):
            run.log("loss", (k % 1000) / 1000.0 if k != 12_345 else 99.0)
        rid = run.run_id
    site = tmp_path / "site"
    build_site(store, site, Config())
    series = _series_of(site, rid, times=True)["loss"]
    assert series["n"] == 20_000 and len(series["values"]) <= 2500
    assert series["steps"][0] == 0 and series["steps"][-1] == 19_999 and 99.0 in series["values"]
    # every point, for the run page's download: data/points/<id>.js (only runs with a long series)
    points_id, points = unpack((site / "data" / "points" / f"{rid}.js").read_text("utf-8"))
    full = points["series"]["loss"]
    assert points_id == rid and full["n"] == len(full["values"]) == 20_000 and (full["start"], full["stride"]) == (0, 1)
    assert full["values"] == [(k % 1000) / 1000.0 if k != 12_345 else 99.0 for k in range(20_000)]
    assert len(full["dt"]) == 99 and full["t0"] == series["t0"]  # 100 knots: 99 gaps
    assert sorted(p.name for p in (site / "data" / "points").iterdir()) == [f"{rid}.js"]
    assert len((site / "runs" / f"{rid}.html").read_bytes()) < 100_000


def _series_of(site: Path, rid: str, times: bool = False) -> dict:
    """A run's series as published; without their logging times unless ``times``."""
    series = unpack((site / "data" / "runs" / f"{rid}.js").read_text("utf-8"))[1]["series"]
    if not times:
        for s in series.values():
            for k in ("t0", "tk", "dt"):
                s.pop(k, None)
    return series


def test_downloads_are_the_exact_metrics_and_chart_data_is_compact(store, tmp_path):
    """metrics.tsv is published gzipped byte for byte (NaN, inf, -0.0, strings, steps, times); the
    chart data has steps as a range when evenly spaced, values rounded to 7 digits, gaps as null."""
    with sitegen.start_run("odd values") as run:
        run.log("Accuracy", 0.123456789)
        for k, v in enumerate([0.1234567891234, float("nan"), float("inf"), -0.0, 1e-300, 12345678901,
                               float("-inf"), 2.5, 1 / 3]):
            run.log("loss", v, step=10 + 5 * k)
        for k, v in zip([3, 7, 8], [1.0, 2.0, 3.0]):
            run.log("uneven", v, step=k)
        for k, v in enumerate(["a", True, 0.5]):
            run.log("mixed", v, step=k)
        for k in range(5):
            run.log("ints", k * 7, step=k)
        for k in range(3):
            run.log("tenth", 0.1 * (k + 1), step=k)
        rid = run.run_id
    site = tmp_path / "site"
    build_site(store, site, Config(publish_metrics_tsv=True))
    raw = (store.root / rid / "metrics.tsv").read_bytes()
    gz = (site / "metrics" / f"{rid}.tsv.gz").read_bytes()
    assert gzip.decompress(gz) == raw and len(gz) < len(raw)
    assert b"\tnan\t" in raw and b"\t-0.0\t" in raw and b'\t"a"\t' in raw and b"\ttrue\t" in raw
    assert not (site / "files").exists()  # no outputs, no log: no folder of downloads
    page = (site / "runs" / f"{rid}.html").read_text("utf-8")
    assert f'<a href="../metrics/{rid}.tsv.gz" download>All logged points (metrics.tsv, gzip)</a>' in page
    # by default no metrics/ folder: the run page makes the download in the browser
    default = tmp_path / "default"
    build_site(store, default, Config())
    assert not (default / "metrics").exists()
    page = (default / "runs" / f"{rid}.html").read_text("utf-8")
    assert '<button type="button" class="metrics-download" hidden>All logged points (TSV)</button>' in page
    series = _series_of(site, rid)
    f = shortest_f32
    assert series["loss"] == {"n": 9, "start": 10, "stride": 5, "last": 1 / 3, "v": "f",
                              "x": {"1": "nan", "2": "inf", "4": "1e-300", "6": "-inf"},
                              "values": [f(0.1234567891234), None, None, -0.0, 1e-300, f(12345678901.0),
                                         None, 2.5, f(1 / 3)]}
    assert series["uneven"] == {"n": 3, "steps": [3, 7, 8], "values": [1, 2, 3], "v": "f"}
    assert series["mixed"] == {"n": 3, "start": 0, "stride": 1, "values": [None, None, 0.5], "v": "f",
                               "x": {"0": '"a"', "1": "true"}}
    assert series["ints"] == {"n": 5, "start": 0, "stride": 1, "values": [0, 7, 14, 21, 28], "v": "i"}
    assert series["tenth"] == {"n": 3, "start": 0, "stride": 1, "values": [0.1, 0.2, 0.3], "v": "f",
                               "last": 0.30000000000000004}
    data = unpack((site / "data" / "runs" / f"{rid}.js").read_text("utf-8"))[1]
    assert data["scalars"] == {"Accuracy": 0.123456789}  # scalars are exact


def test_chart_data_of_a_hand_written_metrics_file(tmp_path):
    """1e999 (a valid JSON number) overflows to a gap, ints stay: the fast reader leaves a file with
    an infinite number to the exact one (an int of 5,000 digits is one too, and int() refuses it)."""
    from sitegen.site.data import read_metrics_raw
    from sitegen.store import read_metrics
    path = tmp_path / "metrics.tsv"
    path.write_text('"x"\t0\t1e999\t1.0\n"x"\t2\t-3\t1.0\n"x"\t4\t2.00000001e-5\t1.0\n')
    assert read_metrics_raw(str(path)) is None
    head, column = pack_series(read_metrics(path)["x"])
    assert head == {"n": 3, "start": 0, "stride": 2, "v": "f", "c": 3, "x": {"0": "inf"},
                    "last": 2.00000001e-05, "t0": 1000, "tk": 1, "dt": [0, 0]}
    assert len(column) == 3 * 4  # three float32, byte-shuffled (decoded: tests/test_runpack.py)


def test_hand_edited_metadata_of_any_type(store, tmp_path):
    ids = make_iris(store, 3)
    store.update_meta(ids[0], {"run_number": "one", "name": 5, "arguments": "--lr 1", "tags": ["x"],
                               "properties": {"CommitId": 7, "score": float("nan")}, "status": None})
    store.update_meta(ids[1], {"start_time_utc": 12, "description": ["not", "text"]})
    site = tmp_path / "site"
    result = build_site(store, site, Config())
    assert result.runs == 3 and result.warnings == 0
    check_site(site)
    page = (site / "runs" / f"{ids[0]}.html").read_text("utf-8")
    assert "<title>Run ? 5 · Experiment runs</title>" in page and "--lr 1" in page


@pytest.mark.parametrize("text,fast", [
    ('"a"\t0\t1.5\t1.0\n"b"\t0\t2\t1.0\n"a"\t1\t-2.5e-05\t1.0\n', True),
    ('"a"\t5\t1.0\t1.0\n"a"\t3\t2.0\t1.0\n"a"\t-1\t3.0\t1.0\n', True),   # explicit steps
    ('"a"\t0\tnan\t1.0\n"a"\t1\tinf\t1.0\n', False),                    # NaN/inf: exact reader
    ('"a"\t0\t"text"\t1.0\n"a"\t1\ttrue\t1.0\n', False),                 # strings, booleans
    ('"a"\t0\t1.0\t1.0\n"a"\t1\t2.', False),                           # torn last line
    ('"a"\t0\t1.0\t1.0\n"a"\t1\t1..2\t1.0\n', False),                   # garbage value
    ('"a"\t0\t1.0\t1.0\n"a\t1\t2.0\t1.0\n', False),                     # garbage name
    ('"a"\t0\t1.0\n"a"\t1\t2.0\t1.0\t9\n', False),                      # fields shifted
    ('', True),
])
def test_fast_metrics_reader_agrees_with_the_store(tmp_path, text, fast):
    from sitegen.site.data import read_metrics_raw
    from sitegen.store import decode_value, read_metrics
    path = tmp_path / "metrics.tsv"
    path.write_text(text)
    raw = read_metrics_raw(str(path))
    assert (raw is not None) == fast  # anything unusual goes to the exact reader
    if raw is None:
        return
    exact = read_metrics(path)
    assert list(raw) == list(exact)
    for name, s in exact.items():
        assert [int(x) for x in raw[name].steps] == s.steps
        assert [decode_value(x) for x in raw[name].values] == s.values


@pytest.mark.parametrize("title,mode", [("Experiment runs", "patch"), ("Renamed", "swap")])
def test_incremental_after_delete_hide_and_pin_equals_full(store, tmp_path, title, mode):
    """A few changes are moved into the site; many (a new title: every page) swap a new tree in."""
    import shutil
    ids = [log_iris_run(i, 1.0 / (i + 1), 0.5 + i / 100) for i in range(8)]
    site, full = tmp_path / "site", tmp_path / "full"
    build_site(store, site, Config())
    shutil.rmtree(store.root / ids[0])            # a run deleted
    store.update_meta(ids[2], {"hidden": True})   # a run hidden
    store.add_pin([ids[5], ids[1]])               # a comparison pinned
    result = build_site(store, site, Config(title=title))
    assert not (site / "runs" / f"{ids[0]}.html").exists() and not (site / "files" / ids[0]).exists()
    assert not (site / "runs" / f"{ids[2]}.html").exists()
    assert (site / "compare" / f"{ids[5]}--{ids[1]}.html").is_file()
    assert f"compare/{ids[5]}--{ids[1]}.html" in result.changed and result.mode == mode
    build_site(store, full, Config(title=title), clean=True)
    a = {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file() and p.name != TREE_NAME}
    b = {p.relative_to(full).as_posix(): p.read_bytes() for p in full.rglob("*") if p.is_file() and p.name != TREE_NAME}
    assert a == b
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_dir() and not any(p.iterdir())) == []
    check_site(site)


def test_run_pages_link_parent_and_children_both_ways(store, tmp_path):
    """Nested runs: the parent's page links each child, a child's page links its parent; a child
    added later (or renamed) makes the parent's page again, as a full build would."""
    with sitegen.start_run("sweep") as parent:
        kids = []
        for k in range(3):
            with sitegen.start_run(f"trial-{k}") as child:
                child.log("Accuracy", 0.5 + k / 10)
                kids.append(child.run_id)
    site = tmp_path / "site"
    build_site(store, site, Config())
    links = check_site(site)
    child_urls = [f"../runs/{k}.html" for k in kids]
    parent_links = [u for _, u in links[f"runs/{parent.run_id}.html"].urls]
    assert [u for u in parent_links if u in child_urls][-3:] == child_urls  # in the "Child runs" row
    for k in kids:
        assert f"../runs/{parent.run_id}.html" in [u for _, u in links[f"runs/{k}.html"].urls]
    page = (site / "runs" / f"{parent.run_id}.html").read_text("utf-8")
    assert "Child runs" in page and "trial-2" in page
    # a child renamed, then a fourth child: each incremental build equals a full one
    def same_as_full(n: int) -> str:
        build_site(store, site, Config())
        full = tmp_path / f"full{n}"
        build_site(store, full, Config(), clean=True)
        for rel in (f"runs/{parent.run_id}.html", f"runs/{kids[1]}.html"):
            assert (site / rel).read_bytes() == (full / rel).read_bytes(), rel
        return (site / "runs" / f"{parent.run_id}.html").read_text("utf-8")
    store.update_meta(kids[1], {"name": "renamed-trial"})  # not the parent's next run
    assert "renamed-trial" in same_as_full(1)
    with sitegen.start_run("late") as late:
        pass
    store.update_meta(late.run_id, {"parent_run_id": parent.run_id})
    assert f"{late.run_id}.html" in same_as_full(2)
