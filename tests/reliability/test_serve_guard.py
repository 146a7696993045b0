"""Issue 16.4 and issue 9 items 5-6: ``sitegen serve`` answers only to its own host names (DNS
rebinding), takes reload sockets and /forcereload only from its own pages, never fails on a NUL in
a path, and serves a 404 page that reloads itself once the page exists (a busy port is said before
building anything: tests/test_serve.py::test_port_in_use_is_one_clear_error). A real server in a subprocess; raw HTTP requests; real Chromium."""
from __future__ import annotations

import base64
import http.client
import os
import subprocess
import sys

import pytest
from test_serve import RELOAD_SCRIPT, Server, clean_env, log_run

from .test_hostile import browser  # noqa: F401 - the module-scoped Chromium fixture

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    proj = tmp_path_factory.mktemp("guard") / "proj"
    proj.mkdir()
    log_run(proj, 0.5, "first")
    s = Server(proj)
    s.wait_ready()
    yield s
    s.kill()


def request(port: int, path: str, headers: dict[str, str], method: str = "GET") -> tuple[int, str]:
    """One raw request with exactly these headers (``Host`` included: http.client's is skipped)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for k, v in headers.items():
            conn.putheader(k, v)
        conn.endheaders()
        r = conn.getresponse()
        return r.status, r.read(4000).decode("utf-8", "replace")
    except (ConnectionError, http.client.RemoteDisconnected):
        return 0, ""  # the server closed the connection (refused outright)
    finally:
        conn.close()


def upgrade(origin: str | None, host: str) -> dict[str, str]:
    h = {"Host": host, "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
         "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode()}
    if origin is not None:
        h["Origin"] = origin
    return h


def test_only_its_own_host_names(server):
    p = server.port
    for host in (f"127.0.0.1:{p}", f"localhost:{p}", f"LOCALHOST:{p}", f"[::1]:{p}", "127.0.0.1"):
        status, body = request(p, "/index.html", {"Host": host})
        assert status == 200 and "<html" in body, host
    refused = ["evil.example", f"evil.example:{p}", "", "x" * 60_000, f"127.0.0.1:{p + 1}",
               f"127.0.0.1.evil.example:{p}", f"localhost:{p}@evil", "[::1", f"::1:{p}"]
    for host in refused:
        status, body = request(p, "/index.html", {"Host": host})
        assert status in (0, 400, 403, 431), (host[:40], status)
        assert "<html" not in body, host[:40]
    for path in ("/livereload.js", "/forcereload", "/data/index.js", "/nope.html"):
        assert request(p, path, {"Host": "evil.example"})[0] == 403, path
    print(f"\nMEASURE serve host guard: {5} own host forms answered, {len(refused)} foreign refused")


def test_reload_socket_only_from_its_own_pages(server):
    p = server.port
    own = f"http://127.0.0.1:{p}"
    assert request(p, "/livereload", upgrade(own, f"127.0.0.1:{p}"))[0] == 101
    assert request(p, "/livereload", upgrade(f"http://localhost:{p}", f"localhost:{p}"))[0] == 101
    for origin in ("http://evil.example", f"http://evil.example:{p}", "null", f"http://127.0.0.1:{p + 1}",
                   f"http://localhost.evil.example:{p}"):
        assert request(p, "/livereload", upgrade(origin, f"127.0.0.1:{p}"))[0] == 403, origin
    assert request(p, "/livereload", upgrade(own, "evil.example"))[0] == 403


def test_forcereload_only_from_its_own_origin(server):
    p = server.port
    host = {"Host": f"127.0.0.1:{p}"}
    assert request(p, "/forcereload", {**host, "Origin": "http://evil.example"})[0] == 403
    assert request(p, "/forcereload", {**host, "Sec-Fetch-Site": "cross-site"})[0] == 403
    assert request(p, "/forcereload", {**host, "Sec-Fetch-Site": "same-site"})[0] == 403
    assert request(p, "/forcereload", {**host, "Origin": f"http://127.0.0.1:{p}",
                                       "Sec-Fetch-Site": "same-origin"}) == (200, "ok")


def test_nul_in_a_path_is_a_404(server):
    p = server.port
    for path in ("/index.html%00.js", "/%00", "/runs/%00.html", "/data/index.js%00"):
        status, body = request(p, path, {"Host": f"127.0.0.1:{p}"})
        assert status == 404, (path, status)
    assert "Traceback" not in server.stderr()


def test_404_page_carries_the_reload_script(server):
    p = server.port
    status, body = request(p, "/runs/NoSuchRun_1.html", {"Host": f"127.0.0.1:{p}"})
    assert status == 404
    assert RELOAD_SCRIPT in body and "may still be building" in body


def test_a_tab_on_a_page_not_built_yet_shows_it_once_built(server, browser):
    """Issue 9.5: open a page before it exists (a second script's dashboard), then make it exist:
    the tab shows it by itself."""
    page = browser.new_page()
    page.goto(f"{server.base}/scripts/other.py.html", wait_until="load")
    assert page.locator("#sitegen-not-found").count() == 1
    page.wait_for_function("window.LiveReload !== undefined || !!document.querySelector('script[src*=livereload]')",
                           timeout=10000)
    script = server.proj / "other.py"
    script.write_text("from sitegen import get_logger\nget_logger().log('Accuracy', 0.9)\n")
    subprocess.run([sys.executable, str(script)], cwd=server.proj, env=clean_env(), check=True, timeout=60)
    page.wait_for_selector("#grid", timeout=30000)  # the script's dashboard, reloaded by itself
    assert page.locator("#sitegen-not-found").count() == 0
    page.close()
