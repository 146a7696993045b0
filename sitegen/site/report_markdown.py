"""A report's Markdown to safe HTML: python-markdown (tables, highlighted code, ``[TOC]``, footnotes,
admonitions, ``$math$``) with ``run:`` links resolved, then nh3 with the description allowlist plus
what those extensions need (footnote ids, admonition and highlighting classes).

``run:`` references (``[best](run:best)``, ``![](run:7/outputs/cm.png)``) are rewritten by a tree
processor before sanitising, through a ``resolve(ref, is_image, line)`` callback that returns a site
path (relative to the site root) or None (then the link is dropped and the callback has warned).
Math is kept out of Markdown's hands by an inline pattern (code spans still win) and left as text in
``<span class="math">`` for KaTeX to draw in the browser.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from typing import Callable

import markdown as _markdown
import nh3
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from sitegen.site.markdown import _ATTRS, _SCHEME, _TAGS
from sitegen.site.render import url_quote

Resolver = Callable[[str, bool], "str | None"]

TAGS = _TAGS | {"hr"}
ATTRS = {**_ATTRS, "a": _ATTRS["a"] | {"class"}, "p": {"class"}, "sup": {"id"}, "li": {"id"},
         "pre": {"class"}, "div": {"class"}}
_MATH = r"(?<![\\$])(\$\$(?P<d>.+?)\$\$|\$(?=\S)(?P<i>[^$\n]*?\S)\$(?!\d))"


class _Math(InlineProcessor):
    def handleMatch(self, m: re.Match, data: str):
        display = m.group("d") is not None
        el = etree.Element("span")
        el.set("class", "math display" if display else "math")
        el.text = AtomicString((m.group("d") if display else m.group("i")).strip())
        self.md.sitegen_math = True
        return el, m.start(0), m.end(0)


class _RunLinks(Treeprocessor):
    """``run:`` hrefs and srcs -> URLs relative to the page (via ``md.sitegen_resolve``)."""

    def run(self, root: etree.Element) -> None:
        resolve: Resolver | None = getattr(self.md, "sitegen_resolve", None)
        prefix: str = getattr(self.md, "sitegen_root", "")
        for el in root.iter():
            attr = "src" if el.tag == "img" else "href" if el.tag == "a" else None
            if attr is None:
                continue
            value = el.get(attr) or ""
            if value.startswith("run:") and resolve is not None:
                path = resolve(value[4:], el.tag == "img")
                if path is None:
                    del el.attrib[attr]
                    el.set("class", "sg-missing")
                else:
                    el.set(attr, prefix + url_quote(path))


class _ReportExtension(_markdown.Extension):
    def extendMarkdown(self, md: _markdown.Markdown) -> None:
        md.inlinePatterns.register(_Math(_MATH, md), "sitegen_math", 185)
        md.treeprocessors.register(_RunLinks(md), "sitegen_run_links", 1)


_md_instance: _markdown.Markdown | None = None


def _md() -> _markdown.Markdown:
    global _md_instance
    if _md_instance is None:
        _md_instance = _markdown.Markdown(
            extensions=["fenced_code", "tables", "sane_lists", "toc", "footnotes", "admonition",
                        "codehilite", _ReportExtension()],
            extension_configs={"codehilite": {"guess_lang": False}, "toc": {"permalink": False}},
            output_format="html")
    return _md_instance


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if (tag == "a" and attr == "href") or (tag == "img" and attr == "src"):
        low = value.strip().lower()
        if tag == "a" and low.startswith(("http://", "https://", "mailto:")):
            return value  # a link (not a request): fine
        if value.startswith("/") or _SCHEME.match(value) or value.startswith("//"):
            return None  # an absolute URL: no image from another host, no javascript:
    return value


def render(text: str, resolve: Resolver, root: str) -> tuple[str, bool]:
    """(sanitised HTML of ``text``, whether it has math). ``root``: the page's way to the site root
    (``"../"``), put before resolved ``run:`` paths."""
    md = _md()
    md.reset()
    md.sitegen_resolve, md.sitegen_root, md.sitegen_math = resolve, root, False
    try:
        html = md.convert(text)
    finally:
        md.sitegen_resolve = None
    clean = nh3.clean(html, tags=TAGS, attributes=ATTRS, attribute_filter=_attribute_filter,
                      url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")
    return clean, md.sitegen_math
