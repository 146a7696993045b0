"""The HTTP side of ``sitegen serve`` (Tornado): the site's files, the base-path redirects, the
error and not-found pages and livereload's endpoints, each behind the server's Host/Origin check
(:class:`sitegen.preview.HostGuard`, passed in as ``guard``)."""
from __future__ import annotations

import html
import os
import re
from typing import Any

from livereload.handlers import (ForceReloadHandler, LiveReloadHandler, LiveReloadJSHandler,
                                 StaticFileHandler)
from tornado import web

SNAPSHOT_LIMIT = 16 << 20  # served files up to this size are read whole before answering


def error_page(message: str, base_path: str = "/") -> str:
    """The page shown in place of every HTML page while the last build failed."""
    msg = html.escape(message)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Build failed - sitegen serve</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:3rem auto;padding:0 1rem}}
pre{{background:#fee;color:#600;padding:1rem;border-radius:6px;white-space:pre-wrap}}
@media (prefers-color-scheme:dark){{body{{background:#111;color:#ddd}}pre{{background:#411;color:#fcc}}}}
</style></head>
<body><h1>The site failed to build</h1>
<pre id="sitegen-build-error">{msg}</pre>
<p>Fix the problem and save: this page reloads by itself once the site builds again.</p>
</body></html>
"""


def not_found_page(base_path: str = "/") -> str:
    """The 404 page: it carries the reload script (injected into its ``<head>`` like every page),
    so a tab opened on a page that is still being built shows it by itself after the next build."""
    home = html.escape(base_path)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Not found - sitegen serve</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:3rem auto;padding:0 1rem}}
@media (prefers-color-scheme:dark){{body{{background:#111;color:#ddd}}a{{color:#9cf}}}}</style></head>
<body><h1>Not found</h1>
<p id="sitegen-not-found">This page does not exist (yet). If it belongs to a run that started a moment ago,
it may still be building: this tab reloads by itself after the next build.</p>
<p><a href="{home}">The dashboard</a></p>
</body></html>
"""


class Guarded:
    """Refuses a request that does not name this server (``guard.refusal``) before any handler
    runs. ``same_origin``: the request must also come from the server's own pages."""
    same_origin = False

    def initialize(self, guard: Any, **kwargs: Any) -> None:
        self.guard = guard
        super().initialize(**kwargs)

    def prepare(self) -> None:
        why = self.guard.refusal(self.request.headers, self.same_origin)
        if why:
            self.set_status(403 if self.request.headers.get("Host") else 400)
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.finish(why + "\n")


class SiteHandler(Guarded, StaticFileHandler):
    """The built site's files; every HTML page is the error page while the last build failed."""

    def initialize(self, guard: Any, preview: Any, base_path: str, **kwargs: Any) -> None:
        self.preview = preview
        self.base_path = base_path
        super().initialize(guard, **kwargs)

    def set_extra_headers(self, path: str) -> None:
        self.set_header("Cache-Control", "no-cache")  # a reload must fetch fresh data files

    def compute_etag(self) -> None:
        return None  # no-cache anyway; and tornado would read every file twice to hash it

    def _snapshot(self) -> bytes | None:
        """The file's bytes, read once from one open file: a rebuild replacing the file
        mid-request cannot make its body disagree with its Content-Length (tornado then drops
        the connection). Files over SNAPSHOT_LIMIT are streamed as usual."""
        if not hasattr(self, "_data"):
            self._data = None
            try:
                with open(self.absolute_path, "rb") as f:
                    if os.fstat(f.fileno()).st_size <= SNAPSHOT_LIMIT:
                        self._data = f.read()
            except (OSError, ValueError):
                pass
        return self._data

    def get_content_size(self) -> int:
        data = self._snapshot()
        return len(data) if data is not None else super().get_content_size()

    def get_content(self, abspath: str, start: int | None = None, end: int | None = None):
        data = self._snapshot()
        return data[start:end] if data is not None else super().get_content(abspath, start, end)

    async def get(self, path: str, include_body: bool = True) -> None:
        if "\0" in path:  # /index.html%00.js: no such file (the OS cannot even name it)
            raise web.HTTPError(404)
        error = self.preview.error
        if error is not None and (path == "" or path.endswith(("/", ".html"))):
            self.set_status(500)
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            self.finish(error_page(error, self.base_path) if include_body else None)
            return
        await super().get(path, include_body)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        if status_code != 404:
            return super().write_error(status_code, **kwargs)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(not_found_page(self.base_path))


class NotUnderBase(Guarded, web.RequestHandler):
    """Anything outside ``--base-path``: a 404 that links to where the site is."""

    def initialize(self, guard: Any, base_path: str) -> None:
        self.base_path = base_path
        super().initialize(guard)

    def get(self) -> None:
        where = html.escape(self.base_path)
        self.set_status(404)
        self.finish(f"<!doctype html><html><head><title>Not found</title></head><body>"
                    f"<p>Not found. The site is served under <a href=\"{where}\">{where}</a>.</p>"
                    f"</body></html>")

    head = get


class Redirect(Guarded, web.RedirectHandler):
    pass


class ReloadSocket(Guarded, LiveReloadHandler):
    def check_origin(self, origin: str) -> bool:
        return self.guard.origin_ok(origin)


class ForceReload(Guarded, ForceReloadHandler):
    same_origin = True


class ReloadScript(Guarded, LiveReloadJSHandler):
    pass


def site_routes(preview: Any, root: str, base_path: str, guard: Any, live: bool) -> list:
    """Tornado routes serving the site folder ``root`` at ``base_path`` (with livereload's
    endpoints when ``live``)."""
    static = (SiteHandler, {"guard": guard, "preview": preview, "base_path": base_path,
                            "path": root, "default_filename": "index.html"})
    if base_path == "/":
        site = [(r"/(.*)", *static)]
    else:
        redirect = {"guard": guard, "url": base_path}
        site = [
            (r"/", Redirect, redirect),
            (re.escape(base_path.rstrip("/")), Redirect, redirect),
            (re.escape(base_path) + r"(.*)", *static),
            (r".*", NotUnderBase, {"guard": guard, "base_path": base_path}),
        ]
    if not live:
        return site
    guarded = {"guard": guard}
    return [(r"/livereload", ReloadSocket, guarded), (r"/forcereload", ForceReload, guarded),
            (r"/livereload.js", ReloadScript, guarded)] + site
