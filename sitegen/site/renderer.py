"""Phase 4, *render*: make every planned file that changed in the new site folder.

Pages are rendered (in worker processes when there are many) and files produced; one whose bytes
equal the previous site's keeps the previous file. In a *swap* build the folder becomes a complete
site (unchanged files hard-linked from the previous one); in a *patch* build it holds only the
changed files, which :mod:`sitegen.site.write` moves into the site.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable

from sitegen.errors import UserError
from sitegen.site import pages as _pages
from sitegen.site.fileops import link_or_copy, same_bytes, same_file
from sitegen.site.kinds import templates as kind_templates
from sitegen.site.plan import Plan, PlanEntry
from sitegen.site.render import BuildError, load_templates, make_env
from sitegen.site.usercharts import UserCharts
from sitegen.site.workers import Progress, run_jobs
from sitegen.site import usercharts


@dataclass(frozen=True)
class PageContext:
    """What a page renderer needs (handed to each worker process once)."""
    templates: dict
    tmp: str                    # the new site folder
    old: str | None             # the previous site, if its files can be reused
    patch: bool                 # the new folder holds only changed files
    charts: UserCharts | None = None  # the user's chart functions, if configured
    store_root: str = ""        # where the runs are (user charts read their points)
    runs: list = field(default_factory=list)  # the published runs (user charts on dashboards)


@dataclass
class Made:
    files: list[str] = field(default_factory=list)  # files (not pages) with new bytes
    pages: list[str] = field(default_factory=list)  # pages with new bytes


def page_context(entry: PlanEntry, site: dict) -> dict:
    """A page's template context: its own, plus where it is and what every page shows."""
    ctx = entry.context() if callable(entry.context) else entry.context
    ctx["page"] = entry.path
    ctx["root"] = "../" * entry.path.count("/")
    ctx["site"] = site
    return ctx


def render_page(pc: PageContext, job: tuple[str, str, dict]) -> tuple[str, bool]:
    """Render one page into the new folder; returns (path, changed). Unchanged bytes: link the old."""
    path, template, ctx = job
    try:
        ctx = _pages.prepare(template, ctx)
        if pc.charts is not None:
            ctx["user_charts"] = usercharts.for_page(pc.charts, template, ctx, pc.store_root, pc.runs)
        text = pc.templates[template].render(ctx)
    except UserError:
        raise
    except Exception as e:  # a broken theme template: say which page and why
        raise BuildError(f"cannot render {path} with template {template}: "
                         f"{type(e).__name__}: {e}") from None
    data = text.encode("utf-8")
    dest = os.path.join(pc.tmp, path)
    old_path = os.path.join(pc.old, path) if pc.old else None
    if old_path and same_bytes(old_path, data):
        if not pc.patch:
            link_or_copy(old_path, dest)
        return path, False
    with open(dest, "wb") as f:
        f.write(data)
    return path, True


class _Dirs:
    """Folders made in the new site folder (each once)."""

    def __init__(self, tmp: str) -> None:
        self.tmp, self.made = tmp, set()

    def ensure(self, path: str) -> None:
        d = os.path.dirname(path)
        if d and d not in self.made:
            os.makedirs(os.path.join(self.tmp, d), exist_ok=True)
            self.made.add(d)


def _link_unchanged(plan: Plan, todo: list[PlanEntry], tmp: str, old: str, dirs: _Dirs) -> None:
    """A swap build's folder gets every unchanged file of the previous site, hard-linked."""
    todo_paths = {e.path for e in todo}
    for path, entry in plan.entries.items():
        if path not in todo_paths:
            dirs.ensure(path)
            try:
                link_or_copy(os.path.join(old, path), os.path.join(tmp, path))
            except FileNotFoundError:  # removed from the site by hand: make it again
                todo.append(entry)


def _make_file(entry: PlanEntry, tmp: str, old: str | None, patch: bool, dirs: _Dirs,
               site_dir: str) -> bool:
    """Produce one file (or find the one gathering made); True if its bytes are new."""
    path = entry.path
    dest = os.path.join(tmp, path)
    if entry.produce is None:
        if not os.path.exists(dest):  # a cached run: its data file is the previous one
            src = os.path.join(old, path) if old else None
            if not src or not os.path.isfile(src):
                raise BuildError(f"{path} is missing from {site_dir}; rebuild with --clean")
            if not patch:
                dirs.ensure(path)
                link_or_copy(src, dest)
            return False
    else:
        dirs.ensure(path)
        entry.produce(dest)
    old_path = os.path.join(old, path) if old else None
    if old_path and os.path.isfile(old_path) and same_file(old_path, dest):
        os.unlink(dest)
        if not patch:
            link_or_copy(old_path, dest)
        return False
    return True


def render(plan: Plan, todo: list[PlanEntry], tmp: str, old: str | None, patch: bool, config,
           site: dict, site_dir: str, lap: Callable[[str], None],
           progress: Progress | None = None, done0: int = 0, total: int = 0,
           charts: UserCharts | None = None, store_root: str = "", runs: list | None = None) -> Made:
    """Make the ``todo`` entries of ``plan`` in ``tmp`` (see the module docstring)."""
    dirs = _Dirs(tmp)
    todo = list(todo)
    if not patch and old:
        _link_unchanged(plan, todo, tmp, old, dirs)
    lap("link unchanged")
    made = Made()
    pages = [e for e in todo if e.is_page]
    for entry in todo:
        if not entry.is_page and _make_file(entry, tmp, old, patch, dirs, site_dir):
            made.files.append(entry.path)
    lap("write files")
    if pages:
        for e in pages:
            dirs.ensure(e.path)
        # compiled once here: workers inherit the templates (a broken one fails now)
        context = PageContext(load_templates(make_env(config), kind_templates()), tmp, old, patch,
                              charts, store_root, runs or [])
        if progress:
            progress(done0, total)
        jobs = [(e.path, e.template, page_context(e, site)) for e in pages]
        made.pages = [path for path, new in run_jobs(render_page, context, jobs, progress, done0, total) if new]
    lap("render pages")
    return made
