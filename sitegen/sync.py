"""Copy runs between two stores, local or remote (`sitegen sync SRC DEST`, the uploader, mirrors).

Each side is listed once (`Side.scan`: every file of the store with its size and a change tag),
then `plan` compares the two listings with what the last sync between the same two stores copied
(a small state file in the cache) and `apply` moves only what changed:

- a run's points are appended: the destination's ``metrics.tsv`` (locally) or its chain of
  segments (remotely) is extended by the source's bytes past the destination's length, whole lines
  only, so a run still being written is brought up to date by the next sync and a synced run is
  byte-identical to its source;
- other files (``driver.log``, outputs, the snapshot manifest, the heartbeat) are copied when new or
  changed; content-addressed snapshot blobs only when missing;
- ``run.json`` is written last, so a reader that sees a run's new status also sees its data; a run
  arriving in a bucket for the first time gets a run number claimed there (`remote.claim_run_number`).

Every step is idempotent: a sync killed half-way is finished by the next one.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from sitegen import remote as _remote
from sitegen.store import (HEARTBEAT_FILE, INTERNAL_DIR, METRICS_FILE, RUN_FILE, Store,
                           write_bytes_atomic)

SEGMENTS_DIR = "metrics"          # remote: <run>/metrics/<offset>.tsv
SEGMENT_DIGITS = 12
COMPACT_AFTER = 64                # more segments than this: the uploader rewrites them as one
BIG_FILE = 32 * 1024 * 1024       # larger files are streamed, not read into memory
BATCH_BYTES = 64 * 1024 * 1024
MTIMES_FILE = ".mtimes.json"      # remote: a run's files' modification times (listings lack them)
SKIPPED_INTERNAL = ("counters", "numbers", "ids", "store.json", "snapshot-cache.json", "sync")


@dataclass(frozen=True)
class Entry:
    """One file of a store: its size and a tag that changes when its content does."""
    size: int
    tag: str


@dataclass
class Listing:
    """Every file of a store by store-relative path. A run's points appear as ``<run>/metrics.tsv``
    whose size is the length of its complete lines (remotely: of its contiguous segments)."""
    files: dict[str, Entry] = field(default_factory=dict)
    segments: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # remote runs
    mtimes: set[str] = field(default_factory=set)  # remote runs with a .mtimes.json

    def runs(self) -> set[str]:
        return {p.split("/", 1)[0] for p in self.files if p.endswith("/" + RUN_FILE)
                and p.count("/") == 1}


def _wanted(rel: str) -> bool:
    parts = rel.split("/")
    name = parts[-1]
    if name.endswith(".tmp") or name.endswith(".lock") or ".tmp." in name:
        return False
    if parts[0] == INTERNAL_DIR:
        return len(parts) > 1 and parts[1] not in SKIPPED_INTERNAL
    return not any(p.startswith(".") for p in parts)


def complete_length(path: str) -> int:
    """The length of ``path`` up to and including its last newline (a torn last line is left out)."""
    try:
        with open(path, "rb") as f:
            end = f.seek(0, os.SEEK_END)
            pos = end
            while pos > 0:
                step = min(65536, pos)
                f.seek(pos - step)
                chunk = f.read(step)
                i = chunk.rfind(b"\n")
                if i >= 0:
                    return pos - step + i + 1
                pos -= step
            return 0
    except FileNotFoundError:
        return 0


class LocalSide:
    """A store folder on this machine (the usual layout)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).absolute()
        self.name = str(self.root)

    def scan(self, only: set[str] | None = None) -> Listing:
        listing = Listing()
        if not self.root.is_dir():
            return listing
        for folder, dirs, files in os.walk(self.root):
            rel_dir = os.path.relpath(folder, self.root)
            rel_dir = "" if rel_dir == "." else rel_dir.replace(os.sep, "/")
            top = rel_dir.split("/", 1)[0]
            if only is not None and top != INTERNAL_DIR and rel_dir and top not in only:
                dirs[:] = []
                continue
            dirs[:] = [d for d in dirs if _wanted(f"{rel_dir}/{d}".lstrip("/") + "/x")]
            for name in files:
                rel = f"{rel_dir}/{name}" if rel_dir else name
                if not rel_dir or not _wanted(rel):
                    continue
                path = os.path.join(folder, name)
                try:
                    st = os.lstat(path)
                except OSError:
                    continue
                if not os.path.isfile(path) or os.path.islink(path):
                    continue  # links and devices are never synced (they are not the store's data)
                if rel.count("/") == 1 and name == METRICS_FILE:
                    size = complete_length(path)
                    listing.files[rel] = Entry(size, str(size))
                elif rel.count("/") == 1 and name == HEARTBEAT_FILE:
                    listing.files[rel] = Entry(0, str(st.st_mtime_ns))
                else:
                    listing.files[rel] = Entry(st.st_size, f"{st.st_mtime_ns}-{st.st_size}")
        return listing

    def path(self, rel: str) -> str:
        return os.path.join(self.root, *rel.split("/"))

    def read_many(self, rels: list[str]) -> dict[str, bytes]:
        out = {}
        for rel in rels:
            if rel.endswith("/" + HEARTBEAT_FILE):
                out[rel] = repr(os.stat(self.path(rel)).st_mtime).encode()
            else:
                with open(self.path(rel), "rb") as f:
                    out[rel] = f.read()
        return out

    def write_many(self, items: dict[str, bytes]) -> None:
        for rel, data in items.items():
            path = Path(self.path(rel))
            path.parent.mkdir(parents=True, exist_ok=True)
            if rel.endswith("/" + HEARTBEAT_FILE):
                path.touch()
                stamp = float(data.decode() or time.time())
                os.utime(path, (stamp, stamp))
            else:
                write_bytes_atomic(path, data)

    def copy_big_from(self, src: "LocalSide | RemoteSide", rel: str) -> None:
        path = Path(self.path(rel))
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(path.name + f".{os.getpid()}.tmp")
        if isinstance(src, RemoteSide):
            src.remote.fs.get_file(src.remote.path(rel), str(part))
        else:
            import shutil
            shutil.copyfile(src.path(rel), part)
        os.replace(part, path)

    def read_metrics(self, run_id: str, start: int, end: int) -> bytes:
        with open(self.path(f"{run_id}/{METRICS_FILE}"), "rb") as f:
            f.seek(start)
            return f.read(end - start)

    def append_metrics(self, run_id: str, start: int, data: bytes) -> None:
        path = self.path(f"{run_id}/{METRICS_FILE}")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            if os.fstat(fd).st_size != start:
                os.ftruncate(fd, start)  # drop a torn tail: the source's lines replace it
            os.lseek(fd, start, os.SEEK_SET)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)


class RemoteSide:
    """A store on object storage (segments for points; see `sitegen.remote`)."""

    def __init__(self, remote: _remote.Remote) -> None:
        self.remote = remote
        self.name = remote.url

    def scan(self, only: set[str] | None = None) -> Listing:
        listing = Listing()
        fs = self.remote.fs
        try:
            found = fs.find(self.remote.root, detail=True)
        except FileNotFoundError:
            return listing
        for path, info in found.items():
            if info.get("type") == "directory":
                continue
            rel = self.remote.rel(path)
            parts = rel.split("/")
            if only is not None and parts[0] != INTERNAL_DIR and parts[0] not in only:
                continue
            if len(parts) == 3 and parts[1] == SEGMENTS_DIR and parts[2].endswith(".tsv") \
                    and parts[2][:-4].isdigit():
                listing.segments.setdefault(parts[0], []).append(
                    (int(parts[2][:-4]), int(info.get("size") or 0)))
                continue
            if len(parts) == 2 and parts[1] == MTIMES_FILE:
                listing.mtimes.add(parts[0])
                continue
            if not _wanted(rel):
                continue
            tag = info.get("ETag") or info.get("etag") or info.get("mtime") or info.get("size")
            listing.files[rel] = Entry(int(info.get("size") or 0), str(tag))
        for run_id, segs in listing.segments.items():
            length = chain_length(segs)
            listing.files[f"{run_id}/{METRICS_FILE}"] = Entry(length, str(length))
        return listing

    def path(self, rel: str) -> str:
        return self.remote.path(rel)

    def read_many(self, rels: list[str]) -> dict[str, bytes]:
        if not rels:
            return {}
        got = self.remote.fs.cat([self.path(r) for r in rels], on_error="raise")
        if isinstance(got, bytes):  # a single path may come back unwrapped
            got = {self.path(rels[0]): got}
        by_path = {self.remote.rel(p): v for p, v in got.items()}
        return {rel: by_path[rel] for rel in rels}

    def write_many(self, items: dict[str, bytes]) -> None:
        if items:
            self.remote.fs.pipe({self.path(rel): data for rel, data in items.items()})

    def copy_big_from(self, src: LocalSide, rel: str) -> None:
        self.remote.fs.put_file(src.path(rel), self.path(rel))

    def segment_path(self, run_id: str, offset: int) -> str:
        return self.path(f"{run_id}/{SEGMENTS_DIR}/{offset:0{SEGMENT_DIGITS}d}.tsv")

    def read_metrics(self, run_id: str, start: int, end: int, segs: list[tuple[int, int]]) -> bytes:
        needed = [(off, size) for off, size in chain(segs) if off < end and off + size > start]
        got = self.remote.fs.cat([self.segment_path(run_id, off) for off, _ in needed])
        if isinstance(got, bytes):
            got = {self.segment_path(run_id, needed[0][0]): got}
        data = b"".join(got[self.segment_path(run_id, off)] for off, _ in needed)
        first = needed[0][0] if needed else start
        return data[start - first:end - first]

    def append_metrics(self, run_id: str, start: int, data: bytes) -> None:
        self.remote.fs.pipe_file(self.segment_path(run_id, start), data)


def chain(segs: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The segments that make a run's points: from offset 0, at each offset the longest segment
    starting there (a compacted segment supersedes the ones it covers), until a gap."""
    longest: dict[int, int] = {}
    for off, size in segs:
        if size > longest.get(off, -1):
            longest[off] = size
    out, pos = [], 0
    while pos in longest and longest[pos] > 0:
        out.append((pos, longest[pos]))
        pos += longest[pos]
    return out


def chain_length(segs: Iterable[tuple[int, int]]) -> int:
    c = chain(segs)
    return c[-1][0] + c[-1][1] if c else 0


# ---------------------------------------------------------------- plan and apply

@dataclass
class Plan:
    """What one sync copies: points to append per run, files, and run.json files (last)."""
    appends: list[tuple[str, int, int]] = field(default_factory=list)  # (run, dst length, src length)
    files: list[str] = field(default_factory=list)
    metas: list[str] = field(default_factory=list)
    new_runs: set[str] = field(default_factory=set)  # runs the destination does not have yet
    same: list[str] = field(default_factory=list)  # already equal in the destination

    def __len__(self) -> int:
        return len(self.appends) + len(self.files) + len(self.metas)


@dataclass
class SyncResult:
    runs: int = 0
    files: int = 0
    bytes: int = 0
    points_bytes: int = 0
    renumbered: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.runs} run(s) brought up to date: {self.files} file(s), "
                f"{self.bytes + self.points_bytes:,} bytes")


def plan(src: Listing, dst: Listing, state: dict[str, str]) -> Plan:
    """What to copy from ``src`` to ``dst``, given the tags the last sync copied (``state``)."""
    out = Plan()
    dst_runs = dst.runs()
    for rel, entry in sorted(src.files.items()):
        run_id, _, name = rel.partition("/")
        have = dst.files.get(rel)
        if name == METRICS_FILE:
            dst_len = have.size if have else 0
            if entry.size > dst_len:
                out.appends.append((run_id, dst_len, entry.size))
            elif entry.size == dst_len:
                out.same.append(rel)
            continue
        if run_id == INTERNAL_DIR and name.startswith("objects/"):
            (out.files if have is None else out.same).append(rel)
            continue
        if have is not None and have.size == entry.size and state.get(rel) == entry.tag:
            out.same.append(rel)
            continue
        if have is not None and name == HEARTBEAT_FILE and state.get(rel) == entry.tag:
            out.same.append(rel)
            continue
        if name == RUN_FILE and "/" not in name:
            out.metas.append(rel)
            if run_id not in dst_runs:
                out.new_runs.add(run_id)
        else:
            out.files.append(rel)
    return out


def _batches(rels: list[str], sizes: dict[str, int]) -> Iterable[list[str]]:
    batch, total = [], 0
    for rel in rels:
        batch.append(rel)
        total += sizes.get(rel, 0)
        if total >= BATCH_BYTES or len(batch) >= 500:
            yield batch
            batch, total = [], 0
    if batch:
        yield batch


def _copy_files(src, dst, rels: list[str], listing: Listing, result: SyncResult,
                state: dict[str, str]) -> None:
    sizes = {rel: listing.files[rel].size for rel in rels}
    big = [r for r in rels if sizes[r] > BIG_FILE]
    small = [r for r in rels if sizes[r] <= BIG_FILE]
    for batch in _batches(small, sizes):
        data = src.read_many(batch)
        dst.write_many(data)
        for rel in batch:
            state[rel] = listing.files[rel].tag
            result.bytes += len(data[rel])
        result.files += len(batch)
    for rel in big:
        dst.copy_big_from(src, rel)
        state[rel] = listing.files[rel].tag
        result.bytes += sizes[rel]
        result.files += 1


def _unchanged_since_last_sync(listing: Listing, state: dict[str, str]) -> bool:
    """True when every file of a local source has the tag the last sync copied (points: the
    length it appended up to), so the destination need not be listed at all."""
    return bool(state) and all(state.get(rel) == entry.tag for rel, entry in listing.files.items())


def _append_points(src, dst, appends, src_listing: Listing, result: SyncResult,
                   state: dict[str, str]) -> None:
    def one(item: tuple[str, int, int]) -> int:
        run_id, start, end = item
        if isinstance(src, RemoteSide):
            data = src.read_metrics(run_id, start, end, src_listing.segments.get(run_id, []))
        else:
            data = src.read_metrics(run_id, start, end)
        data = data[:data.rfind(b"\n") + 1]  # whole lines only
        if data:
            dst.append_metrics(run_id, start, data)
        return len(data)
    with ThreadPoolExecutor(max_workers=8) as pool:
        result.points_bytes += sum(pool.map(one, appends))
    for run_id, _, end in appends:
        state[f"{run_id}/{METRICS_FILE}"] = src_listing.files[f"{run_id}/{METRICS_FILE}"].tag


def _number_new_runs(src, dst: RemoteSide, metas: dict[str, bytes], new_runs: set[str],
                     result: SyncResult) -> None:
    """Claim a run number in the bucket for each run arriving there for the first time: the
    source's own number when it is free (so the copy stays identical), else the next free one."""
    for rel, data in metas.items():
        run_id = rel.split("/", 1)[0]
        if run_id not in new_runs:
            continue
        meta = json.loads(data)
        experiment = meta.get("experiment_id") or run_id.rsplit("_", 1)[0]
        wanted = meta.get("run_number")
        folder = dst.remote.path(".sitegen", "numbers", str(experiment))
        if isinstance(wanted, int) and _remote.create_exclusive(
                dst.remote, f"{folder}/{wanted}", run_id.encode()):
            continue
        number = _remote.claim_run_number(dst.remote, str(experiment), run_id)
        if isinstance(src, LocalSide):
            local = Store(src.root)
            local.update_meta(run_id, {"run_number": number})
            local.reserve_run_number(str(experiment), number)  # its next run must not reuse it
            data = src.read_many([rel])[rel]
        else:
            meta["run_number"] = number
            data = json.dumps(meta, indent=2, ensure_ascii=False).encode()
        metas[rel] = data
        if wanted is not None:
            result.renumbered.append(f"{run_id}: #{wanted} -> #{number}")


def sync(src, dst, *, only: set[str] | None = None, state_path: Path | None = None,
         progress: Callable[[int, int], None] | None = None, full: bool = False) -> SyncResult:
    """Bring ``dst`` up to date with ``src`` (both `LocalSide` or `RemoteSide`). ``full``: forget
    what earlier syncs copied and compare both listings file by file."""
    state_path = state_path or _state_path(src.name, dst.name)
    state = {} if full else _load_state(state_path)
    src_listing = src.scan(only)
    if isinstance(src, LocalSide) and _unchanged_since_last_sync(src_listing, state):
        return SyncResult()  # nothing here changed since this sync last ran: no listing needed
    dst_listing = dst.scan(only)
    todo = plan(src_listing, dst_listing, state)
    result = SyncResult(runs=len({a[0] for a in todo.appends} |
                                 {r.split("/", 1)[0] for r in todo.files + todo.metas}
                                 - {INTERNAL_DIR}))
    for rel in todo.same:
        state[rel] = src_listing.files[rel].tag
    if not todo:
        _save_state(state_path, state)
        return result
    if isinstance(dst, RemoteSide) and not dst_listing.files:
        dst.write_many({f"{INTERNAL_DIR}/store.json":
                        json.dumps({"format_version": 1, "layout": "segments"}).encode()})
    _append_points(src, dst, todo.appends, src_listing, result, state)
    if progress:
        progress(len(todo.appends), len(todo))
    _copy_files(src, dst, todo.files, src_listing, result, state)
    _carry_mtimes(src, dst, src_listing, {r.split("/", 1)[0] for r in todo.files} - {INTERNAL_DIR})
    metas = src.read_many(todo.metas)
    if isinstance(dst, RemoteSide) and todo.new_runs:
        _number_new_runs(src, dst, metas, todo.new_runs, result)
    dst.write_many(metas)
    for rel in todo.metas:
        state[rel] = _tag_now(src, rel, src_listing)
        result.files += 1
        result.bytes += len(metas[rel])
    _save_state(state_path, state)
    if progress:
        progress(len(todo), len(todo))
    return result


def _tag_now(src, rel: str, listing: Listing) -> str:
    """A source file's change tag after the sync: renumbering rewrites a local run.json, so a
    local file is looked at again; a remote one keeps its listed ETag."""
    if isinstance(src, LocalSide):
        try:
            st = os.stat(src.path(rel))
            return f"{st.st_mtime_ns}-{st.st_size}"
        except OSError:
            return ""
    return listing.files[rel].tag


def _carry_mtimes(src, dst, listing: Listing, runs: set[str]) -> None:
    """Files keep their modification times across a bucket (a build's zip entries carry them, so
    a site built from the bucket equals one built from the source): uploaded as each run's
    ``.mtimes.json``, applied when downloading."""
    if not runs:
        return
    if isinstance(src, LocalSide) and isinstance(dst, RemoteSide):
        manifests = {}
        for run_id in runs:
            times = {rel.split("/", 1)[1]: int(e.tag.split("-")[0]) for rel, e in listing.files.items()
                     if rel.startswith(run_id + "/") and "-" in e.tag}
            manifests[f"{run_id}/{MTIMES_FILE}"] = json.dumps(times, sort_keys=True).encode()
        dst.write_many(manifests)
    elif isinstance(src, RemoteSide) and isinstance(dst, LocalSide):
        wanted = sorted(f"{r}/{MTIMES_FILE}" for r in runs if r in listing.mtimes)
        for rel, data in src.read_many(wanted).items():
            run_id = rel.split("/", 1)[0]
            for name, mtime_ns in json.loads(data).items():
                try:
                    os.utime(dst.path(f"{run_id}/{name}"), ns=(mtime_ns, mtime_ns))
                except (OSError, TypeError, ValueError):
                    pass


def compact(dst: RemoteSide, run_id: str, src: LocalSide | None = None) -> bool:
    """Rewrite a run's remote segments as one (at offset 0) and delete the others."""
    listing = dst.scan({run_id})
    segs = chain(listing.segments.get(run_id, []))
    if len(segs) <= 1:
        return False
    end = segs[-1][0] + segs[-1][1]
    data = (src.read_metrics(run_id, 0, end) if src is not None
            else dst.read_metrics(run_id, 0, end, segs))
    dst.remote.fs.pipe_file(dst.segment_path(run_id, 0), data)
    stale = [dst.segment_path(run_id, off) for off, _ in listing.segments[run_id] if off != 0]
    if stale:
        dst.remote.fs.rm(stale)
    return True


# ---------------------------------------------------------------- state

def _state_path(src: str, dst: str) -> Path:
    key = hashlib.sha256(f"{src}\n{dst}".encode()).hexdigest()[:20]
    return _remote.cache_dir() / "sync" / f"{key}.json"


def _load_state(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text("utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _save_state(path: Path, state: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(path, json.dumps(state, sort_keys=True).encode())


def side_for(location: str | os.PathLike) -> LocalSide | RemoteSide:
    """A side for a local folder or a store URL (``file://`` URLs use the bucket layout)."""
    if _remote.is_url(str(location)):
        return RemoteSide(_remote.open_remote(str(location)))
    return LocalSide(Path(location))


# ---------------------------------------------------------------- the uploader

class Uploader:
    """Ships runs of a local spool to their remote store in a background thread, every
    ``interval`` seconds, and once more (compacting the points) when stopped. Network trouble never
    reaches the caller: it warns once and retries with a growing pause; what could not be sent
    stays in the spool for the next pass or for `sitegen sync`."""

    def __init__(self, spool: Path, url: str, run_ids: set[str], interval: float | None = None):
        self.spool = Path(spool)
        self.url = url
        self.run_ids = set(run_ids)
        self.interval = interval if interval is not None else float(
            os.environ.get("SITEGEN_UPLOAD_INTERVAL", "10"))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._warned = False
        self.passes = 0
        self.last_error: str | None = None

    def start(self) -> "Uploader":
        self._thread = threading.Thread(target=self._loop, name="sitegen-uploader", daemon=True)
        self._thread.start()
        return self

    def _side(self) -> RemoteSide:
        return RemoteSide(_remote.open_remote(self.url))

    def upload_once(self, final: bool = False, quiet: bool = False) -> bool:
        """One pass; True when everything of these runs is in the bucket."""
        try:
            dst = self._side()
            src = LocalSide(self.spool)
            sync(src, dst, only=self.run_ids, state_path=_state_path(src.name, dst.name))
            listing = dst.scan(self.run_ids)
            for run_id in self.run_ids:
                if final or len(listing.segments.get(run_id, [])) > COMPACT_AFTER:
                    compact(dst, run_id, src)
            self.passes += 1
            self.last_error = None
            return True
        except Exception as e:  # never into the training loop
            self.last_error = _remote.describe_error(self.url, e)
            if not self._warned and not quiet:
                self._warned = True
                warnings.warn(f"sitegen: cannot upload to {self.url} ({self.last_error}); the run "
                              f"is kept in {self.spool} and uploaded when the store is back "
                              f"(or by `sitegen sync`)", RuntimeWarning, stacklevel=2)
            return False

    def _loop(self) -> None:
        pause = self.interval
        while not self._stop.wait(pause):
            ok = self.upload_once()
            pause = self.interval if ok else min(30.0, max(pause * 2, self.interval))

    def stop(self) -> bool:
        """Stop the thread and make a final pass. If that fails (the network is down, or the
        interpreter is shutting down and can no longer start the client's threads), a detached
        process keeps retrying (`python -m sitegen.sync`), so the caller never waits for the
        network. True if everything was uploaded here and now."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.upload_once(final=True, quiet=True):
            return True
        try:
            import subprocess
            import sys
            subprocess.Popen([sys.executable, "-m", "sitegen.sync", str(self.spool), self.url,
                              *sorted(self.run_ids)], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True, close_fds=True)
        except OSError as e:
            warnings.warn(f"sitegen: run(s) {', '.join(sorted(self.run_ids))} not fully uploaded "
                          f"to {self.url} ({e}): kept in {self.spool}; run `sitegen sync`",
                          RuntimeWarning, stacklevel=2)
        return False


def upload_until_done(spool: Path, url: str, run_ids: set[str], patience: float) -> bool:
    """Retry uploading ``run_ids`` from ``spool`` with a growing pause for ``patience`` seconds."""
    uploader = Uploader(spool, url, run_ids)
    deadline = time.monotonic() + patience
    pause = 0.5
    while not uploader.upload_once(final=True, quiet=True):
        if time.monotonic() + pause > deadline:
            return False
        time.sleep(pause)
        pause = min(pause * 2, 30.0)
    return True


# ---------------------------------------------------------------- local stores for a URL

def spool_store(url: str) -> Store:
    """The local store this machine records runs of ``url`` into (see `sitegen.remote`)."""
    store = Store(_remote.spool_dir(url))
    marker = store.internal / "store.json"
    if store.remote_url() != url:
        store.ensure()
        write_bytes_atomic(marker, json.dumps({"format_version": 1, "remote": url}).encode())
        store.__dict__.pop("_remote_url", None)
    return store


class MirrorStore(Store):
    """The local copy of a remote store: refreshed from the bucket, read like any store; the few
    changes made through it (`history update`, pins, promoted assets) are sent back at once."""

    def __init__(self, url: str) -> None:
        super().__init__(_remote.mirror_dir(url))
        self.url = url

    def refresh(self, progress: Callable[[int, int], None] | None = None) -> SyncResult:
        """Bring the mirror up to date with the bucket: one listing, then what changed."""
        try:
            src = RemoteSide(_remote.open_remote(self.url))
            result = sync(src, LocalSide(self.root), progress=progress)
        except _remote.RemoteError:
            raise
        except Exception as e:
            raise _remote.RemoteError(_remote.describe_error(self.url, e)) from None
        self.ensure()
        return result

    def poll(self, stop: threading.Event, echo: Callable[[str], None],
             interval: float | None = None) -> threading.Thread:
        """Refresh the mirror every ``interval`` seconds ($SITEGEN_REMOTE_POLL, 5) until ``stop``
        is set; the preview's watcher sees the changed files and rebuilds as for a local store."""
        interval = interval if interval is not None else float(
            os.environ.get("SITEGEN_REMOTE_POLL", "5"))

        def loop() -> None:
            failing = False
            while not stop.wait(interval):
                try:
                    self.refresh()
                    if failing:
                        echo(f"{self.url}: reachable again")
                    failing = False
                except Exception as e:
                    if not failing:
                        echo(f"Warning: {e}; still serving the last copy, retrying")
                    failing = True
        thread = threading.Thread(target=loop, name="sitegen-remote-poll", daemon=True)
        thread.start()
        return thread

    def _push(self, rels: list[str]) -> None:
        try:
            dst = RemoteSide(_remote.open_remote(self.url))
            dst.write_many(LocalSide(self.root).read_many(rels))
        except _remote.RemoteError:
            raise
        except Exception as e:
            raise _remote.RemoteError(_remote.describe_error(self.url, e)) from None

    def update_meta(self, run_id, changes):  # type: ignore[override]
        meta = super().update_meta(run_id, changes)
        self._push([f"{run_id}/{RUN_FILE}"])
        return meta

    def add_pin(self, run_ids):  # type: ignore[override]
        added = super().add_pin(run_ids)
        self._push([f"{INTERNAL_DIR}/pins.json"])
        return added

    def add_asset(self, entry):  # type: ignore[override]
        before = set(LocalSide(self.root).scan({INTERNAL_DIR}).files)
        result = super().add_asset(entry)
        after = LocalSide(self.root).scan({INTERNAL_DIR}).files
        self._push(sorted(rel for rel in after if rel.startswith(f"{INTERNAL_DIR}/assets")
                          and (rel not in before or rel.endswith("assets.json"))))
        return result


def mirror_store(url: str, refresh: bool = True) -> MirrorStore:
    """The up-to-date local mirror of the store at ``url``."""
    store = MirrorStore(url)
    if refresh:
        store.refresh()
    return store


def pending_spools() -> list[tuple[str, Path]]:
    """(url, spool folder) of every remote store this machine has recorded runs for."""
    out = []
    root = _remote.cache_dir() / "stores"
    for spool in sorted(root.glob("*/spool")):
        url = Store(spool).remote_url()
        if url:
            out.append((url, spool))
    return out


def _main(argv: list[str]) -> int:
    """``python -m sitegen.sync SPOOL URL RUN...``: the detached final upload of finished runs."""
    spool, url, *run_ids = argv
    patience = float(os.environ.get("SITEGEN_UPLOAD_PATIENCE", "3600"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return 0 if upload_until_done(Path(spool), url, set(run_ids), patience) else 1


if __name__ == "__main__":
    import sys
    sys.exit(_main(sys.argv[1:]))
