"""Live-reload preview (the library behind ``sitegen serve``), modelled on MkDocs' ``serve``.

The site is built into a temporary folder (never the user's ``site/``) and served with the
``livereload`` package, which injects its reload script into the HTML it serves (the files on
disk never contain it). A polling thread watches the store, the theme folders and the config file
with one cheap check (a directory listing of the store plus a few ``stat`` calls per run: the
metrics file and liveness of running runs only); when something changes it waits for the changes
to settle, rebuilds (incrementally), and tells the open pages to reload. A failed build is printed
once and shown as an error page; the previous site stays, and the next good change recovers.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from sitegen.errors import UserError

POLL_SECONDS = 0.15      # how often the watcher looks for changes
SETTLE_SECONDS = 0.2     # a change must be still for this long before a rebuild
MAX_SETTLE_SECONDS = 1.5  # ...but a writer that never pauses does not delay the rebuild forever

_RUN_FILES = ("run.json", "metrics.tsv")


def default_theme_dir() -> Path:
    """The packaged default theme (``sitegen/themes/default`` in a wheel, ``themes/default`` in a
    source checkout)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "themes" / "default", here.parent / "themes" / "default"):
        if candidate.is_dir():
            return candidate
    return here.parent / "themes" / "default"


def normalize_base_path(base_path: str | None) -> str:
    """``"repo"``, ``"/repo"``, ``"/repo/"`` -> ``"/repo/"``; empty -> ``"/"``."""
    parts = [p for p in (base_path or "").strip().split("/") if p]
    for p in parts:
        if p in (".", "..") or not re.fullmatch(r"[A-Za-z0-9._~!$&'()*+,;=:@%-]+", p):
            raise UserError(f"--base-path {base_path!r}: use a URL path like /repo/")
    return "/" + "".join(p + "/" for p in parts)


# ---------------------------------------------------------------- change detection

def _stat(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


class ChangeWatcher:
    """Finds changes to everything a build reads, cheaply enough to poll a few times a second.

    ``poll()`` returns a number that changes whenever something changed since the last call.
    Each poll looks at the "hot" part: the store folder's mtime (a new run folder changes it; only
    then is the folder listed again), and for runs that are Running (or have no readable run.json
    yet) their ``run.json``, ``metrics.tsv``, ``outputs/`` and whether they are still alive
    (heartbeat fresh, process present) -- so new points and a dying run count as changes but a
    heartbeat tick does not; plus the store's pins and assets, every theme file and the config
    files. The ``run.json`` of every finished run (edited by ``history update``) is checked on a
    slower "cold" schedule that adapts to its cost (at least every second; a store of 10,000 runs
    costs about 60 ms per cold scan).
    """

    COLD_MIN_SECONDS = 1.0
    COLD_COST_FACTOR = 10  # the cold scan uses at most ~1/10 of a core

    def __init__(self, store_root: Path, theme_dirs: list[Path], config_files: list[Path]) -> None:
        from sitegen.store import Store
        self.store = Store(store_root)
        self.store_root = str(store_root)
        self.theme_dirs = [str(d) for d in theme_dirs]
        self.config_files = [str(f) for f in config_files]
        self.version = 0
        self._root_stat: Any = "unset"
        self._names: list[str] = []
        self._entries: dict[str, tuple] = {}
        self._hot: set[str] = set()
        self._meta: dict[str, tuple[Any, dict | None]] = {}  # run id -> (run.json stat, meta)
        self._extra: Any = None
        self._next_cold = 0.0
        self.cold_seconds = 0.0   # cost of the last cold scan (reported by benchmarks)

    def _run_meta(self, run_id: str, stat: tuple[int, int]) -> dict | None:
        cached = self._meta.get(run_id)
        if cached and cached[0] == stat:
            return cached[1]
        try:
            with open(os.path.join(self.store_root, run_id, "run.json"), "rb") as f:
                meta = json.loads(f.read())
            meta = meta if isinstance(meta, dict) else None
        except (OSError, ValueError):
            meta = None
        self._meta[run_id] = (stat, meta)
        return meta

    def _entry(self, name: str) -> tuple:
        folder = os.path.join(self.store_root, name)
        meta_stat = _stat(os.path.join(folder, "run.json"))
        meta = self._run_meta(name, meta_stat) if meta_stat is not None else None
        if meta is not None and meta.get("status") != "Running":
            self._hot.discard(name)
            return (meta_stat,)
        self._hot.add(name)
        alive = self.store.is_alive(name, meta) if meta is not None else None
        return (meta_stat, _stat(os.path.join(folder, "metrics.tsv")),
                _stat(os.path.join(folder, "outputs")), alive)

    def _list(self) -> None:
        try:
            with os.scandir(self.store_root) as entries:
                names = sorted(e.name for e in entries
                               if not e.name.startswith(".") and e.is_dir(follow_symlinks=False))
        except OSError:
            names = []
        if names != self._names:
            self.version += 1
            known = set(names)
            for gone in set(self._entries) - known:
                self._entries.pop(gone, None)
                self._meta.pop(gone, None)
                self._hot.discard(gone)
            self._hot.update(n for n in names if n not in self._entries)  # new: look at it now
            self._names = names

    def _extras(self) -> tuple:
        internal = os.path.join(self.store_root, ".sitegen")
        themes: list = []
        for theme in self.theme_dirs:
            for folder, dirs, files in os.walk(theme):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
                for f in sorted(files):
                    if not f.startswith(".") and not f.endswith(("~", ".swp", ".tmp")):
                        path = os.path.join(folder, f)
                        themes.append((path, _stat(path)))
        return (tuple(_stat(os.path.join(internal, n)) for n in ("pins.json", "assets.json")),
                tuple(themes), tuple(_stat(f) for f in self.config_files))

    def poll(self) -> int:
        """Look for changes; return :attr:`version`, which grows whenever something changed."""
        root_stat = _stat(self.store_root)
        if root_stat != self._root_stat:
            self._root_stat = root_stat
            self._list()
        now = time.monotonic()
        cold = now >= self._next_cold
        names = self._names if cold else sorted(self._hot)
        for name in names:
            entry = self._entry(name)
            if self._entries.get(name) != entry:
                self._entries[name] = entry
                self.version += 1
        if cold:
            self.cold_seconds = time.monotonic() - now
            self._next_cold = time.monotonic() + max(self.COLD_MIN_SECONDS,
                                                     self.COLD_COST_FACTOR * self.cold_seconds)
        extra = self._extras()
        if extra != self._extra:
            self._extra = extra
            self.version += 1
        return self.version


# ---------------------------------------------------------------- build errors

def describe_build_error(exc: BaseException) -> str:
    """One line: where (template file and line, when a template is to blame) and what."""
    name = type(exc).__name__
    if isinstance(exc, UserError):
        return str(exc)
    filename = getattr(exc, "filename", None)
    lineno = getattr(exc, "lineno", None)
    message = getattr(exc, "message", None) or str(exc) or name
    if not (filename and lineno):
        # a runtime error inside a template: jinja2 names template frames after their file
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if frame.filename.endswith((".html", ".j2", ".jinja", ".xml", ".js", ".css", ".txt")):
                filename, lineno = frame.filename, frame.lineno
                break
    where = f"{_short_path(filename)}:{lineno}: " if filename and lineno else ""
    return f"{where}{message} ({name})"


def _short_path(path: str) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return path


# ---------------------------------------------------------------- the preview

@dataclass
class BuildOutcome:
    ok: bool
    seconds: float
    pages_written: int = 0
    message: str = ""


class Preview:
    """Builds the site into ``site_dir`` and rebuilds it when its sources change."""

    def __init__(self, store_path: Path | None, site_dir: Path, config_dir: Path | None = None,
                 echo: Callable[[str], None] | None = None,
                 builder: Callable[..., Any] | None = None) -> None:
        from sitegen.commands.common import open_store
        from sitegen.config import load_config
        self.builder = builder
        self.config_dir = Path(config_dir or Path.cwd())
        self.config = load_config(self.config_dir)  # a broken config at start is a plain error
        self.store = open_store(store_path, must_exist=False)
        self.site_dir = Path(site_dir)
        self.echo = echo or (lambda line: print(line, file=sys.stderr, flush=True))
        self.error: str | None = None
        self.built_version: int | None = None  # the watcher's version the last build started from
        self.on_built: Callable[[], None] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._building = threading.Lock()
        self.watcher = ChangeWatcher(self.store.root, self._theme_dirs(), self._config_files())
        if hasattr(self.store, "poll"):  # a remote store: its mirror is refreshed from the bucket
            self.store.poll(self._stop, self.echo)

    def _theme_dirs(self) -> list[Path]:
        """The folders whose files a build reads: the themes, and the reports (watched alike)."""
        dirs = [default_theme_dir()]
        if self.config.theme:
            dirs.append(self.config.base_dir / self.config.theme)
        dirs.append(self.config.base_dir / self.config.reports_dir)
        return dirs

    def _config_files(self) -> list[Path]:
        return [self.config_dir / "sitegen.toml", self.config_dir / "pyproject.toml"]

    def build(self) -> BuildOutcome:
        """Build once; a failure is remembered (error page), printed once, and never raised."""
        from sitegen.config import load_config
        t0 = time.monotonic()
        with self._building:
            # what this build reads, as of now: a change from here on triggers the next build
            self.built_version = self.watcher.poll()
            try:
                self.config = load_config(self.config_dir)
                self.watcher.theme_dirs = [str(d) for d in self._theme_dirs()]
                if self.store.root.exists():
                    self.store.check()
                builder = self.builder
                if builder is None:
                    from sitegen.site.build import build_site as builder
                result = builder(self.store, self.site_dir, self.config)
            except Exception as e:  # noqa: BLE001 - any failure becomes the error page
                message = describe_build_error(e)
                if os.environ.get("SITEGEN_DEBUG"):
                    traceback.print_exc()
                if message != self.error:
                    self.echo(f"Error: build failed: {message}")
                self.error = message
                return BuildOutcome(False, time.monotonic() - t0, message=message)
            seconds = time.monotonic() - t0
            recovered = self.error is not None
            self.error = None
            written = getattr(result, "pages_written", 0)
            warnings = getattr(result, "warnings", 0)  # a count: the messages were logged already
            warnings = len(warnings) if isinstance(warnings, (list, tuple)) else int(warnings or 0)
            note = f", {warnings} warning{'s' if warnings != 1 else ''}" if warnings else ""
            self.echo(f"{'Recovered: b' if recovered else 'B'}uilt {written} of "
                      f"{getattr(result, 'pages_total', '?')} pages in {seconds:.2f} s{note}")
            return BuildOutcome(True, seconds, written)

    # -- the watching thread
    def start_watching(self) -> None:
        self._thread = threading.Thread(target=self._watch, name="sitegen-serve-watch", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _watch(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            try:
                current = self.watcher.poll()
                if current == self.built_version:
                    continue
                started = time.monotonic()
                while time.monotonic() - started < MAX_SETTLE_SECONDS:  # let the changes settle
                    if self._stop.wait(SETTLE_SECONDS):
                        return
                    again = self.watcher.poll()
                    if again == current:
                        break
                    current = again
                self.build()
                if self._stop.is_set():
                    return
                if self.on_built is not None:
                    self.on_built()
            except Exception as e:  # noqa: BLE001 - keep watching; say what went wrong
                self.echo(f"Error: watching for changes failed ({type(e).__name__}: {e}); "
                          f"retrying")
                if os.environ.get("SITEGEN_DEBUG"):
                    traceback.print_exc()
                self._stop.wait(1.0)


# ---------------------------------------------------------------- who may talk to the server

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::"})
MAX_HOST_LENGTH = 255


def _split_host(value: str) -> tuple[str, str | None] | None:
    """``"name:port"`` / ``"[v6]:port"`` / ``"name"`` -> (name, port text or None); None if malformed."""
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        name, rest = value[1:end], value[end + 1:]
        if rest and not rest.startswith(":"):
            return None
        return name.lower(), (rest[1:] if rest else None)
    name, sep, port = value.rpartition(":")
    if not sep:
        return value.lower(), None
    if ":" in name:  # a bare IPv6 address without brackets is not a Host header
        return None
    return name.lower(), port


def _is_ip(name: str) -> bool:
    import ipaddress
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False


@dataclass(frozen=True)
class HostGuard:
    """Which ``Host`` and ``Origin`` a request to the preview server may carry (DNS rebinding: a page
    of another site that resolves its own name to 127.0.0.1 must not read the preview or drive it).

    ``names``: the host names the server answers to; None for a wildcard bind (``--host 0.0.0.0``):
    then any IP address and this machine's name. Use :meth:`refusal` in every handler; endpoints
    that change state (``/forcereload``, the workbench's ``/_sitegen/api/``) pass ``same_origin``.
    """

    port: int
    names: frozenset[str] | None

    @classmethod
    def for_bind(cls, host: str, port: int) -> "HostGuard":
        """The guard of a server listening on ``host``: loopback names, plus ``host`` itself."""
        bind = host.strip("[]").lower()
        if bind in WILDCARD_BINDS:
            return cls(port, None)
        return cls(port, LOOPBACK_NAMES | {bind})

    def host_ok(self, value: str | None) -> bool:
        """True for a ``Host`` header naming this server (with its port, or none)."""
        if not value or len(value) > MAX_HOST_LENGTH:
            return False
        parts = _split_host(value.strip())
        if parts is None:
            return False
        name, port = parts
        if port is not None and port != str(self.port):
            return False
        if self.names is not None:
            return name in self.names
        from sitegen.store import hostname
        return _is_ip(name) or name in LOOPBACK_NAMES or name == hostname().lower()

    def origin_ok(self, origin: str | None) -> bool:
        """True for an ``Origin`` of this server's own pages (``http://127.0.0.1:8000``)."""
        from urllib.parse import urlsplit
        if not origin or len(origin) > MAX_HOST_LENGTH + 16:
            return False
        try:
            u = urlsplit(origin)
            port = u.port or 80
        except ValueError:
            return False
        if u.scheme != "http" or u.path or u.query or not u.hostname:
            return False
        host = f"[{u.hostname}]" if ":" in u.hostname else u.hostname
        return self.host_ok(f"{host}:{port}")

    def refusal(self, headers: Any, same_origin: bool = False) -> str | None:
        """None when a request with these headers may be answered, else why not (one line).

        A request without a ``Host`` header (HTTP/1.0, not a browser) passes the host check; with
        ``same_origin`` a browser request must come from this server's own pages: an ``Origin``
        that is ours, or ``Sec-Fetch-Site: same-origin`` (or ``none``: typed by the user)."""
        host = headers.get("Host")
        if host is not None and not self.host_ok(host):
            return "unknown Host: this preview server answers only to its own address"
        if same_origin:
            origin = headers.get("Origin")
            if origin is not None and not self.origin_ok(origin):
                return "request from another origin refused"
            site = headers.get("Sec-Fetch-Site")
            if site is not None and site not in ("same-origin", "none"):
                return "request from another site refused"
        return None


# ---------------------------------------------------------------- the server

# livereload's snippet: loads its client from the page's own host (so it works on any address)
RELOAD_SNIPPET = (b'<script type="text/javascript">(function(){var s=document.createElement("script");'
                  b'var port=(window.location.port || (window.location.protocol == "https:" ? 443: 80));'
                  b's.src="//"+window.location.hostname+":"+port+"/livereload.js?port="+port;'
                  b'document.head.appendChild(s);})();</script>')


class _NoWatcher:
    filepath = None  # read by livereload's reload_waiters


def _quiet_access_log() -> None:
    """Tornado logs every 404 and 500 (our error page) as a warning: the terminal already says
    what failed, once."""
    import logging
    logging.getLogger("tornado.access").setLevel(logging.CRITICAL)


def listen(host: str, port: int) -> list:
    """Bind the server's sockets (before the first build: a busy port is said at once)."""
    from tornado.netutil import bind_sockets
    try:
        return bind_sockets(port, address=host)
    except OSError as e:
        raise UserError(f"can't listen on {host}:{port} ({e.strerror or e}): is another "
                        f"server running? pass --port N") from None


_MAIN_PID = os.getpid()


def _raise_interrupt(signum: int, frame: Any) -> None:
    """SIGTERM stops ``serve`` like Ctrl-C; a forked build worker that inherited this handler
    just dies the default way (no traceback)."""
    if os.getpid() != _MAIN_PID:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    raise KeyboardInterrupt


def serve(store_path: Path | None = None, *, site_dir: Path | None = None, host: str = "127.0.0.1",
          port: int = 8000, base_path: str = "/", open_browser: bool = False,
          livereload: bool = True, echo: Callable[[str], None] | None = None,
          builder: Callable[..., Any] | None = None, allow_control: bool = False) -> None:
    """Build the site, serve it at http://host:port/base_path, rebuild and reload on changes.
    On a loopback address (or with ``allow_control``) the pages are a workbench
    (`sitegen.workbench`).

    The port is taken before the first build; requests must name this server in ``Host`` (and
    reload sockets come from its own pages: :class:`HostGuard`). Blocks until interrupted (Ctrl-C
    or SIGTERM), then removes the temporary build folder. ``builder`` replaces
    ``sitegen.site.build.build_site`` (same signature), e.g. in tests.
    """
    base_path = normalize_base_path(base_path)
    echo = echo or (lambda line: print(line, file=sys.stderr, flush=True))
    sockets = listen(host, port)
    tmp = None
    if site_dir is None:
        tmp = Path(tempfile.mkdtemp(prefix="sitegen-serve-"))
        site_dir = tmp / "site"
    preview: Preview | None = None
    global _MAIN_PID
    _MAIN_PID = os.getpid()
    old_term = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        preview = Preview(store_path, Path(site_dir), echo=echo, builder=builder)
        bench = _workbench(preview, host, allow_control, echo)
        echo(f"Building the site from {preview.store.root} into {site_dir} ...")
        preview.build()
        site_dir.mkdir(parents=True, exist_ok=True)
        display_host = f"[{host}]" if ":" in host else host
        url = f"http://{display_host}:{port}{base_path}"
        _run_server(preview, str(site_dir), sockets, HostGuard.for_bind(host, port), base_path,
                    livereload, url, open_browser, echo, bench)
    except KeyboardInterrupt:
        pass
    finally:
        # a second Ctrl-C while cleaning up must not print a traceback either
        old_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            for sock in sockets:
                sock.close()
            if preview is not None:
                preview.stop()
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
        finally:
            signal.signal(signal.SIGTERM, old_term)
            signal.signal(signal.SIGINT, old_int)
    echo("Stopped.")


def _workbench(preview: Preview, host: str, allow_control: bool, echo: Callable[[str], None]):
    """The workbench of this server, or None when its controls are off (a non-loopback bind)."""
    from sitegen import workbench
    if not workbench.controls_allowed(host, allow_control):
        echo(f"Workbench off: serving on {host}, not a loopback address (--allow-control "
             f"turns it on)")
        return None
    if host.strip("[]").lower() not in workbench.LOOPBACK:
        echo(f"Warning: --allow-control on {host}: anyone who can reach this port can run "
             f"scripts of this project and change its files on this machine")
    from sitegen.runner import project_dir_for
    if not hasattr(preview.store, "url"):
        preview.store.ensure()  # runs will be launched from here: an empty dashboard to start from
    return workbench.Workbench(preview.store, project_dir_for(Path.cwd()))


def _run_server(preview: Preview, root: str, sockets: list, guard: HostGuard, base_path: str,
                live: bool, url: str, open_browser: bool, echo: Callable[[str], None],
                bench=None) -> None:
    from tornado import web
    from tornado.httpserver import HTTPServer
    from tornado.ioloop import IOLoop

    _quiet_access_log()
    transforms = []
    routes = []
    if bench is not None:
        from sitegen import workbench
        transforms.append(workbench.injector(bench))
        routes = workbench.handlers(bench, guard, default_theme_dir())
    if live:
        from livereload.handlers import LiveReloadHandler
        from livereload.server import LiveScriptInjector

        class Inject(LiveScriptInjector):
            script = RELOAD_SNIPPET

        transforms.append(Inject)
        # what livereload's own Server sets; its file watching is not used (Preview watches)
        LiveReloadHandler.watcher = _NoWatcher
        LiveReloadHandler.live_css = False
        loop = IOLoop.current()
        preview.on_built = lambda: loop.add_callback(LiveReloadHandler.reload_waiters, "*")
    from sitegen.serve_handlers import site_routes
    app = web.Application(routes + site_routes(preview, root, base_path, guard, live),
                          transforms=transforms or None)
    server = HTTPServer(app)
    server.add_sockets(sockets)

    def started() -> None:
        echo(f"Serving {url} ({'live reload on' if live else 'no live reload'}; Ctrl-C to stop)")
        if open_browser:
            import webbrowser
            threading.Timer(0.3, webbrowser.open, args=(url,)).start()
        preview.start_watching()

    IOLoop.current().add_callback(started)
    IOLoop.current().start()
