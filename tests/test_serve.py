"""sitegen serve: a real server in a subprocess on a free loopback port, real runs, real Chromium."""
from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from helpers import wait_for

pytestmark = pytest.mark.timeout(90)

# the dashboard template a user theme can override (themes/default/templates/<this>)
DASHBOARD_TEMPLATE = "dashboard.html"
RELOAD_SCRIPT = "/livereload.js?port="


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITEGEN_")}
    env["PYTHONWARNINGS"] = "ignore"
    return env


def log_run(proj: Path, accuracy: float, name: str | None = None) -> str:
    """A finished run made by real logger calls in a separate process; returns its id."""
    code = ("import sys\nfrom sitegen import start_run\n"
            f"with start_run(name={name!r}) as run:\n"
            f"    run.log('Accuracy', {accuracy})\n"
            "    run.log('loss', [0.9, 0.5, 0.3])\n"
            "    print(run.run_id)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=proj, capture_output=True, text=True,
                          env=clean_env(), timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def get(url: str, timeout: float = 10) -> tuple[int, str, dict]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace"), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace"), dict(e.headers)


def get_no_redirect(port: int, path: str) -> tuple[int, str | None]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        r.read()
        return r.status, r.getheader("Location")
    finally:
        conn.close()


class Server:
    """``python -m sitegen serve`` in ``proj``; output goes to files (no pipe can fill up)."""

    def __init__(self, proj: Path, *args: str) -> None:
        self.proj = proj
        self.port = free_port()
        self.out = proj.parent / f"serve-{self.port}.out"
        self.err = proj.parent / f"serve-{self.port}.err"
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "sitegen", "serve", "--port", str(self.port), *args],
                cwd=proj, stdout=out, stderr=err, env=clean_env())
        self.base = f"http://127.0.0.1:{self.port}"

    def stderr(self) -> str:
        return self.err.read_text("utf-8", "replace")

    def wait_ready(self, path: str = "/", timeout: float = 60) -> None:
        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited {self.proc.returncode}: {self.stderr()}")
            try:
                return get(self.base + path, timeout=2)[0] in (200, 500)
            except OSError:
                return False
        wait_for(ready, timeout, interval=0.2)

    def build_dir(self) -> Path:
        m = re.search(r"into (\S+) \.\.\.", self.stderr())
        assert m, self.stderr()
        return Path(m.group(1))

    def interrupt(self, timeout: float = 20) -> int:
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    """A project with a user theme folder (empty: the default theme applies) and two runs."""
    p = tmp_path / "proj"
    p.mkdir()
    (p / "sitegen.toml").write_text('title = "Serve test"\ntheme = "mytheme"\n')
    (p / "mytheme" / "templates").mkdir(parents=True)
    log_run(p, 0.5, "first")
    log_run(p, 0.7, "second")
    return p


@pytest.fixture
def server_factory(proj: Path):
    servers: list[Server] = []

    def start(*args: str) -> Server:
        s = Server(proj, *args)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.kill()


def site_mentions(base: str, run_id: str) -> bool:
    """The served dashboard names the run: in its HTML or in a local data script it loads."""
    status, body, _ = get(base + "/index.html")
    if status != 200:
        return False
    if run_id in body:
        return True
    for src in re.findall(r"""<script[^>]+src=["']([^"']+)["']""", body):
        if "://" in src or src.startswith("//") or "vega" in src:
            continue
        status, js, _ = get(f"{base}/{src.lstrip('./')}")
        if status == 200 and run_id in js:
            return True
    return False


# ---------------------------------------------------------------- tests

def test_serves_site_with_reload_script_only_in_served_html(proj: Path, server_factory):
    server = server_factory()
    server.wait_ready()
    status, body, headers = get(server.base + "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert RELOAD_SCRIPT in body
    run_ids = sorted(p.name for p in (proj / "runs").iterdir() if not p.name.startswith("."))
    assert len(run_ids) == 2
    for run_id in run_ids:
        status, page, _ = get(f"{server.base}/runs/{run_id}.html")
        assert status == 200 and RELOAD_SCRIPT in page and run_id in page
    # the files on disk never contain the script; the user's ./site is not touched
    built = server.build_dir()
    assert built.is_dir() and not str(built).startswith(str(proj))
    pages = list(built.rglob("*.html"))
    assert len(pages) >= 3
    assert not [p for p in pages if "livereload" in p.read_text("utf-8")]
    assert not (proj / "site").exists()
    status, _, _ = get(server.base + "/no-such-page.html")
    assert status == 404
    assert server.interrupt() == 0
    assert not built.exists()  # the temporary build folder is removed on exit


def test_run_logged_while_serving_appears(proj: Path, server_factory):
    server = server_factory()
    server.wait_ready()
    run_id = log_run(proj, 0.9, "third")
    t0 = time.monotonic()
    wait_for(lambda: get(f"{server.base}/runs/{run_id}.html")[0] == 200, 20)
    wait_for(lambda: site_mentions(server.base, run_id), 10)
    print(f"new run served after {time.monotonic() - t0:.2f} s")
    assert "Traceback" not in server.stderr()


def test_base_path_serves_under_prefix(proj: Path, server_factory):
    server = server_factory("--base-path", "/repo/")
    server.wait_ready("/repo/")
    assert get_no_redirect(server.port, "/") == (301, "/repo/")
    assert get_no_redirect(server.port, "/repo") == (301, "/repo/")
    status, body, _ = get(server.base + "/repo/index.html")
    assert status == 200 and RELOAD_SCRIPT in body
    status, body, _ = get(server.base + "/repo/")
    assert status == 200 and RELOAD_SCRIPT in body
    run_id = sorted(p.name for p in (proj / "runs").iterdir() if not p.name.startswith("."))[0]
    assert get(f"{server.base}/repo/runs/{run_id}.html")[0] == 200
    assert get(f"{server.base}/runs/{run_id}.html")[0] == 404
    assert get(f"{server.base}/index.html")[0] == 404
    assert "Serving http://127.0.0.1:%d/repo/ " % server.port in server.stderr()


def test_broken_template_shows_error_page_and_recovers(proj: Path, server_factory):
    server = server_factory()
    server.wait_ready()
    template = proj / "mytheme" / "templates" / DASHBOARD_TEMPLATE
    template.write_text("<html><head></head><body>{% if %}broken</body></html>\n")

    def error_page():
        status, body, _ = get(server.base + "/index.html")
        return (status, body) if status == 500 else None

    status, body = wait_for(error_page, 20)
    assert 'id="sitegen-build-error"' in body and DASHBOARD_TEMPLATE in body
    assert RELOAD_SCRIPT in body  # the error page reloads itself once fixed
    errors = [line for line in server.stderr().splitlines() if "build failed" in line]
    assert len(errors) == 1 and errors[0].startswith("Error: build failed: ")
    assert DASHBOARD_TEMPLATE in errors[0]
    assert "Traceback" not in server.stderr()
    # non-HTML files of the last good build are still served
    assert server.proc.poll() is None
    template.unlink()
    wait_for(lambda: get(server.base + "/index.html")[0] == 200, 20)
    assert "Recovered" in server.stderr()
    assert server.interrupt() == 0


def test_sigint_exits_cleanly(proj: Path, server_factory):
    server = server_factory()
    server.wait_ready()
    assert server.interrupt() == 0
    err = server.stderr()
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert err.rstrip().endswith("Stopped.")


def test_port_in_use_is_one_clear_error(proj: Path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "sitegen", "serve", "--port", str(port)],
                              cwd=proj, capture_output=True, text=True, env=clean_env(), timeout=60)
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.startswith("Error: ")]
    assert errors == [f"Error: can't listen on 127.0.0.1:{port} (Address already in use): "
                      f"is another server running? pass --port N"]
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == errors  # said before building anything (issue 9.6)


def test_open_page_reloads_itself_after_new_run(proj: Path, server_factory):
    sync_api = pytest.importorskip("playwright.sync_api")
    server = server_factory()
    server.wait_ready()
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page()
            page.goto(server.base + "/index.html")
            # livereload.js has finished its handshake: the server knows this page
            page.wait_for_function("() => window.LiveReload && window.LiveReload.connector"
                                   " && window.LiveReload.connector.protocol", timeout=15000)
            page.evaluate("() => { window.__sitegenMarker = 1; }")
            run_id = log_run(proj, 0.95, "fourth")
            t0 = time.monotonic()
            page.wait_for_function("() => window.__sitegenMarker === undefined", timeout=20000)
            print(f"page reloaded {time.monotonic() - t0:.2f} s after the run finished")
            page.wait_for_load_state("load")
            wait_for(lambda: run_id in page.content() or site_mentions(server.base, run_id), 10)
        finally:
            browser.close()
    assert server.interrupt() == 0


def jobs_row(base: str, run_id: str) -> str | None:
    """The served dashboard's jobs-panel row of ``run_id`` (its HTML), if any."""
    status, body, _ = get(base + "/index.html")
    if status != 200 or 'class="jobs-table"' not in body:
        return None
    table = body.split('class="jobs-table"', 1)[1].split("</table>", 1)[0]
    rows = [r for r in table.split("<tr")[1:] if f"runs/{run_id}.html" in r]
    return rows[0] if rows else None


def test_jobs_panel_follows_a_running_run(proj: Path, server_factory):
    server = server_factory()
    server.wait_ready()
    code = ("import sys\nfrom sitegen import start_run\n"
            "run = start_run(name='live')\nrun.log('loss', 0.875)\nrun.flush()\n"
            "print(run.run_id, flush=True)\n"
            "for line in sys.stdin:\n    run.log('loss', float(line))\n    run.flush()\n"
            "    print('ok', flush=True)\n"
            "run.finish()\n")
    writer = subprocess.Popen([sys.executable, "-c", code], cwd=proj, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=clean_env())
    try:
        run_id = writer.stdout.readline().strip()
        row = wait_for(lambda: jobs_row(server.base, run_id), 20)
        assert 'class="badge badge-running"' in row and "0.875" in row
        writer.stdin.write("0.3125\n")
        writer.stdin.flush()
        assert writer.stdout.readline().strip() == "ok"
        row = wait_for(lambda: (r := jobs_row(server.base, run_id)) and "0.3125" in r and r, 20)
        assert "@1" in row and "badge-running" in row   # the latest value is step 1
        writer.stdin.close()
        assert writer.wait(30) == 0
        row = wait_for(lambda: (r := jobs_row(server.base, run_id)) and "badge-completed" in r
                       and r, 20)
        assert "badge-running" not in row
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait(10)


def test_a_run_that_dies_shows_as_killed(proj: Path, server_factory):
    """Nothing in the store changes when a run's process is killed: the watcher notices anyway."""
    server = server_factory()
    server.wait_ready()
    code = ("import time\nfrom sitegen import start_run\n"
            "run = start_run(name='doomed')\nrun.log('loss', 1.5)\nrun.flush()\n"
            "print(run.run_id, flush=True)\ntime.sleep(120)\n")
    writer = subprocess.Popen([sys.executable, "-c", code], cwd=proj, stdout=subprocess.PIPE,
                              text=True, env=clean_env())
    try:
        run_id = writer.stdout.readline().strip()
        wait_for(lambda: (r := jobs_row(server.base, run_id)) and "badge-running" in r, 20)
        writer.kill()
        writer.wait(10)
        row = wait_for(lambda: (r := jobs_row(server.base, run_id)) and "badge-killed" in r
                       and r, 20)
        assert "badge-running" not in row
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait(10)


def test_no_livereload_serves_plain_files(proj: Path, server_factory):
    server = server_factory("--no-livereload")
    server.wait_ready()
    status, body, _ = get(server.base + "/index.html")
    assert status == 200 and "livereload" not in body and "<html" in body
    assert get(server.base + "/livereload.js")[0] == 404
    assert "no live reload" in server.stderr()
    run_id = log_run(proj, 0.6, "plain")  # still rebuilt, just not pushed to the browser
    wait_for(lambda: get(f"{server.base}/runs/{run_id}.html")[0] == 200, 20)
    assert server.interrupt() == 0


# ---------------------------------------------------------------- the change watcher, in-process

def test_change_watcher_sees_what_a_build_reads(tmp_path: Path, monkeypatch):
    from sitegen.preview import ChangeWatcher
    from sitegen.store import Store, write_json_atomic

    store = Store(tmp_path / "runs")
    done = store.create_run("W")
    store.finish_run(done, "Completed")
    running = store.create_run("W")          # this process is its pid: alive
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "run.html").write_text("a")
    config = tmp_path / "sitegen.toml"
    w = ChangeWatcher(store.root, [theme], [config])
    w.COLD_MIN_SECONDS = 0.3
    w.COLD_COST_FACTOR = 0
    v = w.poll()
    assert w.poll() == v                      # nothing changed

    def changed() -> bool:
        nonlocal v
        new = w.poll()
        seen, v = new != v, new
        return seen

    with open(store.root / running / "metrics.tsv", "a") as f:   # a new point of a running run
        f.write('"loss"\t0\t0.5\t0\n')
    assert changed()
    os.utime(store.root / running / "heartbeat")                # a heartbeat tick: no rebuild
    assert not changed()
    new_run = store.create_run("W")                              # a new run folder
    assert changed() and new_run
    store.update_meta(done, {"hidden": True})                    # a finished run edited...
    time.sleep(0.35)                                             # ...is seen by the cold scan
    assert changed()
    (theme / "run.html").write_text("bb")                        # a theme edit
    assert changed()
    config.write_text('title = "x"\n')                           # the config appears
    assert changed()
    write_json_atomic(store.internal / "pins.json", [[done, running]])   # a pinned comparison
    assert changed()
    meta = store.raw_meta(running)                               # the run dies (stale heartbeat)
    monkeypatch.setenv("SITEGEN_HEARTBEAT_TIMEOUT", "0.01")
    time.sleep(0.05)
    assert changed()
    assert meta["status"] == "Running" and not store.is_alive(running, meta)
    assert not changed()


def test_change_watcher_polls_cheaply_with_many_runs(tmp_path: Path):
    """The hot poll (every 0.15 s) stats no finished run: fast with thousands of them."""
    import json
    from sitegen.preview import ChangeWatcher
    root = tmp_path / "runs"
    for i in range(2000):
        d = root / f"W_{i}"
        d.mkdir(parents=True)
        (d / "run.json").write_text(json.dumps({"run_id": d.name, "status": "Completed"}))
    w = ChangeWatcher(root, [], [])
    w.poll()                                  # the first (cold) poll reads every run.json
    w.COLD_MIN_SECONDS = 3600                 # no cold scan during the timing
    w._next_cold = time.monotonic() + 3600
    t0 = time.perf_counter()
    for _ in range(50):
        w.poll()
    per_poll = (time.perf_counter() - t0) / 50
    assert per_poll < 0.002, per_poll         # measured: ~0.2 ms at 10,000 runs


def test_a_file_replaced_mid_request_is_served_whole(proj: Path, server_factory, tmp_path):
    """Rebuilds replace files under a live server: every response is one whole version of the file,
    never a dropped connection (its body must match its Content-Length)."""
    site = tmp_path / "preview-site"
    server = server_factory("--site-dir", str(site))
    server.wait_ready()
    page = site / "probe.html"
    versions = [f"<!doctype html><html><head></head><body>{c * n}</body></html>"
                for c, n in (("a", 300_000), ("b", 10))]
    page.write_text(versions[0])
    stop = threading.Event()

    def replace_forever() -> None:
        i = 0
        while not stop.is_set():
            tmp = site / f".probe.{i}.tmp"
            tmp.write_text(versions[i % 2])
            os.replace(tmp, page)
            i += 1

    writer = threading.Thread(target=replace_forever)
    writer.start()
    bodies = []
    try:
        for _ in range(150):
            status, body, _ = get(server.base + "/probe.html")
            assert status == 200
            # what the server injects: the reload script and the workbench's token and stylesheet
            bodies.append(re.sub(r"<script.*?</script>|<meta name=\"sitegen-token\"[^>]*>|"
                                 r"<link rel=\"stylesheet\" href=\"/_sitegen/[^>]*>", "", body,
                                 flags=re.S))
    finally:
        stop.set()
        writer.join()
    assert set(bodies) <= set(versions)
