"""Vendor fflate (raw DEFLATE for the packed run data files, js/runpack.js) into
themes/default/static/vendor/fflate/ from the npm registry.

Run by a maintainer when fflate is updated (``python scripts/vendor_fflate.py [VERSION]``); the files
are committed, so neither ``pip install`` nor a site build nor a browser fetches anything. Kept: its
UMD build (a plain script defining ``fflate``; ``require`` works in node) and the licence.
"""
from __future__ import annotations

import sys
from pathlib import Path

from npm_vendor import npm_files

VERSION = "0.8.3"
DEST = Path(__file__).resolve().parent.parent / "themes" / "default" / "static" / "vendor" / "fflate"


def main(version: str = VERSION) -> None:
    files = npm_files("fflate", version)
    DEST.mkdir(parents=True, exist_ok=True)
    (DEST / "fflate.min.js").write_bytes(files["umd/index.js"])
    (DEST / "LICENSE").write_bytes(files["LICENSE"])
    (DEST / "VERSION").write_text(f"fflate {version} (npm registry; scripts/vendor_fflate.py)\n")
    print(f"fflate {version} -> {DEST}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
