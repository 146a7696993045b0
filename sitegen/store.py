"""The local run store: one folder per run, atomic metadata, append-only metric records.

Layout (``format_version`` 1)::

    runs/                          the store root (``--store``, ``SITEGEN_STORE``, default ``./runs``)
      .sitegen/store.json          {"format_version": 1}
      .sitegen/counters/<exp>      last run number of an experiment (changed under a file lock)
      .sitegen/objects/ab/cdef…    deduplicated code-snapshot blobs (see snapshot.py)
      .sitegen/assets.json         promoted outputs (see history.py)
      <run_id>/run.json            metadata, replaced atomically (temp file, fsync, rename)
      <run_id>/metrics.tsv         one line per point: <json name> TAB <step> TAB <value> TAB <unix time>
      <run_id>/heartbeat           touched while the run is alive
      <run_id>/driver.log          the script's stdout and stderr (tracked runs)
      <run_id>/outputs/            the files the run wrote to ./outputs/

This module is imported by the logger: it must stay light (standard library only).
"""
from __future__ import annotations

import datetime as _dt
import errno
import fcntl
import json
import os
import re
import stat as _stat
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from sitegen.errors import UserError
from sitegen.names import safe_name  # noqa: F401  (re-exported: sitegen.store.safe_name)

FORMAT_VERSION = 1
INTERNAL_DIR = ".sitegen"
RUN_FILE = "run.json"
METRICS_FILE = "metrics.tsv"
HEARTBEAT_FILE = "heartbeat"
DRIVER_LOG = "driver.log"
OUTPUTS_DIR = "outputs"
TERMINAL_STATUSES = ("Completed", "Failed", "Killed", "Canceled", "Pruned")  # Pruned: an Optuna trial

_warned: set[str] = set()


class StoreError(UserError):
    """A user-facing problem with the store: printed as one line by the CLI."""


def warn_once(key: str, message: str) -> None:
    """Log a warning the first time ``key`` is seen in this process."""
    if key not in _warned:
        _warned.add(key)
        import logging  # only on this rare path: `import sitegen` stays cheap
        logging.getLogger("sitegen").warning(message)


def heartbeat_timeout() -> float:
    """Seconds without a heartbeat after which a Running run counts as Killed."""
    return float(os.environ.get("SITEGEN_HEARTBEAT_TIMEOUT", "30"))


# ---------------------------------------------------------------- small helpers

def utc_now() -> str:
    return format_utc(time.time())


def format_utc(ts: float) -> str:
    d = _dt.datetime.fromtimestamp(ts, _dt.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_UTC_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")


def parse_utc(text: str | None) -> float | None:
    """``2026-12-01T09:23:25.803709Z`` (:func:`format_utc`'s) as a unix time; None if it is not one."""
    if not text:
        return None
    try:
        if _UTC_SHAPE.fullmatch(text):  # the usual: 1 µs (strptime: 20 µs)
            return _dt.datetime.fromisoformat(text).timestamp()
        return _dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
            tzinfo=_dt.timezone.utc).timestamp()
    except (TypeError, ValueError):
        return None


def format_duration(seconds: float | None) -> str | None:
    """``4.892389`` -> ``'0:00:04.892389'`` (the seed's format)."""
    if seconds is None:
        return None
    return str(_dt.timedelta(seconds=max(0.0, seconds)))


def write_bytes_atomic(path: Path, data: bytes, mode: int | None = None) -> None:
    """Replace ``path`` with ``data``: write a temp file beside it, fsync, chmod, rename."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as e:
        if e.errno not in (errno.ENOSPC, errno.EDQUOT) or not _rewrite_in_place(path, data):
            raise
    finally:
        if tmp.exists():
            tmp.unlink()


def _rewrite_in_place(path: Path, data: bytes) -> bool:
    """On a full disk a temp file cannot be made; a small file (run.json) whose blocks can hold the
    new bytes is rewritten where it is instead (no new block is needed, so the write cannot fail
    halfway for want of space). False when that is not possible."""
    try:
        with open(path, "r+b") as f:
            st = os.fstat(f.fileno())
            if len(data) > st.st_blocks * 512:
                return False
            f.write(data)
            f.truncate(len(data))
            f.flush()
            os.fsync(f.fileno())
    except OSError:
        return False
    try:  # a rename would have moved the folder's mtime: the build relies on it (site/fingerprint.py)
        os.utime(path.parent)
    except OSError:
        pass
    return True


def write_json_atomic(path: Path, data: Any) -> None:
    """Replace ``path`` with ``data`` as JSON, atomically (see :func:`write_bytes_atomic`)."""
    text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True)
    write_bytes_atomic(path, text.encode("utf-8"))


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock held on ``path`` (created if missing)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is dead for our purposes
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


# ---------------------------------------------------------------- reading a run's files safely

class UnsafeFileError(OSError):
    """A file of a run that is not read: a symbolic link (it could lead anywhere: /etc/passwd,
    /proc/self/environ), or not a regular file (a FIFO would block the reader forever, a device
    never ends)."""


def open_run_file(path: str | os.PathLike):
    """Open a file of the store for reading in binary mode; the one gate every reader of run files
    goes through. Never follows a symbolic link in the last component (``O_NOFOLLOW``; run folders
    and ``outputs/`` folders that are links are not entered by the listings) and never blocks on a
    FIFO (``O_NONBLOCK``, then ``fstat``). Raises FileNotFoundError, UnsafeFileError (an OSError)
    or another OSError."""
    fd, _ = _open_run_fd(path)
    try:
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _open_run_fd(path: str | os.PathLike) -> tuple[int, os.stat_result]:
    """:func:`open_run_file`'s checks: a blocking descriptor of a regular file, and its ``fstat``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise UnsafeFileError(errno.ELOOP, "a symbolic link, not followed", str(path)) from None
        raise
    try:
        st = os.fstat(fd)
        if not _stat.S_ISREG(st.st_mode):
            raise UnsafeFileError(errno.EINVAL, "not a regular file, not read", str(path))
        os.set_blocking(fd, True)
        return fd, st
    except BaseException:
        os.close(fd)
        raise


def read_run_file(path: str | os.PathLike) -> bytes:
    """The bytes of a file of the store, through :func:`open_run_file`'s checks (read with
    ``os.read``: no buffered file object; a build reads two files a run)."""
    fd, st = _open_run_fd(path)
    try:
        data = os.read(fd, st.st_size + 1)
        if len(data) == st.st_size:
            return data  # the whole file, as fstat saw it
        chunks = [data]  # it grew since (a live run's metrics.tsv), or a short read: on to the end
        while chunks[-1]:
            chunks.append(os.read(fd, 1 << 20))
        return b"".join(chunks)
    finally:
        os.close(fd)


def unsafe_reason(path: str | os.PathLike) -> str | None:
    """Why a run file would not be read ("a symbolic link, …"), or None if it is a regular file or
    missing (``lstat`` only: cheap, for listings)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return None
    if _stat.S_ISLNK(mode):
        return "a symbolic link, not followed"
    if not _stat.S_ISREG(mode):
        return "not a regular file, not read"
    return None


# ---------------------------------------------------------------- metric records

_UNSTORABLE = re.compile("[\ud800-\udfff]")  # lone surrogates: UTF-8 has no bytes for them


def _json_text(text: str) -> str:
    """``text`` as a JSON string for metrics.tsv, its characters as they are but for lone surrogates
    (from an undecodable file name, say), which UTF-8 cannot hold: they become U+FFFD."""
    out = json.dumps(text, ensure_ascii=False)
    if not out.isascii() and _UNSTORABLE.search(out):
        return json.dumps(_UNSTORABLE.sub("\ufffd", text), ensure_ascii=False)
    return out


def encode_name(name: str) -> str:
    return _json_text(name)


def encode_value(value: Any) -> str:
    """The text of one value in metrics.tsv (see :func:`decode_value`)."""
    t = type(value)
    if t is float:
        return repr(value)
    if t is bool:
        return "true" if value else "false"
    if t is int:
        return str(value)
    if t is str:
        return _json_text(value)
    raise TypeError(f"cannot encode {t.__name__}")


def decode_name(text: str) -> str | None:
    """A metric name from its JSON text in metrics.tsv; None unless it is a JSON string (a string
    cannot nest, so no input makes the decoder recurse)."""
    if not text.startswith('"'):
        return None
    try:
        name = json.loads(text)
    except ValueError:
        return None
    return _readable(text, name) if type(name) is str else None


def _readable(text: str, decoded: str) -> str:
    """``decoded`` (from the JSON text ``text``) with lone surrogates (``"\\udcff"`` written by hand
    or by another tool; UTF-8 has no bytes for them, so nothing could print or publish them) as
    U+FFFD, which is what the logger stores for them."""
    if "\\u" in text and _UNSTORABLE.search(decoded):
        return _UNSTORABLE.sub("\ufffd", decoded)
    return decoded


def decode_value(text: str) -> Any:
    c = text[0]
    if c == '"':
        value = json.loads(text)
        return _readable(text, value) if type(value) is str else value
    if text == "true":
        return True
    if text == "false":
        return False
    if "." in text or "e" in text or "n" in text:
        return float(text)  # also 'nan', 'inf', '-inf'
    return int(text)


class Series:
    """The points of one metric in logging order."""

    __slots__ = ("steps", "values", "times")

    def __init__(self) -> None:
        self.steps: list[int] = []
        self.values: list[Any] = []
        self.times: list[float] = []

    def __len__(self) -> int:
        return len(self.values)

    @property
    def last(self) -> Any:
        return self.values[-1]

    def __repr__(self) -> str:
        return f"Series({len(self)} points)"


def split_metrics(metrics: dict[str, "Series"]) -> tuple[dict[str, Any], dict[str, "Series"]]:
    """(scalars, series): a metric logged once is a scalar (its value); more points make a series."""
    scalars: dict[str, Any] = {}
    series: dict[str, Series] = {}
    for name, s in metrics.items():
        if len(s) == 1 and s.steps[0] == 0:
            scalars[name] = s.values[0]
        else:
            series[name] = s
    return scalars, series


def read_metrics(path: Path) -> dict[str, Series]:
    """Read a metrics.tsv; malformed lines (a torn last write, garbage) are skipped with a warning."""
    out: dict[str, Series] = {}
    try:
        data = read_run_file(path)
    except FileNotFoundError:
        return out
    except OSError as e:
        warn_once(f"read:{path}", f"cannot read {path}: {e.strerror}; skipped")
        return out
    text = data.decode("utf-8", errors="replace")
    lines = text.split("\n")
    tail = lines.pop()  # '' when the file ends with a newline
    bad = 1 if tail else 0
    names: dict[str, str] = {}
    for line in lines:
        try:
            k, s, v, t = line.split("\t")
            name = names.get(k)
            if name is None:
                name = decode_name(k)
                if name is None:
                    raise ValueError
                names[k] = name
            step = int(s)
            value = decode_value(v)
            ts = float(t)
        except (ValueError, IndexError):
            bad += 1
            continue
        series = out.get(name)  # only after the record parsed: never an empty Series
        if series is None:
            series = out[name] = Series()
        series.steps.append(step)
        series.values.append(value)
        series.times.append(ts)
    if bad:
        warn_once(f"torn:{path}", f"{path}: skipped {bad} unreadable metric record(s)")
    return out


# ---------------------------------------------------------------- the store

def default_store_path() -> Path:
    """$SITEGEN_STORE, the config's ``store``, or ./runs."""
    from sitegen.config import store_path
    return store_path()


def default_store_location() -> "str | Path":
    """Like `default_store_path`, but a store URL (``s3://…``) stays a URL."""
    from sitegen.config import store_location
    return store_location()


class Store:
    """A run store rooted at ``root``. Cheap to create; nothing is written until needed."""

    def __init__(self, root: str | os.PathLike | None = None) -> None:
        self.root = Path(root) if root is not None else default_store_path()
        self.internal = self.root / INTERNAL_DIR

    def __repr__(self) -> str:
        return f"Store({str(self.root)!r})"

    def remote_url(self) -> str | None:
        """For the local spool of a remote store (see sitegen.remote): the store's URL."""
        if not hasattr(self, "_remote_url"):
            try:
                marker = json.loads((self.internal / "store.json").read_text("utf-8"))
                self._remote_url = marker.get("remote") if isinstance(marker, dict) else None
            except (OSError, ValueError):
                self._remote_url = None
        return self._remote_url

    # -- creation
    def ensure(self) -> None:
        """Create the store's folders and version file if missing."""
        marker = self.internal / "store.json"
        if marker.exists():
            return
        (self.internal / "counters").mkdir(parents=True, exist_ok=True)
        with file_lock(self.internal / "store.lock"):
            if not marker.exists():
                write_json_atomic(marker, {"format_version": FORMAT_VERSION})

    def check(self) -> None:
        """Raise StoreError if there is no readable store here."""
        if not self.root.is_dir():
            raise StoreError(f"no run store at {self.root}: log a run first, or pass --store PATH")
        marker = self.internal / "store.json"
        if marker.exists():
            try:
                version = json.loads(marker.read_text("utf-8")).get("format_version")
            except (OSError, ValueError, AttributeError):
                version = None
            if version != FORMAT_VERSION:
                raise StoreError(f"{marker}: unsupported store format version {version!r} "
                                 f"(this sitegen reads version {FORMAT_VERSION}); upgrade sitegen")

    def next_run_number(self, experiment: str) -> int:
        return self._change_counter(experiment, lambda n: n + 1)

    def reserve_run_number(self, experiment: str, number: int) -> None:
        """Make ``number`` taken: a number given to one of this store's runs elsewhere (a sync
        renumbering it), so that the experiment's next run gets a greater one."""
        self._change_counter(experiment, lambda n: max(n, number))

    def _change_counter(self, experiment: str, change: Callable[[int], int]) -> int:
        self.ensure()
        counters = self.internal / "counters"
        counters.mkdir(parents=True, exist_ok=True)
        path = counters / safe_name(experiment)
        with file_lock(counters / (safe_name(experiment) + ".lock")):
            try:
                n = int(path.read_text().strip() or 0)
            except (FileNotFoundError, ValueError):
                n = 0
            n = change(n)
            tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
            tmp.write_text(str(n))
            os.replace(tmp, path)
        return n

    def create_run(self, experiment: str, **fields: Any) -> str:
        """Create a new run folder and its run.json; return the run id (``<experiment>_<epoch ms>``)."""
        self.ensure()
        experiment = safe_name(experiment)
        ms = int(time.time() * 1000)
        spool = self.remote_url() is not None
        # a remote store's runs come from many machines: a random suffix keeps ids apart
        suffix = "_" + os.urandom(3).hex() if spool else ""
        while True:
            run_id = f"{experiment}_{ms}{suffix}"
            try:
                (self.root / run_id).mkdir()
                break
            except FileExistsError:
                ms += 1
        now = time.time()
        meta: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "run_id": run_id,
            "experiment_id": experiment,
            # a remote store's run gets its number when it reaches the bucket (sitegen.sync)
            "run_number": None if spool else self.next_run_number(experiment),
            "name": None,
            "description": "",
            "script_name": None,
            "arguments": [],
            "status": "Running",
            "created_utc": format_utc(now),
            "start_time_utc": format_utc(now),
            "end_time_utc": None,
            "duration": None,
            "exit_code": None,
            "target": "local",
            "user_id": _user(),
            "host": hostname(),
            "pid": os.getpid(),
            "python_version": sys.version.split()[0],
            "heartbeat_enabled": True,
            "hidden": False,
            "parent_run_id": None,
            "properties": {},
            "tags": {},
        }
        meta.update(fields)
        write_json_atomic(self.root / run_id / RUN_FILE, meta)
        self.touch_heartbeat(run_id)
        return run_id

    # -- reading
    def run_dir(self, run_id: str) -> Path:
        check_run_id(run_id)
        return self.root / run_id

    def run_ids(self) -> list[str]:
        """Ids of all run folders (those holding a run.json)."""
        try:
            entries = os.scandir(self.root)
        except FileNotFoundError:
            return []
        ids = []
        with entries:
            for e in entries:
                if e.name.startswith(".") or not e.is_dir(follow_symlinks=False):
                    continue
                if os.path.exists(os.path.join(e.path, RUN_FILE)):
                    ids.append(e.name)
                elif _has_files(e.path):  # an empty folder may be a run being created right now
                    warn_once(f"meta:{e.name}", f"{os.path.join(e.path, RUN_FILE)}: missing; "
                                                f"run folder skipped")
        return ids

    def raw_meta(self, run_id: str) -> dict:
        """run.json as stored; raises StoreError if unreadable."""
        check_run_id(run_id)
        path = os.path.join(self.root, run_id, RUN_FILE)  # a plain string: read for every run listed
        try:
            meta = json.loads(read_run_file(path).decode("utf-8"))
        except FileNotFoundError:
            raise StoreError(f"run {run_id} not found in {self.root}") from None
        except UnsafeFileError as e:
            raise StoreError(f"{path}: {e.strerror}") from None
        except RecursionError:
            raise StoreError(f"{path}: unreadable run metadata (nested too deeply)") from None
        except (OSError, ValueError) as e:
            raise StoreError(f"{path}: unreadable run metadata ({e})") from None
        if not isinstance(meta, dict):
            raise StoreError(f"{path}: unreadable run metadata (not an object)")
        if meta.get("format_version", FORMAT_VERSION) != FORMAT_VERSION:
            raise StoreError(f"{path}: unsupported format version {meta.get('format_version')!r}")
        meta.setdefault("run_id", run_id)
        return meta

    def load_meta(self, run_id: str) -> dict:
        """run.json with derived fields: status Killed for a dead run, duration while running;
        fields of the wrong type normalised (:func:`normalize_meta`)."""
        meta = normalize_meta(self.raw_meta(run_id))
        if meta.get("status") == "Running":
            if not self.is_alive(run_id, meta):
                meta["status"] = "Killed"
                beat = self.heartbeat_time(run_id)
                if beat is not None:
                    meta["end_time_utc"] = format_utc(beat)
            start = parse_utc(meta.get("start_time_utc"))
            end = parse_utc(meta.get("end_time_utc")) or time.time()
            if start is not None:
                meta["duration"] = format_duration(end - start)
        return meta

    def iter_runs(self, strict: bool = False) -> Iterator[dict]:
        """Metadata of every readable run (unreadable ones warn once and are skipped)."""
        for run_id in self.run_ids():
            try:
                yield self.load_meta(run_id)
            except StoreError as e:
                if strict:
                    raise
                warn_once(f"meta:{run_id}", f"{e}; skipped")

    def runs(self, include_hidden: bool = True) -> list[dict]:
        """All readable runs, newest first."""
        runs = [m for m in self.iter_runs() if include_hidden or not m.get("hidden")]
        runs.sort(key=lambda m: (m.get("created_utc") or "", m.get("run_number") or 0), reverse=True)
        return runs

    def metrics(self, run_id: str) -> dict[str, Series]:
        return read_metrics(self.run_dir(run_id) / METRICS_FILE)

    def resolve(self, ref: str) -> str:
        """A run id from an id, a unique id prefix, a run number or ``last``."""
        ref = str(ref).strip()
        ids = self.run_ids()
        if not ids:
            self.check()
            raise StoreError(f"no runs in {self.root}: log a run first, or pass --store PATH")
        if ref in ids:
            return ref
        if ref == "last":
            return self.runs()[0]["run_id"]
        if ref.isdigit():
            hits = [m["run_id"] for m in self.iter_runs() if str(m.get("run_number")) == ref]
            if len(hits) == 1:
                return hits[0]
            if len(hits) > 1:
                raise StoreError(f"run number {ref} exists in several experiments "
                                 f"({', '.join(sorted(hits))}); give the run id")
        hits = [i for i in ids if i.startswith(ref)]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            shown = ", ".join(sorted(hits)[:5]) + (", …" if len(hits) > 5 else "")
            raise StoreError(f"run {ref!r} is ambiguous: it matches {shown}; give more of the id")
        raise StoreError(f"no run matches {ref!r} in {self.root}; see `sitegen history list`")

    # -- changing
    def update_meta(self, run_id: str, changes: dict | Callable[[dict], None]) -> dict:
        """Change run.json under the run's lock; ``changes`` is a dict or a function editing the dict."""
        run_dir = self.run_dir(run_id)
        with file_lock(run_dir / ".lock"):
            meta = self.raw_meta(run_id)
            if callable(changes):
                changes(meta)
            else:
                meta.update(changes)
            write_json_atomic(run_dir / RUN_FILE, meta)
        return meta

    def finish_run(self, run_id: str, status: str, exit_code: int | None = None) -> dict:
        """Mark a run finished with ``status``, its end time and duration."""
        now = time.time()

        def edit(meta: dict) -> None:
            meta["status"] = status
            meta["end_time_utc"] = format_utc(now)
            start = parse_utc(meta.get("start_time_utc")) or now
            meta["duration"] = format_duration(now - start)
            if exit_code is not None:
                meta["exit_code"] = exit_code

        return self.update_meta(run_id, edit)

    # -- pinned comparisons (`sitegen history compare A B --pin`)
    def pins(self) -> list[list[str]]:
        """Run-id groups (2 or 3 ids) whose comparison pages are always built."""
        try:
            data = json.loads((self.internal / "pins.json").read_text("utf-8"))
            return [list(map(str, g)) for g in data.get("pins", []) if 2 <= len(g) <= 3]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, AttributeError, TypeError) as e:
            warn_once("pins", f"{self.internal / 'pins.json'}: unreadable ({e}); pins ignored")
            return []

    def add_pin(self, run_ids: list[str]) -> bool:
        """Pin a comparison; False if it was pinned already."""
        self.ensure()
        with file_lock(self.internal / "pins.lock"):
            pins = self.pins()
            if list(run_ids) in pins:
                return False
            pins.append(list(run_ids))
            write_json_atomic(self.internal / "pins.json", {"pins": pins})
        return True

    # -- promoted outputs (`sitegen history promote`)
    def assets(self) -> list[dict]:
        """Promoted outputs, oldest first: dicts with name, version, run_id, artifact (path in the run),
        file (path of the kept copy, relative to the store root), size, sha256, created_utc."""
        try:
            data = json.loads((self.internal / "assets.json").read_text("utf-8"))
            return [a for a in data.get("assets", []) if isinstance(a, dict)]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, AttributeError) as e:
            warn_once("assets", f"{self.internal / 'assets.json'}: unreadable ({e}); assets ignored")
            return []

    def add_asset(self, entry: dict) -> dict:
        """Register a promoted output; assigns the next version of its name and returns the entry."""
        self.ensure()
        with file_lock(self.internal / "assets.lock"):
            assets = self.assets()
            entry = dict(entry)
            entry["version"] = 1 + max((a.get("version", 0) for a in assets
                                        if a.get("name") == entry["name"]), default=0)
            entry.setdefault("created_utc", utc_now())
            assets.append(entry)
            write_json_atomic(self.internal / "assets.json", {"assets": assets})
        return entry

    # -- liveness
    def touch_heartbeat(self, run_id: str) -> None:
        path = self.root / run_id / HEARTBEAT_FILE
        try:
            os.utime(path)
        except FileNotFoundError:
            path.touch()

    def heartbeat_time(self, run_id: str) -> float | None:
        try:
            return os.stat(self.root / run_id / HEARTBEAT_FILE).st_mtime
        except OSError:
            return None

    def is_alive(self, run_id: str, meta: dict) -> bool:
        """False when a Running run's process is gone (same host) or its heartbeat went stale."""
        pid = run_pid(meta)
        if pid and meta.get("host") == hostname() and not pid_alive(pid):
            return False
        beat = self.heartbeat_time(run_id)
        return beat is not None and time.time() - beat < heartbeat_timeout()


def run_pid(meta: dict) -> int | None:
    """The run's process id, if run.json holds a usable one (a hand-edited file may hold ``"x"``,
    ``1e400``, ``10**25`` or a list)."""
    pid = meta.get("pid")
    return pid if type(pid) is int and 0 < pid < 1 << 31 else None


_TEXT_FIELDS = ("name", "description", "script_name", "status", "created_utc", "start_time_utc",
                "end_time_utc", "duration", "target", "user_id", "host", "python_version",
                "experiment_id", "parent_run_id", "snapshot")
_INT_FIELDS = ("run_number", "exit_code")
_DICT_FIELDS = ("tags", "properties", "env", "parameters")
_LIST_FIELDS = ("arguments", "command")


def normalize_meta(meta: dict) -> dict:
    """run.json's fields with the types every reader relies on (a hand-edited file can hold
    anything): text fields as text, counts as ints, ``tags``/``properties``/… as objects,
    ``arguments`` as a list of text; a value of the wrong type is shown as its JSON text (or
    dropped, for numbers and objects) rather than crash a command."""
    for key in _TEXT_FIELDS:
        v = meta.get(key)
        if v is not None and type(v) is not str:
            meta[key] = json.dumps(v, default=str)
    for key in _INT_FIELDS:
        v = meta.get(key)
        if v is not None and type(v) is not int:
            meta[key] = None
    for key in _DICT_FIELDS:
        if key in meta and not isinstance(meta[key], dict):
            meta[key] = {}
    for key in _LIST_FIELDS:
        v = meta.get(key)
        if v is not None and not isinstance(v, list):
            meta[key] = [v if isinstance(v, str) else json.dumps(v, default=str)]
        elif isinstance(v, list):
            meta[key] = [a if isinstance(a, str) else json.dumps(a, default=str) for a in v]
    if "pid" in meta and run_pid(meta) is None:
        meta["pid"] = None
    for key in ("hidden", "heartbeat_enabled"):
        if key in meta and type(meta[key]) is not bool:
            meta[key] = bool(meta[key])
    return meta


def check_run_id(run_id: str) -> None:
    """StoreError unless ``run_id`` can name a folder of the store (no ``/``, no leading dot)."""
    if not run_id or "/" in run_id or run_id.startswith(".") or run_id != run_id.strip():
        raise StoreError(f"invalid run id {run_id!r}")


def _has_files(path: str) -> bool:
    """True if a folder holds anything but dot files (run.json's temp file is one while it is made)."""
    try:
        with os.scandir(path) as it:
            return any(not e.name.startswith(".") for e in it)
    except OSError:
        return False


def hostname() -> str:
    """This machine's name (what socket.gethostname() returns, without importing socket), or
    $SITEGEN_HOST (containers whose host names repeat)."""
    return os.environ.get("SITEGEN_HOST") or os.uname().nodename


def _user() -> str:
    try:
        import getpass
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return os.environ.get("USER", "unknown")


def is_disk_error(e: OSError) -> bool:
    return e.errno in (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EDQUOT)
