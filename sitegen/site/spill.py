"""The summaries and grid rows of the runs read in a build, kept in a file of the new site folder
instead of in memory until the build ends (~1.5 KB a run: 75 MB at 50,000 runs). Written once while
the runs are read, then read back by position (``os.pread``) when a page or the cache needs one."""
from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from sitegen.site.cache import Raw

SPILL_NAME = ".sitegen-spill"  # in the new site folder; removed before it is swapped in


class Spill(Mapping):
    """run id -> its summary, marshalled (:class:`~sitegen.site.cache.Raw`); :meth:`row`: its grid row.
    Iterates in run id order."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._f = open(path, "w+b") if path is not None else None
        self._at: dict[str, tuple[int, int, int]] = {}  # run id -> (offset, summary bytes, row bytes or -1)
        self._end = 0
        self._unflushed = False

    def add(self, run_id: str, blob: bytes, row: str | None) -> None:
        data = row.encode("utf-8") if row is not None else b""
        self._f.write(blob)
        self._f.write(data)
        self._at[run_id] = (self._end, len(blob), len(data) if row is not None else -1)
        self._end += len(blob) + len(data)
        self._unflushed = True

    def _read(self, offset: int, size: int) -> bytes:
        if self._unflushed:
            self._f.flush()
            self._unflushed = False
        return os.pread(self._f.fileno(), size, offset)

    def __getitem__(self, run_id: str) -> Raw:
        offset, size, _ = self._at[run_id]
        return Raw(self._read(offset, size))

    def row(self, run_id: str) -> str | None:
        """A published run's grid row (None for a skipped or hidden run, or one not read)."""
        got = self._at.get(run_id)
        if got is None or got[2] < 0:
            return None
        offset, size, row = got
        return self._read(offset + size, row).decode("utf-8")

    def __contains__(self, run_id: object) -> bool:
        return run_id in self._at

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._at))

    def __len__(self) -> int:
        return len(self._at)

    def close(self) -> None:
        """Close and remove the file (the runs' summaries are in the cache by then)."""
        if self._f is not None:
            self._f.close()
            self._f = None
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
