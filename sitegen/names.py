"""Names made safe for files and URLs (standard library only: config and store both use it)."""
from __future__ import annotations

import re


def safe_name(text: str, fallback: str = "project") -> str:
    """A file-system and URL safe identifier made from ``text``."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._")
    return cleaned[:80] or fallback
