"""Issue 16 items 8-11: no input crashes or hangs a command. Generated: every corrupt-store case
below × every command (a table), and every bad argument; each must finish within a timeout, print
no traceback, and exit 0 or 1 (an error is one ``Error:`` line)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import PY, clean_env, py, write_script

TIMEOUT = 40

MAKE = """
    import os
    from sitegen import start_run
    for i in range(3):
        with start_run(name=f"r{i}") as run:
            run.log("Accuracy", 0.5 + i / 10)
            run.log("label", "x")
            run.log("loss", [0.5, 0.4, 0.3])
            (run.outputs / "model.txt").write_text("weights")
"""


def _meta(run: Path, **changes) -> None:
    meta = json.loads((run / "run.json").read_text())
    meta.update(changes)
    (run / "run.json").write_text(json.dumps(meta))


def _running(run: Path, pid) -> None:
    _meta(run, status="Running", pid=pid, end_time_utc=None)
    (run / "heartbeat").touch()


def _raw_meta(run: Path, text: str) -> None:
    (run / "run.json").write_text(text)


def _metrics_text(run: Path, text: str) -> None:
    (run / "metrics.tsv").write_text(text)


def _fifo_metrics(run: Path) -> None:
    (run / "metrics.tsv").unlink()
    os.mkfifo(run / "metrics.tsv")


def _zero_metrics(run: Path) -> None:
    (run / "metrics.tsv").unlink()
    os.symlink("/dev/zero", run / "metrics.tsv")


def _fifo_output(run: Path) -> None:
    os.mkfifo(run / "outputs" / "pipe.txt")


BIG = "7" * 400
HUGE = "7" * 5000
# name -> how the third run (newest) is broken
STORE_CASES = {
    "pid-x": lambda r: _running(r, "x"),
    "pid-1e400": lambda r: _raw_meta(r, (r / "run.json").read_text().replace('"status": "Completed"', '"status": "Running"').rstrip().rstrip("}") + ', "pid": 1e400}'),
    "pid-10**25": lambda r: _running(r, 10 ** 25),
    "pid-list": lambda r: _running(r, [1]),
    "pid-negative": lambda r: _running(r, -1),
    "created-int": lambda r: _meta(r, created_utc=5, start_time_utc=5, end_time_utc=[1]),
    "run-number-str": lambda r: _meta(r, run_number="7", name=["x"], status=3),
    "tags-str": lambda r: _meta(r, tags="x", properties=[1], arguments="--lr 1"),
    "tags-nested": lambda r: _meta(r, tags={"a": {"b": [1, {"c": None}]}}, properties={"x": [1]},
                                   arguments=[1, None, {"a": 1}], parent_run_id=5, hidden="yes"),
    "run-json-brackets": lambda r: _raw_meta(r, "[" * 100_000),
    "run-json-list": lambda r: _raw_meta(r, "[1, 2]"),
    "metrics-fifo": _fifo_metrics,
    "metrics-dev-zero": _zero_metrics,
    "metrics-400-digits": lambda r: _metrics_text(r, f'"n"\t0\t{BIG}\t1.0\n"s"\t0\t"text"\t1.0\n'),
    "metrics-5000-digits": lambda r: _metrics_text(r, f'"n"\t0\t{HUGE}\t1.0\n"n"\t1\t{HUGE}\t2.0\n"s"\t0\t"t"\t1.0\n'),
    "metrics-deep-name": lambda r: _metrics_text(r, "[" * 50_000 + '\t0\t1\t1.0\n"ok"\t0\t1\t1.0\n'),
    "metrics-huge-step": lambda r: _metrics_text(r, f'"n"\t{HUGE}\t1\t1.0\n"n"\t1e999\t2\tnan\n'),
    "output-fifo": _fifo_output,
}

# every command that reads the store; RUN is the broken run's id, OTHER a good one
COMMANDS = {
    "list": ["history", "list"],
    "list-json": ["history", "list", "-o", "json"],
    "info": ["history", "info", "RUN"],
    "last": ["history", "last"],
    "compare": ["history", "compare", "RUN", "OTHER"],
    "download": ["history", "download", "RUN", "DEST"],
    "restore": ["history", "restore", "RUN", "--dry-run"],
    "jobs": ["jobs", "--all"],
    "jobs-json": ["jobs", "--all", "-o", "json"],
    "cancel": ["cancel", "RUN", "--no-wait"],
    "build": ["build"],
    "run": ["run", "noop.py"],
}


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    proj = tmp_path_factory.mktemp("bad") / "proj"
    proj.mkdir()
    write_script(proj / "make.py", MAKE)
    py(proj / "make.py", cwd=proj)
    write_script(proj / "noop.py", "print('noop')\n")
    return proj


def _copy(template: Path, dest: Path) -> tuple[Path, str, str]:
    shutil.copytree(template, dest, symlinks=True)
    runs = sorted(p for p in (dest / "runs").iterdir() if not p.name.startswith("."))
    return dest, runs[-1].name, runs[0].name


# Tests run as root here, and root reads any file whatever its mode. Without the capabilities that
# let it (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH; CAP_FOWNER: change modes) root obeys file modes like
# any user: that is how the permission cases run. (Switching to `nobody` cannot work here: the
# Python interpreter lives under /root.)
UNPRIVILEGED = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"] \
    if os.geteuid() == 0 else []


def check(proc_args: list[str], cwd: Path, env: dict | None = None,
          unprivileged: bool = False) -> subprocess.CompletedProcess:
    cmd = [PY, "-m", "sitegen", *proc_args]
    if unprivileged:
        cmd = UNPRIVILEGED + cmd
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env or clean_env(), capture_output=True, text=True,
                           timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"sitegen {' '.join(a[:40] for a in proc_args)} hung (> {TIMEOUT} s)") from None
    last = (p.stderr.strip().splitlines() or [""])[-1][:300]
    if "Traceback" in p.stderr:
        raise AssertionError(f"traceback: {last}")
    if p.returncode not in (0, 1):
        raise AssertionError(f"exit code {p.returncode}: {last}")
    if p.returncode == 1 and not last.startswith("Error: "):
        raise AssertionError(f"exit 1 without an Error: line: {last}")
    return p


@pytest.mark.parametrize("case", sorted(STORE_CASES))
def test_corrupt_store_times_every_command(case, template, tmp_path):
    proj, bad, good = _copy(template, tmp_path / "proj")
    STORE_CASES[case](proj / "runs" / bad)
    failures = []
    for name, args in COMMANDS.items():
        args = [{"RUN": bad, "OTHER": good, "DEST": str(tmp_path / f"dl-{name}")}.get(a, a) for a in args]
        try:
            check(args, proj)
        except AssertionError as e:
            failures.append(f"{name}: {e}")
    assert not failures, "\n".join(failures)


def _chmod(rel: str, mode: int):
    def apply(proj: Path, bad: str) -> None:
        os.chmod(proj / rel.replace("BAD", bad), mode)
    return apply


PERMISSION_CASES = {
    "internal-000": _chmod("runs/.sitegen", 0o000),
    "store-000": _chmod("runs", 0o000),
    "store-read-only": _chmod("runs", 0o555),
    "run-folder-000": _chmod("runs/BAD", 0o000),
    "run-json-000": _chmod("runs/BAD/run.json", 0o000),
    "metrics-000": _chmod("runs/BAD/metrics.tsv", 0o000),
    "output-000": _chmod("runs/BAD/outputs/model.txt", 0o000),
    "outputs-000": _chmod("runs/BAD/outputs", 0o000),
    "project-read-only": _chmod(".", 0o555),
}


@pytest.mark.skipif(shutil.which("setpriv") is None and os.geteuid() == 0,
                    reason="as root, permission cases need setpriv (util-linux) to drop CAP_DAC_OVERRIDE")
@pytest.mark.parametrize("case", sorted(PERMISSION_CASES))
def test_permissions_times_every_command(case, template, tmp_path):
    proj, bad, good = _copy(template, tmp_path / "proj")
    PERMISSION_CASES[case](proj, bad)
    failures = []
    try:
        for name, args in COMMANDS.items():
            args = [{"RUN": bad, "OTHER": good, "DEST": str(tmp_path / f"dl-{name}")}.get(a, a) for a in args]
            try:
                check(args, proj, unprivileged=True)
            except AssertionError as e:
                failures.append(f"{name}: {e}")
    finally:
        for dirpath, dirnames, filenames in os.walk(tmp_path):  # let pytest clean up
            for n in dirnames + filenames:
                p = os.path.join(dirpath, n)
                if not os.path.islink(p):
                    os.chmod(p, 0o755)
        os.chmod(proj, 0o755)
        for d in (proj / "runs",):
            if d.exists():
                os.chmod(d, 0o755)
    assert not failures, "\n".join(failures)


LONG = "n" * 5000
# bad arguments to every command that takes some (RUN: a real run id)
ARGUMENT_CASES = {
    "watch-nan": ["jobs", "--watch", "--interval", "nan"],
    "watch-inf": ["jobs", "--watch", "--interval", "inf"],
    "watch-1e400": ["jobs", "--watch", "--interval", "1e400"],
    "limit-huge": ["jobs", "--limit", "9" * 30],
    "download-proc": ["history", "download", "RUN", "/proc/x"],
    "download-empty": ["history", "download", "RUN", ""],
    "download-store": ["history", "download", "RUN", "runs"],
    "download-run-folder": ["history", "download", "RUN", "runs/RUN/outputs"],
    "download-long": ["history", "download", "RUN", LONG],
    "download-file": ["history", "download", "RUN", "noop.py"],
    "run-long-script": ["run", LONG + ".py"],
    "run-long-name": ["run", "--name", LONG * 20, "noop.py"],
    "promote-long": ["history", "promote", "RUN", LONG],
    "promote-long-name": ["history", "promote", "RUN", "model.txt", "--name", LONG],
    "info-long": ["history", "info", LONG],
    "info-empty": ["history", "info", ""],
    "compare-same": ["history", "compare", "RUN", "RUN"],
    "compare-long": ["history", "compare", "RUN", LONG],
    "cancel-long": ["cancel", LONG],
    "update-bad-tag": ["history", "update", "RUN", "--tag", "novalue"],
    "update-long-tag": ["history", "update", "RUN", "--tag", f"{LONG}={LONG}"],
    "restore-proc": ["history", "restore", "RUN", "--dry-run", "--project-dir", "/proc/1"],
    "restore-missing": ["history", "restore", "RUN", "--dry-run", "--project-dir", "no/such"],
    "store-long": ["history", "list", "--store", LONG],
    "store-file": ["history", "list", "--store", "noop.py"],
    "build-site-proc": ["build", "--site-dir", "/proc/x"],
    "build-site-store": ["build", "--site-dir", "runs"],
    "build-site-run": ["build", "--site-dir", "runs/RUN"],
    "build-site-file": ["build", "--site-dir", "noop.py"],
    "build-site-long": ["build", "--site-dir", LONG],
}


@pytest.mark.parametrize("case", sorted(ARGUMENT_CASES))
def test_bad_arguments(case, template, tmp_path):
    proj, bad, good = _copy(template, tmp_path / "proj")
    before = sorted(p.name for p in proj.iterdir())
    store_before = {p.relative_to(proj / "runs"): p.stat().st_size for p in (proj / "runs").rglob("*")
                    if p.is_file() and ".sitegen" not in p.parts and p.name != "heartbeat"}
    args = [a.replace("RUN", good) if "RUN" in a else a for a in ARGUMENT_CASES[case]]
    check(args, proj)
    if case.startswith(("download", "build-site")):  # nothing written into the store or the project
        assert sorted(p.name for p in proj.iterdir()) == before
        store_after = {p.relative_to(proj / "runs"): p.stat().st_size for p in (proj / "runs").rglob("*")
                       if p.is_file() and ".sitegen" not in p.parts and p.name != "heartbeat"}
        assert store_after == store_before
