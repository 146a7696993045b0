"""The tracked runner with real processes: sitegen run [--detach], jobs, cancel, statuses."""
from __future__ import annotations

import json
import os
import pickle
import platform
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import checkout_state, pid_gone, wait_for

from sitegen.store import TERMINAL_STATUSES, Store

REPO = Path(__file__).resolve().parent.parent


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def wait_done(store: Store, run_id: str, timeout: float = 60.0) -> dict:
    return wait_for(lambda: (m := store.load_meta(run_id))["status"] in TERMINAL_STATUSES and m,
                      timeout, f"run {run_id} to finish")


SLEEPER = """\
import os, sys, time
open(sys.argv[1], "w").write(str(os.getpid()))
print("started", flush=True)
time.sleep(float(sys.argv[2]))
print("finished", flush=True)
"""


def test_foreground_streams_output_and_keeps_driver_log(project: Path, cli) -> None:
    write(project / "train.py", """\
import sys
from sitegen import get_logger
log = get_logger()
print("to stdout", sys.argv[1:])
print("to stderr", file=sys.stderr)
log.log("Accuracy", 0.75)
for v in (3.0, 2.0, 1.0):
    log.log("loss", v)
""")
    proc = cli("run", "train.py", "--lr", "0.1", "--store", "elsewhere")  # options after SCRIPT go to it
    assert proc.returncode == 0, proc.stderr
    assert "to stdout ['--lr', '0.1', '--store', 'elsewhere']" in proc.stdout
    assert "to stderr" in proc.stdout  # merged into one stream
    store = Store(project / "runs")
    [run_id] = store.run_ids()
    log = (store.run_dir(run_id) / "driver.log").read_text()
    assert "to stdout ['--lr', '0.1', '--store', 'elsewhere']\n" in log
    assert "to stderr\n" in log
    meta = store.load_meta(run_id)
    assert (meta["status"], meta["exit_code"], meta["run_number"]) == ("Completed", 0, 1)
    assert meta["script_name"] == "train.py"
    assert meta["arguments"] == ["--lr", "0.1", "--store", "elsewhere"]
    assert meta["experiment_id"] == "proj"
    metrics = store.metrics(run_id)
    assert metrics["Accuracy"].values == [0.75]
    assert metrics["loss"].values == [3.0, 2.0, 1.0]
    assert not (project / "elsewhere").exists()
    assert not (project / "outputs").exists()


def test_exit_code_propagated_and_failed(project: Path, cli) -> None:
    write(project / "bad.py", "import sys\nprint('bye')\nsys.exit(int(sys.argv[1]))\n")
    write(project / "boom.py", "raise RuntimeError('boom here')\n")
    assert cli("run", "bad.py", "3").returncode == 3
    assert cli("run", "bad.py", "0").returncode == 0
    assert cli("run", "boom.py").returncode == 1
    store = Store(project / "runs")
    runs = {m["run_number"]: m for m in store.runs()}
    assert (runs[1]["status"], runs[1]["exit_code"]) == ("Failed", 3)
    assert (runs[2]["status"], runs[2]["exit_code"]) == ("Completed", 0)
    assert (runs[3]["status"], runs[3]["exit_code"]) == ("Failed", 1)
    assert "RuntimeError: boom here" in (store.run_dir(runs[3]["run_id"]) / "driver.log").read_text()


def test_missing_script_is_one_line_error(project: Path, cli) -> None:
    proc = cli("run", "nope.py")
    assert proc.returncode == 1
    assert proc.stderr.startswith("Error: no such script: nope.py")
    assert "Traceback" not in proc.stderr


def test_detach_returns_at_once_and_runs_in_parallel(project: Path, cli) -> None:
    write(project / "nap.py", SLEEPER)
    store = Store(project / "runs")
    ids = []
    for i in range(4):
        proc = cli("run", "--detach", "nap.py", str(project / f"pid{i}"), "2")
        assert proc.returncode == 0, proc.stderr
        run_id = proc.stdout.strip()
        assert store.raw_meta(run_id)["status"] == "Running"  # exists when --detach returns
        ids.append(run_id)
    metas = [wait_done(store, r) for r in ids]
    assert [m["status"] for m in metas] == ["Completed"] * 4
    assert sorted(m["run_number"] for m in metas) == [1, 2, 3, 4]
    for m in metas:
        log = (store.run_dir(m["run_id"]) / "driver.log").read_text()
        assert log == "started\nfinished\n"


def test_outputs_are_isolated_per_run(project: Path, cli) -> None:
    write(project / "data" / "input.txt", "project data\n")
    sync = project.parent / "sync"
    sync.mkdir()
    write(project / "writer.py", """\
import os, sys, time
me, other, sync = sys.argv[1], sys.argv[2], sys.argv[3]
data = open("data/input.txt").read().strip()      # relative reads of project files work
os.makedirs("outputs", exist_ok=True)
open("outputs/x.txt", "w").write(me)
open(os.path.join(sync, me), "w").close()
deadline = time.time() + 30
while not os.path.exists(os.path.join(sync, other)) and time.time() < deadline:
    time.sleep(0.02)
time.sleep(0.2)
print(data, "/", open("outputs/x.txt").read(), "/", os.path.exists(os.path.join(sync, other)))
""")
    store = Store(project / "runs")
    a = cli("run", "--detach", "writer.py", "A", "B", str(sync)).stdout.strip()
    b = cli("run", "--detach", "writer.py", "B", "A", str(sync)).stdout.strip()
    ma, mb = wait_done(store, a), wait_done(store, b)
    assert (ma["status"], mb["status"]) == ("Completed", "Completed")
    assert (store.run_dir(a) / "outputs" / "x.txt").read_text() == "A"
    assert (store.run_dir(b) / "outputs" / "x.txt").read_text() == "B"
    # both were alive at once, and each saw only its own file
    assert (store.run_dir(a) / "driver.log").read_text() == "project data / A / True\n"
    assert (store.run_dir(b) / "driver.log").read_text() == "project data / B / True\n"
    assert not (project / "outputs").exists()
    leftovers = [p for p in Path(os.environ.get("TMPDIR", "/tmp")).glob(f"sitegen-{a}-*")]
    assert leftovers == []  # the per-run working folder is removed


def test_cancel_stops_a_running_run(project: Path, cli) -> None:
    write(project / "nap.py", SLEEPER)
    store = Store(project / "runs")
    run_id = cli("run", "--detach", "nap.py", str(project / "pid"), "60").stdout.strip()
    wait_for(lambda: "started" in (store.run_dir(run_id) / "driver.log").read_text(),
               what="the script to start")
    child = int((project / "pid").read_text())
    proc = cli("cancel", "last")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"{run_id}: Canceled"
    meta = store.load_meta(run_id)
    assert meta["status"] == "Canceled"
    assert meta["exit_code"] == -signal.SIGTERM
    wait_for(lambda: pid_gone(child), 10, "the script to exit")
    again = cli("cancel", run_id[:-2])  # a unique prefix works too
    assert again.returncode == 1
    assert again.stderr.strip() == f"Error: run {run_id} is not running (status Canceled); nothing to cancel"


def test_cancel_escalates_to_sigkill(project: Path, cli) -> None:
    write(project / "stubborn.py", """\
import signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ignoring SIGTERM", flush=True)
time.sleep(60)
""")
    store = Store(project / "runs")
    env = {"SITEGEN_CANCEL_GRACE": "0.5"}
    run_id = cli("run", "--detach", "stubborn.py", env=env).stdout.strip()
    wait_for(lambda: "ignoring" in (store.run_dir(run_id) / "driver.log").read_text())
    started = time.monotonic()
    proc = cli("cancel", "1", env=env)
    assert proc.stdout.strip() == f"{run_id}: Canceled", proc.stderr
    assert time.monotonic() - started < 20
    assert store.load_meta(run_id)["exit_code"] == -signal.SIGKILL


def test_sigkill_of_the_script_reads_killed(project: Path, cli) -> None:
    write(project / "nap.py", SLEEPER)
    store = Store(project / "runs")
    run_id = cli("run", "--detach", "nap.py", str(project / "pid"), "60").stdout.strip()
    pid_file = project / "pid"
    wait_for(lambda: pid_file.exists() and pid_file.read_text(), what="the pid file")
    os.kill(int(pid_file.read_text()), signal.SIGKILL)
    meta = wait_done(store, run_id)
    assert (meta["status"], meta["exit_code"]) == ("Killed", -signal.SIGKILL)
    assert meta["end_time_utc"] and meta["duration"]


def test_sigkill_of_the_supervisor_reads_killed(project: Path, cli) -> None:
    write(project / "nap.py", SLEEPER)
    store = Store(project / "runs")
    run_id = cli("run", "--detach", "nap.py", str(project / "pid"), "60").stdout.strip()
    pid_file = project / "pid"
    wait_for(lambda: pid_file.exists() and pid_file.read_text(), what="the pid file")
    supervisor = store.raw_meta(run_id)["pid"]
    child = int(pid_file.read_text())
    assert supervisor != child
    os.kill(supervisor, signal.SIGKILL)
    wait_for(lambda: pid_gone(supervisor), 10, "the supervisor to die")
    assert store.raw_meta(run_id)["status"] == "Running"  # nobody wrote an end...
    assert store.load_meta(run_id)["status"] == "Killed"  # ...but readers see it is dead
    wait_for(lambda: pid_gone(child), 10, "the orphaned script to get its parent-death signal")
    jobs = json.loads(cli("jobs", "-o", "json", check=True).stdout)
    assert [(j["run_id"], j["status"]) for j in jobs] == [(run_id, "Killed")]


def test_stale_heartbeat_reads_killed(project: Path, cli) -> None:
    write(project / "nap.py", SLEEPER)
    store = Store(project / "runs")
    run_id = cli("run", "--detach", "nap.py", str(project / "pid"), "60").stdout.strip()
    wait_for(lambda: (project / "pid").exists())
    assert store.load_meta(run_id)["status"] == "Running"
    hb = store.run_dir(run_id) / "heartbeat"
    old = time.time() - 3600
    os.kill(store.raw_meta(run_id)["pid"], signal.SIGSTOP)  # a frozen supervisor stops beating
    try:
        os.utime(hb, (old, old))
        assert store.load_meta(run_id)["status"] == "Killed"
    finally:
        os.kill(store.raw_meta(run_id)["pid"], signal.SIGCONT)
    assert cli("cancel", run_id).returncode == 1  # a dead run cannot be canceled
    wait_for(lambda: store.heartbeat_time(run_id) > old + 60, 10, "the heartbeat to resume")
    assert cli("cancel", run_id).returncode == 0
    assert store.load_meta(run_id)["status"] == "Canceled"


def test_ctrl_c_in_the_foreground_cancels(project: Path) -> None:
    write(project / "nap.py", SLEEPER)
    sup = subprocess.Popen([sys.executable, "-m", "sitegen", "run", "nap.py", str(project / "pid"), "60"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert sup.stdout.readline() == "started\n"
    sup.send_signal(signal.SIGINT)
    out, err = sup.communicate(timeout=30)
    assert sup.returncode == 130, err  # 128 + SIGINT: the script died of KeyboardInterrupt
    [meta] = Store(project / "runs").runs()
    assert meta["status"] == "Canceled"
    assert "KeyboardInterrupt" in (Store(project / "runs").run_dir(meta["run_id"]) / "driver.log").read_text()


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.com", *args],
                          cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def test_recorded_fields_in_a_git_repo(project: Path, cli) -> None:
    write(project / "sitegen.toml", 'project = "Demo"\nenv = ["MY_SETTING"]\n')
    write(project / "show.py", """\
import json, os
print(json.dumps({k: os.environ.get(k) for k in
                  ("SITEGEN_RUN_ID", "SITEGEN_STORE", "SITEGEN_EXPERIMENT", "PYTHONUNBUFFERED")}))
""")
    git(project, "init", "-q")
    git(project, "add", "sitegen.toml", "show.py")
    git(project, "commit", "-qm", "first")
    head = git(project, "rev-parse", "HEAD")
    env = {"MY_SETTING": "visible", "OTHER_TOKEN": "never-recorded"}
    proc = cli("run", "--name", "first try", "show.py", "--password", "hunter2", "--lr=0.1", env=env)
    assert proc.returncode == 0, proc.stderr
    write(project / "show.py", (project / "show.py").read_text() + "# edited\n")
    assert cli("run", "show.py", env=env).returncode == 0

    store = Store(project / "runs")
    first, second = sorted(store.runs(), key=lambda m: m["run_number"])
    assert first["run_id"].startswith("Demo_") and first["experiment_id"] == "Demo"
    assert (first["run_number"], second["run_number"]) == (1, 2)
    assert first["name"] == "first try"
    assert first["script_name"] == "show.py"
    assert first["arguments"] == ["--password", "*****", "--lr=0.1"]
    assert first["command"] == ["python", "show.py", "--password", "*****", "--lr=0.1"]
    assert first["properties"] == {"CommitId": head, "GitDirty": False}  # runs/ does not count
    assert second["properties"] == {"CommitId": head, "GitDirty": True}
    assert first["python_version"] == platform.python_version()
    assert first["target"] == "local" and first["user_id"] and first["host"]
    assert first["env"] == {"MY_SETTING": "visible"}
    assert first["created_utc"] and first["start_time_utc"] and first["end_time_utc"]
    assert first["duration"].startswith("0:00:")
    assert len(first["snapshot"]) == 64
    raw = (store.run_dir(first["run_id"]) / "run.json").read_text()
    assert "hunter2" not in raw and "never-recorded" not in raw
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen == {"SITEGEN_RUN_ID": first["run_id"], "SITEGEN_STORE": str(project / "runs"),
                    "SITEGEN_EXPERIMENT": "Demo", "PYTHONUNBUFFERED": "1"}


def test_jobs_panel(project: Path, cli) -> None:
    write(project / "nap.py", SLEEPER)
    write(project / "quick.py", "from sitegen import get_logger\nget_logger().log('Accuracy', 0.5)\n")
    assert cli("run", "quick.py").returncode == 0
    assert cli("run", "quick.py").returncode == 0
    running = cli("run", "--detach", "nap.py", str(project / "pid"), "60").stdout.strip()
    try:
        rows = json.loads(cli("jobs", "-o", "json", check=True).stdout)
        assert [(r["run_number"], r["status"]) for r in rows] == [(3, "Running"), (2, "Completed"),
                                                                  (1, "Completed")]
        assert rows[0]["run_id"] == running and rows[0]["script_name"] == "nap.py"
        assert rows[1]["metrics"] == {"Accuracy": 0.5}
        assert rows[0]["elapsed"] >= 0
        limited = json.loads(cli("jobs", "-o", "json", "--limit", "1", check=True).stdout)
        assert [r["run_number"] for r in limited] == [3, 2]  # running ones always shown
        table = cli("jobs", check=True).stdout
        lines = table.splitlines()
        assert lines[0].split() == ["#", "Run_id", "Script", "Status", "Elapsed", "Values"]
        assert lines[1].split()[:4] == ["3", running, "nap.py", "Running"]
        assert "Accuracy=0.5" in lines[2]
        assert "\x1b[" not in table  # no colour when not on a terminal
    finally:
        cli("cancel", running)


def test_iris_demo_script_tracked(project: Path, cli) -> None:
    shutil.copy(REPO / "examples" / "iris_sklearn.py", project / "iris_sklearn.py")
    proc = cli("run", "iris_sklearn.py", "0.5")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    store = Store(project / "runs")
    [run_id] = store.run_ids()
    metrics = store.metrics(run_id)
    assert metrics["Regularization Rate"].values == [0.5]
    [accuracy] = metrics["Accuracy"].values
    assert 0.5 < accuracy <= 1.0
    assert len(metrics["Log loss"]) == 20
    assert f"Accuracy is {accuracy}" in proc.stdout
    outputs = store.run_dir(run_id) / "outputs"
    assert sorted(p.name for p in outputs.iterdir()) == ["cm.png", "model.pkl", "roc.png"]
    for png in ("cm.png", "roc.png"):
        assert (outputs / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with open(outputs / "model.pkl", "rb") as f:
        model = pickle.load(f)
    assert model.C == pytest.approx(2.0)


def test_demo_runs_detached_pairs(tmp_path: Path, monkeypatch) -> None:
    for var in ("SITEGEN_RUN_ID", "SITEGEN_STORE", "SITEGEN_EXPERIMENT"):
        monkeypatch.delenv(var, raising=False)
    store_dir = tmp_path / "store"
    before = checkout_state(REPO)
    proc = subprocess.run([sys.executable, str(REPO / "examples" / "demo.py"), "--no-serve",
                           "--store", str(store_dir), "--rates", "10", "0.078125", "1"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # given --store, the demo writes its site beside that store, never into the checkout's ./site
    assert checkout_state(REPO) == before
    assert (tmp_path / "site" / "index.html").is_file()
    assert len(list((tmp_path / "site" / "runs").glob("IrisDemo_*.html"))) == 3
    runs = Store(store_dir).runs()
    assert sorted(m["run_number"] for m in runs) == [1, 2, 3]
    assert {m["status"] for m in runs} == {"Completed"}
    assert all(m["run_id"].startswith("IrisDemo_") for m in runs)
    assert proc.stdout.count("started  IrisDemo_") == 3
    for m in runs:  # the table printed at the end lists every run
        assert m["run_id"] in proc.stdout.split("started")[-1].split("\n\n", 1)[-1]


def test_stray_files_are_kept_and_jobs_table_is_terminal_safe(project: Path, cli) -> None:
    write(project / "stray.py", """\
from sitegen import get_logger
open("results.txt", "w").write("not in outputs")   # a new top-level file in the working folder
get_logger().log("\\x1b[31mred\\nname", "<b>\\x07")
""")
    assert cli("run", "stray.py").returncode == 0
    store = Store(project / "runs")
    [run_id] = store.run_ids()
    assert (store.run_dir(run_id) / "outputs" / "results.txt").read_text() == "not in outputs"
    assert "kept as outputs/results.txt" in (store.run_dir(run_id) / "driver.log").read_text()
    assert not (project / "results.txt").exists()
    table = cli("jobs", check=True).stdout
    assert "\x1b" not in table and "\x07" not in table
    assert len(table.splitlines()) == 2
    assert "\\x1b[31mred name=<b>\\x07" in table  # escaped (issue 16.5), not obeyed


def test_script_paths_in_a_subfolder_and_outside(project: Path, cli) -> None:
    write(project / "examples" / "helper.py", "VALUE = 'from helper'\n")
    write(project / "examples" / "main.py", """\
import os, helper
print(helper.VALUE, os.path.isdir("outputs"), open("examples/helper.py").read().strip())
""")
    outside = write(project.parent / "other" / "tool.py", "import sys\nprint('outside', sys.argv[1:])\n")
    sub = cli("run", "examples/main.py")
    assert sub.returncode == 0, sub.stderr
    assert sub.stdout == "from helper True VALUE = 'from helper'\n"
    out = cli("run", "../other/tool.py", "x")
    assert out.returncode == 0, out.stderr
    assert out.stdout == "outside ['x']\n"
    absolute = cli("run", str(outside), "y")
    assert absolute.stdout == "outside ['y']\n"
    names = [m["script_name"] for m in sorted(Store(project / "runs").runs(), key=lambda m: m["run_number"])]
    assert names == ["examples/main.py", "../other/tool.py", str(outside)]


def test_cancel_refuses_untracked_and_unknown_runs(project: Path, cli) -> None:
    write(project / "plain.py", """\
import time
from sitegen import get_logger
get_logger().log("x", 1)
get_logger().flush()
print("logged", flush=True)
time.sleep(60)
""")
    plain = subprocess.Popen([sys.executable, "plain.py"], stdout=subprocess.PIPE, text=True)
    try:
        assert plain.stdout.readline() == "logged\n"
        [run_id] = Store(project / "runs").run_ids()
        proc = cli("cancel", "last")
        assert proc.returncode == 1
        assert proc.stderr.strip() == (f"Error: run {run_id} was not started by `sitegen run`; stop its "
                                       f"process yourself (pid {plain.pid} on {socket.gethostname()})")
        assert plain.poll() is None  # left alone
        unknown = cli("cancel", "nosuchrun")
        assert unknown.returncode == 1 and unknown.stderr.startswith("Error: no run matches 'nosuchrun'")
    finally:
        plain.kill()
        plain.wait()


def test_a_tracked_script_can_launch_tracked_runs(project: Path, cli) -> None:
    write(project / "child.py", "open('outputs/who.txt', 'w').write('child')\nprint('child ran')\n")
    write(project / "sweep.py", """\
import subprocess, sys
open("outputs/who.txt", "w").write("sweep")
for rate in ("1", "2"):
    subprocess.run([sys.executable, "-m", "sitegen", "run", "child.py", rate], check=True)
""")
    proc = cli("run", "sweep.py")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("child ran") == 2
    store = Store(project / "runs")
    sweep, *children = sorted(store.runs(), key=lambda m: m["run_number"])
    assert [m["script_name"] for m in (sweep, *children)] == ["sweep.py", "child.py", "child.py"]
    assert [m["parent_run_id"] for m in children] == [sweep["run_id"]] * 2
    assert [m["arguments"] for m in children] == [["1"], ["2"]]
    assert {m["status"] for m in (sweep, *children)} == {"Completed"}
    assert "child.py" in json.loads((store.run_dir(children[0]["run_id"]) / "snapshot.json").read_text())
    assert children[0]["snapshot"] == sweep["snapshot"]
    assert (store.run_dir(sweep["run_id"]) / "outputs" / "who.txt").read_text() == "sweep"
    assert (store.run_dir(children[1]["run_id"]) / "outputs" / "who.txt").read_text() == "child"


def proc_state(pid: int) -> str:
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def test_ctrl_z_suspends_and_resumes_the_script(project: Path) -> None:
    write(project / "nap.py", SLEEPER)
    sup = subprocess.Popen([sys.executable, "-m", "sitegen", "run", "nap.py", str(project / "pid"), "60"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert sup.stdout.readline() == "started\n"
        child = int((project / "pid").read_text())
        sup.send_signal(signal.SIGTSTP)
        wait_for(lambda: proc_state(child) == "T" and proc_state(sup.pid) == "T", 10, "both stopped")
        sup.send_signal(signal.SIGCONT)
        wait_for(lambda: proc_state(child) in "SR" and proc_state(sup.pid) in "SR", 10, "both resumed")
    finally:
        sup.send_signal(signal.SIGINT)
        sup.communicate(timeout=30)
    assert Store(project / "runs").runs()[0]["status"] == "Canceled"


def test_jobs_colours_status_on_a_terminal(project: Path, cli) -> None:
    import pty
    write(project / "ok.py", "print('ok')\n")
    write(project / "bad.py", "raise SystemExit(2)\n")
    cli("run", "ok.py")
    cli("run", "bad.py")
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "sitegen", "jobs"], stdout=follower,
                              stderr=subprocess.PIPE, timeout=60)
        os.close(follower)
        out = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    finally:
        os.close(leader)
    assert proc.returncode == 0, proc.stderr
    text = out.decode()
    assert "\x1b[31mFailed" in text and "\x1b[32mCompleted" in text


def test_tracked_script_runs_by_its_real_path(project: Path, cli) -> None:
    """Issue 9 item 9: tracebacks, __file__ and start errors name the user's file, not the
    temporary working folder; a script that is not executable gets a `chmod +x` hint."""
    write(project / "src" / "crash.py", """\
import os
print("FILE", __file__)
print("CWD", os.getcwd())
raise RuntimeError("boom")
""")
    proc = cli("run", "src/crash.py")
    assert proc.returncode == 1
    real = str((project / "src" / "crash.py").resolve())
    assert f"FILE {real}" in proc.stdout
    assert f'File "{real}", line 4' in proc.stdout  # the traceback names the user's file
    cwd = proc.stdout.split("CWD ", 1)[1].split("\n", 1)[0]
    assert Path(cwd).name.startswith("sitegen-") and Path(cwd).resolve() != project.resolve()
    write(project / "notexec.sh", "#!/bin/sh\necho hi\n").chmod(0o644)
    proc = cli("run", "notexec.sh")
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "chmod +x notexec.sh" in proc.stderr and "sitegen-" not in proc.stderr


def test_end_status_says_how_the_run_ended():
    from sitegen.runner import end_status
    assert end_status(True, False, 0) == "Canceled"  # a cancel wins, even over exit 0
    assert end_status(False, True, None) == "Failed"  # the supervisor itself failed
    assert end_status(False, False, None) == "Killed"  # never started or never reaped
    assert end_status(False, False, -9) == "Killed"
    assert end_status(False, False, 0) == "Completed"
    assert end_status(False, False, 3) == "Failed"
