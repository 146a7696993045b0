"""Promoted outputs (``sitegen history promote``): ``assets.html`` lists them, ``promoted/<name>/v<n>/``
holds each kept file."""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Iterator

from sitegen.site.plan import PlanEntry, PlanInput
from sitegen.store import safe_name

log = logging.getLogger("sitegen")
TEMPLATES = ["assets.html"]


def _publishable(store_root: Path, rel: str) -> bool:
    """A kept file inside the store (no ``..``, no symlink)."""
    src = store_root / rel
    if not rel or ".." in Path(rel).parts or Path(rel).is_absolute():
        return False
    try:
        return src.is_file() and not src.is_symlink() and src.resolve().is_relative_to(store_root.resolve())
    except OSError:
        return False


def plan(site: PlanInput) -> Iterator[PlanEntry]:
    summaries, by_id = site.gathered.slims, site.shape.by_id
    rows = []
    for a in site.store.assets():
        rid = str(a.get("run_id", ""))
        if rid in summaries and (summaries[rid].get("hidden") or summaries[rid].get("skip")):
            continue
        rel = str(a.get("file") or "")
        name = str(a.get("name") or "asset")
        version = a.get("version")
        row = {"name": name, "version": version, "run_id": rid if rid in by_id else None,
               "run_number": by_id[rid]["meta"].get("run_number") if rid in by_id else None,
               "artifact": a.get("artifact"), "size": a.get("size"), "sha256": a.get("sha256"),
               "created_utc": a.get("created_utc"), "href": None}
        if _publishable(site.store.root, rel):
            src = site.store.root / rel
            base = safe_name(os.path.basename(str(a.get("artifact") or rel)), fallback="file")
            path = (f"promoted/{safe_name(name, fallback='asset')}/"
                    f"v{safe_name(str(version), fallback='0')}/{base}")
            st = src.stat()
            yield site.file(path, str(src), [st.st_size, st.st_mtime_ns], False)
            row["href"] = path
        else:
            log.warning(f"promoted output {name} v{version}: kept file {rel!r} is missing; not published")
        rows.append(row)
    yield site.page("assets.html", "assets.html", {"assets": rows})
