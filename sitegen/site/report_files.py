"""The project's report files: ``reports/<name>.md`` listed, and what they are (names, sizes and
times) as a part of a build's inputs. Nothing here parses or renders a report (``reports.py`` does),
so a build with nothing to do lists them without importing Markdown or Jinja."""
from __future__ import annotations

import logging
import os
import re
from pathlib import Path

log = logging.getLogger("sitegen")

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


def reports_dir(config) -> Path:
    """The project's reports folder (config ``reports_dir``, under the config's folder)."""
    return Path(config.base_dir) / getattr(config, "reports_dir", "reports")


def find_reports(folder: Path, warn: bool = False) -> dict[str, Path]:
    """``name -> path`` of the Markdown reports in ``folder`` (names that cannot be a file name in
    the site are left out; ``warn``: and warned about, once a build, by the reports' page kind)."""
    out: dict[str, Path] = {}
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return out
    for e in entries:
        if e.name.startswith(".") or not e.name.endswith(".md") or not e.is_file():
            continue
        name = e.name[:-3]
        if not NAME_RE.match(name):
            if warn:
                log.warning(f"report {e.path}: the name {name!r} cannot be a page name "
                            f"(letters, digits, _ . - only); skipped")
            continue
        out[name] = Path(e.path)
    return out


def has_reports(config) -> bool:
    """Whether the project has a report (every page's header then links ``reports.html``)."""
    return bool(find_reports(reports_dir(config)))


def sources_fingerprint(config) -> list:
    """What the reports folder holds (names, sizes, mtimes): part of a build's inputs."""
    out = []
    for name, path in find_reports(reports_dir(config)).items():
        try:
            st = path.stat()
        except OSError:
            continue
        out.append([name, st.st_size, st.st_mtime_ns])
    return out
