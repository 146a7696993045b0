"""Reports (issue 18): parsing, resolving against real runs, the build, freeze, new and export."""
from __future__ import annotations

import json
import logging
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

import sitegen
from sitegen.config import load_config
from sitegen.site.build import StrictError, build_site
from sitegen.site.report_source import parse_report
from sitegen.site.reports import Runs, freeze, resolve
from sitegen.store import Store
from test_build import png

OPTIMIZERS = ["adam", "sgd", "adam", "sgd", "adam", "sgd"]
LRS = [0.1, 0.03, 0.01, 0.003, 0.001, 0.0003]
HOSTILE = '<img src=x onerror=alert(1)></script><script>alert("x")</script>'


def log_run(i: int, name: str | None = None) -> str:
    with sitegen.start_run(name or f"run-{i}") as run:
        run.log_params({"optimizer": OPTIMIZERS[i % 6], "lr": LRS[i % 6]})
        run.log("Accuracy", round(0.6 + 0.05 * i, 4))
        run.log("val_loss", [1.0 / (k + 1) + 0.01 * i for k in range(30)])
        (run.outputs / "cm.png").write_bytes(png(rgb=(40 * i % 255, 80, 120)))
        return run.run_id


@pytest.fixture
def proj(tmp_path, monkeypatch):
    """A project folder (cwd) with six runs (params optimizer/lr, Accuracy, val_loss, cm.png)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SITEGEN_STORE", str(tmp_path / "runs"))
    monkeypatch.setenv("SITEGEN_EXPERIMENT", "Sweep")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    (tmp_path / "sitegen.toml").write_text('title = "Sweep"\nprimary_metric = "Accuracy"\n')
    (tmp_path / "reports").mkdir()
    ids = [log_run(i) for i in range(6)]
    return tmp_path, Store(tmp_path / "runs"), ids


def build(proj_dir: Path, store: Store, out: Path | None = None, **kw):
    return build_site(store, out or proj_dir / "site", load_config(proj_dir), **kw)


REPORT = """---
title: "Adam or SGD?"
author: Ada
date: 2026-12-01
description: Six runs of a sweep.
---
# Findings

The best run is [this one](run:best); run 2's matrix: ![cm](run:2/outputs/cm.png).

```sitegen-chart
series: val_loss
runs: optimizer = "adam"
smoothing: 0.5
y: log
```

```sitegen-table
columns: optimizer, lr, Accuracy
sort: -Accuracy
runs: lr < 0.01
```

```sitegen-compare
runs: [best, 1]
```

```sitegen-parallel
columns: lr, optimizer, Accuracy
```
"""


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict]]:
    p = Tags()
    p.feed(html)
    return p.tags


def test_parse_front_matter_embeds_and_lines():
    src = parse_report("r", REPORT)
    assert src.front["title"].value == "Adam or SGD?" and src.front["date"].value == "2026-12-01"
    assert [e.kind for e in src.embeds] == ["chart", "table", "compare", "parallel"]
    chart = src.embeds[0]
    assert chart.line == 11 and chart.options["runs"].value == 'optimizer = "adam"'
    assert chart.options["runs"].line == 13
    assert src.embeds[2].options["runs"].value == ["best", "1"]
    assert "SITEGENEMBED0X" in src.body and "sitegen-chart" not in src.body
    bad = parse_report("b", "---\ntitle: x\nrunz: 1\n---\n```sitegen-chrat\nfoo\n```\n")
    assert [line for line, _ in bad.problems] == [3, 5, 6]


def test_build_report_page_embeds_and_listing(proj):
    root, store, ids = proj
    (root / "reports" / "adam.md").write_text(REPORT)
    result = build(root, store)
    assert result.warnings == 0
    site = root / "site"
    page = (site / "reports" / "adam.html").read_text()
    data = json.loads(re.search(r'<script type="application/json" id="sg-report-data">(.*?)</script>',
                                page, re.S).group(1))
    embeds = data["embeds"]
    adam = [ids[i] for i in range(6) if OPTIMIZERS[i] == "adam"]
    assert embeds[0]["runs"] == adam  # the query's runs, in site order
    table_rows = re.findall(r'<tr data-run="([^"]+)">', page)
    # lr < 0.01: runs 3, 4, 5, by Accuracy descending
    assert table_rows == [ids[5], ids[4], ids[3]]
    assert [r["id"] for r in embeds[2]["runs"]] == [ids[5], ids[0]]  # best (highest Accuracy), run 1
    assert embeds[3]["runs"] == ids
    # run: references resolved to the permanent relative URLs; the run's data files load
    hrefs = [a.get("href") or a.get("src") for _, a in tags(page)]
    assert f"../runs/{ids[5]}.html" in hrefs and f"../files/{ids[1]}/outputs/cm.png" in hrefs
    assert all(f"../data/runs/{i}.js" in hrefs for i in adam)
    # listed in the header, on reports.html and on the dashboard
    index = (site / "index.html").read_text()
    assert 'href="reports.html"' in index and 'href="reports/adam.html"' in index
    assert "Adam or SGD?" in (site / "reports.html").read_text()
    assert 'href="../reports.html"' in (site / "runs" / f"{ids[0]}.html").read_text()


def test_mistakes_warn_with_line_and_closest_names_and_strict_fails(proj, caplog):
    root, store, ids = proj
    (root / "reports" / "bad.md").write_text(
        "# Bad\n\nSee [x](run:99) and ![](run:1/outputs/cn.png).\n\n"
        "```sitegen-chart\nseries: val_los\n```\n\n"
        "```sitegen-table\ncolumns: Acuracy\n```\n\n"
        "```sitegen-table\nruns: optimizer = \"rmsprop\"\n```\n\n"
        "```sitegen-chart\nseries: val_loss\nsmoothing: lots\n```\n")
    with caplog.at_level(logging.WARNING, logger="sitegen"):
        result = build(root, store)
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert result.warnings == 6
    expected = ["bad.md:6: sitegen-chart: unknown series 'val_los' (closest: val_loss)",
                "bad.md:10: sitegen-table: unknown metric or parameter 'Acuracy' (closest: Accuracy",
                "bad.md:14: sitegen-table: runs: the query 'optimizer = \"rmsprop\"' matches no run",
                "bad.md:19: sitegen-chart: 'lots' is not a number",
                "bad.md:3: run:99: no run number 99",
                "bad.md:3: run:1/outputs/cn.png: run #1 run-0 has no published output 'cn.png' (closest: cm.png)"]
    for e in expected:
        assert any(e in m for m in messages), (e, messages)
    page = (root / "site" / "reports" / "bad.html").read_text()
    assert page.count('class="sg-embed sg-embed-error"') == 4  # a visible placeholder per embed
    assert "unknown series" in page
    with pytest.raises(StrictError):
        build(root, store, strict=True, clean=True)


def test_hostile_markdown_and_names_stay_text(proj):
    root, store, ids = proj
    Store(root / "runs").update_meta(ids[0], {"name": HOSTILE})
    (root / "reports" / "evil.md").write_text(
        f"---\ntitle: {HOSTILE}\nauthor: {HOSTILE}\n---\n# Hi {HOSTILE}\n\n"
        "[click](javascript:alert(1)) <a href=\"javascript:alert(2)\">a</a> <iframe src=x></iframe>\n"
        "<div onclick=\"alert(3)\" style=\"x\">d</div> ![x](https://example.com/t.png)\n\n"
        "```sitegen-table\nruns: [1]\ncolumns: optimizer\n```\n\n"
        "```sitegen-compare\nruns: [1, 2]\n```\n")
    build(root, store)
    page = (root / "site" / "reports" / "evil.html").read_text()
    found = tags(page)
    assert not [t for t, a in found if t in ("iframe", "img") and a.get("src") in ("x", "https://example.com/t.png")]
    assert not any(k.startswith("on") for _, a in found for k in a)
    assert not any((a.get("href") or "").startswith("javascript:") for _, a in found)
    scripts = [a for t, a in found if t == "script"]
    assert all(a.get("src") or a.get("type") == "application/json" or a == {} for a in scripts)
    assert page.count("<script") == len(scripts)  # no extra script element made by a name
    assert "&lt;/script&gt;&lt;script&gt;" in page  # the run's name, as text in the table


def test_freeze_keeps_the_runs_when_new_ones_arrive(proj, cli):
    root, store, ids = proj
    (root / "reports" / "r.md").write_text(REPORT)
    before = (root / "reports" / "r.md").read_text()
    proc = cli("report", "freeze", "r", cwd=root)
    assert proc.returncode == 0, proc.stderr
    text = (root / "reports" / "r.md").read_text()
    adam = [ids[i] for i in range(6) if OPTIMIZERS[i] == "adam"]
    assert f"runs: [{', '.join(adam)}]" in text
    assert f"runs: [{', '.join(ids)}]" in text  # the default set: all runs now
    assert f"(run:{ids[5]})" in text and "run:best" not in text
    assert text.replace(f"runs: [{', '.join(ids)}]\n", "").count("\n") == before.count("\n")
    # a new adam run, better than all: the frozen report does not change, a live one would
    new = log_run(6)
    (root / "reports" / "live.md").write_text(before)
    build(root, store)
    frozen = (root / "site" / "reports" / "r.html").read_text()
    live = (root / "site" / "reports" / "live.html").read_text()
    assert f"../data/runs/{new}.js" not in frozen and new not in frozen
    assert f"../data/runs/{new}.js" in live
    again = cli("report", "freeze", "r", cwd=root)
    assert again.returncode == 0 and "already frozen" in again.stdout


def test_report_new_uses_real_names_and_builds_clean(proj, cli):
    root, store, ids = proj
    proc = cli("report", "new", "sweep", cwd=root)
    assert proc.returncode == 0, proc.stderr
    text = (root / "reports" / "sweep.md").read_text()
    assert "series: val_loss" in text and "value: Accuracy" in text and "x: lr" in text
    assert "sitegen-compare" in text and "sitegen-parallel" in text
    assert cli("report", "new", "sweep", cwd=root).returncode == 1  # exists: one-line error
    build_proc = cli("build", "--strict", cwd=root)
    assert build_proc.returncode == 0, build_proc.stderr
    assert (root / "site" / "reports" / "sweep.html").is_file()
    err = cli("report", "freeze", "nope", cwd=root)
    assert err.returncode == 1 and err.stderr.startswith("Error: no report 'nope'")
    assert "Traceback" not in err.stderr


def test_incremental_equals_full_and_only_the_report_is_rebuilt(proj, tmp_path):
    root, store, ids = proj
    (root / "reports" / "r.md").write_text(REPORT)
    (root / "reports" / "other.md").write_text("# Other\n\n```sitegen-table\nruns: [1, 2]\n```\n")
    build(root, store)
    (root / "reports" / "r.md").write_text(REPORT.replace("# Findings", "# Findings, revised"))
    result = build(root, store)
    assert result.changed == ["reports/r.html"]
    log_run(7)  # a new run: the live report shows it, the one over runs 1 and 2 does not change
    result = build(root, store)
    assert "reports/r.html" in result.changed and "reports/other.html" not in result.changed
    full = tmp_path / "full"
    build(root, store, out=full, clean=True)
    for path in sorted((root / "site").rglob("*")):
        rel = path.relative_to(root / "site")
        if path.is_file() and not rel.name.startswith(".sitegen"):
            assert path.read_bytes() == (full / rel).read_bytes(), rel


def test_export_inlines_everything(proj, cli):
    root, store, ids = proj
    (root / "reports" / "r.md").write_text(REPORT)
    proc = cli("report", "export", "r", "-o", str(root / "r.html"), cwd=root)
    assert proc.returncode == 0, proc.stderr
    html = (root / "r.html").read_text()
    assert not list(root.glob("site"))  # built in a temporary folder
    srcs = [a.get("src") or a.get("href") for t, a in tags(html) if t in ("script", "link", "img")]
    assert all(s is None or s.startswith("data:") for s in srcs), srcs
    assert "vegaEmbed" in html and f'"{ids[0]}"' in html
