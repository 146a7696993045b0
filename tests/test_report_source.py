"""Reports without a build: parsing a source, resolving references and names, the starter."""
from __future__ import annotations

from pathlib import Path

import pytest

import sitegen
from sitegen.config import load_config
from sitegen.site.build import build_site
from sitegen.site.report_source import parse_report, rewrite
from sitegen.site.report_runs import load_runs
from sitegen.site.reports import resolve
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
Its loss is $$ \\frac{1}{n} \\sum_i \\ell(x_i) $$

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




def test_parse_front_matter_embeds_and_lines():
    src = parse_report("r", REPORT)
    assert src.front["title"].value == "Adam or SGD?" and src.front["date"].value == "2026-12-01"
    assert [e.kind for e in src.embeds] == ["chart", "table", "compare", "parallel"]
    chart = src.embeds[0]
    assert chart.line == 12 and chart.options["runs"].value == 'optimizer = "adam"'
    assert chart.options["runs"].line == 14
    assert src.embeds[2].options["runs"].value == ["best", "1"]
    assert "SITEGENEMBED0X" in src.body and "sitegen-chart" not in src.body
    bad = parse_report("b", "---\ntitle: x\nrunz: 1\n---\n```sitegen-chrat\nfoo\n```\n")
    assert [line for line, _ in bad.problems] == [3, 5, 6]
    listed = parse_report("l", "---\nruns:\n  - a\n  - 'b'\n---\n")
    assert listed.front["runs"].value == ["a", "b"]
    # a code block that shows an embed is left alone (only the outer fence counts)
    shown = parse_report("s", "````markdown\n```sitegen-chart\nseries: x\n```\n````\n")
    assert shown.embeds == [] and "sitegen-chart" in shown.body


def test_rewrite_replaces_lines_and_adds_front_matter():
    assert rewrite("a\nb\n", {2: "B"}, ["runs: [x]"]) == "---\nruns: [x]\n---\n\na\nB\n"
    assert rewrite("---\ntitle: t\n---\nx", {}, ["runs: [y]"]) == "---\ntitle: t\nruns: [y]\n---\nx"


def test_resolve_references_lists_and_markdown_features(proj):
    root, store, ids = proj
    runs = load_runs(store, load_config(root))
    assert [s["id"] for s in runs.runs] == ids and runs.best()["id"] == ids[5]
    text = ("# Top\n\n[TOC]\n\n[b](run:best) [l](run:last) [n](run:3) ![i](run:1/outputs/cm.png) "
            "[id](run:" + ids[2] + ")\n\n!!! note \"Careful\"\n    An admonition[^1].\n\n"
            "```python\nx = 1\n```\n\n$$ a_1 + b_2 $$ and $x_i^2$ but not `$a_b$`\n\n[^1]: A footnote.\n\n"
            "```sitegen-compare\nruns: [best, 1, " + ids[2] + "]\ncolumns: optimizer, lr, Accuracy\n"
            "diff-only: true\n```\n")
    page = resolve(parse_report("t", text), runs)
    assert page.warnings == []
    html = "".join(p for p in page.parts if isinstance(p, str))
    for want in (f'href="../runs/{ids[5]}.html"', f'href="../runs/{ids[2]}.html"',
                 f'src="../files/{ids[0]}/outputs/cm.png"', 'class="toc"', 'class="admonition note"',
                 'class="footnote-ref"', '<span class="n">x</span>', '<span class="math display">a_1 + b_2</span>',
                 '<span class="math">x_i^2</span>', "<code>$a_b$</code>"):
        assert want in html, want
    assert page.math
    compare = page.embeds[0]
    assert [r["id"] for r in compare["runs"]] == [ids[5], ids[0], ids[2]]
    assert [r["label"] for r in compare["rows"]] == ["optimizer", "lr", "Accuracy"]  # all differ
    assert compare["images"][0]["cells"] == [f"files/{i}/outputs/cm.png" for i in (ids[5], ids[0], ids[2])]


def test_report_new_uses_the_stores_names(proj, cli):
    root, store, ids = proj
    proc = cli("report", "new", "sweep", cwd=root)
    assert proc.returncode == 0, proc.stderr
    text = (root / "reports" / "sweep.md").read_text()
    assert "series: val_loss" in text and "value: Accuracy" in text and "x: lr" in text
    assert "columns: lr, optimizer, Accuracy" in text and "sort: -Accuracy" in text
    assert "sitegen-compare" in text and "sitegen-parallel" in text
    again = cli("report", "new", "sweep", cwd=root)
    assert again.returncode == 1 and again.stderr.startswith("Error: ") and "--force" in again.stderr
    bad = cli("report", "new", "../x", cwd=root)
    assert bad.returncode == 1 and "cannot be a report name" in bad.stderr
    err = cli("report", "freeze", "nope", cwd=root)
    assert err.returncode == 1 and err.stderr.startswith("Error: no report 'nope'")
    assert "Traceback" not in err.stderr + bad.stderr + again.stderr
