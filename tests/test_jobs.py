"""`sitegen jobs`: strict JSON, and --watch refreshing until Ctrl-C."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import sitegen


def test_jobs_json_is_strict_and_watch_refreshes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SITEGEN_STORE", str(tmp_path / "runs"))
    with sitegen.start_run(name="odd values") as run:
        run.log("loss", float("nan"))
        run.log("score", float("inf"))
    env = {**os.environ, "SITEGEN_STORE": str(tmp_path / "runs")}

    out = subprocess.run([sys.executable, "-m", "sitegen", "jobs", "-o", "json"], env=env,
                         capture_output=True, text=True, check=True).stdout
    rows = json.loads(out, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    assert [(r["run_id"], r["metrics"]) for r in rows] == [
        (run.run_id, {"loss": "NaN", "score": "Infinity"})]

    watch = subprocess.Popen([sys.executable, "-m", "sitegen", "jobs", "--watch", "--interval", "0.2"],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2.5)
    watch.send_signal(signal.SIGINT)
    out, err = watch.communicate(timeout=20)
    assert watch.returncode == 0, err
    assert "Traceback" not in err
    refreshes = out.count("(refreshed ")
    assert refreshes >= 2
    assert out.count(run.run_id) == refreshes
