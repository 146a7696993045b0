"""How a run's output files are published so that none runs script on the site's origin.

A static host picks a file's type from its name, and a browser runs script in any page of an HTML,
SVG or XML type opened from the site (``<svg onload=…>``, a ``report.html``). So:

- an output whose name a browser may run as a document (:data:`ACTIVE_EXT`) is published under its
  name plus ``.txt`` (``report.html`` -> ``report.html.txt``): opened, it is text; downloaded, it
  keeps its own name (the ``download`` attribute);
- an ``.svg`` is shown only through ``<img>`` (where a browser never runs its scripts), from a
  ``data:`` URL made at build time (:func:`svg_data_url`);
- an HTML report is shown in an ``<iframe sandbox="allow-scripts">`` without ``allow-same-origin``
  (``srcdoc``): its scripts (plotly, bokeh) run in an opaque origin that cannot read the site's pages,
  storage or cookies, nor navigate the page;
- raster images (:data:`RASTER_EXT`) and everything else keep their names.
"""
from __future__ import annotations

import base64
import os
import posixpath

from sitegen.store import OUTPUTS_DIR, read_run_file

RASTER_EXT = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".bmp", ".ico"})
SVG_EXT = frozenset({".svg"})
REPORT_EXT = frozenset({".html", ".htm", ".xhtml", ".xht"})
MARKDOWN_EXT = frozenset({".md", ".markdown"})
# names a static host serves with a type a browser renders as an active document (HTML, SVG, any XML
# that may hold XHTML elements, MHTML, HTA, Flash)
ACTIVE_EXT = frozenset({
    ".html", ".htm", ".shtml", ".xhtml", ".xht", ".svg", ".svgz", ".xml", ".xsl", ".xslt", ".xsd",
    ".rdf", ".atom", ".rss", ".kml", ".gpx", ".mml", ".mathml", ".xul", ".mht", ".mhtml", ".hta",
    ".swf", ".vml", ".wsdl", ".xbl",
})
INERT_SUFFIX = ".txt"
SVG_INLINE_LIMIT = 2 << 20      # larger SVGs are not shown, only downloadable
REPORT_INLINE_LIMIT = 20 << 20  # larger HTML reports are not shown, only downloadable


def extension(rel: str) -> str:
    return posixpath.splitext(rel)[1].lower()


def published_path(rel: str) -> str:
    """The path under ``files/<run>/outputs/`` an output is published at (``report.html`` ->
    ``report.html.txt``; ``cm.png`` unchanged)."""
    return rel + INERT_SUFFIX if extension(rel) in ACTIVE_EXT else rel


def describe(rel: str) -> dict:
    """What the run page does with an output: its published ``url`` path and whether it is shown as
    an ``image`` (raster or SVG), an ``svg``, an HTML ``report`` or rendered ``markdown``."""
    ext = extension(rel)
    return {"url": published_path(rel), "image": ext in RASTER_EXT or ext in SVG_EXT,
            "svg": ext in SVG_EXT, "report": ext in REPORT_EXT, "markdown": ext in MARKDOWN_EXT}


def svg_data_url(data: bytes) -> str:
    """A ``data:`` URL of an SVG for ``<img src>`` (never navigated to: browsers block top-level
    ``data:`` navigation)."""
    return "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii")


def svg_urls(run_dir: str, outputs: list[dict]) -> dict[str, str]:
    """``data:`` URLs of a run's published SVG outputs (``describe(...)["svg"]``), by path; SVGs
    over :data:`SVG_INLINE_LIMIT` or unreadable are left out (downloadable only)."""
    out = {}
    for o in outputs:
        if o.get("svg") and o["size"] <= SVG_INLINE_LIMIT:
            try:
                out[o["path"]] = svg_data_url(read_run_file(os.path.join(run_dir, OUTPUTS_DIR, o["path"])))
            except OSError:
                pass
    return out
