"""Write runs read from another tool into the store, re-runnably.

Each imported run records ``"imported": {"source", "source_id", "location", "fingerprint"}`` (and
``"problems"``, repeated as warnings while the fingerprint holds) in its
run.json. A second import finds the run by (source, source_id): an unchanged fingerprint skips it
without reading its data; otherwise only points not already in its metrics.tsv are appended and its
metadata is refreshed. Importing the same logs twice leaves the store unchanged.
"""
from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from sitegen import store as _store
from sitegen.errors import UserError

log = logging.getLogger("sitegen")


class ImportProblem(Exception):
    """One source run (or one of its files) cannot be read; the rest of the import goes on."""


@dataclass
class Point:
    name: str
    step: int
    value: Any
    time: float  # unix seconds


@dataclass
class RunData:
    """Everything the store keeps of one source run."""
    name: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    description: str = ""
    status: str = "Completed"
    start_time: float | None = None
    end_time: float | None = None
    script_name: str | None = None
    user_id: str | None = None
    parent_source_id: str | None = None  # the source's id of the parent run (nested runs)
    points: list[Point] = field(default_factory=list)
    outputs: Callable[[Path], None] | None = None  # copies output files into the given folder
    problems: list[str] = field(default_factory=list)  # readable in part: warn, keep the rest


@dataclass
class SourceRun:
    """One run of the source, cheap to list: ``load()`` reads its data only when needed (None: not
    a run to import, e.g. deleted)."""
    source_id: str
    fingerprint: str | None  # None: always look again (a run still being written)
    load: Callable[[], RunData | None]


@dataclass
class ImportResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    points: int = 0
    failed: int = 0
    warnings: list[str] = field(default_factory=list)

    def summary(self, source: str) -> str:
        text = (f"imported from {source}: {self.new} new run(s), {self.updated} updated, "
                f"{self.unchanged} unchanged, {self.points} new point(s)")
        return text + (f", {self.failed} skipped (see warnings)" if self.failed else "")


def imported_runs(store: _store.Store, source: str) -> dict[str, tuple[str, dict]]:
    """source_id -> (run id, run.json) of the runs already imported from ``source``."""
    found: dict[str, tuple[str, dict]] = {}
    for meta in store.iter_runs():
        info = meta.get("imported")
        if isinstance(info, dict) and info.get("source") == source:
            found[str(info.get("source_id"))] = (meta["run_id"], meta)
    return found


def sync_runs(store: _store.Store, source: str, location: str, runs: Iterable[SourceRun],
              experiment: str, strict: bool = False) -> ImportResult:
    """Import ``runs`` (from ``source`` at ``location``) into ``store``; see the module docstring.

    A run that cannot be read warns and is skipped (``strict``: raises UserError)."""
    store.ensure()
    result = ImportResult()
    known = imported_runs(store, source)
    parents: dict[str, str] = {}  # run id -> parent's source id, resolved at the end
    for src in runs:
        existing = known.get(src.source_id)
        if existing and src.fingerprint is not None \
                and existing[1]["imported"].get("fingerprint") == src.fingerprint:
            for problem in existing[1]["imported"].get("problems", []):  # still there
                _problem(result, f"{source} run {src.source_id}: {problem}", strict)
            result.unchanged += 1
            continue
        try:
            data = src.load()
        except ImportProblem as e:
            _problem(result, f"{source} run {src.source_id}: {e}; skipped", strict)
            result.failed += 1
            continue
        if data is None:
            continue
        for problem in data.problems:
            _problem(result, f"{source} run {src.source_id}: {problem}", strict)
        info = {"source": source, "source_id": src.source_id, "location": location,
                "fingerprint": src.fingerprint}
        if data.problems:
            info["problems"] = data.problems
        if existing:
            run_id, meta = existing
            added = _append_points(store, run_id, data.points)
            fields = _meta_fields(data, info)
            if any(meta.get(k) != v for k, v in fields.items()):
                store.update_meta(run_id, fields)
            changed = bool(added) or meta["imported"].get("fingerprint") != src.fingerprint
            result.updated += changed
            result.unchanged += not changed
        else:
            run_id = store.create_run(experiment, **_meta_fields(data, info), pid=None,
                                      heartbeat_enabled=False)
            added = _append_points(store, run_id, data.points)
            known[src.source_id] = (run_id, {"imported": info})
            result.new += 1
        result.points += added
        if data.outputs is not None:
            _copy_outputs(store, run_id, data.outputs)
        if data.parent_source_id:
            parents[run_id] = data.parent_source_id
    for run_id, parent in parents.items():
        if parent in known:
            store.update_meta(run_id, {"parent_run_id": known[parent][0]})
    return result


def _problem(result: ImportResult, message: str, strict: bool) -> None:
    if strict:
        raise UserError(f"{message} (--strict)")
    result.warnings.append(message)
    log.warning(message)


def _meta_fields(data: RunData, info: dict) -> dict:
    start = data.start_time
    end = data.end_time if data.status != "Running" else None
    fields: dict[str, Any] = {
        "name": data.name, "parameters": data.parameters, "tags": data.tags,
        "description": data.description, "status": data.status, "imported": info,
        "script_name": data.script_name,
    }
    if data.user_id:
        fields["user_id"] = data.user_id
    if start is not None:
        fields["created_utc"] = fields["start_time_utc"] = _store.format_utc(start)
    if end is not None:
        fields["end_time_utc"] = _store.format_utc(end)
        if start is not None:
            fields["duration"] = _store.format_duration(end - start)
    return fields


def _point_key(name: str, step: int, ts: float) -> tuple[str, int, str]:
    return name, step, f"{ts:.3f}"


def _append_points(store: _store.Store, run_id: str, points: list[Point]) -> int:
    """Append the points not already in the run's metrics.tsv; return how many were added."""
    path = store.run_dir(run_id) / _store.METRICS_FILE
    have = set()
    if path.exists():
        for name, series in _store.read_metrics(path).items():
            have.update(_point_key(name, s, t) for s, t in zip(series.steps, series.times))
    lines = []
    names: dict[str, str] = {}
    for p in points:
        key = _point_key(p.name, p.step, p.time)
        if key in have:
            continue
        have.add(key)
        enc = names.get(p.name) or names.setdefault(p.name, _store.encode_name(p.name))
        lines.append(f"{enc}\t{p.step}\t{_store.encode_value(p.value)}\t{key[2]}\n")
    if lines:
        with open(path, "ab") as f:
            if f.tell() and not _ends_with_newline(path):
                f.write(b"\n")
            f.write("".join(lines).encode("utf-8"))
    return len(lines)


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"


def _copy_outputs(store: _store.Store, run_id: str, copy: Callable[[Path], None]) -> None:
    """Let the reader put its files in a scratch folder, then move in those the run lacks."""
    run_dir = store.run_dir(run_id)
    scratch = run_dir / ".import-outputs"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    try:
        copy(scratch)
        outputs = run_dir / _store.OUTPUTS_DIR
        for path in sorted(scratch.rglob("*")):
            if path.is_file() and not path.is_symlink():
                dest = outputs / path.relative_to(scratch)
                if not dest.exists():
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(path, dest)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def parse_param(text: str) -> Any:
    """A parameter value from its text: an int or float when it reads as one, else the text."""
    s = text.strip()
    try:
        if str(int(s)) == s:
            return int(s)
    except ValueError:
        pass
    try:
        value = float(s)
    except ValueError:
        return text
    return value if s.lower().lstrip("+-") not in ("nan", "inf", "infinity") else text
