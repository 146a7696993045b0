"""One self-contained HTML file from a built report page: every script, style sheet, font and image
it loads from the site is put inside it (``<script>`` text, ``<style>`` text, ``data:`` URLs), so it
draws from an e-mail attachment with no network and no site next to it.

Only references the page itself makes are followed, and only to files inside the site folder.
"""
from __future__ import annotations

import base64
import html
import mimetypes
import os
import posixpath
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sitegen.errors import UserError

_SCRIPT = re.compile(r'<script src="([^"]+)"></script>')
_STYLE = re.compile(r'<link rel="stylesheet" href="([^"]+)">')
_ICON = re.compile(r'(<link rel="icon" href=")([^"]+)(")')
_IMG = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]+)(")')
_CSS_URL = re.compile(r"url\((['\"]?)([^'\")]+)\1\)")
_MIME = {".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf", ".svg": "image/svg+xml",
         ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
         ".webp": "image/webp"}


class ExportError(UserError):
    """The report cannot be exported."""


class _Site:
    def __init__(self, site_dir: Path) -> None:
        self.root = Path(site_dir).resolve()

    def file(self, base: str, url: str) -> Path | None:
        """The site file ``url`` names from the site path ``base`` (None: not a file of the site)."""
        url = html.unescape(url)
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or url.startswith(("/", "#")):
            return None
        rel = posixpath.normpath(posixpath.join(posixpath.dirname(base), unquote(parts.path)))
        if rel.startswith("../") or rel == "..":
            return None
        path = (self.root / rel).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        return path

    def data_url(self, base: str, url: str) -> str:
        path = self.file(base, url)
        if path is None:
            return url
        mime = _MIME.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"

    def text(self, base: str, url: str) -> tuple[str, str] | None:
        path = self.file(base, url)
        if path is None:
            return None
        return path.read_text("utf-8"), path.relative_to(self.root).as_posix()


def _script_text(text: str) -> str:
    """Script text that cannot end its <script> element early."""
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.I).replace("<!--", "<\\!--")


def inline_page(site_dir: Path, page: str) -> str:
    """The page at site path ``page`` (e.g. ``reports/iris.html``) with everything it loads inlined."""
    site = _Site(site_dir)
    try:
        text = (site.root / page).read_text("utf-8")
    except OSError as e:
        raise ExportError(f"cannot read {site.root / page}: {e.strerror or e}") from None

    def script(m: re.Match) -> str:
        found = site.text(page, m.group(1))
        if found is None:
            raise ExportError(f"{page} loads {m.group(1)}, which is not in {site.root}")
        return f"<script>{_script_text(found[0])}</script>"

    def style(m: re.Match) -> str:
        found = site.text(page, m.group(1))
        if found is None:
            raise ExportError(f"{page} loads {m.group(1)}, which is not in {site.root}")
        css, css_path = found
        css = _CSS_URL.sub(lambda u: f"url({site.data_url(css_path, u.group(2))})", css)
        return "<style>" + css.replace("</", "<\\/") + "</style>"

    def attr(m: re.Match) -> str:
        return m.group(1) + site.data_url(page, m.group(2)) + m.group(3)

    text = _SCRIPT.sub(script, text)
    text = _STYLE.sub(style, text)
    text = _ICON.sub(attr, text)
    return _IMG.sub(attr, text)


def write_export(site_dir: Path, page: str, dest: Path) -> int:
    """Write the inlined page to ``dest`` (atomically); returns its size in bytes."""
    data = inline_page(site_dir, page).encode("utf-8")
    dest = Path(dest)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, dest)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"cannot write {dest}: {e.strerror or e}") from None
    return len(data)
