"""Run stores on object storage (issue 13), against a real S3-protocol server on 127.0.0.1 (moto):
many machines into one bucket, an outage mid-run, a killed process's spool, sync, builds from the
bucket and deploys to it."""
from __future__ import annotations

import filecmp
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from helpers import pid_gone, wait_for

pytest.importorskip("s3fs", reason="needs the s3 extra (pip install 'sitegen-runs[s3]')")
pytest.importorskip("moto", reason="needs moto[server] (the test extra)")
from s3server import MotoServer, Relay, detached_uploaders, machine_env  # noqa: E402

from sitegen.deploy import is_internal  # noqa: E402
from sitegen.store import Store, read_metrics  # noqa: E402

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    server = MotoServer(tmp_path_factory.mktemp("moto") / "moto.log")
    yield server
    server.close()


@pytest.fixture
def bucket(s3, request) -> str:
    name = "b-" + request.node.name.replace("_", "-").lower()[:40].strip("-")
    return s3.bucket(name)


def sitegen(*args: str, env: dict, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sitegen", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


def python(code: str, env: dict, cwd: Path, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=env, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def pull(s3, url: str, dest: Path, tmp: Path) -> Store:
    """The bucket's runs, read back through `sitegen sync URL DEST` (a fresh cache each time)."""
    env = machine_env(s3.env(), tmp / f"reader-{time.monotonic_ns()}", "reader", "")
    proc = sitegen("sync", url, str(dest), env=env, cwd=tmp)
    assert proc.returncode == 0, proc.stderr
    return Store(dest)


SWEEP = """
import sys
from sitegen import start_run
machine = sys.argv[1]
for r in range(8):
    with start_run(name=f"{machine}-{r}") as run:
        run.log_params({"machine": machine, "r": r})
        for i in range(20000):
            run.log("loss", i, step=i)
        run.log("Accuracy", r / 10)
"""


def test_two_machines_one_bucket_every_point_once_ids_and_numbers_unique(s3, bucket, tmp_path):
    url = f"s3://{bucket}/runs"
    (tmp_path / "sweep.py").write_text(SWEEP)
    procs = [subprocess.Popen([sys.executable, "sweep.py", host], cwd=tmp_path,
                              env=machine_env(s3.env(), tmp_path / f"cache-{host}", host, url),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for host in ("gpu-a", "gpu-b")]
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    store = pull(s3, url, tmp_path / "pulled", tmp_path)
    runs = store.runs()
    assert len(runs) == 16
    assert len({m["run_id"] for m in runs}) == 16
    assert sorted(m["run_number"] for m in runs) == list(range(1, 17))
    assert {m["host"] for m in runs} == {"gpu-a", "gpu-b"}
    assert {m["status"] for m in runs} == {"Completed"}
    for meta in runs:
        series = read_metrics(store.run_dir(meta["run_id"]) / "metrics.tsv")
        assert series["loss"].values == list(range(20000)), meta["run_id"]
        assert series["loss"].steps == list(range(20000))
        assert meta["parameters"]["machine"] == meta["host"]
    # the bucket holds one segment per run once the runs ended (compacted at the end)
    keys = s3.fs().find(f"{bucket}/runs")
    assert sum("/metrics/" in k for k in keys) == 16


OUTAGE = """
import os, time
from sitegen import get_logger
log = get_logger()
n = 0
while not os.path.exists("stop"):
    log.log("x", n)
    n += 1
    time.sleep(0.001)
open("count", "w").write(str(n))
"""


def test_endpoint_down_for_10s_mid_run_loses_nothing(s3, bucket, tmp_path):
    relay = Relay(s3.port)
    url = f"s3://{bucket}/runs"
    env = machine_env(s3.env(relay.endpoint), tmp_path / "cache", "laptop", url)
    env["SITEGEN_UPLOAD_INTERVAL"] = "0.2"
    (tmp_path / "train.py").write_text(OUTAGE)
    proc = subprocess.Popen([sys.executable, "train.py"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    fs = s3.fs()
    wait_for(lambda: any("/metrics/" in k for k in fs.find(f"{bucket}/runs")), 60,
             "the first uploaded segment")
    relay.cut()
    time.sleep(10)  # the scenario: the endpoint stays down for 10 s while the script logs on
    (tmp_path / "stop").touch()   # the script ends while the endpoint is still down
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "cannot upload" in err   # said once, as a warning
    relay.restore()
    n = int((tmp_path / "count").read_text())

    def arrived() -> bool:
        store = pull(s3, url, tmp_path / f"got-{time.monotonic_ns()}", tmp_path)
        runs = store.runs()
        if len(runs) != 1 or runs[0]["status"] != "Completed":
            return False
        series = read_metrics(store.run_dir(runs[0]["run_id"]) / "metrics.tsv")
        return series["x"].values == list(range(n))
    wait_for(arrived, 120, "every point in the bucket after the endpoint came back", interval=0.5)
    for pid in detached_uploaders(tmp_path / "cache"):   # it finished its job: it exits
        wait_for(lambda: pid_gone(pid), 60, "the detached uploader to finish")
    relay.cut()


KILLED = """
import sys, time
from sitegen import get_logger
log = get_logger()
for i in range(5000):
    log.log("x", i)
log.flush()
print("flushed", flush=True)
time.sleep(600)
"""


def test_sigkill_spool_is_uploaded_by_sync_and_reads_killed(s3, bucket, tmp_path):
    url = f"s3://{bucket}/runs"
    env = machine_env(s3.env(), tmp_path / "cache", "node-1", url)
    env["SITEGEN_UPLOAD_INTERVAL"] = "3600"   # the uploader never ran before the kill
    proc = python(KILLED, env, tmp_path)
    assert proc.stdout.readline().strip() == "flushed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert not any("/metrics/" in k for k in s3.fs().find(f"{bucket}/runs"))
    synced = sitegen("sync", env=env, cwd=tmp_path)
    assert synced.returncode == 0, synced.stderr
    assert "1 run(s) brought up to date" in synced.stdout
    listed = sitegen("history", "list", "-o", "json", env=env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    [run] = json.loads(listed.stdout)
    assert run["status"] == "Killed"
    store = pull(s3, url, tmp_path / "got", tmp_path)
    [meta] = store.runs()
    assert read_metrics(store.run_dir(meta["run_id"]) / "metrics.tsv")["x"].values == \
        list(range(5000))
    again = sitegen("sync", env=env, cwd=tmp_path)
    assert "0 run(s) brought up to date: 0 file(s)" in again.stdout


def make_local_runs(root: Path, env: dict, cwd: Path, n: int = 3) -> None:
    code = f"""
    import os
    from sitegen import start_run
    for r in range({n}):
        with start_run(name=f"run {{r}}") as run:
            run.log_params({{"lr": 10 ** -r}})
            for i in range(300):
                run.log("loss", 1 / (i + 1 + r), step=i)
            run.log("Accuracy", 0.5 + r / 10)
            open(run.outputs / "notes.txt", "w").write(f"run {{r}}\\n")
            open(run.outputs / "weights.bin", "wb").write(os.urandom(1000 + r))
    """
    local_env = {**env, "SITEGEN_STORE": str(root)}
    proc = python(code, local_env, cwd)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err


def tree_files(root: Path) -> dict[str, bytes]:
    """The site's files but its bookkeeping (dot-named files and folders: the build cache's shards)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)}


def test_sync_is_exact_idempotent_and_incremental(s3, bucket, tmp_path):
    url = f"s3://{bucket}/team"
    env = machine_env(s3.env(), tmp_path / "cache", "laptop", "")
    local = tmp_path / "runs"
    make_local_runs(local, env, tmp_path)
    first = sitegen("sync", str(local), url, env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "3 run(s) brought up to date" in first.stdout
    second = sitegen("sync", str(local), url, env=env, cwd=tmp_path)
    assert "0 run(s) brought up to date: 0 file(s), 0 bytes" in second.stdout
    back = pull(s3, url, tmp_path / "back", tmp_path)
    for run_id in Store(local).run_ids():
        assert tree_files(local / run_id) == tree_files(back.root / run_id) | {}, run_id
    # a run still being written: the next sync appends only the new points
    run_id = sorted(Store(local).run_ids())[0]
    with open(local / run_id / "metrics.tsv", "a") as f:
        f.write('"loss"\t300\t0.001\t1.0\n"loss"\t301\t0.0005\t1.0\n')
    third = sitegen("sync", str(local), url, env=env, cwd=tmp_path)
    assert "1 run(s) brought up to date" in third.stdout
    assert "0 file(s)" in third.stdout
    again = pull(s3, url, tmp_path / "again", tmp_path)
    assert (again.root / run_id / "metrics.tsv").read_bytes() == \
        (local / run_id / "metrics.tsv").read_bytes()


def test_build_from_bucket_equals_build_from_local_store(s3, bucket, tmp_path):
    url = f"s3://{bucket}/runs"
    env = machine_env(s3.env(), tmp_path / "cache", "laptop", "")
    local = tmp_path / "runs"
    make_local_runs(local, env, tmp_path, n=4)
    assert sitegen("sync", str(local), url, env=env, cwd=tmp_path).returncode == 0
    a = sitegen("build", "--store", url, "--site-dir", str(tmp_path / "site-bucket"), env=env,
                cwd=tmp_path)
    assert a.returncode == 0, a.stderr
    b = sitegen("build", "--store", str(local), "--site-dir", str(tmp_path / "site-local"),
                env=env, cwd=tmp_path)
    assert b.returncode == 0, b.stderr
    from_bucket, from_local = tree_files(tmp_path / "site-bucket"), tree_files(tmp_path / "site-local")
    assert sorted(from_bucket) == sorted(from_local)
    assert [p for p in from_local if from_bucket[p] != from_local[p]] == []
    # a no-change rebuild from the bucket downloads nothing and renders nothing
    c = sitegen("build", "--store", url, "--site-dir", str(tmp_path / "site-bucket"), env=env,
                cwd=tmp_path)
    assert c.returncode == 0, c.stderr
    assert "(0 changed)" in c.stdout or "nothing changed" in c.stdout.lower(), c.stdout


def test_deploy_to_bucket_uploads_only_changed_files(s3, bucket, tmp_path):
    env = machine_env(s3.env(), tmp_path / "cache", "laptop", "")
    local = tmp_path / "runs"
    make_local_runs(local, env, tmp_path, n=2)
    env["SITEGEN_STORE"] = str(local)
    target = f"s3://{bucket}/site/"
    s3.fs().call_s3("put_bucket_website", Bucket=bucket, WebsiteConfiguration={
        "IndexDocument": {"Suffix": "index.html"}})
    first = sitegen("deploy", "--to", target, env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    site = tmp_path / "site"
    published = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()
                 and not is_internal(p.relative_to(site).as_posix())}
    fs = s3.fs()
    keys = {k[len(f"{bucket}/site/"):] for k in fs.find(f"{bucket}/site")}
    assert keys == published
    assert f"Uploaded {len(published)} file(s)" in first.stdout
    assert f"served at {s3.endpoint}/{bucket}/site/index.html" in first.stdout
    info = fs.info(f"{bucket}/site/index.html")
    head = fs.call_s3("head_object", Bucket=bucket, Key="site/index.html")
    assert head["ContentType"] == "text/html; charset=utf-8"
    assert head["CacheControl"] == "no-cache"
    assert info["size"] == (site / "index.html").stat().st_size
    # one new run: only the files that changed go up; nothing else is touched
    make_local_runs(local, env, tmp_path, n=1)
    second = sitegen("deploy", "--to", target, env=env, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    uploaded = int(second.stdout.split("Uploaded ")[1].split(" ")[0])
    unchanged = int(second.stdout.split(", ")[2].split(" ")[0])
    assert 0 < uploaded < len(published) and unchanged > 0
    keys = {k[len(f"{bucket}/site/"):] for k in fs.find(f"{bucket}/site")}
    now = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()
           and not is_internal(p.relative_to(site).as_posix())}
    assert keys == now
    third = sitegen("deploy", "--to", target, "--no-build", env=env, cwd=tmp_path)
    assert "Uploaded 0 file(s)" in third.stdout


def test_missing_extra_and_unreachable_endpoint_are_one_line(s3, tmp_path):
    env = machine_env(s3.env(), tmp_path / "cache", "laptop", "")
    try:
        import gcsfs  # noqa: F401
    except ImportError:
        proc = sitegen("history", "list", "--store", "gs://bucket/runs", env=env, cwd=tmp_path)
        assert proc.returncode == 1
        assert proc.stderr.strip().splitlines() == [
            "Error: the store gs://bucket/runs needs the gcsfs package: "
            "pip install 'sitegen-runs[gcs]'"]
    from s3server import free_port
    dead = {**env, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"}
    started = time.monotonic()
    proc = sitegen("history", "list", "--store", "s3://nowhere/runs", env=dead, cwd=tmp_path)
    assert proc.returncode == 1
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith("Error: cannot reach s3://nowhere/runs") and "AWS_ENDPOINT_URL" in line
    assert time.monotonic() - started < 60
    # inside a training script: a warning, the script goes on and its data stays in the spool
    dead["SITEGEN_STORE"] = "s3://nowhere/runs"
    dead["SITEGEN_UPLOAD_INTERVAL"] = "0.1"
    dead["SITEGEN_UPLOAD_PATIENCE"] = "0"  # the detached final upload tries once and gives up
    proc = python("from sitegen import get_logger\nget_logger().log('Accuracy', 0.5)\n"
                  "print('trained')\n", dead, tmp_path)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and out.strip() == "trained", err
    assert "Traceback" not in err
    # the run ended while its store was unreachable: a detached uploader took over, and (with no
    # patience) gave up at once; nothing is left running
    for pid in detached_uploaders(tmp_path / "cache"):
        wait_for(lambda: pid_gone(pid), 60, "the detached uploader to give up")
    spool = next((tmp_path / "cache" / "stores").glob("*/spool"))
    [meta] = Store(spool).runs()
    assert read_metrics(Store(spool).run_dir(meta["run_id"]) / "metrics.tsv")["Accuracy"].last \
        == 0.5


def test_file_url_store_and_local_to_local_sync(tmp_path):
    """``file://`` stores use the bucket layout through fsspec's local filesystem."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITEGEN_")}
    env["SITEGEN_CACHE_DIR"] = str(tmp_path / "cache")
    local = tmp_path / "runs"
    make_local_runs(local, env, tmp_path, n=2)
    url = (tmp_path / "shared").as_uri()
    proc = sitegen("sync", str(local), url, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "shared" / ".sitegen" / "numbers").is_dir()
    listed = sitegen("history", "list", "--store", url, "-o", "json", env=env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 2
    copy = sitegen("sync", str(local), str(tmp_path / "copy"), env=env, cwd=tmp_path)
    assert copy.returncode == 0, copy.stderr
    assert filecmp.cmp(local / Store(local).run_ids()[0] / "metrics.tsv",
                       tmp_path / "copy" / Store(local).run_ids()[0] / "metrics.tsv", shallow=False)


def test_serve_from_bucket_polls_and_shows_new_runs(s3, bucket, tmp_path):
    import urllib.request
    from s3server import free_port
    url = f"s3://{bucket}/runs"
    env = machine_env(s3.env(), tmp_path / "cache", "laptop", "")
    local = tmp_path / "runs"
    make_local_runs(local, env, tmp_path, n=1)
    assert sitegen("sync", str(local), url, env=env, cwd=tmp_path).returncode == 0
    port = free_port()
    serve_env = {**env, "SITEGEN_REMOTE_POLL": "0.3"}
    server = subprocess.Popen([sys.executable, "-m", "sitegen", "serve", "--store", url, "--port",
                               str(port), "--no-livereload"], env=serve_env, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        def index() -> str:
            try:
                return urllib.request.urlopen(f"http://127.0.0.1:{port}/data/index/runs-0.js",  # the grid's rows
                                              timeout=5).read().decode()
            except OSError:
                return ""
        [first] = Store(local).run_ids()
        wait_for(lambda: first in index(), 60, "the served site")
        make_local_runs(local, env, tmp_path, n=1)
        [second] = [r for r in Store(local).run_ids() if r != first]
        assert second not in index()
        assert sitegen("sync", str(local), url, env=env, cwd=tmp_path).returncode == 0
        wait_for(lambda: second in index(), 60, "the new run, polled from the bucket")
    finally:
        server.send_signal(signal.SIGINT)
        out, _ = server.communicate(timeout=30)
    assert "Traceback" not in out
