"""The workbench of `sitegen serve` (issue 14): a real server on a loopback port, real tracked runs,
every control driven in real Chromium; forged requests refused; the built site has none of it."""
from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import wait_for
from test_serve import Server, clean_env, get

from sitegen.store import TERMINAL_STATUSES, Store

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
pytestmark = [pytest.mark.timeout(240),
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")]

TRAIN = """\
import sys
from sitegen import get_logger
log = get_logger()
log.log("Accuracy", float(sys.argv[1]) / 10)
open("outputs/result.txt", "w").write(" ".join(sys.argv[1:]))
"""
SLOW = """\
import time
i = 0
while True:
    print("line", i, flush=True)
    i += 1
    time.sleep(0.05)
"""


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    p = tmp_path / "proj"
    (p / "lib").mkdir(parents=True)
    (p / "train.py").write_text(TRAIN)
    (p / "slow.py").write_text(SLOW)
    (p / "lib" / "helper.py").write_text("X = 1\n")
    (p / "outputs").mkdir()
    (tmp_path / "outside.py").write_text("print('outside')\n")
    (p / "escape.py").symlink_to(tmp_path / "outside.py")
    return p


@pytest.fixture
def serve(proj: Path):
    """Start ``sitegen serve ARGS`` in the project once the test has made its runs (a server
    started first would rebuild, and reload the page, while the test clicks)."""
    servers = []

    def start(*args: str) -> Server:
        s = Server(proj, *args)
        servers.append(s)
        s.wait_ready()
        return s
    yield start
    for s in servers:
        s.kill()


def make_run(proj: Path, *args: str) -> dict:
    subprocess.run([sys.executable, "-m", "sitegen", "run", *args], cwd=proj, env=clean_env(),
                   check=True, capture_output=True)
    return Store(proj / "runs").runs()[0]


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def token_of(server: Server) -> str:
    status, html, _ = get(server.base + "/index.html")
    m = re.search(r'<meta name="sitegen-token" content="([^"]+)">', html)
    assert m, html[:500]
    return m.group(1)


def post(server: Server, path: str, body: dict, headers: dict) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
    try:
        conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json", **headers})
        r = conn.getresponse()
        data = r.read()
        is_json = r.getheader("Content-Type", "").startswith("application/json")
        return r.status, json.loads(data) if is_json else {"body": data.decode("utf-8", "replace")}
    finally:
        conn.close()


def own(server: Server, token: str) -> dict:
    return {"Origin": server.base, "X-Sitegen-Token": token}


def finished(store: Store, n: int) -> list[dict]:
    runs = store.runs()
    return runs if len(runs) >= n and all(m["status"] in TERMINAL_STATUSES for m in runs) else []


def test_launch_two_runs_from_the_dashboard(serve, proj, browser):
    # no live reload: the row the panel adds is looked at before any rebuild replaces the page
    server = serve("--no-livereload")
    page = browser.new_page()
    page.goto(server.base + "/index.html")
    page.wait_for_selector("#wb-script option[value='train.py']", state="attached")
    options = page.eval_on_selector_all("#wb-script option", "os => os.map(o => o.value)")
    assert "lib/helper.py" in options and "train.py" in options
    for args in ("3 --tag a", "7 'two words'"):
        page.goto(server.base + "/index.html")
        page.wait_for_selector("#wb-script option[value='train.py']", state="attached")
        page.select_option("#wb-script", "train.py")
        page.fill("#wb-args", args)
        page.click("#wb-run")
        page.wait_for_selector("#wb-message:has-text('Started run')")
        # in the jobs panel at once, as Running
        assert page.locator("tr.wb-pending .badge-running").count() == 1
    store = Store(proj / "runs")
    runs = wait_for(lambda: finished(store, 2), 60, "both runs to end")
    results = sorted((store.run_dir(m["run_id"]) / "outputs" / "result.txt").read_text()
                     for m in runs)
    assert results == ["3 --tag a", "7 two words"]
    assert {m["status"] for m in runs} == {"Completed"}
    assert all(m["command"] for m in runs)   # started like `sitegen run --detach`
    # the next visit prefills the arguments of the script's last run
    page.goto(server.base + "/index.html")
    page.wait_for_selector("#wb-script option[value='train.py']", state="attached")
    page.select_option("#wb-script", "slow.py")
    page.select_option("#wb-script", "train.py")
    assert page.input_value("#wb-args") in ("7 'two words'", "3 --tag a")


def test_cancel_from_jobs_panel_and_live_log(serve, proj, browser):
    server = serve("--no-livereload")
    token = token_of(server)
    status, r = post(server, "/_sitegen/api/runs", {"script": "slow.py", "args": []},
                     own(server, token))
    assert status == 200, r
    run_id = r["run_id"]
    store = Store(proj / "runs")
    try:
        page = browser.new_page()
        wait_for(lambda: get(f"{server.base}/runs/{run_id}.html")[0] == 200, 60, "the run's page")
        page.goto(f"{server.base}/runs/{run_id}.html")
        # the run page streams its driver log while it runs
        wait_for(lambda: "line 3" in (page.text_content("pre.log") or ""), 60, "the live log")

        def cancel_button():  # the dashboard shows the run once a rebuild has seen it
            page.goto(server.base + "/index.html")
            page.wait_for_selector("#wb-new-h")
            return page.query_selector(f".wb-cancel[data-run-id='{run_id}']")
        wait_for(cancel_button, 60, "the running run's Cancel button", interval=0.3).click()
        wait_for(lambda: store.load_meta(run_id)["status"] == "Canceled", 60, "the run canceled")
    finally:  # a failed test must not leave the endless script running
        if store.load_meta(run_id)["status"] == "Running":
            subprocess.run([sys.executable, "-m", "sitegen", "cancel", run_id], cwd=proj,
                           env=clean_env(), capture_output=True, timeout=60)


def test_restore_dialog_cancel_changes_nothing_confirm_restores(serve, proj, browser):
    meta = make_run(proj, "train.py", "1")
    server = serve("--no-livereload")
    (proj / "train.py").write_text("print('changed')\n")
    (proj / "extra.py").write_text("new file\n")
    page = browser.new_page()
    page.goto(f"{server.base}/runs/{meta['run_id']}.html")
    page.click("#wb-restore")
    page.wait_for_selector("dialog .wb-overwrite li")
    assert page.locator("dialog .wb-overwrite li").all_text_contents() == ["train.py"]
    assert page.locator("dialog .wb-remove li").all_text_contents() == ["extra.py"]
    page.click("#wb-restore-cancel")
    assert (proj / "train.py").read_text() == "print('changed')\n"
    assert (proj / "extra.py").exists()
    page.click("#wb-restore")
    page.wait_for_selector("dialog .wb-overwrite li")
    page.click("#wb-restore-confirm")
    page.wait_for_selector("#wb-run-message:has-text('Restored 1 file')")
    assert (proj / "train.py").read_text() == TRAIN
    assert not (proj / "extra.py").exists()


def test_rename_tag_hide_and_hostile_text_stays_text(serve, proj, browser):
    meta = make_run(proj, "--name", "<img src=x onerror=alert(1)>", "train.py", "1")
    server = serve()
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{server.base}/runs/{meta['run_id']}.html")
    page.click("#wb-edit")
    page.wait_for_selector("#wb-edit-name")
    assert page.input_value("#wb-edit-name") == "<img src=x onerror=alert(1)>"
    page.fill("#wb-edit-name", "renamed <b>bold</b>")
    page.fill("#wb-edit-description", "**strong** <script>alert(2)</script>")
    page.click("#wb-edit-preview-button")
    page.wait_for_selector("#wb-edit-preview strong")
    assert page.locator("#wb-edit-preview script").count() == 0
    page.fill("#wb-edit-tag", "team=vision")
    page.click("#wb-edit-save")
    # the page reloads with the change (live reload after the rebuild)
    page.wait_for_selector("h1:has-text('renamed <b>bold</b>')", timeout=60000)
    assert page.locator("h1 b").count() == 0
    assert "team=vision" in page.text_content("p.tags")
    assert Store(proj / "runs").raw_meta(meta["run_id"])["tags"] == {"team": "vision"}
    assert dialogs == [] and page.locator("img[src='x']").count() == 0
    # Run again prefills the panel with this run's script and arguments
    page.click("#wb-rerun")
    page.wait_for_selector("dialog #wb-script option[value='train.py']", state="attached")
    assert page.input_value("dialog #wb-script") == "train.py"
    assert page.input_value("dialog #wb-args") == "1"


def test_forged_requests_are_refused(serve, proj):
    server = serve()
    token = token_of(server)
    body = {"script": "train.py", "args": ["1"]}
    store = Store(proj / "runs")
    assert post(server, "/_sitegen/api/runs", body, {"Origin": server.base})[0] == 403
    assert post(server, "/_sitegen/api/runs", body,
                {"Origin": server.base, "X-Sitegen-Token": "wrong"})[0] == 403
    assert post(server, "/_sitegen/api/runs", body,
                {"Origin": "http://evil.example", "X-Sitegen-Token": token})[0] == 403
    assert post(server, "/_sitegen/api/runs", body, {"X-Sitegen-Token": token})[0] == 403
    assert post(server, "/_sitegen/api/runs", body,
                {**own(server, token), "Host": "evil.example"})[0] == 403
    assert store.runs() == []
    # GETs never change anything: a launch or restore by GET does not exist
    assert get(server.base + "/_sitegen/api/runs")[0] == 405
    # scripts outside the project, or not there, are refused with a message
    for script, why in [("../outside.py", "'..'"), ("/etc/passwd", "inside the project"),
                        ("escape.py", "leads out"), ("missing.py", "no such file")]:
        status, r = post(server, "/_sitegen/api/runs", {"script": script}, own(server, token))
        assert status == 400 and why in r["error"], (script, r)
    status, r = post(server, "/_sitegen/api/runs", {"script": "train.py", "args": "1; rm -rf /"},
                     own(server, token))
    assert status == 400 and "list of strings" in r["error"]
    assert store.runs() == []
    # the real thing passes
    status, r = post(server, "/_sitegen/api/runs", body, own(server, token))
    assert status == 200, r
    wait_for(lambda: finished(store, 1), 60, "the run")


def test_built_site_has_no_controls(proj, tmp_path):
    subprocess.run([sys.executable, "-m", "sitegen", "run", "train.py", "1"], cwd=proj,
                   env=clean_env(), check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "sitegen", "build", "--site-dir", str(tmp_path / "site")],
                   cwd=proj, env=clean_env(), check=True, capture_output=True)
    for path in (tmp_path / "site").rglob("*"):
        if path.is_file() and path.suffix in (".html", ".js", ".css"):
            text = path.read_text("utf-8", "replace")
            assert "sitegen-token" not in text and "/_sitegen/" not in text, path
    assert not list((tmp_path / "site").rglob("workbench*"))


def test_controls_off_on_a_non_loopback_bind_unless_allowed(proj):
    subprocess.run([sys.executable, "-m", "sitegen", "run", "train.py", "1"], cwd=proj,
                   env=clean_env(), check=True, capture_output=True)
    plain = Server(proj, "--host", "0.0.0.0")
    try:
        plain.wait_ready()
        status, html, _ = get(plain.base + "/index.html")
        assert status == 200 and "sitegen-token" not in html
        assert "Workbench off" in plain.stderr()
        # no control API at all (the static site answers: no such page, no POST)
        assert post(plain, "/_sitegen/api/runs", {"script": "train.py"},
                    {"Origin": plain.base})[0] in (404, 405)
    finally:
        plain.kill()
    allowed = Server(proj, "--host", "0.0.0.0", "--allow-control")
    try:
        allowed.wait_ready()
        assert "anyone who can reach this port can run" in allowed.stderr()
        assert token_of(allowed)
    finally:
        allowed.kill()
