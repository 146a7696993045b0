"""driver.log as the runner writes it: secrets masked, and a full disk never loses output silently.

:class:`RunLog` takes the script's output as it comes. Each write first retries what is still
pending; what cannot be written (a full disk, a quota) is kept, up to :data:`PENDING_LIMIT` bytes,
and written as soon as space comes back. Past the limit the oldest pending lines are dropped and
counted, and a marker line saying how many is written in their place once writing works again.
No method raises: a run's output must never crash its supervisor.
"""
from __future__ import annotations

import os
from pathlib import Path

PENDING_LIMIT = 8 << 20  # bytes of output kept in memory while driver.log cannot be written


class RunLog:
    """An append-only driver.log. ``write(data)`` and ``close()`` never raise; ``lost_lines`` and
    ``error`` say what could not be written in the end."""

    def __init__(self, path: str | os.PathLike, masker=None) -> None:
        self.path = Path(path)
        self.masker = masker
        self._fd: int | None = None
        self._pending = bytearray()
        self._dropped_lines = 0     # dropped from the pending buffer, not yet reported in the log
        self.lost_lines = 0         # all lines dropped so far
        self.error: str | None = None
        self._open()

    def _open(self) -> bool:
        if self._fd is None:
            try:
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as e:
                self.error = e.strerror or str(e)
                return False
        return True

    def write(self, data: bytes) -> None:
        """Append ``data`` (masked when a masker was given); keep it if it cannot be written now."""
        if self.masker is not None:
            data = self.masker.feed(data)
        self._pending += data
        self._drain()
        if len(self._pending) > PENDING_LIMIT:
            self._drop(len(self._pending) - PENDING_LIMIT)

    def _drain(self) -> None:
        if not self._pending and not self._dropped_lines:
            return
        if not self._open():
            return
        try:
            if self._dropped_lines:
                marker = (f"sitegen: {self._dropped_lines} line(s) of output were lost here: driver.log "
                          f"could not be written ({self.error})\n").encode()
                os.write(self._fd, marker)  # an append of a few bytes: all or nothing in practice
                self._dropped_lines = 0
            while self._pending:
                n = os.write(self._fd, self._pending)
                del self._pending[:n]
            self.error = None
        except OSError as e:
            self.error = e.strerror or str(e)

    def _drop(self, excess: int) -> None:
        """Drop whole lines from the front of the pending output (at least ``excess`` bytes)."""
        cut = self._pending.find(b"\n", excess - 1)
        cut = len(self._pending) if cut < 0 else cut + 1
        lines = self._pending.count(b"\n", 0, cut) or 1
        del self._pending[:cut]
        self._dropped_lines += lines
        self.lost_lines += lines

    def close(self) -> None:
        """Write what is left (the masker's last line too); what still cannot be written is counted
        in ``lost_lines``."""
        if self.masker is not None:
            self._pending += self.masker.flush()
            self.masker = None
        self._drain()
        if self._pending:
            lines = self._pending.count(b"\n") + (not self._pending.endswith(b"\n"))
            self.lost_lines += lines
            self._pending.clear()
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass
            self._fd = None
