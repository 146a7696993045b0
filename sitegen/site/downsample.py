"""Downsampling long series for drawing: keep the first, the last, and each bucket's extremes."""
from __future__ import annotations

import math
from typing import Any

MAX_POINTS = 2500


def chart_value(v: Any) -> float | None:
    """A value a chart can draw: finite numbers; NaN, inf, strings and bools become None."""
    t = type(v)
    if t is float:
        return v if math.isfinite(v) else None
    if t is int:
        return v
    return None


def downsample_indices(vals: list[float | None], max_points: int = MAX_POINTS) -> list[int]:
    """The indices of the points kept for drawing ``vals`` (chart values: numbers or None), sorted.

    All of them when there are at most ``max_points``; else the series is cut into buckets and each
    bucket keeps its minimum and maximum; the first and last points are always kept.
    """
    n = len(vals)
    if n <= max_points:
        return list(range(n))
    buckets = max(1, (max_points - 2) // 2)
    keep = {0, n - 1}
    size = (n - 2) / buckets
    for b in range(buckets):
        lo = 1 + int(b * size)
        hi = 1 + int((b + 1) * size)
        if hi <= lo:
            continue
        imin = imax = None
        vmin = vmax = None
        for i in range(lo, hi):
            v = vals[i]
            if v is None:
                continue
            if vmin is None or v < vmin:
                vmin, imin = v, i
            if vmax is None or v > vmax:
                vmax, imax = v, i
        if imin is None:  # only gaps in this bucket: keep one to show the gap
            keep.add(lo)
        else:
            keep.add(imin)
            keep.add(imax)
    return sorted(keep)


def downsample(steps: list[int], values: list[Any], max_points: int = MAX_POINTS) -> tuple[list[int], list]:
    """At most ``max_points`` (step, value) pairs for a line chart (see :func:`downsample_indices`).

    Non-finite values become None (JSON null).
    """
    vals = [chart_value(v) for v in values]
    if len(vals) <= max_points:
        return list(steps), vals
    idx = downsample_indices(vals, max_points)
    return [steps[i] for i in idx], [vals[i] for i in idx]
