"""Phase 4, *render*: make every planned file that changed in the new site folder.

Pages are rendered (in worker processes when there are many) and files produced, a batch at a time
(:class:`Renderer`); one whose bytes equal the previous site's keeps the previous file. In a *swap* build the folder becomes a complete
site (unchanged files hard-linked from the previous one); in a *patch* build it holds only the
changed files, which :mod:`sitegen.site.write` moves into the site.
"""
from __future__ import annotations

import os
from collections import deque
from dataclasses import dataclass, field
from typing import Iterable

from sitegen.errors import UserError
from sitegen.site import pages as _pages
from sitegen.site.fileops import link_or_copy, same_bytes, same_file, write_bytes
from sitegen.site.kinds import templates as kind_templates
from sitegen.site.plan import PlanEntry
from sitegen.site.render import BuildError, load_templates, make_env
from sitegen.site.usercharts import UserCharts
from sitegen.site.workers import Progress, Workers
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
    write_bytes(data, dest)
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


IN_FLIGHT = 2  # batches of pages handed to the workers and not yet collected (see Renderer)


class Renderer:
    """Makes the planned files of the new site a batch at a time (:meth:`make`): the batch's files
    at once, its pages in a pool of workers made once for the whole build, while the caller plans
    the next batch; at most :data:`IN_FLIGHT` batches of pages wait to be rendered (their contexts
    are made when the batch is handed in), so the workers have the next batch queued while the
    caller plans another, and neither waits for the other at each batch. :meth:`finish` waits for
    the last pages and closes the pool."""

    def __init__(self, tmp: str, old: str | None, patch: bool, config, site: dict, site_dir: str,
                 pages: int, progress: Progress | None = None, done0: int = 0, total: int = 0,
                 charts: UserCharts | None = None, store_root: str = "", runs: list | None = None) -> None:
        self.tmp, self.old, self.patch, self.config, self.site = tmp, old, patch, config, site
        self.site_dir, self.pages = site_dir, pages      # pages: how many may be rendered in all
        self.progress, self.done, self.total = progress, done0, total
        self.charts, self.store_root, self.runs = charts, store_root, runs or []
        self.dirs, self.made = _Dirs(tmp), Made()
        self._workers: Workers | None = None
        self._pending: deque[Iterable] = deque()  # the batches handed to the workers, oldest first

    def link(self, paths: Iterable[str]) -> list[str]:
        """A swap build's folder gets these unchanged files of the previous site, hard-linked; the
        paths missing there (removed by hand) are returned, to be made again."""
        missing = []
        for path in paths:
            self.dirs.ensure(path)
            try:
                link_or_copy(os.path.join(self.old, path), os.path.join(self.tmp, path))
            except FileNotFoundError:
                missing.append(path)
        return missing

    def make(self, todo: list[PlanEntry], unchanged: Iterable[PlanEntry] = ()) -> None:
        """Make ``todo``'s files now and hand its pages to the workers; in a swap build with a
        previous site, link the ``unchanged`` entries' files from it (made if missing there)."""
        todo = list(todo)
        if not self.patch and self.old:
            by_path = {e.path: e for e in unchanged}
            todo += [by_path[p] for p in self.link(by_path)]
        for entry in todo:
            if not entry.is_page and _make_file(entry, self.tmp, self.old, self.patch, self.dirs, self.site_dir):
                self.made.files.append(entry.path)
        pages = [e for e in todo if e.is_page]
        if not pages:
            return
        for e in pages:
            self.dirs.ensure(e.path)
        jobs = [(e.path, e.template, page_context(e, self.site)) for e in pages]
        while len(self._pending) >= IN_FLIGHT:
            self._collect_one()
        self._pending.append(self._pool().imap(jobs))

    def _pool(self) -> Workers:
        if self._workers is None:
            # compiled once here: workers inherit the templates (a broken one fails now)
            context = PageContext(load_templates(make_env(self.config), kind_templates()), self.tmp,
                                  self.old, self.patch, self.charts, self.store_root, self.runs)
            self._workers = Workers(render_page, context, self.pages)
        return self._workers

    def _collect_one(self) -> None:
        """Wait for the oldest batch handed to the workers."""
        for path, new in self._pending.popleft():
            if new:
                self.made.pages.append(path)
            self.done += 1
            if self.progress and self.done % 200 == 0:
                self.progress(self.done, self.total)

    def _collect(self) -> None:
        while self._pending:
            self._collect_one()

    def finish(self) -> Made:
        """Wait for the last pages; the files and pages with new bytes."""
        try:
            self._collect()
        finally:
            self.close()
        return self.made

    def close(self) -> None:
        if self._workers is not None:
            self._workers.close()
            self._workers = None

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
