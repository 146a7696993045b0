"""The build's memory between builds, in the site folder (never published).

- ``.sitegen-build-state.json`` (:class:`BuildState`): a digest of every input of the last build. If
  it is unchanged and that build had no live run and no warning, the next build stops after the
  fingerprints.
- ``.sitegen-build.cache`` (:class:`BuildCache`): each run's summary and grid row, and the key of
  every file of the site. Life cycle: loaded before gathering (a run whose fingerprint is unchanged is
  taken from it), written with the site (a patch writes it last; a swap puts it in the new tree), so
  the cache always describes the site next to it. marshal format 2 of plain types: fast to load and
  write, and equal data gives equal bytes (an incremental build writes the same cache as a full one).
"""
from __future__ import annotations

import json
import marshal
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

CACHE_NAME = ".sitegen-build.cache"
LEGACY_CACHE_NAMES = (".sitegen-build.json",)  # earlier versions' cache: the folder is ours; removed
STATE_NAME = ".sitegen-build-state.json"
CACHE_VERSION = 3
MARSHAL_FORMAT = 2        # plain types, no back-references: equal data always gives equal bytes
DATA_VERSION = 7          # bump when the shape of summaries / data files changes
CACHE_HEADER = ["sitegen-build-cache", CACHE_VERSION, DATA_VERSION, list(sys.version_info[:2])]


@dataclass
class BuildCache:
    """What the last build made: summaries by run id (skipped runs too), grid rows (JSON) of the
    published runs, and the key of every file of the site by its path."""
    runs: dict[str, dict] = field(default_factory=dict)
    rows: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, site_dir: Path) -> BuildCache | None:
        """The cache next to the site; None if missing, damaged or from another version."""
        try:
            data = marshal.loads((site_dir / CACHE_NAME).read_bytes())
        except Exception:  # missing, truncated or from another Python: build everything again
            return None
        if not isinstance(data, dict) or data.get("version") != CACHE_HEADER:
            return None
        return cls(runs=data.get("runs", {}), rows=data.get("rows", {}), keys=data.get("keys", {}))

    def to_bytes(self) -> bytes:
        data = {"version": CACHE_HEADER, "keys": self.keys,
                "runs": {k: self.runs[k] for k in sorted(self.runs)}, "rows": self.rows}
        return marshal.dumps(data, MARSHAL_FORMAT)


@dataclass
class BuildState:
    """A digest of the inputs, whether a run was live, the warnings and the page count."""
    inputs: str
    live: bool = False
    warnings: int = 0
    pages: int = 0

    @classmethod
    def load(cls, site_dir: Path) -> BuildState | None:
        try:
            state = json.loads((site_dir / STATE_NAME).read_text("utf-8"))
            return cls(inputs=state["inputs"], live=bool(state.get("live")),
                       warnings=int(state.get("warnings") or 0), pages=int(state.get("pages") or 0))
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None

    def settled(self, inputs: str) -> bool:
        """The last build read these same inputs, and nothing in it can differ when built again."""
        return self.inputs == inputs and not self.live and not self.warnings

    def to_text(self) -> str:
        return json.dumps({"inputs": self.inputs, "live": self.live, "warnings": self.warnings,
                           "pages": self.pages}, sort_keys=True)


def owns(site_dir: Path) -> bool:
    """Whether a folder was made by ``sitegen build`` (it has a build cache)."""
    return any((site_dir / name).exists() for name in (CACHE_NAME,) + LEGACY_CACHE_NAMES)


def remove_legacy(site_dir: Path) -> None:
    for name in LEGACY_CACHE_NAMES:
        try:
            os.unlink(site_dir / name)
        except FileNotFoundError:
            pass
