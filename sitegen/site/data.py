"""Gathering: one summary per published run, read from the store (or reused from the build cache).

A summary is plain JSON (it is stored in the build cache): metadata, scalars, series statistics,
published outputs and the warnings met while reading. The heavy part (parsing metrics.tsv and writing
the run's chart data file) happens only for runs whose files changed since the last build.
"""
from __future__ import annotations

import fnmatch
import json
import logging
import math
import os
import re
import stat
from contextlib import contextmanager
from itertools import groupby
from pathlib import Path
from typing import Any, Iterator

from sitegen.formatting import format_took, format_value, format_when
from sitegen.secrets import CONTENT_LIMIT, credential_file_reason, is_credential_file
from sitegen.store import (DRIVER_LOG, HEARTBEAT_FILE, METRICS_FILE, OUTPUTS_DIR, RUN_FILE, Store,
                           StoreError, UnsafeFileError, decode_name, decode_value, open_run_file,
                           parse_utc, read_run_file, unsafe_reason)
from sitegen.site import outputs as _outputs
from sitegen.site.fileops import write_bytes

RUN_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$")
META_KEYS = ("run_id", "run_number", "name", "description", "script_name", "arguments", "status",
             "created_utc", "start_time_utc", "end_time_utc", "duration", "exit_code", "target",
             "user_id", "host", "python_version", "experiment_id", "parent_run_id", "properties",
             "tags", "hidden", "snapshot")


def json_value(v: Any) -> Any:
    """A metric value for JSON and tables: NaN and infinities become the text "NaN", "inf", "-inf"."""
    if type(v) is float and not math.isfinite(v):
        return "NaN" if v != v else ("inf" if v > 0 else "-inf")
    return v


def is_number(v: Any) -> bool:
    t = type(v)
    return (t is int) or (t is float and math.isfinite(v))


def valid_run_id(run_id: str) -> bool:
    """Run ids become file names in the site: letters, digits, ``_ . -`` only, not ``.``/``..``."""
    return bool(RUN_ID_RE.match(run_id)) and run_id not in (".", "..")


_TEXT_KEYS = ("name", "description", "script_name", "status", "created_utc", "start_time_utc",
              "end_time_utc", "duration", "target", "user_id", "host", "python_version",
              "experiment_id", "parent_run_id")


def _text(v: Any) -> str | None:
    if v is None or isinstance(v, str):
        return v
    return json.dumps(v, ensure_ascii=False, default=str) if isinstance(v, (dict, list)) else str(v)


def clean_meta(meta: dict, run_id: str) -> dict:
    """run.json fields with the types pages rely on (a hand-edited file can hold anything)."""
    m: dict[str, Any] = {k: _text(meta.get(k)) for k in _TEXT_KEYS}
    m["run_id"] = run_id
    n = meta.get("run_number")
    m["run_number"] = n if type(n) is int else None
    code = meta.get("exit_code")
    m["exit_code"] = code if type(code) is int else _text(code)
    args = meta.get("arguments")
    m["arguments"] = ([_text(a) or "" for a in args] if isinstance(args, list)
                      else ([] if args is None else [_text(args)]))
    m["hidden"] = bool(meta.get("hidden"))
    snap = meta.get("snapshot")  # a code snapshot's id names a file of the site: 64 hex digits only
    m["snapshot"] = snap if isinstance(snap, str) and re.fullmatch(r"[0-9a-f]{64}", snap) else None
    for key in ("tags", "properties"):
        d = meta.get(key)
        m[key] = {str(k): v if type(v) in (int, bool) or (type(v) is float and math.isfinite(v))
                  else _text(v) for k, v in sorted(d.items())} if isinstance(d, dict) else {}
    return {k: m[k] for k in META_KEYS}


def clean_params(params: Any) -> dict[str, Any]:
    """run.json's ``"parameters"`` as JSON-ready values, sorted by name: scalars and lists of them
    (non-finite floats as "NaN"/"inf"/"-inf"; anything a hand edit put there as its JSON text)."""
    if not isinstance(params, dict):
        return {}
    out: dict[str, Any] = {}
    for k in sorted(params, key=str):
        v = params[k]
        if isinstance(v, list) and all(x is None or type(x) in (int, float, bool, str) for x in v):
            out[str(k)] = [json_value(x) for x in v]
        elif v is None or type(v) in (int, float, bool, str):
            out[str(k)] = json_value(v)
        else:
            out[str(k)] = _text(v)
    return out


def _stat_fp(path: str) -> list[int] | None:
    try:
        st = os.lstat(path)  # a symbolic link is never followed (it is not read either)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def _regular_fp(path: str) -> list[int] | None:
    """:func:`_stat_fp` of a regular file; None when it is missing or not one (a link, a FIFO)."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns] if stat.S_ISREG(st.st_mode) else None


def list_outputs(run_dir: str | Path, config) -> tuple[list[dict], list[str]]:
    """Published output files of a run: [{"path", "size", "mtime"}] sorted by path, and skipped notes.

    Symlinks are never followed (a link could point anywhere: :func:`unsafe_outputs` names them for
    a warning); credential-looking files and the config's ``unpublished`` globs are left out.
    """
    root = os.path.join(run_dir, OUTPUTS_DIR)
    out: list[dict] = []
    skipped: list[str] = []
    try:
        mode = os.lstat(root).st_mode
    except OSError:  # no outputs folder (most runs)
        return out, skipped
    if stat.S_ISLNK(mode):
        return out, [OUTPUTS_DIR]
    if not stat.S_ISDIR(mode):
        return out, skipped
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        try:
            entries = list(os.scandir(os.path.join(root, rel_dir)))
        except OSError:
            continue
        for e in entries:
            rel = f"{rel_dir}/{e.name}" if rel_dir else e.name
            try:
                rel.encode("utf-8")
            except UnicodeEncodeError:
                skipped.append(rel.encode("utf-8", "replace").decode())
                continue
            if e.is_symlink():
                skipped.append(rel)
                continue
            if e.is_dir(follow_symlinks=False):
                stack.append(rel)
                continue
            if not e.is_file(follow_symlinks=False):  # a FIFO, a device: never read
                skipped.append(rel)
                continue
            if not config.publish_credentials and is_credential_file(rel):
                skipped.append(rel)
                continue
            if any(fnmatch.fnmatchcase(rel, g) or fnmatch.fnmatchcase(e.name, g)
                   or fnmatch.fnmatchcase(f"{OUTPUTS_DIR}/{rel}", g) for g in config.unpublished):
                skipped.append(rel)
                continue
            st = e.stat(follow_symlinks=False)
            out.append({"path": rel, "size": st.st_size, "mtime": st.st_mtime_ns})
    out.sort(key=lambda o: o["path"])
    skipped.sort()
    return out, skipped


def _readable(path: str) -> bool:
    try:
        open_run_file(path).close()
        return True
    except OSError:
        return False


def unsafe_files(run_dir: str, skipped_outputs: list[str]) -> list[str]:
    """Warnings for the files of a run that are not read because they are symbolic links or not
    regular files (run.json is checked by the store's reader)."""
    out = []
    for rel in [METRICS_FILE, DRIVER_LOG] + [OUTPUTS_DIR if r == OUTPUTS_DIR else f"{OUTPUTS_DIR}/{r}"
                                             for r in skipped_outputs]:
        path = os.path.join(run_dir, rel)
        reason = unsafe_reason(path)
        if reason:
            out.append(f"{path}: {reason}; not published")
    return out


def fingerprint(store: Store, run_id: str, config, root: str | None = None) -> list:
    """What a run's summary depends on: run.json, metrics.tsv, driver.log, the outputs, liveness.

    Called for every run on every build (a no-change build is little else), hence the plain string
    paths; ``root``: ``str(store.root)``, if the caller has it."""
    return fingerprint_of(f"{root or store.root}/{run_id}/", config)[0]


def fingerprint_of(d: str, config) -> tuple[list, bool]:
    """(:func:`fingerprint` of the run folder ``d``, given with its trailing "/"; whether it has an
    outputs folder)."""
    run_fp = _stat_fp(d + RUN_FILE)
    metrics_fp = _stat_fp(d + METRICS_FILE)
    log_fp = _stat_fp(d + DRIVER_LOG)
    try:
        os.lstat(d + OUTPUTS_DIR)
    except OSError:  # no outputs folder (most runs): nothing to list
        return [run_fp, metrics_fp, log_fp, [], []], False
    outputs, skipped = list_outputs(Path(d), config)
    return [run_fp, metrics_fp, log_fp, [[o["path"], o["size"], o["mtime"]] for o in outputs], skipped], True


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def capture_warnings() -> Iterator[list[str]]:
    """Collect warnings logged on the "sitegen" logger instead of printing them (they are re-logged
    by the build, also when a run comes from the cache, so --strict sees them every time)."""
    logger = logging.getLogger("sitegen")
    handler = _Capture()
    saved = logger.handlers[:], logger.propagate
    logger.handlers = [handler]
    logger.propagate = False
    try:
        yield handler.messages
    finally:
        logger.handlers, logger.propagate = saved


_INTS = re.compile(r"-?\d++(?:,-?\d++)*+")
_NOT_NUMBER = str.maketrans("", "", "0123456789.-+e,")  # what is left of a text that is no number
_COUNTING = [""]  # "0,1,2,…" as far as it was needed (steps counting from 0 are a prefix of it)


class RawSeries:
    """A series as the text of its steps, values and unix times, with its values parsed once."""

    __slots__ = ("steps", "values", "times", "numbers", "counting")
    number_texts = True  # its values are numbers (read_metrics_raw checks)

    def __init__(self, steps: list[str], values: list[str], times: list[str],
                 numbers: list | None = None, counting: bool = False) -> None:
        self.steps, self.values, self.times = steps, values, times
        self.numbers = numbers  # float() of each value (int() when the file has only ints), or None
        self.counting = counting  # the steps are 0, 1, 2, …

    def __len__(self) -> int:
        return len(self.values)


def read_metrics_raw(path: str, data: bytes | None = None) -> dict[str, RawSeries] | None:
    """metrics.tsv as text columns per metric name, in logging order, its values parsed once — a
    fast path of C-level list work. None when the file has anything unusual (torn or malformed
    lines, values other than plain numbers: strings, booleans, NaN, inf, ``1E5``): then the exact
    :func:`sitegen.store.read_metrics` is used, which also warns about the bad lines. ``data``: the
    file's bytes, if the caller has read them."""
    if data is None:
        try:
            data = read_run_file(path)
        except FileNotFoundError:
            return {}
        except OSError:
            return None
    text = data.decode("utf-8", errors="replace")
    if not text:
        return {}
    if not text.endswith("\n"):
        return None
    nl = text.count("\n")
    fields = text.replace("\n", "\t").split("\t")
    fields.pop()
    if len(fields) != 4 * nl:
        return None
    values = fields[2::4]
    numbers = _numbers(values)
    if numbers is None:
        return None
    names = fields[0::4]
    blocks = _blocks(names)
    keys = blocks if blocks is not None else dict.fromkeys(names)
    decoded = {}
    for k in keys:  # in order of first appearance, like read_metrics
        name = decode_name(k)
        if name is None:
            return None
        decoded[k] = name
    if len(set(decoded.values())) != len(decoded):
        return None  # one name written two ways ("a" and "\u0061"): the exact reader merges them
    if blocks is None:
        return _grouped(fields, names, decoded, numbers)
    out: dict[str, RawSeries] = {}
    a = 0
    for k, count in blocks.items():  # slices of the columns
        b = a + count
        steps = fields[4 * a + 1:4 * b:4]
        counting = _step_kind(steps)
        if counting is None:
            return None
        out[decoded[k]] = RawSeries(steps, values[a:b], fields[4 * a + 3:4 * b:4], numbers[a:b], counting)
        a = b
    return out


def _blocks(names: list[str]) -> dict[str, int] | None:
    """The number of lines of each metric when each metric's lines come together (usual: scalars,
    then a series), in order; None when they are interleaved."""
    blocks: dict[str, int] = {}
    for k, lines in groupby(names):
        if k in blocks:
            return None
        blocks[k] = len(list(lines))
    return blocks


def _grouped(fields: list[str], names: list[str], decoded: dict[str, str], numbers: list) -> dict | None:
    """:func:`read_metrics_raw`'s series when the metrics' lines are interleaved."""
    order = sorted(range(len(names)), key=names.__getitem__)  # stable: logging order within a name
    groups: dict[str, list[int]] = {}
    start = 0
    for i in range(1, len(order) + 1):
        if i == len(order) or names[order[i]] != names[order[start]]:
            groups[names[order[start]]] = order[start:i]
            start = i
    out: dict[str, RawSeries] = {}
    for k in decoded:
        idx = groups[k]
        steps = [fields[4 * j + 1] for j in idx]
        counting = _step_kind(steps)
        if counting is None:
            return None
        out[decoded[k]] = RawSeries(steps, [fields[4 * j + 2] for j in idx], [fields[4 * j + 3] for j in idx],
                                    [numbers[j] for j in idx], counting)
    return out


def _numbers(values: list[str]) -> list | None:
    """``values`` parsed (int() of each when none has a point or an exponent, else float()); None
    unless every one is a plain number (a decimal or an exponent: no NaN, inf, string, bool, space)."""
    joined = ",".join(values)
    if joined.translate(_NOT_NUMBER):
        return None
    try:
        if "." not in joined and "e" not in joined:
            return list(map(int, values))
        floats = list(map(float, values))
    except ValueError:  # "1.2.3", "-", "" and the like (or an int beyond int()'s 4,300 digits)
        return None
    # 1e999 or an int of 400 digits: the exact reader (whose ints are exact; int() has a digit limit)
    return floats if math.isfinite(sum(floats)) else None


def _step_kind(steps: list[str]) -> bool | None:
    """True when the steps are 0, 1, 2, … (the usual: compared as text with a prefix of "0,1,2,…"),
    False when they are other integers, None when one is not an integer."""
    if len(steps) == 1 and steps[0] == "0":  # a scalar
        return True
    joined = ",".join(steps)
    if len(joined) == _counting_length(len(steps)):
        if len(_COUNTING[0]) < len(joined):
            _COUNTING[0] = ",".join(map(str, range(2 * len(steps))))
        if _COUNTING[0].startswith(joined):
            return True
    if joined.count(",") == len(steps) - 1 and _INTS.fullmatch(joined):
        return False
    return None


def _counting_length(n: int) -> int:
    """The length of "0,1,…,n-1"."""
    total, digits, low = max(n - 1, 0), 1, 0
    while low < n:
        high = low * 10 or 10
        total += digits * (min(high, n) - low)
        low, digits = high, digits + 1
    return total


def _last(s) -> Any:
    return decode_value(s.values[-1]) if isinstance(s, RawSeries) else s.values[-1]


def _series_stats(s) -> dict:
    return {"n": len(s), "last": json_value(_last(s)), "last_step": int(s.steps[-1])}


def write_points_file(path: str, run_id: str, series: dict) -> bool:
    """Every point of the series that are downsampled for drawing (:func:`sitegen.site.runpack.
    points_file`) at ``path``; False (and no file) when there is none."""
    from sitegen.site.runpack import points_file
    text = points_file(run_id, series)
    if text is None:
        return False
    try:
        write_text(path, text)
    except FileNotFoundError:  # few runs have one: the folder is made by the first
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_text(path, text)
    return True


def write_text(path: str, text: str) -> None:
    """``text`` (UTF-8) as the file ``path``, created or emptied (:func:`~sitegen.site.fileops.write_bytes`)."""
    write_bytes(text.encode("utf-8"), path)


def run_data_js(summary: dict, series: dict, svgs: dict[str, str] | None = None,
                scalar_times: dict | None = None) -> str:
    """The run's data file, packed (:mod:`sitegen.site.runpack`): everything the browser needs to
    draw, compare and download this run (``scalar_t``: when each scalar was logged, epoch ms;
    ``scalar_f``: the scalars that are floats, so the download writes 3.0 as metrics.tsv does; ``svgs``:
    :func:`sitegen.site.outputs.svg_urls`, drawn in place of the SVG files, which are published as text)."""
    from sitegen.site.comparedata import text_outputs
    from sitegen.site.runpack import run_file
    m = summary["meta"]
    info = {
        "id": summary["id"], "number": m.get("run_number"), "name": m.get("name"),
        "script": m.get("script_name"), "status": m.get("status"), "meta": display_meta(m),
        "scalars": summary["scalars"], "params": summary.get("params") or {},
        "images": [o["path"] for o in summary["outputs"] if o.get("image")],
        "outputs": [[o["path"], o["size"]] for o in summary["outputs"]],
        "texts": text_outputs(summary["outputs"]), "snapshot": m.get("snapshot"),
        "start": m.get("start_time_utc"), "svgs": svgs or {},
        "scalar_t": {k: _time_ms_or_none(t) for k, t in sorted((scalar_times or {}).items())},
        "scalar_f": sorted(k for k, v in summary["scalars"].items() if type(v) is float),
    }
    return run_file(summary["id"], info, series)


def display_meta(m: dict) -> list[list[str]]:
    """Metadata rows [label, text] shown on comparison pages, as the run page shows them (dates and
    durations for people, the exact value third: [label, text, exact])."""
    props = m.get("properties") or {}
    commit = props.get("CommitId") if isinstance(props, dict) else None
    args = m.get("arguments") or []
    rows = [
        ["Run number", m.get("run_number")], ["Name", m.get("name")], ["Status", m.get("status")],
        ["Script", m.get("script_name")],
        ["Arguments", " ".join(map(str, args)) if isinstance(args, list) else str(args)],
        ["Started", m.get("start_time_utc"), format_when], ["Ended", m.get("end_time_utc"), format_when],
        ["Duration", m.get("duration"), lambda _: format_took(m.get("duration_s"))], ["Exit code", m.get("exit_code")],
        ["Git commit", commit], ["Host", m.get("host")], ["User", m.get("user_id")],
        ["Python", m.get("python_version")], ["Target", m.get("target")],
        ["Experiment", m.get("experiment_id")], ["Parent run", m.get("parent_run_id")],
    ]
    if isinstance(props, dict):
        for k in sorted(props):
            if k != "CommitId":
                rows.append([f"Property: {k}", props[k]])
    tags = m.get("tags") or {}
    if isinstance(tags, dict):
        for k in sorted(tags):
            rows.append([f"Tag: {k}", tags[k]])
    out = []
    for label, value, *human in rows:
        if value is None or value == "":
            out.append([str(label), ""])
            continue
        exact = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        shown = (human[0](value) if human else None) or format_value(value)
        out.append([str(label), shown] + ([exact] if shown != exact else []))
    return out


def _time_ms_or_none(t) -> int | None:
    from sitegen.site.runpack import _time_ms
    try:
        return None if t is None else _time_ms(t)
    except (ValueError, OverflowError):
        return None


DOWNLOAD_DIR = "metrics"  # metrics/<run_id>.tsv.gz: metrics.tsv gzipped (config publish_metrics_tsv)
GZIP_LEVEL = 1  # ~3.4x smaller than the text at ~0.4 ms per 50 KB; level 6: 4% smaller, 4x the time


def gzip_bytes(data: bytes) -> bytes:
    """Deterministic gzip (no name, time 0): equal input gives equal bytes, build after build."""
    import gzip
    return gzip.compress(data, GZIP_LEVEL, mtime=0)


def summarize(store_root: str, run_id: str, config, fp: list, data_path: str | None,
              points_path: str | None = None) -> dict:
    """Read one run (metadata and metrics), write its chart data file to ``data_path`` and, when a
    series is downsampled for drawing, every point of those series to ``points_path`` (the run
    page's download reads it; both only for a published run).

    Returns the summary (``metrics_file``: metrics.tsv's size, None without one; ``points_file``:
    whether that file was written); warnings are collected into ``summary["warnings"]``.
    """
    store = Store(store_root)
    with capture_warnings() as warnings:
        try:
            meta = store.load_meta(run_id)
        except StoreError as e:
            warnings.append(f"{e}; skipped")
            return {"id": run_id, "fp": fp, "skip": True, "warnings": warnings}
        metrics_path = os.path.join(store_root, run_id, METRICS_FILE)
        metrics_bytes: bytes | None = None
        try:
            metrics_bytes = read_run_file(metrics_path)
            metrics = read_metrics_raw(metrics_path, metrics_bytes)
        except FileNotFoundError:
            metrics = {}
        except UnsafeFileError:
            metrics = {}  # warned below, with the run's other unsafe files
        except OSError:
            metrics = None
        if metrics is None:
            metrics = store.metrics(run_id)
    scalars_raw: dict[str, Any] = {}
    scalar_times: dict[str, Any] = {}
    series: dict = {}
    for name, s in metrics.items():
        if len(s) == 1 and int(s.steps[0]) == 0:  # (a step's text may be "-0": the int 0)
            scalars_raw[name] = decode_value(s.values[0]) if isinstance(s, RawSeries) else s.values[0]
            scalar_times[name] = s.times[0] if s.times else None
        else:
            series[name] = s
    m = clean_meta(meta, run_id)
    start = parse_utc(m.get("start_time_utc"))
    end = parse_utc(m.get("end_time_utc"))
    m["duration_s"] = round(end - start, 6) if start is not None and end is not None else None
    if m["status"] == "Running" and start is not None:
        m["duration_s"] = None
    run_dir = os.path.join(store_root, run_id)
    outputs, skipped = list_outputs(run_dir, config)
    warnings.extend(unsafe_files(run_dir, skipped))
    unreadable = [o["path"] for o in outputs if not _readable(os.path.join(run_dir, OUTPUTS_DIR, o["path"]))]
    if unreadable:  # published outputs are read (copied, zipped): say which cannot be, and go on
        warnings.extend(f"{os.path.join(run_dir, OUTPUTS_DIR, r)}: cannot be read; not published"
                        for r in unreadable)
        outputs = [o for o in outputs if o["path"] not in set(unreadable)]
        skipped = sorted(set(skipped) | set(unreadable))
    if not config.publish_credentials:  # credentials by content (a key under any name)
        found = {o["path"] for o in outputs if o["size"] <= CONTENT_LIMIT
                 and credential_file_reason(os.path.join(run_dir, OUTPUTS_DIR, o["path"]))}
        outputs = [o for o in outputs if o["path"] not in found]
        skipped = sorted(set(skipped) | found)
    log_fp = _regular_fp(os.path.join(run_dir, DRIVER_LOG))
    for o in outputs:
        o.update(_outputs.describe(o["path"]))
    summary = {
        "id": run_id, "fp": fp, "skip": False, "hidden": bool(meta.get("hidden")),
        "meta": m, "params": clean_params(meta.get("parameters")),
        "scalars": {k: json_value(v) for k, v in sorted(scalars_raw.items())},
        "series": {k: _series_stats(s) for k, s in sorted(series.items())},
        "outputs": outputs, "skipped_outputs": skipped,
        "log": log_fp,
        "metrics_file": None if metrics_bytes is None else len(metrics_bytes),
        "points_file": False,
        "heartbeat": _stat_fp(os.path.join(store_root, run_id, HEARTBEAT_FILE)),
        "warnings": warnings,
    }
    if data_path and not summary["hidden"]:
        write_text(data_path, run_data_js(summary, series, _outputs.svg_urls(run_dir, outputs), scalar_times))
        if points_path:
            summary["points_file"] = write_points_file(points_path, run_id, series)
    return summary
