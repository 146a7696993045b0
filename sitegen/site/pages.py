"""Page contexts: what each page shows, as plain JSON-ready dicts (their hash decides re-rendering).

Everything here is cheap: no file is read. Files a page shows (logs, Markdown outputs) are named by
their fingerprints here and read in :func:`prepare` only when the page is actually rendered.
"""
from __future__ import annotations

import os
from sitegen.store import open_run_file
from sitegen.site import outputs as _outputs
from sitegen.site.markdown import render_markdown
from sitegen.site.render import url_quote

LOG_EXCERPT = 40_000       # bytes of the driver log shown on a run page (the end of it)
MARKDOWN_INLINE = 60_000   # Markdown outputs larger than this are linked, not rendered


def run_ref(s: dict | None) -> dict | None:
    if s is None:
        return None
    m = s["meta"]
    return {"id": s["id"], "number": m.get("run_number"), "name": m.get("name")}


def run_label(s: dict) -> str:
    m = s["meta"]
    n = m.get("run_number")
    label = f"#{n if n is not None else '?'}"
    if m.get("name"):
        label += f" {m['name']}"
    return label


MAX_CHILD_LINKS = 50  # a run page links this many of its child runs (all are in the grid)


def family(runs: list[dict]) -> dict[str, dict]:
    """Each run's published parent and children (in the runs' order), as run refs, and the ids its
    page links to ("linked": they decide when the page is made again)."""
    by_id = {s["id"]: s for s in runs}
    kids = children_of(runs, by_id)
    return {s["id"]: family_of(s, by_id, kids) for s in runs}


def children_of(runs: list[dict], by_id: dict[str, dict]) -> dict[str, list[dict]]:
    """Each published parent's published children, in the runs' order."""
    kids: dict[str, list[dict]] = {}
    for s in runs:
        p = s["meta"].get("parent_run_id")
        if p in by_id and p != s["id"]:
            kids.setdefault(p, []).append(s)
    return kids


def family_of(s: dict, by_id: dict[str, dict], kids: dict[str, list[dict]]) -> dict:
    """One run's entry of :func:`family`."""
    parent = by_id.get(s["meta"].get("parent_run_id") or "")
    parent = parent if parent is not s else None
    children = kids.get(s["id"], [])
    shown = children[:MAX_CHILD_LINKS]
    return {"parent": run_ref(parent), "children": [run_ref(c) for c in shown],
            "more_children": len(children) - len(shown),
            "linked": ([parent["id"]] if parent else []) + [c["id"] for c in shown]}


def compare_path(ids: list[str]) -> str:
    return "compare/" + "--".join(ids) + ".html"


def output_url(run_id: str, rel: str) -> str:
    return f"files/{run_id}/outputs/{rel}"


def job_runs(runs: list[dict], limit_finished: int = 5) -> list[dict]:
    """The runs of the jobs panel: running runs, then the most recently finished ones (summaries or
    slim records: only ``meta`` is read)."""
    running = [s for s in runs if s["meta"].get("status") == "Running"]
    finished = [s for s in runs if s["meta"].get("status") != "Running"]
    finished.sort(key=lambda s: (s["meta"].get("end_time_utc") or "", s["id"]), reverse=True)
    return running + finished[:limit_finished]


def jobs(runs: list[dict], limit_finished: int = 5) -> list[dict]:
    """The jobs panel: running runs, then the most recently finished ones (full summaries)."""
    out = []
    for s in job_runs(runs, limit_finished):
        m = s["meta"]
        latest = [[k, st["last"], st["last_step"]] for k, st in s["series"].items()
                  if not k.startswith("system/")][:4]
        latest += [[k, v, None] for k, v in s["scalars"].items()][: max(0, 6 - len(latest))]
        out.append({"id": s["id"], "number": m.get("run_number"), "name": m.get("name"),
                    "script": m.get("script_name"), "status": m.get("status"),
                    "start": m.get("start_time_utc"), "duration": m.get("duration"),
                    "duration_s": m.get("duration_s"),
                    "latest": latest})
    return out


def index_row(s: dict) -> dict:
    """One run's row of the grid (a function of its summary alone)."""
    m = s["meta"]
    vals = {k: v for k, v in s["scalars"].items()}
    for k, st in s["series"].items():
        vals.setdefault(k, st["last"])
    return {"id": s["id"], "number": m.get("run_number"), "name": m.get("name") or "",
            "script": m.get("script_name") or "", "status": m.get("status") or "",
            "start": m.get("start_time_utc") or "", "duration": m.get("duration_s"),
            "tags": dict(sorted((m.get("tags") or {}).items())), "parent": m.get("parent_run_id") or "",
            "params": s.get("params") or {}, "values": vals}


# ---------------------------------------------------------------- render-time preparation

def _read_tail(path: str, limit: int) -> tuple[str, bool]:
    try:
        with open_run_file(path) as f:
            size = os.fstat(f.fileno()).st_size
            if size > limit:
                f.seek(size - limit)
            data = f.read(limit)
    except OSError:
        return "", False
    text = data.decode("utf-8", errors="replace")
    if size > limit:
        text = text.split("\n", 1)[-1] if "\n" in text else text
    return text, size > limit


def prepare(template: str, ctx: dict) -> dict:
    """Add what is read or rendered only when the page is written (logs, Markdown)."""
    if template != "run.html":
        return ctx
    ctx = dict(ctx)
    run = ctx["run"]
    base = ctx["root"] + url_quote(f"files/{run['id']}/outputs/")
    ctx["description_html"] = render_markdown(run["meta"].get("description") or "", base=None)
    run_dir = os.path.join(ctx["store_root"], run["id"])
    md = {}
    svg_urls = _outputs.svg_urls(run_dir, run["outputs"])
    published = {o["path"] for o in run["outputs"]}
    for o in run["outputs"]:
        if o.get("markdown") and o["size"] <= MARKDOWN_INLINE:
            try:
                with open_run_file(os.path.join(run_dir, "outputs", o["path"])) as f:
                    text = f.read().decode("utf-8", errors="replace")
            except OSError:
                continue
            folder = os.path.dirname(o["path"])
            md[o["path"]] = render_markdown(text, base=base + (url_quote(folder) + "/" if folder else ""),
                                            folder=folder, exists=published.__contains__,
                                            rename=_outputs.published_path, images=svg_urls)
    ctx["markdown_outputs"] = md
    ctx["svg_urls"] = svg_urls
    reports = {}
    for o in run["outputs"]:
        if o.get("report") and o["size"] <= _outputs.REPORT_INLINE_LIMIT:
            try:
                with open_run_file(os.path.join(run_dir, "outputs", o["path"])) as f:
                    reports[o["path"]] = f.read().decode("utf-8", errors="replace")
            except OSError:
                continue
    ctx["html_reports"] = reports  # shown in <iframe sandbox srcdoc>: see sitegen.site.outputs
    if run.get("log"):
        text, truncated = _read_tail(os.path.join(run_dir, "driver.log"), LOG_EXCERPT)
        ctx["log_text"], ctx["log_truncated"] = text, truncated
    else:
        ctx["log_text"], ctx["log_truncated"] = None, False
    return ctx


