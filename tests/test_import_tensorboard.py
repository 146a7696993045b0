"""`sitegen import tensorboard` against event files written by a real SummaryWriter."""
from __future__ import annotations

from pathlib import Path

import pytest
from import_helpers import hide_package, store_state

from sitegen.store import Store

pytest.importorskip("tensorboard", reason="the tensorboard extra is not installed")


def write_logs(logdir: Path) -> None:
    """Two runs as people write them with PyTorch's SummaryWriter: scalars, hyper-parameters, an
    image."""
    import numpy as np
    torch_tb = pytest.importorskip("torch.utils.tensorboard", reason="torch is not installed")
    with torch_tb.SummaryWriter(str(logdir / "lr_0.1")) as w:
        for step in range(0, 50, 10):
            w.add_scalar("loss", 1.0 / (step + 1), step)
            w.add_scalar("eval/accuracy", 0.5 + step / 100, step)
        w.add_image("samples/first", np.ones((3, 4, 4)) * 0.5, 40)
        w.add_hparams({"lr": 0.1, "batch_size": 32, "optimizer": "adam"}, {"hparam/accuracy": 0.9},
                      run_name=".")
    with torch_tb.SummaryWriter(str(logdir / "sweep" / "b")) as w:
        w.add_scalar("loss", 2.0, 0)


def runs_by_name(store: Store) -> dict[str, dict]:
    return {m["name"]: m for m in store.runs()}


def test_import_scalars_hparams_images_and_reimport_changes_nothing(project: Path, cli) -> None:
    logdir = project / "tb"
    write_logs(logdir)
    proc = cli("import", "tensorboard", "tb")
    assert proc.returncode == 0, proc.stderr
    assert "2 new run(s)" in proc.stdout
    store = Store(project / "runs")
    runs = runs_by_name(store)
    assert set(runs) == {"lr_0.1", "sweep/b"}
    run = runs["lr_0.1"]
    assert run["parameters"] == {"lr": 0.1, "batch_size": 32, "optimizer": "adam"}
    assert run["imported"]["source"] == "tensorboard"
    assert run["imported"]["source_id"].endswith("::lr_0.1")
    assert run["imported"]["location"] == str(logdir.resolve())
    assert run["status"] == "Completed"
    metrics = store.metrics(run["run_id"])
    assert metrics["loss"].steps == [0, 10, 20, 30, 40]
    assert metrics["loss"].values[1] == pytest.approx(1 / 11)
    assert metrics["eval/accuracy"].values[-1] == pytest.approx(0.9)
    assert min(metrics["loss"].times) > 1.6e9  # wall times kept
    png = (store.run_dir(run["run_id"]) / "outputs" / "samples_first.png").read_bytes()
    assert png.startswith(b"\x89PNG")

    before = store_state(project / "runs")
    again = cli("import", "tensorboard", "tb")
    assert again.returncode == 0, again.stderr
    assert "0 new run(s), 0 updated, 2 unchanged" in again.stdout
    assert store_state(project / "runs") == before


def test_reimport_adds_only_new_points_of_a_run_being_written(project: Path, cli) -> None:
    """TensorBoard's own writer (TF2-style tensor scalars), still writing between two imports."""
    from tensorboard.summary import Writer
    writer = Writer(str(project / "tb" / "live"))
    for step in range(3):
        writer.add_scalar("loss", float(step), step=step)
    writer.flush()
    assert cli("import", "tensorboard", "tb").returncode == 0
    for step in range(3, 6):
        writer.add_scalar("loss", float(step), step=step)
    writer.close()
    proc = cli("import", "tensorboard", "tb")
    assert "0 new run(s), 1 updated" in proc.stdout and "3 new point(s)" in proc.stdout
    store = Store(project / "runs")
    [run_id] = store.run_ids()
    assert store.metrics(run_id)["loss"].steps == [0, 1, 2, 3, 4, 5]


def test_a_corrupt_event_file_warns_and_the_rest_imports(project: Path, cli) -> None:
    write_logs(project / "tb")
    [bad] = (project / "tb" / "sweep" / "b").glob("*tfevents*")
    data = bytearray(bad.read_bytes())
    data[-6:-2] = b"XXXX"  # the last record's checksum
    bad.write_bytes(bytes(data))
    proc = cli("import", "tensorboard", "tb")
    assert proc.returncode == 0, proc.stderr
    assert "corrupt event file" in proc.stderr and bad.name in proc.stderr
    assert "2 new run(s)" in proc.stdout
    strict = cli("import", "tensorboard", "tb", "--strict")
    assert strict.returncode == 1
    assert strict.stderr.startswith("Error: ") and strict.stderr.count("\n") == 1
    assert "corrupt event file" in strict.stderr


def test_without_the_extra_one_line_names_it(project: Path, cli, tmp_path: Path) -> None:
    (project / "tb").mkdir()
    proc = cli("import", "tensorboard", "tb", env=hide_package(tmp_path, "tensorboard"))
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert "[tensorboard]" in proc.stderr and "pip install" in proc.stderr


def test_progress_bar_on_a_terminal(project: Path) -> None:
    """On a terminal (stderr a pty) the import shows click's progress bar; piped, it does not."""
    import os
    import pty
    import subprocess
    import sys
    from tensorboard.summary import Writer
    for name in ("a", "b"):
        writer = Writer(str(project / "tb" / name))
        writer.add_scalar("loss", 1.0, step=0)
        writer.close()
    leader, follower = pty.openpty()
    proc = subprocess.run([sys.executable, "-m", "sitegen", "import", "tensorboard", "tb"],
                          stdout=subprocess.PIPE, stderr=follower, text=True, timeout=120)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal's other end is closed: all was read
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert proc.returncode == 0 and "2 new run(s)" in proc.stdout
    assert b"Importing tensorboard runs" in shown and b"100%" in shown
