"""A run's data file ``data/runs/<id>.js``, packed small (issue 17: ≤ 10 KB a run published).

The file is one line of JavaScript::

    (window.SITEGEN_PACKED=window.SITEGEN_PACKED||[]).push(["<id>","<base85>"]);…

``<base85>`` (the 85 characters of RFC 1924's base85 with ``<>&`` swapped for ``,.:``, so the file
has no character HTML cares about; 4 bytes in 5 characters where base64 takes 6⅔) is raw DEFLATE of ``header JSON + "\\n" + columns``. The header is the run's information
(what the browser shows and compares) with its ``series``, ``[name, head]`` pairs in name order: per
series ``n`` (points logged), steps
(``start`` + ``stride`` when even, else ``steps``), the logging times (``t0``, ``tk``, ``dt``), ``last``
(the exact last value when the drawn one differs) and how its drawn values are stored: ``v`` the column
type, ``c`` its count, ``x`` the points that are not numbers (index → their metrics.tsv text). The
columns follow, one per series in name order, each byte-shuffled (all first bytes, then all second
bytes, …: the exponent bytes of floats compress well together):

- ``"i"``: int32, every value an int in int32 range (exact);
- ``"d"``: float64, every value an int outside it (exact up to 2**53);
- ``"f"``: float32 of everything else (about 7 significant digits, exact for values that are float32
  already, e.g. a framework's ``loss.item()``); a point that is not a finite number a float32 holds
  (NaN, inf, a string, a bool, a float beyond float32's range or below its normal floats, 1e-38)
  is NaN there and its text is in ``x`` (drawn as the exact number when it is one).

The browser (``js/runpack.js``) decodes it when the file loads, synchronously, into the shape pages
read: ``window.SITEGEN_RUNS[id] = {…, series: {name: {n, start, stride | steps, values, last, t0, tk,
dt}}}``, values a plain array (null for gaps; floats as the shortest decimal of their float32, see
:func:`shortest_f32`). :func:`unpack` is the same decoder in Python (tests, tools).

Why: the 7-significant-digit JSON numbers were 10 KB for a 1,000-point series; float32 shuffled and
deflated is 4.2 KB in base64, 4.0 in base85 (measured on the benchmark store: see the sitesize
note), and the header deflates to a third. Long series are downsampled for drawing before packing
(:mod:`sitegen.site.downsample`).
"""
from __future__ import annotations

import base64
import json
import math
import re
import struct
import sys
import zlib
from array import array
from operator import sub
from typing import Any

from sitegen.site.downsample import MAX_POINTS, chart_value, downsample_indices
from sitegen.site.render import dumps
from sitegen.store import decode_value, encode_value

FORMAT = 1            # bump with DATA_VERSION when the packing changes
DEFLATE_LEVEL = 6     # level 9: 0.1% smaller, twice the time
FLOAT32_MAX = 3.4028234663852886e38
FLOAT32_TINY = 1.1754943508222875e-38  # the smallest normal float32: below it precision goes
INT32 = 1 << 31
TIME_KNOTS = 100      # logging times published per series (the browser interpolates between them)
_B85_SAFE = bytes.maketrans(b"<>&", b",.:")   # base64.b85encode's alphabet without HTML's characters
_B85_BACK = bytes.maketrans(b",.:", b"<>&")
_LITTLE = sys.byteorder == "little"


# ---------------------------------------------------------------- numbers


def float32(v: float) -> float:
    """``v`` rounded to the nearest float32 (as a Python float); inf when it overflows."""
    return array("f", (v,))[0]


def shortest_f32(v: float) -> float:
    """The value the browser shows for the float32 nearest ``v``: the shortest decimal (7 to 9
    significant digits) that rounds to that float32, as a float. The same steps as
    ``js/runpack.js``'s ``shortest``."""
    x = float32(v)
    if not math.isfinite(x):
        return x
    for digits in (7, 8):
        s = float(f"%.{digits}g" % x)
        if float32(s) == x:
            return s
    return float("%.9g" % x)


# ---------------------------------------------------------------- series


def _shuffle(data: bytes, width: int) -> bytes:
    return b"".join(data[i::width] for i in range(width))


def _column(kind: str, values: list) -> bytes:
    a = array(kind, values)
    if not _LITTLE:
        a.byteswap()
    return _shuffle(a.tobytes(), a.itemsize)


def _steps(steps: list[int] | range) -> dict:
    """``{"start", "stride"}`` when the steps go up (or down) evenly — the usual 0, 1, 2, … — else
    ``{"steps": [...]}``."""
    n = len(steps)
    if type(steps) is range:  # 0, 1, 2, … (metrics.tsv's usual steps, known from their text)
        return {"start": 0, "stride": 1} if n >= 2 else {"steps": list(steps)}
    if n >= 2:
        a, d = steps[0], steps[1] - steps[0]
        if d and steps[-1] == a + d * (n - 1) and steps == list(range(a, a + d * n, d)):
            return {"start": a, "stride": d}
    return {"steps": steps}


def _time_ms(t) -> int:
    """A unix time (metrics.tsv's text, ``1796117005.810``, or a float) in epoch milliseconds."""
    if type(t) is str and len(t) > 4 and t[-4] == ".":
        return int(t[:-4] + t[-3:])  # the logger's 3 decimals: no float parsing
    return round(float(t) * 1000)


def _times(times: list) -> dict:
    """When the points were logged, compactly: ``t0``, the first point's unix time in epoch
    milliseconds; ``tk``, a stride k: the times of points 0, k, 2k, … and of the last point are
    published (all of them when there are at most :data:`TIME_KNOTS`); ``dt``: the milliseconds
    from each of those points to the next. The browser places the points in between linearly
    (``SitegenChartMath.times``). Empty when a time is unreadable (the chart then offers steps only)."""
    n = len(times)
    if not n:
        return {}
    k = max(1, -(-(n - 1) // (TIME_KNOTS - 1)))
    knots = times[::k]
    if (n - 1) % k:
        knots.append(times[-1])
    ms = _times_ms(knots)
    if ms is None:
        return {}
    return {"t0": ms[0], "tk": k, "dt": list(map(sub, ms[1:], ms))}


_LOGGER_TIMES = re.compile(r"[0-9]++\.[0-9]{3}(?:,[0-9]++\.[0-9]{3})*+")  # the logger's: 1796117005.810


def _times_ms(times: list) -> list[int] | None:
    """:func:`_time_ms` of each (one C-level conversion for the logger's texts); None when one is unreadable."""
    if times and type(times[0]) is str:
        joined = ",".join(times)
        if _LOGGER_TIMES.fullmatch(joined):
            return list(map(int, joined.replace(".", "").split(",")))
    try:
        return [_time_ms(t) for t in times]
    except (ValueError, OverflowError):
        return None


_TINY_DECIMAL = "0." + "0" * 37  # a decimal below FLOAT32_TINY has at least this many zeros


def _pack_texts(texts: list[str], numbers: list | None = None) -> tuple[dict, bytes] | None:
    """The fast path for values that are plain numbers as text (metrics.tsv's usual content):
    C-level conversions, no per-value Python work; ``numbers``: the values already parsed (float()
    of each, or int() when they are all ints). None when a value needs a look."""
    joined = ",".join(texts)
    if "." not in joined and "e" not in joined and "E" not in joined:  # ints
        try:
            ints = numbers if numbers and type(numbers[0]) is int else list(map(int, texts))
            return {"v": "i", "c": len(texts)}, _column("i", ints)
        except (OverflowError, ValueError):  # beyond int32 (or int()'s digit limit): the exact path
            return None
    floats = numbers if numbers and type(numbers[0]) is float else list(map(float, texts))
    if sum(map(abs, floats)) > FLOAT32_MAX and (max(floats) > FLOAT32_MAX or min(floats) < -FLOAT32_MAX):
        return None  # an overflow (1e999 too): the exact path lists it in "x"
    # (one-character searches first: they are memchr, two-character ones ten times slower)
    if ("e" in joined and "e-" in joined or _TINY_DECIMAL in joined) \
            and any(0 < abs(v) < FLOAT32_TINY for v in floats):
        return None  # an underflow: the same
    if "-" in joined and "-0" in joined and 0.0 in floats:  # "-0" is the int 0 for the exact reader: +0.0, not float("-0")
        floats = _int_zeros(texts, floats)
    return {"v": "f", "c": len(floats)}, _column("f", floats)


def _int_zeros(texts: list[str], floats: list[float]) -> list[float]:
    out, i = floats, -1
    for _ in range(floats.count(0.0)):
        i = floats.index(0.0, i + 1)
        t = texts[i]
        if t[0] == "-" and "." not in t and "e" not in t:
            if out is floats:
                out = floats[:]
            out[i] = 0.0
    return out


def _pack_values(values: list) -> tuple[dict, bytes]:
    """Any values (decoded): the column and, for points a float32 cannot hold, their text."""
    if values and all(type(v) is int for v in values):
        if all(-INT32 <= v < INT32 for v in values):
            return {"v": "i", "c": len(values)}, _column("i", values)
        if all(-(1 << 53) <= v <= 1 << 53 for v in values):
            return {"v": "d", "c": len(values)}, _column("d", [float(v) for v in values])
    floats, extra = [], {}
    for i, v in enumerate(values):
        c = chart_value(v)
        if c is None or not -FLOAT32_MAX <= c <= FLOAT32_MAX or 0 < abs(c) < FLOAT32_TINY:
            extra[str(i)] = encode_value(v)  # as metrics.tsv has it
            floats.append(math.nan)
        else:
            floats.append(float(c))
    head = {"v": "f", "c": len(floats)}
    if extra:
        head["x"] = extra
    return head, _column("f", floats)


def pack_series(s, max_points: int = MAX_POINTS) -> tuple[dict, bytes]:
    """One series (a :class:`~sitegen.site.data.RawSeries` of metrics.tsv text, or a
    :class:`~sitegen.store.Series`) for drawing: its header and its column (downsampled to
    ``max_points`` for drawing when longer)."""
    n = len(s)
    times = getattr(s, "times", None) or []
    packed = None
    texts = getattr(s, "number_texts", False)  # a RawSeries: its values are numbers as text
    if texts and n <= max_points:
        steps = range(n) if s.counting else list(map(int, s.steps))
        packed = _pack_texts(s.values, s.numbers)
        if packed is not None:
            last_v = decode_value(s.values[-1]) if n else None
    if packed is None:
        if texts:
            steps = [int(x) for x in s.steps]
            values = [decode_value(x) for x in s.values]
        else:
            steps, values = list(s.steps), list(s.values)
        last_v = values[-1] if n else None
        if n > max_points:
            idx = downsample_indices([chart_value(v) for v in values], max_points)
            steps, values = [steps[i] for i in idx], [values[i] for i in idx]
            times = [times[i] for i in idx] if len(times) == n else []
        packed = _pack_values(values)
    head, column = packed
    out: dict[str, Any] = {"n": n, **_steps(steps), **head}
    if type(last_v) is float and math.isfinite(last_v) and shortest_f32(last_v) != last_v:
        out["last"] = last_v
    if len(times) == len(steps):
        out.update(_times(times))
    return out, column


# ---------------------------------------------------------------- the file


_B85_DIGITS = (b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~"
               .translate(_B85_SAFE))


NUMPY_AFTER = 200  # files encoded before numpy is worth importing (~0.1 s once; ~0.3 ms saved a file)
_encoded = 0


def b85_safe(data: bytes) -> str:
    """``base64.b85encode(data).translate(_B85_SAFE)``, vectorised with numpy once many files are
    encoded in this process (the standard library's encoder is a Python loop over 4-byte words: a
    tenth of a full build's CPU; a build of a few runs does not pay numpy's import)."""
    global _encoded
    _encoded += 1
    if _encoded <= NUMPY_AFTER and "numpy" not in sys.modules:
        return base64.b85encode(data).translate(_B85_SAFE).decode("ascii")
    import numpy as np
    if _B85_TABLES is None:
        _tables()
    digits, pairs = _B85_TABLES
    padding = -len(data) % 4
    words = np.frombuffer(data + b"\0" * padding, dtype=">u4")
    high = words // 614125  # 85 ** 3: the first two digits (a number below 85 ** 2), then two, then one
    low = words - high * 614125
    middle = low // 85
    out = np.empty((len(words), 5), np.uint8)
    out[:, 0:2] = pairs[high].view(np.uint8).reshape(-1, 2)
    out[:, 2:4] = pairs[middle].view(np.uint8).reshape(-1, 2)
    out[:, 4] = digits[low - middle * 85]
    text = out.tobytes()
    return (text[:len(text) - padding] if padding else text).decode("ascii")


_B85_TABLES = None


def _tables() -> None:
    """The digits, and each pair of digits as two bytes (index: a number below 85 ** 2)."""
    global _B85_TABLES
    import numpy as np
    digits = np.frombuffer(_B85_DIGITS, dtype=np.uint8)
    pairs = (digits[:, None].astype("<u2") | (digits[None, :].astype("<u2") << 8)).reshape(-1)
    _B85_TABLES = digits, pairs


def run_file(run_id: str, info: dict, series: dict, max_points: int = MAX_POINTS,
             queue: str = "runs") -> str:
    """The data file of a run: ``info`` (JSON-ready) and its ``series`` (name → series), packed;
    ``queue``: "runs" (decoded into ``SITEGEN_RUNS``) or "points" (into ``SITEGEN_POINTS``)."""
    heads, columns = [], []
    for name in sorted(series):
        head, column = pack_series(series[name], max_points)
        heads.append([name, head])
        columns.append(column)
    header = dumps({**info, "series": heads}).encode("utf-8")
    z = zlib.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -15)
    blob = z.compress(header) + z.compress(b"\n")
    for c in columns:
        blob += z.compress(c)
    blob += z.flush()
    extra = ',"points"' if queue == "points" else ""
    return (f'(window.SITEGEN_PACKED=window.SITEGEN_PACKED||[]).push([{dumps(run_id)},'
            f'"{b85_safe(blob)}"{extra}]);'
            f'window.SitegenRunPack&&SitegenRunPack.unpackAll();\n')


def points_file(run_id: str, series: dict) -> str | None:
    """``data/points/<id>.js``: every point of the run's series that are downsampled for drawing
    (longer than :data:`MAX_POINTS`), the same packing, queued as "points": the run page's download
    loads it on demand (the complete points, as the guide asks). None when no series is that long."""
    long = {name: s for name, s in series.items() if len(s) > MAX_POINTS}
    if not long:
        return None
    return run_file(run_id, {"id": run_id}, long, max_points=sys.maxsize, queue="points")


def _unshuffle(data: bytes, width: int) -> bytes:
    n = len(data) // width
    out = bytearray(len(data))
    for j in range(width):
        out[j::width] = data[j * n:(j + 1) * n]
    return bytes(out)


def unpack(text: str) -> tuple[str, dict]:
    """A data file's run id and the run as the browser decodes it (``series`` values included)."""
    start = text.index('.push([') + len('.push([')
    run_id, b64, *_ = json.loads("[" + text[start:text.index("]);", start)] + "]")
    raw = zlib.decompress(base64.b85decode(b64.encode("ascii").translate(_B85_BACK)), -15)
    cut = raw.index(b"\n")
    run = json.loads(raw[:cut].decode("utf-8"))
    pos = cut + 1
    series = {}
    for name, s in run["series"]:
        series[name] = s
        kind, count = s["v"], s.pop("c")
        width = {"i": 4, "d": 8, "f": 4}[kind]
        data = _unshuffle(raw[pos:pos + count * width], width)
        pos += count * width
        vals = list(struct.unpack(f"<{count}{kind}", data))
        extra = s.pop("x", {})
        if kind == "f":
            vals = [None if not math.isfinite(v) else shortest_f32(v) for v in vals]
            for i, t in extra.items():
                v = json.loads(t) if t[0] in '"tf' else float(t)
                vals[int(i)] = v if type(v) is float and math.isfinite(v) else None
        elif kind == "d":
            vals = [int(v) for v in vals]
        s["values"] = vals
        if extra:
            s["x"] = extra
    run["series"] = series
    return run_id, run
