"""The logging API: ``get_logger().log(name, value)``, ``log_params(config)`` and ``start_run()``.

The hot path (:meth:`Run.log`) validates the value and appends four items (name, step or None,
value, time) to a flat list; everything else waits for the flush: a background thread resolves the
steps left to count (None: the name's next), formats the points and appends them to the run's
``metrics.tsv`` every half second, and at exit.

Memory is bounded: when a run's buffer passes :data:`BUFFER_SOFT_LIMIT` points, ``log`` wakes the
background thread to flush at once (the caller does not wait). Only if the buffer still reaches
:data:`BUFFER_HARD_LIMIT` points (the writer cannot keep up) does the caller write the buffer itself,
blocking for that one flush (both limits are read when a run starts). While the store cannot be
written (disk full, read-only), points stay buffered without a limit rather than being lost, and
``log`` never blocks on the failing disk.

Parameters (a run's inputs, :meth:`Run.log_params`) are kept apart from metrics in ``run.json``'s
``"parameters"`` object. Standard library only: ``import sitegen`` must stay cheap.
"""
from __future__ import annotations

import atexit
import os
import sys
import threading
import time
import warnings
from bisect import bisect_right
from itertools import chain, count, repeat
from pathlib import Path
from typing import Any

from sitegen import store as _store

FLUSH_INTERVAL = 1.0
HEARTBEAT_INTERVAL = 5.0
BUFFER_SOFT_LIMIT = 50_000  # points in a run's buffer that wake the background thread to flush now
BUFFER_HARD_LIMIT = 100_000  # points at which the caller flushes itself (~80 bytes a point)
FORMAT_CHUNK = 50_000  # points formatted and written at a time (bounds the text held while flushing)
_NO_VALUE = object()
_ITEMS = 4  # buffer items a point: name, step (None: the name's next), value, time
_NUMBERS = {float, int}  # value types formatted in one go (%r: repr of a float, str of an int)
_TIME = b"%.3f"  # (metrics.tsv is made as bytes: no str to encode after)
_DENSE = 32  # points a millisecond from which a time's text is made once for all its points

_float, _int, _bool, _str = float, int, bool, str
_now = time.time
_chain = chain.from_iterable
_SCALAR_TYPES = (float, int, bool, str)


def _coerce(name: str, value: Any) -> Any:
    """A value of a supported scalar type as a plain Python object, or TypeError."""
    t = type(value)
    if t in _SCALAR_TYPES:
        return value
    # numpy (and friends) scalars, without importing numpy
    mod = getattr(t, "__module__", "")
    if mod == "numpy" and hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        item = value.item()
        if type(item) in _SCALAR_TYPES:
            return item
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    from sitegen.params import describe
    raise TypeError(f"sitegen: metric {name!r}: unsupported value type {describe(value)} "
                    f"(log an int, float, bool, str, or a list of them)")


def _coerce_items(name: str, value: Any) -> list:
    """The items of a list, tuple or 1-D array value, each coerced (TypeError names the real type)."""
    if getattr(value, "ndim", 1) != 1:
        from sitegen.params import describe
        raise TypeError(f"sitegen: metric {name!r}: unsupported value type {describe(value)} "
                        f"(log a scalar, a list of them, or a 1-D array)")
    items = value.tolist() if hasattr(value, "tolist") else value
    return [_coerce(name, v) for v in items]


class Run:
    """One run being recorded. Use :func:`get_logger` or :func:`start_run` to get one."""

    def __init__(self, store: _store.Store, run_id: str | None, create_fields: dict | None = None,
                 owned: bool = True) -> None:
        self.store = store
        self.run_id = run_id
        self._create_fields = create_fields  # set while the run folder still has to be created
        self._owned = owned  # finished by us (False: a tracked run owned by `sitegen run`)
        self._buffer: list = []  # _ITEMS items a point, appended by log in one atomic `+=`
        self._soft = BUFFER_SOFT_LIMIT * _ITEMS  # (items)
        self._hard = BUFFER_HARD_LIMIT * _ITEMS
        self._pending = b""  # formatted records that a failed write left behind
        self._midline = False  # a short write of ours stopped inside a record (the rest is pending)
        self._names: dict[str, bytes] = {}  # name -> encoded name, UTF-8
        self._steps: dict[str, int] = {}  # name -> next step, of the points formatted so far
        self._params: dict[str, Any] = {}  # parameters logged by this process
        self._params_pending: dict[str, Any] = {}  # … not yet written to run.json (I/O trouble)
        self._io_failing = False  # the last write attempt failed: log never blocks on the disk
        self._fd: int | None = None
        self._lock = threading.Lock()
        self._last_beat = 0.0
        self._warned = False
        self.finished = False
        self._start = time.time()
        self._uploader = None  # a remote store: ships this run from the local spool (sitegen.sync)
        self._try_create()

    # -- public API
    @property
    def dir(self) -> Path | None:
        return self.store.root / self.run_id if self.run_id else None

    @property
    def outputs(self) -> Path:
        """This run's outputs folder in the store."""
        if self.dir is None:
            raise RuntimeError("sitegen: the run folder could not be created yet")
        path = self.dir / _store.OUTPUTS_DIR
        path.mkdir(exist_ok=True)
        return path

    def log(self, name: str | dict[str, Any], value: Any = _NO_VALUE, step: int | None = None) -> None:
        """Record a value. The same name again appends (a series); a list logs each item.

        ``log({"loss": 0.3, "acc": 0.9}, step=3)`` records several metrics at once (all or none:
        a bad value fails the whole call)."""
        if type(name) is not _str:
            if value is _NO_VALUE and hasattr(name, "items"):
                return self._log_many(name, step)
            from sitegen.params import describe
            raise TypeError(f"sitegen: metric name must be a str (or a dict of metrics), "
                            f"not {describe(name)}")
        t = type(value)
        if t is not _float and t is not _int and t is not _str and t is not _bool:
            if value is _NO_VALUE:
                raise TypeError(f"sitegen: log({name!r}) needs a value: log(name, value)")
            if t is list or t is tuple or (hasattr(value, "tolist") and getattr(value, "ndim", 0) >= 1):
                for v in _coerce_items(name, value):
                    self.log(name, v)
                return
            value = _coerce(name, value)
        if step is not None and type(step) is not _int:
            step = self._check_step(name, step)
        buf = self._buffer
        buf += (name, step, value, _now())  # one C call: atomic for the writer thread
        if len(buf) >= self._soft:
            self._overflow()

    def log_params(self, params: Any) -> None:
        """Record a run's inputs: a dict, an ``argparse.Namespace``, a dataclass, or an object with
        ``model_dump()`` (pydantic) or ``to_container()`` (OmegaConf). Nested names are joined with
        dots (``optimizer.name``); values are scalars (or None) or lists of them.

        Logging a parameter again with the same value is a no-op; with a *different* value it raises
        ``ValueError`` and nothing of the call is recorded (parameters are inputs: log what changes
        during a run with :meth:`log`)."""
        from sitegen.params import flatten
        self._add_params(flatten(params))

    def log_param(self, name: str, value: Any) -> None:
        """Record one parameter (see :meth:`log_params`)."""
        from sitegen.params import describe, value as check
        if type(name) is not _str:
            raise TypeError(f"sitegen: parameter name must be a str, not {describe(name)}")
        self._add_params({name: check(name, value)})
    def set_description(self, text: str) -> None:
        self._update({"description": str(text)})

    def set_tags(self, **tags: Any) -> None:
        def edit(meta: dict) -> None:
            meta.setdefault("tags", {}).update({str(k): str(v) for k, v in tags.items()})
        self._update(edit)

    def flush(self) -> None:
        """Write buffered points now. On I/O errors: warn once, keep them, retry on the next flush."""
        with self._lock:
            if not self._try_create():
                self._io_failing = True
                return
            if self._params_pending:
                self._write_params()
            late = self.finished and bool(self._buffer or self._pending)  # (the list empties below)
            if self._write_pending():  # what a failed write left comes first; while the disk
                self._write_buffer()  # fails, the points stay in the buffer
            self._beat()
            if late and self.dir is not None:  # points added to a finished run: move its folder's
                try:  # mtime, as the build trusts a finished run's folder to change with it (site/fingerprint.py)
                    os.utime(self.dir)
                except OSError:
                    pass

    def _write_buffer(self) -> None:
        """Format and append what was logged until now, :data:`FORMAT_CHUNK` points at a time, each
        taken off the buffer's front just before (what an I/O error leaves stays there, in order)."""
        buf = self._buffer
        left = len(buf)  # logging goes on meanwhile
        size = FORMAT_CHUNK * _ITEMS
        if left > 8 * size:  # a backlog (after a failing disk): taken at once, one move …
            items = buf[:left]
            del buf[:left]
            for at in range(0, left, size):
                self._pending += self._format(items[at:at + size])
                if not self._write_pending():
                    buf[:0] = items[at + size:]  # … and what is not formatted goes back in front
                    return
            return
        while left > 0:
            items = buf[:min(size, left)]
            del buf[:len(items)]
            left -= len(items)
            self._pending += self._format(items)
            if not self._write_pending():
                return

    def _format(self, flat: list) -> bytes:
        """Buffered points (``_ITEMS`` items each) as metrics.tsv records, their steps counted here.
        Numbers (the usual case) are formatted by one ``%`` over all of them, in C; anything else
        point by point."""
        names = self._names
        uniq = set(flat[0::4])
        for name in uniq:
            if name not in names:
                names[name] = self._encode_name(name)
        flat[1::4] = _count_steps(self._steps, flat[0::4], flat[1::4])
        if set(map(type, flat[2::4])) <= _NUMBERS:
            return _format_numbers(flat, {name: names[name] for name in uniq})
        parts = []
        append = parts.append
        for i in range(0, len(flat), _ITEMS):
            name, step, value, ts = flat[i:i + _ITEMS]
            enc = names[name]
            tv = type(value)
            if tv is _float:
                v = repr(value)
            elif tv is _int:
                v = str(value)
            else:
                v = _store.encode_value(value)
            append(b"%s\t%d\t%s\t%.3f\n" % (enc, step, v.encode("utf-8"), ts))
        return b"".join(parts)

    @staticmethod
    def _encode_name(name: str) -> bytes:
        """A metric name as metrics.tsv has it; a warning if it cannot be kept exactly."""
        enc = _store.encode_name(name)
        if not enc.isascii() and _store.decode_name(enc) != name:
            warnings.warn(f"sitegen: metric name {name!r} has characters UTF-8 cannot hold "
                          f"(lone surrogates); recorded as {_store.decode_name(enc)!r}", RuntimeWarning)
        return enc.encode("utf-8")

    def _write_pending(self) -> bool:
        """Append the formatted records to metrics.tsv; False on an I/O error (they stay pending)."""
        if not self._pending:
            self._io_failing = False
            return True
        try:
            if self._fd is None:
                self._fd = self._open_metrics()
            written = os.write(self._fd, self._pending)
            if written < len(self._pending) and written:  # a short write (disk full)
                self._midline = self._pending[written - 1:written] != b"\n"
            elif written:
                self._midline = False
            self._pending = self._pending[written:]
        except OSError as e:
            self._io_warning(e)
            self._close_fd()
            self._io_failing = True
            return False
        self._io_failing = bool(self._pending)
        return not self._pending

    def _overflow(self) -> None:
        """The buffer passed the soft limit: wake the background thread, or, past the hard limit
        (the writer cannot keep up), flush in the caller — never while the disk is failing."""
        if self._io_failing:
            return  # retried by the background thread every half second, not by every log call
        if len(self._buffer) >= self._hard:
            self.flush()
        elif not _wake.is_set():
            _wake.set()

    def _log_many(self, metrics: Any, step: int | None) -> None:
        """``log({name: value, …}, step=)``: every name and value checked before any is recorded."""
        items = list(metrics.items())
        for name, value in items:
            if type(name) is not _str:
                from sitegen.params import describe
                raise TypeError(f"sitegen: metric name must be a str, not {describe(name)}")
            t = type(value)
            if t is list or t is tuple or getattr(value, "ndim", 0):
                _coerce_items(name, value)
            else:
                _coerce(name, value)
        if step is not None:
            step = self._check_step(items[0][0] if items else "", step)
        for name, value in items:
            self.log(name, value, step)

    def finish(self, status: str = "Completed") -> None:
        """Flush and, for a run this process owns, record its end status."""
        if self.finished:
            return
        self.finished = True
        self.flush()
        _registry.discard(self)
        if self._owned and self.run_id:
            self._collect_cwd_outputs()
            try:
                self.store.finish_run(self.run_id, status)
            except (OSError, _store.StoreError) as e:
                self._io_warning(e)
            if self._uploader is not None:
                self._uploader.stop()  # bounded: $SITEGEN_UPLOAD_TIMEOUT; the spool keeps the rest
        if self._pending or self._buffer or self._params_pending:
            warnings.warn(f"sitegen: run {self.run_id}: {self._buffered()} points, "
                          f"{len(self._pending)} bytes and {len(self._params_pending)} parameters "
                          f"could not be written", RuntimeWarning)
        self._close_fd()

    def __enter__(self) -> "Run":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if _stack and _stack[-1] is self:
            _stack.pop()
        elif self in _stack:
            _stack.remove(self)
        self.finish("Failed" if exc_type else "Completed")

    def __repr__(self) -> str:
        return f"<sitegen Run {self.run_id}>"

    # -- internals
    def _buffered(self) -> int:
        """Points logged and not formatted yet."""
        return len(self._buffer) // _ITEMS

    @staticmethod
    def _check_step(name: str, step: Any) -> int:
        if type(step) is _int:
            return step
        if isinstance(step, int) and not isinstance(step, bool):
            return int(step)
        if hasattr(step, "__index__") and getattr(type(step), "__module__", "") == "numpy" \
                and type(step).__name__ != "bool":  # numpy integer steps (np.arange)
            return step.__index__()
        from sitegen.params import describe
        raise TypeError(f"sitegen: metric {name!r}: step must be an int, not {describe(step)}")

    def _add_params(self, flat: dict[str, Any]) -> None:
        """Record checked parameters; a different value for a logged name is a ValueError."""
        from sitegen.params import same
        for name, value in flat.items():
            if name in self._params and not same(self._params[name], value):
                raise ValueError(f"sitegen: parameter {name!r} was logged as {self._params[name]!r}; "
                                 f"it cannot change to {value!r} (log values that change during a "
                                 f"run as metrics, with log())")
        new = {k: v for k, v in flat.items() if k not in self._params}
        if not new:
            return
        self._params.update(new)
        with self._lock:
            self._params_pending.update(new)
            if self._try_create():
                self._write_params()

    def _write_params(self) -> None:
        """Merge the pending parameters into run.json's "parameters" (atomically, under the run's
        lock); on I/O trouble warn and keep them for the next flush."""
        pending = dict(self._params_pending)

        def edit(meta: dict) -> None:
            current = meta.get("parameters")
            meta["parameters"] = {**(current if isinstance(current, dict) else {}), **pending}

        try:
            self.store.update_meta(self.run_id, edit)
        except (OSError, _store.StoreError) as e:
            self._io_warning(e)
            return
        for k in pending:
            self._params_pending.pop(k, None)

    def _try_create(self) -> bool:
        if self._create_fields is None:
            return True
        fields = dict(self._create_fields)
        experiment = fields.pop("experiment_id")
        try:
            self.run_id = self.store.create_run(experiment, **fields)
        except OSError as e:
            self._io_warning(e)
            return False
        self._create_fields = None
        url = self.store.remote_url()
        if url and self._owned:
            from sitegen.sync import Uploader
            self._uploader = Uploader(self.store.root, url, {self.run_id}).start()
        return True

    def _open_metrics(self) -> int:
        path = self.dir / _store.METRICS_FILE
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:  # after a torn write, start on a fresh line
            size = os.fstat(fd).st_size
            if size:
                with open(path, "rb") as f:
                    f.seek(size - 1)
                    ends_line = f.read(1) == b"\n"
                if self._midline and ends_line:  # our cut record can no longer be completed: drop it
                    self._pending = self._pending[self._pending.find(b"\n") + 1:]
                    self._midline = False
                elif not ends_line and not self._midline:  # someone else's torn write
                    os.write(fd, b"\n")
                # (after a short write of ours, what is pending completes the cut record)
        except OSError:
            os.close(fd)
            raise
        return fd

    def _close_fd(self) -> None:
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass
            self._fd = None

    def _beat(self) -> None:
        now = time.monotonic()
        if self.run_id and now - self._last_beat >= HEARTBEAT_INTERVAL:
            self._last_beat = now
            try:
                self.store.touch_heartbeat(self.run_id)
            except OSError:
                pass

    def _update(self, changes) -> None:
        if not self._try_create():
            return
        try:
            self.store.update_meta(self.run_id, changes)
        except (OSError, _store.StoreError) as e:
            self._io_warning(e)

    def _io_warning(self, e: Exception) -> None:
        if not self._warned:
            self._warned = True
            warnings.warn(f"sitegen: cannot write to the run store ({e}); "
                          f"keeping points buffered and retrying", RuntimeWarning, stacklevel=3)

    def _collect_cwd_outputs(self) -> None:
        """For an untracked script run: keep the files it wrote to ./outputs/ since it started."""
        src = Path("outputs")
        if not self._implicit or not src.is_dir():
            return
        try:
            for path in src.rglob("*"):
                if path.is_file() and not path.is_symlink() and path.stat().st_mtime >= self._start - 1:
                    dest = self.outputs / path.relative_to(src)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    import shutil
                    shutil.copy2(path, dest)
        except OSError as e:
            self._io_warning(e)

    _implicit = False


def _count_steps(next_step: dict[str, int], names: list, steps: list) -> "list | range":
    """The points' steps in logging order, each None (no ``step=``) the name's next one (the last
    step + 1, from 0); ``next_step`` (name -> next step) is brought up to date."""
    if None not in steps:  # every step given
        for name, step in (zip(names[-1:], steps[-1:]) if len(set(names)) == 1 else
                           dict(zip(names, steps)).items()):  # the last one of each name
            next_step[name] = step + 1
        return steps
    if steps.count(None) == len(steps):  # none given: each name counts on (in C)
        uniq = set(names)
        if len(uniq) == 1:
            name = names[0]
            first = next_step.get(name, 0)
            next_step[name] = first + len(steps)
            return range(first, first + len(steps))
        counters = {name: count(next_step.get(name, 0)) for name in uniq}
        out = list(map(next, map(counters.__getitem__, names)))
        for name, counter in counters.items():
            next_step[name] = next(counter)
        return out
    out = []
    for name, step in zip(names, steps):
        if step is None:
            step = next_step.get(name, 0)
        next_step[name] = step + 1
        out.append(step)
    return out


def _format_numbers(flat: list, names: dict[str, bytes]) -> bytes:
    """metrics.tsv records of points (name, step, value, time) whose values are all int or float,
    by one ``%`` in C over a template that holds each point's encoded name (``names``) and, where
    the points come in order and faster than :data:`_DENSE` a millisecond, each millisecond's time
    text, written once for all its points."""
    heads = {k: v.replace(b"%", b"%%") + b"\t%d\t%r\t" for k, v in names.items()}
    keys = flat[0::4]
    runs = _time_runs(flat[3::4])
    if runs is None:
        tails = [(b"%.3f\n", len(keys))]
        del flat[0::4]  # step, value, time, …
    else:
        tails = [(text + b"\n", k) for text, k in runs]
        del flat[3::4]
        del flat[0::3]  # step, value, …
    if len(heads) == 1:
        head, = heads.values()
        template = b"".join([(head + tail) * k for tail, k in tails])
    else:
        template = b"".join(_chain(zip(map(heads.__getitem__, keys),
                                       _chain(repeat(tail, k) for tail, k in tails))))
    return template % tuple(flat)


def _time_runs(times: list[float]) -> list[tuple[bytes, int]] | None:
    """``[(text, k), …]``: the ``"%.3f"`` text of the times, once for each run of ``k`` points in
    one millisecond; None unless the times are in order and more than :data:`_DENSE` a millisecond
    (formatting each then costs less). A run's text is that of its first and of its last time, so
    (in order) of every time between."""
    n = len(times)
    if n < _DENSE * (1000 * (times[-1] - times[0]) + 1) or sorted(times) != times:
        return None
    runs = []
    i = 0
    while i < n:
        text = _TIME % times[i]
        # up to 1 µs short of the next millisecond's text (far more than a float's error here)
        j = bisect_right(times, float(text) + 0.000499, i + 1)
        if _TIME % times[j - 1] != text:  # (cannot happen: a safety net)
            return None
        runs.append((text, j - i))
        i = j
    return runs


# ---------------------------------------------------------------- module state

_registry: set[Run] = set()  # open runs, flushed by the background thread
_stack: list[Run] = []  # active runs, innermost last
_implicit_run: Run | None = None
_state_lock = threading.RLock()
_thread: threading.Thread | None = None
_failed = False
_wake = threading.Event()  # set by log when a buffer passes BUFFER_SOFT_LIMIT


def _flusher() -> None:
    while True:
        _wake.wait(FLUSH_INTERVAL / 2)
        _wake.clear()
        for run in list(_registry):
            if run._buffer or run._pending or run._params_pending \
                    or time.monotonic() - run._last_beat >= HEARTBEAT_INTERVAL:
                try:
                    run.flush()
                except Exception:  # never let the flusher die
                    pass


def _ensure_thread() -> None:
    global _thread
    if _thread is None or not _thread.is_alive():
        _thread = threading.Thread(target=_flusher, name="sitegen-flush", daemon=True)
        _thread.start()


def _experiment_name() -> str:
    from sitegen.config import project_name
    return project_name()


def _allowed_env() -> dict[str, str]:
    """The environment variables the config's ``env`` allow-list names (nothing else is recorded)."""
    from sitegen.config import _quiet_config
    config = _quiet_config()
    return {k: os.environ[k] for k in (config.env if config else []) if k in os.environ}


def _new_run(name: str | None, parent: Run | None) -> Run:
    from sitegen.secrets import mask_arguments, mask_env, secret_env_values  # not at `import sitegen`
    script = Path(sys.argv[0]).name if sys.argv and sys.argv[0] not in ("", "-c") else None
    fields = {
        "experiment_id": _experiment_name(),
        "name": name,
        "script_name": script,
        # token formats (a GitHub token as a positional argument) are looked for when an argument is
        # long enough to be one: detect-secrets is imported then, once (~0.1 s), not at `import sitegen`
        "arguments": mask_arguments(sys.argv[1:], secret_env_values(), tokens=None) if script else [],
        "parent_run_id": parent.run_id if parent else os.environ.get("SITEGEN_RUN_ID"),
        "env": mask_env(_allowed_env()),
    }
    run = Run(_writable_store(), None, create_fields=fields)
    _registry.add(run)
    _ensure_thread()
    return run


def _writable_store() -> _store.Store:
    """The store new runs go into; for a store URL, this machine's local spool of it."""
    location = _store.default_store_location()
    if isinstance(location, str):
        from sitegen.sync import spool_store
        return spool_store(location)
    return _store.Store(location.absolute())


def start_run(name: str | None = None) -> Run:
    """Start a new run; use it as a context manager. Nested runs record their parent."""
    with _state_lock:
        parent = _stack[-1] if _stack else _implicit_run
        run = _new_run(name, parent)
        _stack.append(run)
        return run


def get_logger() -> Run:
    """The active run: the innermost ``start_run``, the tracked run, or one made for this script."""
    global _implicit_run
    if _stack:
        return _stack[-1]
    if _implicit_run is not None and not _implicit_run.finished:
        return _implicit_run
    with _state_lock:
        if _implicit_run is None or _implicit_run.finished:
            tracked = os.environ.get("SITEGEN_RUN_ID")
            if tracked:
                store = _store.Store(os.environ.get("SITEGEN_STORE") or None)
                run = Run(store, tracked, owned=False)
            else:
                run = _new_run(None, None)
                run._implicit = True
                _make_cwd_outputs()
                _install_hooks()
            _registry.add(run)
            _ensure_thread()
            _implicit_run = run
        return _implicit_run


def _make_cwd_outputs() -> None:
    """An untracked script gets ./outputs/ as a tracked one does (its files are kept at exit)."""
    try:
        os.makedirs("outputs", exist_ok=True)
    except OSError:
        pass  # a read-only folder: the script's own open() will say so; logging goes on


def _install_hooks() -> None:
    original = sys.excepthook

    def hook(exc_type, exc, tb):
        global _failed
        _failed = True
        original(exc_type, exc, tb)

    sys.excepthook = hook


def _after_fork_in_child() -> None:
    """A forked child must not write its parent's buffered points again, nor share its lock."""
    global _thread, _wake
    _thread = None
    _wake = threading.Event()
    for run in _registry:
        items, run._buffer = run._buffer, []
        _count_steps(run._steps, items[0::4], items[1::4])  # the parent's points keep their steps
        run._pending = b""
        run._midline = False
        run._lock = threading.Lock()
        run._fd = None
    if _registry:
        _ensure_thread()


os.register_at_fork(after_in_child=_after_fork_in_child)


@atexit.register
def _at_exit() -> None:
    for run in reversed(list(_stack)):
        run.finish("Failed" if _failed else "Completed")
    for run in list(_registry):
        run.finish("Failed" if _failed else "Completed")
