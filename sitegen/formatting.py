"""How values and sizes read for people: one format for the terminal and the site."""
from __future__ import annotations

import math
import re
from typing import Any

#: Terminal colours of run statuses (used only when the output is a TTY).
STATUS_COLOURS = {"Running": "cyan", "Completed": "green", "Failed": "red", "Killed": "magenta",
                  "Canceled": "yellow", "Pruned": "blue"}


def format_value(value: Any) -> str:
    """6 significant digits, ``NaN``/``inf``/``-inf`` as text, booleans lower-case, None empty."""
    if value is None:
        return ""
    t = type(value)
    if t is bool:
        return "true" if value else "false"
    if t is float:
        if value != value:
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "inf" if value > 0 else "-inf"
        return f"{value:.6g}"
    return str(value)


def format_mean_std(mean: Any, std: Any) -> str:
    """"mean ± std" with the std to two significant digits and the mean to the same decimal place
    (a std of 0, or none: the mean alone) — as the grid's groups show it (format.js meanStd)."""
    if type(mean) not in (int, float) or not math.isfinite(mean):
        return ""
    if type(std) not in (int, float) or not math.isfinite(std) or std == 0:
        return format_value(mean)
    place = math.floor(math.log10(std)) - 1  # the decimal place of the std's second digit
    if place < -15:
        return f"{format_value(mean)} ± {format_value(std)}"
    if place >= 0:
        unit = 10 ** place
        return f"{format_value(math.floor(mean / unit + 0.5) * unit)} ± " \
               f"{format_value(math.floor(std / unit + 0.5) * unit)}"
    return f"{mean:.{-place}f} ± {std:.{-place}f}"


def format_size(n: Any) -> str:
    """``1536`` -> ``"1.5 KB"`` (binary units, as GitHub counts them); not a number -> ``""``."""
    if type(n) is not int:
        return ""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{n} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"  # pragma: no cover


_ISO_UTC = re.compile(r"^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(\.\d+)?Z$")


def format_when(iso: Any) -> str:
    """``2026-12-01T07:16:52.673663Z`` -> ``2026-12-01 07:16:52 UTC`` (other text unchanged)."""
    if not iso:
        return ""
    m = _ISO_UTC.match(str(iso))
    return f"{m.group(1)} {m.group(2)} UTC" if m else str(iso)


def _half_up(x: float) -> int:
    return math.floor(x + 0.5)  # as JavaScript's Math.round (Python's round() goes to even)


def format_took(seconds: Any) -> str:
    """A duration for people: ``6 ms``, ``8.2 s``, ``42 s``, ``3 min 05 s``, ``1 h 02 min``, ``1 d 01 h``
    (the browser's twin: ``SitegenFormat.took``)."""
    if type(seconds) not in (int, float) or not math.isfinite(seconds):
        return ""
    s = max(0.0, float(seconds))
    if s == 0:
        return "0 s"
    if _half_up(s * 1000) < 1000:
        return f"{_half_up(s * 1000)} ms"
    if _half_up(s * 10) < 100:
        return f"{_half_up(s * 10) / 10:.1f} s"
    if _half_up(s) < 60:
        return f"{_half_up(s)} s"
    if _half_up(s) < 3600:
        total = _half_up(s)
        return f"{total // 60} min {total % 60:02d} s"
    if s < 86400:
        minutes = _half_up(s / 60)
        return f"{minutes // 60} h {minutes % 60:02d} min"
    hours = _half_up(s / 3600)
    return f"{hours // 24} d {hours % 24:02d} h"


# C0 and C1 control characters (escape sequences: \x1b]0;title\x07, \x1b[2J) and the bidi controls
# that reorder what a terminal shows
_TERMINAL_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """``text`` as a terminal may print it: control characters shown escaped (``\\x1b``,
    ``\\x07``, ``\\u202e``) instead of being obeyed; everything else unchanged."""
    return _TERMINAL_UNSAFE.sub(_escape_char, text)


def _escape_char(m: re.Match) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"
