"""Reports (issue 18): parsing, resolving against real runs, the build, freeze, new and export."""
from __future__ import annotations

import json
import logging
import re
from html.parser import HTMLParser

import pytest

from sitegen.site.build import StrictError
from sitegen.store import Store
from test_report_source import HOSTILE, OPTIMIZERS, REPORT, build, log_run, proj  # noqa: F401


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
    (root / "reports" / "two words.md").write_text("# x\n")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="sitegen"):
        assert build(root, store).warnings == 7
    assert sum("cannot be a page name" in r.getMessage() for r in caplog.records) == 1
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
    assert not [t for t, a in found if t == "iframe" or a.get("src") == "https://example.com/t.png"]
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


def test_report_new_builds_clean(proj, cli):
    root, store, ids = proj
    assert cli("report", "new", "sweep", cwd=root).returncode == 0
    proc = cli("build", "--strict", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert (root / "site" / "reports" / "sweep.html").is_file()


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


def test_query_embed_picks_what_history_list_filter_picks(proj, cli):
    root, store, ids = proj
    query = 'optimizer = "adam" and lr < 0.05'
    (root / "reports" / "q.md").write_text(f"```sitegen-table\nruns: {query}\n```\n")
    build(root, store)
    page = (root / "site" / "reports" / "q.html").read_text()
    # a query embed's runs are the build's evaluation of sitegen.query: the CLI's filter agrees
    shown = re.findall(r'<tr data-run="([^"]+)">', page)
    proc = cli("history", "list", "--filter", query, "-o", "json", cwd=root)
    assert proc.returncode == 0, proc.stderr
    listed = [r["run_id"] for r in json.loads(proc.stdout)]
    assert sorted(shown) == sorted(listed) and len(shown) == 2
