"""Tracked runs: ``sitegen run [--detach] SCRIPT [ARGS...]``, ``sitegen jobs``, ``sitegen cancel``.

A *supervisor* (the ``sitegen run`` process, or with ``--detach`` a background process started in a
new session: ``python -m sitegen.runner``) owns the run:

1. :func:`prepare_run` snapshots the code, reads git's commit, creates the run (``pid`` = supervisor);
2. :func:`supervise` makes a per-run working folder — a temp folder holding a symlink to every
   top-level entry of the project except ``outputs``, plus ``outputs`` -> ``<store>/<run>/outputs/`` —
   so simultaneous runs of one script never share ``./outputs``; starts the script there in its own
   process group with ``SITEGEN_RUN_ID``/``SITEGEN_STORE``/``SITEGEN_EXPERIMENT`` set; copies its
   merged stdout+stderr to ``<run>/driver.log`` (and the terminal in the foreground); touches the
   heartbeat every 2 s; and records the end: ``Completed`` (exit 0), ``Failed`` (non-zero), ``Killed``
   (a signal), ``Canceled`` (``sitegen cancel``, SIGTERM/SIGINT/SIGHUP to the supervisor).

If the supervisor itself dies, :meth:`Store.load_meta` reads the run as ``Killed`` (its pid is gone,
or its heartbeat went stale), and the script gets SIGTERM (Linux parent-death signal).
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Sequence

from sitegen.errors import UserError
from sitegen.store import (DRIVER_LOG, OUTPUTS_DIR, TERMINAL_STATUSES, Store, hostname, parse_utc,
                           run_pid)

CANCEL_FILE = "cancel"
HEARTBEAT_EVERY = 2.0


class RunnerError(UserError):
    """A tracked run cannot be started or stopped (bad script, run not running, ...)."""


def cancel_grace() -> float:
    """Seconds between SIGTERM and SIGKILL when stopping a run ($SITEGEN_CANCEL_GRACE, 10)."""
    try:
        return float(os.environ.get("SITEGEN_CANCEL_GRACE", "10"))
    except ValueError:
        return 10.0


# ---------------------------------------------------------------- launching

def project_dir_for(cwd: Path | None = None) -> Path:
    """The project folder: the cwd, or, inside a tracked run's working folder (a tracked script
    that launches runs itself), the real project behind it."""
    cwd = Path(cwd or Path.cwd()).absolute()
    real = os.environ.get("SITEGEN_PROJECT_DIR")
    if real and os.environ.get("SITEGEN_RUN_ID") and cwd.name.startswith("sitegen-") \
            and (cwd / OUTPUTS_DIR).is_symlink() and Path(real).is_dir():
        return Path(real)
    return cwd


def script_name(script: str, project_dir: Path) -> str:
    """The script as recorded: relative to the project when it lies inside it, else as given."""
    path = Path(script)
    if path.is_absolute():
        try:
            return path.resolve().relative_to(project_dir.resolve()).as_posix()
        except ValueError:
            return str(path)
    return path.as_posix()


def check_script(script: str, project_dir: Path) -> Path:
    """The script's absolute path; RunnerError if it is not a file, or not a ``.py`` file and not
    executable."""
    path = Path(script) if Path(script).is_absolute() else project_dir / script
    if not path.is_file():
        raise RunnerError(f"no such script: {script} (looked in {project_dir}); "
                          f"give the path of a Python file, e.g. `sitegen run train.py`")
    if path.suffix != ".py" and not os.access(path, os.X_OK):
        raise RunnerError(f"cannot run {script}: it is not executable; make it executable "
                          f"(chmod +x {script}) or give a .py file")
    return path


def display_command(script: str, args: Sequence[str]) -> list[str]:
    """The command as recorded in run.json (arguments already masked)."""
    return (["python"] if script.endswith(".py") else []) + [script, *args]


def prepare_run(store: Store, script: str, args: Sequence[str], name: str | None = None,
                project_dir: Path | None = None, pid: int | None = None) -> str:
    """Snapshot the code and create the tracked run; return its id."""
    from sitegen.config import load_config, project_name
    from sitegen.gitinfo import git_properties
    from sitegen.secrets import mask_arguments, mask_env, secret_env_values
    from sitegen.snapshot import take_snapshot, write_manifest

    project_dir = Path(project_dir or Path.cwd()).absolute()
    check_script(script, project_dir)
    config = load_config(project_dir)  # a broken config is reported here, as one line
    store.ensure()
    snapshot_id, manifest = take_snapshot(store, project_dir)
    exclude = ["outputs", "site", config.site_dir]
    try:
        exclude.append(store.root.resolve().relative_to(project_dir.resolve()).as_posix())
    except ValueError:
        pass
    properties = git_properties(project_dir, tuple(dict.fromkeys(exclude)))
    masked = mask_arguments(list(args), secret_env_values(), tokens=True)
    name_ = script_name(script, project_dir)
    run_id = store.create_run(
        project_name(),
        script_name=name_,
        arguments=masked,
        name=name,
        pid=pid if pid is not None else os.getpid(),
        properties=properties,
        snapshot=snapshot_id,
        env=mask_env({k: os.environ[k] for k in config.env if k in os.environ}),
        command=display_command(name_, masked),
        parent_run_id=os.environ.get("SITEGEN_RUN_ID") or None,  # launched from a tracked run
    )
    write_manifest(store, run_id, manifest)
    return run_id


def make_workdir(project_dir: Path, outputs: Path, run_id: str) -> Path:
    """A temp folder mirroring the project through symlinks, with ``outputs`` -> the run's own."""
    workdir = Path(tempfile.mkdtemp(prefix=f"sitegen-{run_id}-"))
    with os.scandir(project_dir) as entries:
        for entry in entries:
            if entry.name != OUTPUTS_DIR:
                os.symlink(os.path.join(project_dir, entry.name), workdir / entry.name)
    os.symlink(outputs, workdir / OUTPUTS_DIR, target_is_directory=True)
    return workdir


def child_command(script: str, args: Sequence[str], project_dir: Path) -> list[str]:
    """Run a ``.py`` file with this interpreter, anything else directly (it must be executable).

    The script runs by its real path in the project (only the working folder is the isolated
    one), so tracebacks, ``__file__`` and error messages name the user's file."""
    path = Path(os.path.normpath(project_dir / script))  # an absolute script stays as it is
    if path.suffix == ".py":
        return [sys.executable, str(path), *args]
    return [str(path), *args]


def _death_signal_setter():
    """A function for ``preexec_fn`` that makes the child get SIGTERM when the supervisor dies
    (Linux ``prctl(PR_SET_PDEATHSIG)``); None elsewhere. libc is loaded here, before the fork."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    sig = int(signal.SIGTERM)

    def setter() -> None:  # runs in the child between fork and exec
        prctl(1, sig)  # PR_SET_PDEATHSIG

    return setter


def _exit_code(returncode: int) -> int:
    return returncode if returncode >= 0 else 128 - returncode


class _Supervisor:
    """Signal state of one supervised child."""

    def __init__(self, foreground: bool) -> None:
        self.foreground = foreground
        self.proc: subprocess.Popen | None = None
        self.cancel_requested = False
        self.kill_at: float | None = None
        self.interrupts = 0

    def handle(self, signum: int, frame) -> None:
        self.cancel_requested = True
        if signum == signal.SIGINT:
            self.interrupts += 1
            sig = signal.SIGINT if self.interrupts == 1 else signal.SIGKILL
        else:
            sig = signal.SIGTERM
        if self.kill_at is None:
            self.kill_at = time.monotonic() + cancel_grace()
        self.send(sig)

    def suspend(self, signum: int, frame) -> None:
        self.send(signal.SIGTSTP)
        os.kill(os.getpid(), signal.SIGSTOP)

    def resume(self, signum: int, frame) -> None:
        self.send(signal.SIGCONT)

    def send(self, sig: int) -> None:
        if self.proc is not None and self.proc.returncode is None:
            try:
                os.killpg(self.proc.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass

    def escalate(self) -> None:
        if self.kill_at is not None and time.monotonic() >= self.kill_at:
            self.kill_at = float("inf")
            self.send(signal.SIGKILL)


def _pump(fd: int, log, echo: bool) -> None:
    """Copy the script's output to driver.log (``log``: a :class:`sitegen.runlog.RunLog`, which
    masks secrets and survives a full disk) and raw to the terminal."""
    out = sys.stdout.buffer if echo else None
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        log.write(data)
        if out is not None:
            try:
                out.write(data)
                out.flush()
            except (OSError, ValueError):
                out = None  # the terminal went away: keep logging


def supervise(store: Store, run_id: str, script: str, args: Sequence[str],
              project_dir: Path | None = None, foreground: bool = True,
              system_metrics: float = 0.0) -> int:
    """Run the script of run ``run_id`` to its end; record the status; return its exit code.

    ``system_metrics``: seconds between samples of the script's CPU and memory (0: none; see
    sitegen/system_metrics.py)."""
    project_dir = Path(project_dir or Path.cwd()).absolute()
    store = Store(store.root.absolute())
    run_dir = store.run_dir(run_id)
    outputs = run_dir / OUTPUTS_DIR
    outputs.mkdir(exist_ok=True)
    env = _child_env(store, run_id, project_dir)
    state = _Supervisor(foreground)
    previous = _install_signals(state, foreground)
    from sitegen.secrets import Masker, secret_env_values
    masker = Masker(secret_env_values(env))  # the environment's secrets and token formats: masked in driver.log
    from sitegen.runlog import RunLog
    log = RunLog(run_dir / DRIVER_LOG, masker)
    returncode: int | None = None
    workdir: Path | None = None
    crashed = False
    uploader = _start_uploader(store, run_id)  # a remote store: ship the spool while it runs
    try:
        workdir = make_workdir(project_dir, outputs, run_id)
        if (run_dir / CANCEL_FILE).exists():
            state.cancel_requested = True
        else:
            returncode = _spawn(state, child_command(script, args, project_dir), workdir, env, log,
                                script)
        if state.proc is not None:
            returncode = _watch(store, run_id, state, log, system_metrics)
    except BaseException as e:  # the supervisor's own failure: say so in the log, then record it
        crashed = True
        if state.proc is not None and state.proc.returncode is None:
            state.send(signal.SIGKILL)
        try:
            log.write(f"sitegen: the run's supervisor failed: {type(e).__name__}: {e}\n".encode())
        except (OSError, ValueError):
            pass
        raise
    finally:
        canceled = state.cancel_requested or (run_dir / CANCEL_FILE).exists()
        try:
            # everything is in place before the run reads as finished: stray files kept, the
            # working folder gone, driver.log complete
            _clear_workdir(workdir, outputs, log)
            log.close()
            _record_end(store, run_id, end_status(canceled, crashed, returncode), returncode, log,
                        foreground)
        finally:
            log.close()
            if uploader is not None:
                uploader.stop()
            for s, h in previous.items():
                signal.signal(s, h)
    return _exit_code(returncode) if returncode is not None else 1


def end_status(canceled: bool, crashed: bool, returncode: int | None) -> str:
    """The status a supervised run ends with."""
    if canceled:
        return "Canceled"
    if crashed:
        return "Failed"
    if returncode is None or returncode < 0:
        return "Killed"
    return "Completed" if returncode == 0 else "Failed"


def _install_signals(state: _Supervisor, foreground: bool) -> dict:
    """Route the supervisor's signals to the child; return the handlers to restore."""
    previous = {s: signal.signal(s, state.handle)
                for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    if foreground:  # Ctrl-Z / fg: suspend and resume the script with us
        previous[signal.SIGTSTP] = signal.signal(signal.SIGTSTP, state.suspend)
        previous[signal.SIGCONT] = signal.signal(signal.SIGCONT, state.resume)
    return previous


def _child_env(store: Store, run_id: str, project_dir: Path) -> dict[str, str]:
    """The script's environment: ours, plus where its run and store are."""
    meta = store.raw_meta(run_id)
    env = dict(os.environ)
    env.update(SITEGEN_RUN_ID=run_id, SITEGEN_STORE=str(store.root),
               SITEGEN_EXPERIMENT=str(meta.get("experiment_id") or ""), PYTHONUNBUFFERED="1",
               SITEGEN_PROJECT_DIR=str(project_dir))
    return env


def _spawn(state: _Supervisor, cmd: list[str], workdir: Path, env: dict[str, str], log,
           script: str) -> int | None:
    """Start the script in its own process group (``state.proc``); 127 if it cannot start."""
    try:
        state.proc = subprocess.Popen(
            cmd, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, process_group=0, preexec_fn=_death_signal_setter())
    except OSError as e:
        hint = " (make it executable: chmod +x " + script + ")" \
            if isinstance(e, PermissionError) else ""
        msg = f"sitegen: cannot start {cmd[0]}: {e.strerror or e}{hint}\n".encode()
        log.write(msg)
        if state.foreground:
            sys.stderr.write(msg.decode())
        return 127
    if state.cancel_requested:  # a signal came before the child existed
        state.send(signal.SIGTERM)
    return None


def _watch(store: Store, run_id: str, state: _Supervisor, log, system_metrics: float) -> int:
    """Wait for the started script, copying its output, beating the heartbeat and sampling
    system metrics; return its return code."""
    proc = state.proc
    pump = threading.Thread(target=_pump, args=(proc.stdout.fileno(), log, state.foreground),
                            name="sitegen-pump", daemon=True)
    pump.start()
    recorder = None
    if system_metrics > 0:
        from sitegen.system_metrics import SystemRecorder
        recorder = SystemRecorder(store, run_id, proc.pid, system_metrics)
    try:
        returncode = _wait(store, run_id, state, recorder)
    finally:
        if recorder is not None:
            recorder.close()
    _drain(proc, pump)
    return returncode


def _wait(store: Store, run_id: str, state: _Supervisor, recorder) -> int:
    next_beat = time.monotonic() + HEARTBEAT_EVERY
    while True:
        try:
            return state.proc.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            pass
        state.escalate()
        if recorder is not None:
            recorder.tick()
        if time.monotonic() >= next_beat:
            next_beat = time.monotonic() + HEARTBEAT_EVERY
            try:
                store.touch_heartbeat(run_id)
            except OSError:
                pass


def _drain(proc: subprocess.Popen, pump: threading.Thread) -> None:
    """Let the pump copy the last output; kill what the script left behind holding it."""
    pump.join(2.0)
    if pump.is_alive():  # processes the script left behind still hold its output
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        pump.join(2.0)
    if not pump.is_alive():
        proc.stdout.close()


def _clear_workdir(workdir: Path | None, outputs: Path, log) -> None:
    if workdir is None:
        return
    try:
        _keep_stray_files(workdir, outputs, log)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _record_end(store: Store, run_id: str, status: str, returncode: int | None, log,
                foreground: bool) -> None:
    """Write the run's end; output driver.log could not keep (a disk still full) is counted in its
    properties (``LostLogLines``). A failure to write is said once, never raised."""
    try:
        meta = store.finish_run(run_id, status, returncode)
        if log.lost_lines:
            props = dict(meta.get("properties") or {}, LostLogLines=log.lost_lines)
            store.update_meta(run_id, {"properties": props})
    except OSError as e:
        sys.stderr.write(f"sitegen: could not record the end of run {run_id} ({status}): "
                         f"{e.strerror or e}\n")


def _start_uploader(store: Store, run_id: str):
    """For the spool of a remote store: the supervisor (not the training process) uploads."""
    url = store.remote_url()
    if not url:
        return None
    from sitegen.sync import Uploader
    return Uploader(store.root, url, {run_id}).start()


def _keep_stray_files(workdir: Path, outputs: Path, log) -> None:
    """Files the script created at the top of its working folder (not in a project folder, not in
    ./outputs) would vanish with the temp folder: move them into the run's outputs, with a note."""
    try:
        entries = [e for e in os.scandir(workdir) if not e.is_symlink()]
    except OSError:
        return
    for entry in entries:
        dest = outputs / entry.name
        if os.path.lexists(dest):
            note = f"sitegen: {entry.name} written to the working folder was discarded " \
                   f"(outputs/{entry.name} exists)\n"
        else:
            try:
                shutil.move(entry.path, dest)
                note = f"sitegen: {entry.name} written to the working folder was kept as " \
                       f"outputs/{entry.name}\n"
            except OSError as e:
                note = f"sitegen: could not keep {entry.name}: {e}\n"
        try:
            log.write(note.encode("utf-8", "replace"))
        except (OSError, ValueError):
            pass


def start_detached(store: Store, run_id: str, script: str, args: Sequence[str],
                   project_dir: Path | None = None, system_metrics: float = 0.0) -> int:
    """Start a background supervisor (new session) for a prepared run; return its pid."""
    project_dir = Path(project_dir or Path.cwd()).absolute()
    root = store.root.absolute()
    log_path = store.run_dir(run_id) / DRIVER_LOG
    cmd = [sys.executable, "-m", "sitegen.runner", "--store", str(root), "--project",
           str(project_dir), "--system-metrics", str(system_metrics), run_id, "--", script, *args]
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(cmd, cwd=project_dir, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=log, start_new_session=True, close_fds=True)
    store.update_meta(run_id, {"pid": proc.pid})
    return proc.pid


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of a detached supervisor:
    ``python -m sitegen.runner --store S --project P [--system-metrics SECONDS] RUN -- SCRIPT ARGS``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    sep = argv.index("--")
    head, tail = argv[:sep], argv[sep + 1:]
    opts = dict(zip(head[0:-1:2], head[1:-1:2]))
    run_id = head[-1]
    return supervise(Store(opts["--store"]), run_id, tail[0], tail[1:],
                     Path(opts["--project"]), foreground=False,
                     system_metrics=float(opts.get("--system-metrics", 0)))


# ---------------------------------------------------------------- cancel

def request_cancel(store: Store, run_id: str) -> dict:
    """Ask a running tracked run to stop: cancel marker + SIGTERM to its supervisor."""
    meta = store.load_meta(run_id)
    status = meta.get("status")
    if status != "Running":
        raise RunnerError(f"run {run_id} is not running (status {status}); nothing to cancel")
    if not meta.get("command"):
        raise RunnerError(f"run {run_id} was not started by `sitegen run`; stop its process "
                          f"yourself (pid {meta.get('pid')} on {meta.get('host')})")
    if meta.get("host") != hostname():
        raise RunnerError(f"run {run_id} runs on host {meta.get('host')}; cancel it there")
    (store.run_dir(run_id) / CANCEL_FILE).touch()
    try:
        pid = run_pid(meta)
        if pid:
            os.kill(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass
    return meta


def wait_finished(store: Store, run_id: str, timeout: float) -> dict:
    """Poll until the run is no longer Running (or ``timeout`` seconds passed); its metadata.

    A supervisor that died of the cancel's SIGTERM before it could handle it (it was still
    starting) never writes the end: the run is then recorded as Canceled here.
    """
    deadline = time.monotonic() + timeout
    while True:
        meta = store.load_meta(run_id)
        status = meta.get("status")
        if status == "Killed" and (store.run_dir(run_id) / CANCEL_FILE).exists() \
                and store.raw_meta(run_id).get("status") == "Running":
            return store.finish_run(run_id, "Canceled")
        if status in TERMINAL_STATUSES or time.monotonic() >= deadline:
            return meta
        time.sleep(0.1)


# ---------------------------------------------------------------- jobs panel

def elapsed_seconds(meta: dict, now: float | None = None) -> float | None:
    """Running: now - start; finished: end - start."""
    start = parse_utc(meta.get("start_time_utc"))
    if start is None:
        return None
    end = parse_utc(meta.get("end_time_utc")) if meta.get("status") != "Running" else None
    return max(0.0, (end if end is not None else (now or time.time())) - start)


def latest_values(store: Store, run_id: str) -> tuple[dict, list[str]]:
    """(the latest value of every metric of a run, the names of its series), from its summary;
    the system/… series the supervisor samples come last."""
    from sitegen.summary import run_metrics
    stats = run_metrics(store.run_dir(run_id))
    order = sorted(stats, key=lambda n: n.startswith("system/"))
    return {n: stats[n].last for n in order}, [n for n in order if not stats[n].is_scalar]


def jobs(store: Store, show_all: bool = False, limit: int = 10) -> list[dict]:
    """The jobs panel rows: every running run plus the ``limit`` newest finished ones (all with
    ``show_all``), newest first; each with elapsed seconds and the latest metric values."""
    rows = []
    finished = 0
    for meta in store.runs():
        running = meta.get("status") == "Running"
        if not running and not show_all:
            if finished >= limit:
                continue
            finished += 1
        values, series = latest_values(store, meta["run_id"])
        params = meta.get("parameters")
        rows.append({
            "run_number": meta.get("run_number"),
            "run_id": meta["run_id"],
            "script_name": meta.get("script_name"),
            "name": meta.get("name"),
            "status": meta.get("status"),
            "start_time_utc": meta.get("start_time_utc"),
            "end_time_utc": meta.get("end_time_utc"),
            "elapsed": elapsed_seconds(meta),
            "metrics": values, "series": series,
            "parameters": dict(params) if isinstance(params, dict) else {},
        })
    return rows


if __name__ == "__main__":
    sys.exit(main())
