"""Names made safe for files and URLs (standard library only: config and store both use it)."""
from __future__ import annotations

import re


def safe_name(text: str, fallback: str = "project") -> str:
    """A file-system and URL safe identifier made from ``text``: letters, digits and ``_ . -``,
    starting and ending with a letter or digit (``-exp`` would read as an option on the command
    line, ``.x`` as a hidden file, ``<b>`` as nothing), at most 80 characters."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._-")[:80].strip("._-")
    return cleaned or fallback
