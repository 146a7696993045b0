"""Vendor KaTeX (math in reports) into themes/default/static/vendor/katex/ from the npm registry.

Run by a maintainer when KaTeX is updated (``python scripts/vendor_katex.py [VERSION]``); the files
are committed, so neither ``pip install`` nor a site build nor a browser fetches anything. Kept:
katex.min.js, katex.min.css with its woff2 fonts inside as ``data:`` URLs (every browser sitegen
supports reads woff2; the theme's static files stay text, and an exported report needs nothing
else) and the licence.
"""
from __future__ import annotations

import base64
import re
import shutil
import sys
from pathlib import Path

from npm_vendor import npm_files

VERSION = "0.19.1"
DEST = Path(__file__).resolve().parent.parent / "themes" / "default" / "static" / "vendor" / "katex"


def main(version: str = VERSION) -> None:
    files = npm_files("katex", version)

    def read(name: str) -> bytes:
        return files[name]
    shutil.rmtree(DEST, ignore_errors=True)
    DEST.mkdir(parents=True)
    (DEST / "katex.min.js").write_bytes(read("dist/katex.min.js"))
    css = read("dist/katex.min.css").decode("utf-8")
    css = re.sub(r',url\(fonts/[^)]+\.(?:woff|ttf)\) format\("(?:woff|truetype)"\)', "", css)

    def font(m: re.Match) -> str:
        data = base64.b64encode(read(f"dist/fonts/{m.group(1)}")).decode("ascii")
        return f"url(data:font/woff2;base64,{data})"
    css = re.sub(r"url\(fonts/([A-Za-z0-9_-]+\.woff2)\)", font, css)
    (DEST / "katex.min.css").write_text(css, "utf-8")
    (DEST / "LICENSE").write_bytes(read("LICENSE"))
    (DEST / "VERSION").write_text(f"katex {version} (npm registry; scripts/vendor_katex.py)\n")
    print(f"KaTeX {version} -> {DEST}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
