"""Per-run metric summaries: what listing runs needs, without reading every point each time.

``<run>/.summary.json`` holds, for each metric of ``metrics.tsv``: the number of points, the first and
last step and value, and the smallest and largest number (NaN left out). It is made by the first
reader that needs it (``history list``, ``jobs``, ``sitegen.runs()``) and trusted only while it
matches the file it summarises:

* same size and modification time as ``metrics.tsv``: used as it is;
* ``metrics.tsv`` grew and the bytes before the summarised length are still the ones summarised (the
  file is append-only: a live run): only the new complete lines are read and merged in;
* anything else (unreadable or foreign JSON, an older format, a file that shrank or changed): it is
  made again from the whole file.

A torn last line is left out until it is complete. Writing the summary is best effort (a read-only
store just pays the full read each time) and atomic (temp file, rename; no fsync: a lost summary is
made again). Standard library only.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from sitegen.store import METRICS_FILE, decode_name, decode_value, open_run_file, read_run_file, warn_once

SUMMARY_FILE = ".summary.json"  # a dot file: a cache, not one of the run's files (downloads skip it)
FORMAT = 1
_TAIL = 32  # bytes before the summarised length kept to recognise the same file when it grows


@dataclass
class MetricStats:
    """One metric of a run: ``n`` points, first and last (step, value), min and max of its numbers."""
    n: int
    first_step: int
    first: Any
    last_step: int
    last: Any
    min: float | int | None = None
    max: float | int | None = None

    @property
    def is_scalar(self) -> bool:
        """Logged once at step 0: a single value (as :func:`sitegen.store.split_metrics` decides)."""
        return self.n == 1 and self.first_step == 0


def _is_number(v: Any) -> bool:
    return (type(v) is int or type(v) is float) and v == v


def _merge(a: MetricStats, b: MetricStats) -> MetricStats:
    """``a`` followed by ``b`` (later points)."""
    lows = [x for x in (a.min, b.min) if x is not None]
    highs = [x for x in (a.max, b.max) if x is not None]
    return MetricStats(a.n + b.n, a.first_step, a.first, b.last_step, b.last,
                       min(lows) if lows else None, max(highs) if highs else None)


def _stats(steps: list[str], values: list[str], floats: list[float] | None = None) -> MetricStats:
    """Stats of one metric's raw columns (validated by the caller; ``floats``: the values parsed,
    when the build's fast reader did)."""
    try:
        nums, raws = floats or list(map(float, values)), values  # all numbers (the usual case), in C
        if "n" in "".join(values):  # nan or inf somewhere
            raise ValueError
    except ValueError:
        nums, raws = [], []
        for v in values:
            if v[0] != '"' and v[0] != "t" and v[0] != "f":
                x = float(v)
                if x == x:
                    nums.append(x)
                    raws.append(v)
    lo = hi = None
    if nums:
        i, j = nums.index(min(nums)), nums.index(max(nums))
        lo, hi = decode_value(raws[i]), decode_value(raws[j])
    return MetricStats(len(values), int(steps[0]), decode_value(values[0]), int(steps[-1]),
                       decode_value(values[-1]), lo, hi)


def parse(data: bytes) -> tuple[dict[str, MetricStats], int, int]:
    """(stats by name in order of first appearance, bytes summarised, unreadable records) of the
    complete lines of ``data`` (metrics.tsv content). Malformed lines are skipped and counted, as
    :func:`sitegen.store.read_metrics` skips them."""
    end = data.rfind(b"\n") + 1
    columns = _number_columns(data[:end])
    if columns is not None:
        return {name: _stats(*column) for name, column in columns.items()}, end, 0
    text = data[:end].decode("utf-8", errors="replace")
    columns = {}
    names: dict[str, str | None] = {}
    bad = 0
    for line in text.split("\n")[:-1]:
        parts = line.split("\t")
        if len(parts) != 4:
            bad += 1
            continue
        k, s, v, t = parts
        name = names.get(k, "")
        if name == "":
            name = names[k] = decode_name(k)
        if name is None:
            bad += 1
            continue
        try:
            int(s)
            decode_value(v)
            float(t)
        except (ValueError, IndexError):
            bad += 1
            continue
        col = columns.get(name)
        if col is None:
            col = columns[name] = ([], [])
        col[0].append(s)
        col[1].append(v)
    return {name: _stats(st, vs) for name, (st, vs) in columns.items()}, end, bad


def _number_columns(data: bytes) -> dict[str, tuple[list[str], list[str], list | None]] | None:
    """(steps, values) text columns by name, with the values parsed as floats (or None), when every
    line is well formed with a number as its value (the usual file; the build's fast reader, plus a
    check of the times); else None."""
    from sitegen.site.data import read_metrics_raw  # only here: `import sitegen` stays light
    raw = read_metrics_raw("", data)
    if raw is None:
        return None
    try:
        for r in raw.values():
            list(map(float, r.times))
    except ValueError:
        return None
    return {name: (r.steps, r.values, r.numbers if r.numbers and type(r.numbers[0]) is float else None)
            for name, r in raw.items()}


def _load(path: str) -> dict | None:
    try:
        data = json.loads(read_run_file(path))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return None
        metrics = {str(k): MetricStats(**v) for k, v in data["metrics"].items()}
        for key in ("size", "mtime_ns", "offset", "bad"):
            if type(data[key]) is not int:
                return None
        if not isinstance(data["tail"], str):
            return None
        data["metrics"] = metrics
        return data
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def _save(path: str, summary: dict) -> None:
    out = dict(summary, metrics={k: v.__dict__ for k, v in summary["metrics"].items()})  # (asdict deep-copies)
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(json.dumps(out, ensure_ascii=False))
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def run_metrics(run_dir: str | os.PathLike) -> dict[str, MetricStats]:
    """The metric stats of the run in ``run_dir``, from its summary.json when that is still valid
    (see the module doc); made or brought up to date and saved otherwise."""
    metrics_path = os.path.join(run_dir, METRICS_FILE)  # plain strings: called for every run listed
    summary_path = os.path.join(run_dir, SUMMARY_FILE)
    try:
        st = os.lstat(metrics_path)  # (a link is refused when opened, below)
    except FileNotFoundError:
        return {}
    except OSError as e:
        warn_once(f"read:{metrics_path}", f"cannot read {metrics_path}: {e.strerror}; skipped")
        return {}
    old = _load(summary_path)
    if old is not None and old["size"] == st.st_size and old["mtime_ns"] == st.st_mtime_ns:
        _warn_bad(metrics_path, old["bad"] + (old["offset"] < old["size"]))
        return old["metrics"]
    try:
        with open_run_file(metrics_path) as f:  # never a symbolic link, FIFO or device
            start = 0
            if old is not None and old["offset"] <= st.st_size:
                start = max(0, old["offset"] - _TAIL)
                f.seek(start)
            data = f.read()
    except OSError as e:
        warn_once(f"read:{metrics_path}", f"cannot read {metrics_path}: {e.strerror}; skipped")
        return {}
    size = start + len(data)
    if start and data[:old["offset"] - start].hex() == old["tail"]:  # the same file, grown
        new, end, bad = parse(data[old["offset"] - start:])
        metrics = dict(old["metrics"])
        for name, s in new.items():
            metrics[name] = _merge(metrics[name], s) if name in metrics else s
        offset, bad = old["offset"] + end, old["bad"] + bad
    else:
        if start:  # changed under us: read it all
            data = read_run_file(metrics_path)
            size = len(data)
            start = 0
        metrics, offset, bad = parse(data)
    whole_tail = data[max(0, offset - start - _TAIL):offset - start]
    summary = {"format": FORMAT, "size": size, "mtime_ns": st.st_mtime_ns if size == st.st_size else 0,
               "offset": offset, "tail": whole_tail.hex(), "bad": bad, "metrics": metrics}
    _save(summary_path, summary)
    _warn_bad(metrics_path, bad + (1 if offset < size else 0))
    return metrics


def _warn_bad(path: str, bad: int) -> None:
    if bad:
        warn_once(f"torn:{path}", f"{path}: skipped {bad} unreadable metric record(s)")


def scalars_and_last(stats: dict[str, MetricStats]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(scalars by name, the last value of each series by name)."""
    scalars, last = {}, {}
    for name, s in stats.items():
        if s.is_scalar:
            scalars[name] = s.first
        else:
            last[name] = s.last
    return scalars, last
