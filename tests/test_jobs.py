"""`sitegen jobs`: strict JSON, and --watch refreshing until Ctrl-C."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

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
    seen = []
    for line in watch.stdout:  # each refresh is flushed as it is made: wait for the second one
        seen.append(line)
        if line.startswith("(refreshed ") and sum(s.startswith("(refreshed ") for s in seen) == 2:
            break
    watch.send_signal(signal.SIGINT)
    rest, err = watch.communicate(timeout=20)
    out = "".join(seen) + rest
    assert watch.returncode == 0, err
    assert "Traceback" not in err
    refreshes = out.count("(refreshed ")
    assert refreshes >= 2
    assert out.count(run.run_id) == refreshes


def test_jobs_shows_primary_metric_and_series_first_and_uses_the_terminal_width(tmp_path):
    """Issue 9 item 10: loss and accuracy come first, and COLUMNS=200 gives them 200 columns."""
    script = tmp_path / "train.py"
    script.write_text(
        "from sitegen import get_logger\n"
        "log = get_logger()\n"
        "log.log_params({'lr': 0.001, 'batch_size': 64, 'optimizer': {'name': 'adam'}})\n"
        "for name in ('alpha', 'beta'):\n"
        "    log.log(name, 0.123456)\n"
        "for i in range(5):\n"
        "    log.log({'loss': 1.0 / (i + 1), 'val_loss': 2.0 / (i + 1)}, step=i)\n"
        "log.log('test_accuracy', 0.875)\n")
    env = {**os.environ, "SITEGEN_STORE": str(tmp_path / "runs"), "SITEGEN_EXPERIMENT": "Jobs"}
    env.pop("SITEGEN_RUN_ID", None)
    subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, check=True, timeout=60)

    def panel(columns: int) -> list[str]:
        out = subprocess.run([sys.executable, "-m", "sitegen", "jobs"], cwd=tmp_path,
                             env={**env, "COLUMNS": str(columns)}, capture_output=True, text=True,
                             check=True, timeout=60).stdout
        return out.rstrip("\n").split("\n")

    header, row = panel(200)
    values = row[header.index("Values"):]
    assert values.startswith("test_accuracy=0.875  loss=0.2  val_loss=0.4  alpha=0.123456"), values
    assert values.endswith("batch_size=64  lr=0.001  optimizer.name=adam")  # all of it fits
    assert 80 < len(row) <= 200 and "…" not in row
    header, row = panel(120)
    assert len(row) == 120 and row.endswith("…")
    assert row[header.index("Values"):].startswith("test_accuracy=0.875  loss=0.2")
    rows = json.loads(subprocess.run([sys.executable, "-m", "sitegen", "jobs", "-o", "json"],
                                     cwd=tmp_path, env=env, capture_output=True, text=True,
                                     check=True).stdout)
    assert rows[0]["series"] == ["loss", "val_loss"]
    assert rows[0]["parameters"] == {"batch_size": 64, "lr": 0.001, "optimizer.name": "adam"}
