"""System metrics of tracked runs: sampled by the supervisor with psutil, series under system/."""
from __future__ import annotations

from pathlib import Path

import pytest
from helpers import wait_for

from sitegen.store import TERMINAL_STATUSES, Store

pytest.importorskip("psutil")

# The script starts a CPU-bound child and waits for it; the child spins until the supervisor has
# recorded five samples of the run (it reads its own run's metrics), so the run is sampled while
# only the child works: the tree's CPU comes from the child.
BUSY = """\
import os, subprocess, sys
if sys.argv[1:] == ["child"]:
    from sitegen.store import Store
    store, run_id = Store(os.environ["SITEGEN_STORE"]), os.environ["SITEGEN_RUN_ID"]
    junk = bytearray(50 * 1024 * 1024)  # resident memory of the tree
    while len(store.metrics(run_id).get("system/cpu_percent", ())) < 5:
        sum(range(20000))
    sys.exit(0)
subprocess.run([sys.executable, __file__, "child"], check=True)
print("done")
"""


def finished(store: Store, run_id: str) -> dict:
    return wait_for(lambda: (m := store.load_meta(run_id))["status"] in TERMINAL_STATUSES and m,
                    120, "the run to finish")


def test_detached_run_records_its_process_tree(project: Path, cli) -> None:
    (project / "sitegen.toml").write_text("system_metrics_interval = 0.2\n")
    (project / "busy.py").write_text(BUSY)
    proc = cli("run", "--detach", "busy.py")
    assert proc.returncode == 0, proc.stderr
    store = Store(project / "runs")
    meta = finished(store, proc.stdout.strip())
    assert meta["status"] == "Completed", (store.run_dir(meta["run_id"]) / "driver.log").read_text()
    metrics = store.metrics(meta["run_id"])
    system = {k for k in metrics if k.startswith("system/")}
    assert {"system/cpu_percent", "system/memory_rss_mb", "system/machine_cpu_percent",
            "system/machine_memory_percent"} <= system
    assert not any("gpu" in k for k in system)  # no NVML here, and nothing said about it
    cpu, rss = metrics["system/cpu_percent"], metrics["system/memory_rss_mb"]
    assert len(cpu) >= 5 and cpu.steps == list(range(len(cpu)))
    assert max(cpu.values) > 10  # the child's spinning: the tree is counted, not the script alone
    assert max(rss.values) > 50  # the child's 50 MB
    assert all(0 < v <= 100 for v in metrics["system/machine_memory_percent"].values)
    log = (store.run_dir(meta["run_id"]) / "driver.log").read_text()
    assert "NVML" not in log and "nvml" not in log


SHORT = """\
import time
deadline = time.monotonic() + 1.5
while time.monotonic() < deadline:
    sum(range(20000))
"""


@pytest.mark.parametrize("how", ["flag", "config"])
def test_turned_off_by_flag_or_config(project: Path, cli, how: str) -> None:
    config = "system_metrics_interval = 0.2\n" + ("system_metrics = false\n" if how == "config" else "")
    (project / "sitegen.toml").write_text(config)
    (project / "short.py").write_text(SHORT)
    args = ["run", "--no-system-metrics", "short.py"] if how == "flag" else ["run", "short.py"]
    proc = cli(*args)
    assert proc.returncode == 0, proc.stderr
    store = Store(project / "runs")
    [run_id] = store.run_ids()
    assert not [k for k in store.metrics(run_id) if k.startswith("system/")]


def test_a_bad_interval_is_a_config_error(project: Path, cli) -> None:
    (project / "sitegen.toml").write_text("system_metrics_interval = 0\n")
    (project / "short.py").write_text("pass\n")
    proc = cli("run", "short.py")
    assert proc.returncode == 1 and "system_metrics_interval" in proc.stderr
    assert proc.stderr.count("\n") == 1


ONE_SAMPLE = """\
import sys
from sitegen import get_logger, start_run
from sitegen.store import Store
import os
log = get_logger()
log.log("Accuracy", 0.5)
store, run_id = Store(os.environ["SITEGEN_STORE"]), os.environ["SITEGEN_RUN_ID"]
while "system/cpu_percent" not in store.metrics(run_id):  # one sample: a scalar, not a series
    pass
"""


def test_history_list_leaves_system_metrics_out_of_its_columns(project: Path, cli) -> None:
    """A short run's single sample of system/… is a scalar: not a column of every table."""
    (project / "short.py").write_text(ONE_SAMPLE)
    assert cli("run", "short.py").returncode == 0
    table = cli("history", "list", check=True).stdout
    header = table.splitlines()[0]
    assert "Accuracy" in header and "system/" not in header
    import json
    [record] = json.loads(cli("history", "list", "-o", "json", check=True).stdout)
    assert "system/cpu_percent" in record   # still in the run's full record, as in history info
