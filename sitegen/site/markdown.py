"""Markdown to safe HTML: python-markdown, then nh3 (heading ids and code classes kept).

Links and images may only point inside the site: ``javascript:`` and other schemes are dropped by nh3,
and images with an absolute URL are dropped too (a page must never make a request to another host).
Relative links in a Markdown *output* file are rewritten to point at that run's published outputs.
"""
from __future__ import annotations

import posixpath
import re
from functools import lru_cache
from urllib.parse import quote, urlsplit

import markdown as _markdown
import nh3

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p", "pre", "q",
    "s", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "u", "ul",
}
_ATTRS = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "code": {"class"},
    "span": {"class"},
    "div": {"class"},
    "th": {"align"},
    "td": {"align"},
    **{f"h{i}": {"id"} for i in range(1, 7)},
}
_EXTENSIONS = ["fenced_code", "tables", "sane_lists", "toc"]
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@lru_cache(maxsize=1)
def _md() -> _markdown.Markdown:
    return _markdown.Markdown(extensions=_EXTENSIONS, output_format="html")


USER_ID_PREFIX = "md-"  # user heading ids live apart from the page's own (#charts-series, #log-h)


def _user_id(value: str) -> str:
    return value if value.startswith(USER_ID_PREFIX) else USER_ID_PREFIX + value


def _local(value: str, base: str | None, folder: str, exists, rename=None) -> str | None:
    """A relative URL inside ``base`` (a folder URL ending in /) naming a published file, or None."""
    if value.startswith("#"):
        return "#" + _user_id(value[1:]) if len(value) > 1 else value
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or value.startswith("/") or _SCHEME.match(value):
        return None
    if base is None:
        return None
    path = posixpath.normpath(parts.path) if parts.path else ""
    if path.startswith("..") or path.startswith("/") or not path or path == ".":
        return None
    from urllib.parse import unquote
    if exists is not None and not exists(posixpath.join(folder, unquote(path)) if folder else unquote(path)):
        return None
    url = base + quote(rename(path) if rename else path, safe="/")
    if parts.fragment:
        url += "#" + quote(parts.fragment, safe="")
    return url


def _image(value: str, base: str | None, folder: str, exists, rename, images: dict[str, str]) -> str | None:
    """An image's ``src``: the ``data:`` URL of an SVG output (as the run page's gallery draws it);
    none for another file published under a text name (an ``<img>`` could not draw it)."""
    from urllib.parse import unquote
    path = posixpath.normpath(posixpath.join(folder, unquote(urlsplit(value).path))) if base else ""
    if path in images:
        return images[path]
    url = _local(value, base, folder, exists, rename)
    if url and rename and rename(path) != path:
        return None
    return url


def render_markdown(text: str, base: str | None = None, folder: str = "", exists=None,
                    rename=None, images: dict[str, str] | None = None) -> str:
    """Sanitised HTML for ``text``; heading ids and ``#`` links get the prefix ``md-`` (a heading
    ``# charts-series`` must not take the id of the page's series charts). ``base``: the URL folder relative links are resolved against
    (None: relative links other than ``#anchors`` are dropped); ``exists(path)`` tells whether
    ``folder/path`` is a published file (links to anything else are dropped); ``rename(path)``: the
    name it is published under (``report.html`` -> ``report.html.txt``); ``images``: ``data:`` URLs
    drawn in place of those files (SVG outputs, by path)."""
    if not text:
        return ""
    md = _md()
    md.reset()
    html = md.convert(text)

    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        if tag == "img" and attr == "src":
            return _image(value, base, folder, exists, rename, images or {})
        if tag == "a" and attr == "href":
            low = value.strip().lower()
            if low.startswith(("http://", "https://", "mailto:")):
                return value  # a link (not a request): fine
            return _local(value, base, folder, exists, rename)
        if attr == "id":  # a heading's id (made from its text, or written in raw HTML)
            return _user_id(value)
        return value

    return nh3.clean(html, tags=_TAGS, attributes=_ATTRS, attribute_filter=attribute_filter,
                     url_schemes={"http", "https", "mailto", "data"}, link_rel="noopener noreferrer")
