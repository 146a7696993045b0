"""The logging API: ``get_logger().log(name, value)`` and ``start_run()``.

The hot path (:meth:`Run.log`) validates the value and appends a tuple to a buffer; a background
thread formats and appends the buffer to the run's ``metrics.tsv`` at least every second, and at exit.
Standard library only: ``import sitegen`` must stay cheap.
"""
from __future__ import annotations

import atexit
import os
import sys
import threading
import time
import warnings
from collections import deque
from pathlib import Path
from typing import Any

from sitegen import store as _store

FLUSH_INTERVAL = 1.0
HEARTBEAT_INTERVAL = 5.0

_float, _int, _bool, _str = float, int, bool, str
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
    raise TypeError(f"sitegen: metric {name!r}: unsupported value type {t.__name__} "
                    f"(log an int, float, bool, str, or a list of them)")


class Run:
    """One run being recorded. Use :func:`get_logger` or :func:`start_run` to get one."""

    def __init__(self, store: _store.Store, run_id: str | None, create_fields: dict | None = None,
                 owned: bool = True) -> None:
        self.store = store
        self.run_id = run_id
        self._create_fields = create_fields  # set while the run folder still has to be created
        self._owned = owned  # finished by us (False: a tracked run owned by `sitegen run`)
        self._buffer: deque = deque()
        self._pending = b""  # formatted records that a failed write left behind
        self._midline = False  # a short write of ours stopped inside a record (the rest is pending)
        self._names: dict[str, str] = {}  # name -> encoded name
        self._steps: dict[str, int] = {}
        self._fd: int | None = None
        self._lock = threading.Lock()
        self._last_flush_wall = time.time()
        self._last_beat = 0.0
        self._warned = False
        self.finished = False
        self._start = time.time()
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

    def log(self, name: str, value: Any, step: int | None = None) -> None:
        """Record a value. The same name again appends (a series); a list logs each item."""
        if type(name) is not _str:
            raise TypeError(f"sitegen: metric name must be a str, not {type(name).__name__}")
        t = type(value)
        if t is not _float and t is not _int and t is not _str and t is not _bool:
            if t is list or t is tuple or (hasattr(value, "tolist") and getattr(value, "ndim", 0) >= 1):
                items = value.tolist() if hasattr(value, "tolist") else value
                coerced = [_coerce(name, v) for v in items]
                for v in coerced:
                    self.log(name, v)
                return
            value = _coerce(name, value)
        if step is None:
            step = self._steps.get(name, 0)
        elif type(step) is not _int:
            if isinstance(step, int) and not isinstance(step, bool):
                step = int(step)
            elif hasattr(step, "__index__") and getattr(type(step), "__module__", "") == "numpy" \
                    and type(step).__name__ != "bool":  # numpy integer steps (np.arange)
                step = step.__index__()
            else:
                raise TypeError(f"sitegen: metric {name!r}: step must be an int, "
                                f"not {type(step).__name__}")
        self._steps[name] = step + 1
        now = time.time()
        self._buffer.append((name, step, value, now))
        if now - self._last_flush_wall > FLUSH_INTERVAL:
            self.flush()

    def set_description(self, text: str) -> None:
        self._update({"description": str(text)})

    def set_tags(self, **tags: Any) -> None:
        def edit(meta: dict) -> None:
            meta.setdefault("tags", {}).update({str(k): str(v) for k, v in tags.items()})
        self._update(edit)

    def flush(self) -> None:
        """Write buffered points now. On I/O errors: warn once, keep them, retry on the next flush."""
        with self._lock:
            self._last_flush_wall = time.time()
            if not self._try_create():
                return
            buf = self._buffer
            n = len(buf)
            if n:
                names = self._names
                parts = []
                append = parts.append
                pop = buf.popleft
                for _ in range(n):
                    name, step, value, ts = pop()
                    enc = names.get(name)
                    if enc is None:
                        enc = names[name] = _store.encode_name(name)
                    tv = type(value)
                    if tv is _float:
                        v = repr(value)
                    elif tv is _int:
                        v = str(value)
                    else:
                        v = _store.encode_value(value)
                    append(f"{enc}\t{step}\t{v}\t{ts:.3f}\n")
                self._pending += "".join(parts).encode("utf-8")
            if self._pending:
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
            self._beat()

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
        if self._pending or self._buffer:
            warnings.warn(f"sitegen: run {self.run_id}: {len(self._buffer)} points and "
                          f"{len(self._pending)} bytes could not be written", RuntimeWarning)
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


# ---------------------------------------------------------------- module state

_registry: set[Run] = set()  # open runs, flushed by the background thread
_stack: list[Run] = []  # active runs, innermost last
_implicit_run: Run | None = None
_state_lock = threading.RLock()
_thread: threading.Thread | None = None
_failed = False


def _flusher() -> None:
    while True:
        time.sleep(FLUSH_INTERVAL / 2)
        for run in list(_registry):
            if run._buffer or run._pending or time.monotonic() - run._last_beat >= HEARTBEAT_INTERVAL:
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
    from sitegen.secrets import mask_arguments  # compiled regexes: not at `import sitegen`
    script = Path(sys.argv[0]).name if sys.argv and sys.argv[0] not in ("", "-c") else None
    fields = {
        "experiment_id": _experiment_name(),
        "name": name,
        "script_name": script,
        "arguments": mask_arguments(sys.argv[1:]) if script else [],
        "parent_run_id": parent.run_id if parent else os.environ.get("SITEGEN_RUN_ID"),
        "env": _allowed_env(),
    }
    run = Run(_store.Store(_store.default_store_path().absolute()), None, create_fields=fields)
    _registry.add(run)
    _ensure_thread()
    return run


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
    global _thread
    _thread = None
    for run in _registry:
        run._buffer = deque()
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
