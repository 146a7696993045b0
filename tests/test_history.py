"""`sitegen history`: real stores made by real logger calls, queried through real CLI processes."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sitegen.store import Store

IRIS = textwrap.dedent("""\
    import os, sys
    from sitegen import get_logger
    rate = float(sys.argv[1]) if len(sys.argv) > 1 else 0.01
    logger = get_logger()
    logger.log("Regularization Rate", rate)
    logger.log("Accuracy", round(0.6 + rate / 100, 4))
    for loss in (3.0, 2.0, 1.5):
        logger.log("loss", loss)
    os.makedirs("outputs/sub", exist_ok=True)
    with open("outputs/model.pkl", "w") as f:
        f.write(f"model {rate}")
    with open("outputs/sub/notes.txt", "w") as f:
        f.write("notes")
""")
OTHER = textwrap.dedent("""\
    from sitegen import get_logger
    get_logger().log("Accuracy", 0.5)
""")
RATES = ["10", "5", "2.5"]


def run_script(project: Path, store: Path, script: str, *args: str) -> None:
    env = dict(os.environ, SITEGEN_STORE=str(store), SITEGEN_EXPERIMENT="IrisDemo")
    env.pop("SITEGEN_RUN_ID", None)
    subprocess.run([sys.executable, script, *args], cwd=project, env=env, check=True, timeout=60)


def sitegen(store: Path | None, *args: str, cwd: Path | None = None, ok: bool = True,
            stdin: str | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "sitegen", "history", *args]
    if store is not None:
        cmd += ["--store", str(store)]
    env = dict(os.environ)
    env.pop("SITEGEN_STORE", None)
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=60,
                       input=stdin if stdin is not None else "")
    if ok:
        assert p.returncode == 0, p.stderr
    return p


def one_line_error(p: subprocess.CompletedProcess, *fragments: str) -> str:
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert "Traceback" not in p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith("Error: ")
    for f in fragments:
        assert f in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """Three iris runs (rates 10, 5, 2.5) and one other.py run; returns the store path."""
    project = tmp_path_factory.mktemp("project")
    (project / "iris.py").write_text(IRIS)
    (project / "other.py").write_text(OTHER)
    store = project / "runs"
    for rate in RATES:
        run_script(project, store, "iris.py", rate)
    run_script(project, store, "other.py")
    return store


@pytest.fixture
def store_copy(demo, tmp_path) -> Path:
    """A private copy of the demo store for tests that change it."""
    dest = tmp_path / "runs"
    shutil.copytree(demo, dest, symlinks=True)
    return dest


def ids_oldest_first(store: Path) -> list[str]:
    runs = Store(store).runs()
    return [m["run_id"] for m in sorted(runs, key=lambda m: m["run_number"])]


# ---------------------------------------------------------------- list

def test_list_table_columns_order_and_alignment(demo):
    ids = ids_oldest_first(demo)
    assert len(ids) == 4 and all(re.fullmatch(r"IrisDemo_\d{13}", i) for i in ids)
    out = sitegen(demo, "list").stdout
    lines = out.rstrip("\n").split("\n")
    header = re.split(r"\s{2,}", lines[0].strip())
    assert header == ["#", "Name", "Regularization Rate", "Accuracy", "Duration", "Run_id",
                      "Script_name", "Start_time_utc", "Status"]
    assert set(lines[1]) == {"-", " "}
    rows = lines[2:]
    assert len(rows) == 4
    col = lines[0].index("Run_id")
    status_col = lines[0].index("Status")
    # newest first, every cell aligned under its header
    assert [r[col:col + len(ids[0])] for r in rows] == ids[::-1]
    assert [r[status_col:].strip() for r in rows] == ["Completed"] * 4
    assert [r[lines[0].index("Script_name"):].split()[0] for r in rows] == \
        ["other.py", "iris.py", "iris.py", "iris.py"]
    # numbers right-aligned under their header; a missing value is blank
    assert [r.split()[0] for r in rows] == ["4", "3", "2", "1"]  # the run number, as the grid's #
    rate = slice(lines[0].index("Regularization Rate"), lines[0].index("Accuracy"))
    assert [r[rate].strip() for r in rows] == ["", "2.5", "5", "10"]
    acc = slice(lines[0].index("Accuracy"), lines[0].index("Accuracy") + len("Accuracy"))
    assert [r[acc].strip() for r in rows] == ["0.5", "0.625", "0.65", "0.7"]
    assert "\x1b[" not in out  # no colour without a terminal
    # times are shortened for the terminal
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  ", rows[0])


def test_list_json_and_csv_are_complete(demo):
    ids = ids_oldest_first(demo)
    data = json.loads(sitegen(demo, "list", "-o", "json").stdout)
    assert [d["run_id"] for d in data] == ids[::-1]
    # the keys of `history info` (issue 15 item 5), series left out
    info = json.loads(sitegen(demo, "info", ids[2]).stdout)
    assert list(data[1]) == [k for k in info if k != "loss"] == \
        ["parameters", "Regularization Rate", "Accuracy"] + SEED_KEYS
    assert data[1] == {k: v for k, v in info.items() if k != "loss"}
    assert [d.get("Regularization Rate") for d in data] == [None, 2.5, 5.0, 10.0]
    assert "Regularization Rate" not in data[0]
    assert [d["Accuracy"] for d in data] == [0.5, 0.625, 0.65, 0.7]
    meta = Store(demo).load_meta(ids[0])
    assert data[3]["start_time_utc"] == meta["start_time_utc"]
    assert data[3]["duration"] == meta["duration"]
    rows = list(csv.reader(io.StringIO(sitegen(demo, "list", "-o", "csv").stdout)))
    assert rows[0] == ["#", "Name", "Regularization Rate", "Accuracy", "Duration", "Run_id",
                       "Script_name", "Start_time_utc", "Status"]
    assert rows[1] == ["4", "", "", "0.5", data[0]["duration"], ids[3], "other.py",
                       data[0]["start_time_utc"], "Completed"]
    assert [r[2] for r in rows[1:]] == ["", "2.5", "5.0", "10.0"]


def test_list_script_filter(demo):
    data = json.loads(sitegen(demo, "list", "-o", "json", "--script", "iris.py").stdout)
    assert [d["script_name"] for d in data] == ["iris.py"] * 3
    data = json.loads(sitegen(demo, "list", "-o", "json", "--script", "other.py").stdout)
    assert len(data) == 1 and list(data[0]) == ["parameters", "Accuracy"] + SEED_KEYS


def test_hidden_runs_and_update(store_copy):
    ids = ids_oldest_first(store_copy)
    p = sitegen(store_copy, "update", "2", "--hide", "--name", "second", "--description",
                "lbfgs <b>", "--tag", "stage=candidate", "--tag", "k=v=w")
    assert p.stdout.startswith(f"Updated {ids[1]}: name='second', hidden=True")
    listed = [d["run_id"] for d in json.loads(sitegen(store_copy, "list", "-o", "json").stdout)]
    assert listed == [ids[3], ids[2], ids[0]]
    listed = [d["run_id"] for d in
              json.loads(sitegen(store_copy, "list", "-o", "json", "--all").stdout)]
    assert listed == ids[::-1]
    info = json.loads(sitegen(store_copy, "info", ids[1]).stdout)
    assert (info["name"], info["description"], info["hidden"], info["tags"]) == \
        ("second", "lbfgs <b>", True, {"stage": "candidate", "k": "v=w"})
    sitegen(store_copy, "update", ids[1], "--unhide", "--untag", "stage")
    info = json.loads(sitegen(store_copy, "info", "2").stdout)
    assert (info["name"], info["hidden"], info["tags"]) == ("second", False, {"k": "v=w"})
    one_line_error(sitegen(store_copy, "update", "2", "--tag", "novalue", ok=False),
                   "bad tag 'novalue'", "KEY=VALUE")
    one_line_error(sitegen(store_copy, "update", "2", ok=False), "nothing to update")


# ---------------------------------------------------------------- info / resolution

SEED_KEYS = ["attachments", "created_utc", "description", "duration", "end_time_utc",
             "experiment_id", "heartbeat_enabled", "hidden", "name", "parent_run_id", "properties",
             "run_id", "run_number", "script_name", "start_time_utc", "status", "target", "user_id",
             "arguments", "exit_code", "tags"]


def test_info_keys_and_values(demo):
    ids = ids_oldest_first(demo)
    info = json.loads(sitegen(demo, "info", ids[0]).stdout)
    assert list(info) == ["parameters", "Regularization Rate", "Accuracy", "loss"] + SEED_KEYS
    assert info["parameters"] == {}
    assert info["Regularization Rate"] == 10.0 and info["Accuracy"] == 0.7
    assert info["loss"] == [3.0, 2.0, 1.5]
    assert info["attachments"] == ["outputs/model.pkl", "outputs/sub/notes.txt"]
    assert info["arguments"] == ["10"]
    assert (info["run_id"], info["run_number"], info["script_name"], info["status"],
            info["target"], info["experiment_id"], info["hidden"]) == \
        (ids[0], 1, "iris.py", "Completed", "local", "IrisDemo", False)
    assert re.fullmatch(r"\d+:\d\d:\d\d(\.\d+)?", info["duration"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", info["end_time_utc"])


def test_run_resolution_by_id_prefix_number_and_last(demo):
    ids = ids_oldest_first(demo)
    last = json.loads(sitegen(demo, "last").stdout)
    assert last["run_id"] == ids[3]
    assert json.loads(sitegen(demo, "info", "last").stdout) == last
    assert json.loads(sitegen(demo, "info", "4").stdout)["run_id"] == ids[3]
    assert json.loads(sitegen(demo, "info", "2").stdout)["run_id"] == ids[1]
    # the shortest unique prefix of each id resolves to it
    for i, rid in enumerate(ids):
        others = [o for o in ids if o != rid]
        n = next(k for k in range(1, len(rid) + 1) if not any(o.startswith(rid[:k]) for o in others))
        assert json.loads(sitegen(demo, "info", rid[:n]).stdout)["run_id"] == rid


def test_errors_are_one_line(demo, tmp_path):
    line = one_line_error(sitegen(demo, "info", "IrisDemo_", ok=False), "ambiguous")
    assert all(i in line for i in ids_oldest_first(demo))
    one_line_error(sitegen(demo, "info", "nope", ok=False), "no run matches 'nope'")
    one_line_error(sitegen(demo, "info", "99", ok=False), "no run matches '99'")
    one_line_error(sitegen(tmp_path / "missing", "list", ok=False), "no run store at")
    one_line_error(sitegen(tmp_path / "missing", "last", ok=False), "no run store at")
    (tmp_path / "empty").mkdir()
    one_line_error(sitegen(tmp_path / "empty", "last", ok=False), "no runs in")
    one_line_error(sitegen(demo, "compare", "1", ok=False), "two or three runs")
    one_line_error(sitegen(demo, "compare", "1", "last", "1", ok=False), "different runs")


def test_info_nonfinite_values_and_name_clashes(tmp_path):
    store = tmp_path / "runs"
    script = tmp_path / "odd.py"
    script.write_text(textwrap.dedent("""\
        from sitegen import get_logger
        log = get_logger()
        log.log("status", "mine")
        log.log("metric:status", 1)
        log.log("nan", float("nan"))
        log.log("up", float("inf"))
        log.log("down", float("-inf"))
        log.log("zero", -0.0)
        log.log("curve", [1.0, float("nan"), float("-inf")])
        log.log("Status", 3)
        log.log("精度 <b>", 0.5)
    """))
    run_script(tmp_path, store, "odd.py")
    text = sitegen(store, "last").stdout

    def strict(token):
        raise AssertionError(f"non-standard JSON token {token}")

    info = json.loads(text, parse_constant=strict)
    assert info["status"] == "Completed"
    assert info["metric:status"] == 1 or info["metric:metric:status"] == "mine"
    assert info["metric:metric:status"] == "mine" and info["metric:status"] == 1
    assert (info["nan"], info["up"], info["down"]) == ("NaN", "Infinity", "-Infinity")
    assert info["zero"] == 0.0 and math.copysign(1, info["zero"]) == -1
    assert info["curve"] == [1.0, "NaN", "-Infinity"]
    assert info["精度 <b>"] == 0.5
    assert list(info)[-len(SEED_KEYS):] == SEED_KEYS
    # the list: a metric called Status does not replace the Status column
    data = json.loads(sitegen(store, "list", "-o", "json").stdout, parse_constant=strict)
    assert data[0]["status"] == "Completed" and data[0]["Status"] == 3
    assert data[0]["metric:metric:status"] == "mine" and data[0]["metric:status"] == 1
    assert data[0]["nan"] == "NaN" and "curve" not in data[0]
    table = sitegen(store, "list").stdout.splitlines()
    assert "metric:Status" in table[0] and "NaN" in table[2] and "-inf" in table[2]


# ---------------------------------------------------------------- compare

def test_compare_marks_differences_and_pins(store_copy):
    ids = ids_oldest_first(store_copy)
    out = sitegen(store_copy, "compare", "1", "2").stdout
    lines = out.splitlines()
    assert re.split(r"\s{2,}", lines[0].strip()) == ["Field", ids[0], ids[1]]
    rows = {re.split(r"\s{2,}", line[3:].strip())[0]: line for line in lines[2:]}
    for diff in ("Regularization Rate", "Accuracy", "run_number", "arguments"):
        assert rows[diff].startswith("*  "), rows[diff]
    for same in ("script_name", "status", "loss", "target"):
        assert rows[same].startswith("   "), rows[same]
    assert re.split(r"\s{2,}", rows["Regularization Rate"][3:].strip()) == \
        ["Regularization Rate", "10", "5"]
    assert re.split(r"\s{2,}", rows["loss"][3:].strip()) == ["loss", "last 1.5 (n=3)",
                                                            "last 1.5 (n=3)"]
    assert not (store_copy / ".sitegen" / "pins.json").exists()
    data = json.loads(sitegen(store_copy, "compare", "1", "2", "4", "-o", "json", "--pin").stdout)
    assert data["runs"] == [ids[0], ids[1], ids[3]]
    by = {r["field"]: r for r in data["rows"]}
    assert by["Regularization Rate"] == {"field": "Regularization Rate", "kind": "metric",
                                         "values": [10.0, 5.0, None], "differs": True}
    assert by["loss"] == {"field": "loss", "kind": "series", "differs": True,
                          "values": [{"last": 1.5, "len": 3}, {"last": 1.5, "len": 3}, None]}
    assert by["script_name"]["values"] == ["iris.py", "iris.py", "other.py"]
    assert by["target"]["differs"] is False
    pins = json.loads((store_copy / ".sitegen" / "pins.json").read_text())["pins"]
    assert pins == [[ids[0], ids[1], ids[3]]]
    p = sitegen(store_copy, "compare", "1", "2", "4", "--pin")
    assert "Already pinned" in p.stderr
    assert Store(store_copy).pins() == [[ids[0], ids[1], ids[3]]]


# ---------------------------------------------------------------- download

def test_download_copies_everything_and_stays_inside(store_copy, tmp_path):
    ids = ids_oldest_first(store_copy)
    run_dir = store_copy / ids[0]
    secret = tmp_path / "secret.txt"
    secret.write_text("do not copy")
    os.symlink(secret, run_dir / "outputs" / "escape.txt")
    os.symlink(tmp_path, run_dir / "outputs" / "escape_dir")
    os.symlink("model.pkl", run_dir / "outputs" / "alias.pkl")
    work = tmp_path / "work"
    work.mkdir()
    p = sitegen(store_copy, "download", "1", cwd=work)
    dest = work / ids[0]
    files = sorted(str(f.relative_to(dest)) for f in dest.rglob("*") if f.is_file())
    assert files == ["metrics.tsv", "outputs/alias.pkl", "outputs/model.pkl",
                     "outputs/sub/notes.txt", "run.json"]
    assert sorted(p.stdout.split()) == files
    assert "skipped outputs/escape_dir: a symbolic link to a folder" in p.stderr
    assert "skipped outputs/escape.txt: a symbolic link leading out of the run" in p.stderr
    assert p.stderr.splitlines()[-1] == f"Downloaded 5 files of {ids[0]} to {ids[0]}"
    assert (dest / "outputs" / "model.pkl").read_text() == "model 10.0"
    assert (dest / "outputs" / "alias.pkl").read_text() == "model 10.0"
    assert not (dest / "outputs" / "alias.pkl").is_symlink()
    assert (dest / "run.json").read_bytes() == (run_dir / "run.json").read_bytes()
    assert (dest / "metrics.tsv").read_bytes() == (run_dir / "metrics.tsv").read_bytes()
    # a DEST whose outputs/ is a link elsewhere: nothing is written through it
    outside = tmp_path / "outside"
    outside.mkdir()
    dest2 = tmp_path / "dest2"
    dest2.mkdir()
    os.symlink(outside, dest2 / "outputs")
    p = sitegen(store_copy, "download", "1", str(dest2), ok=False)
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert p.stderr.splitlines()[-1].startswith(f"Error: refusing to write into {dest2}/outputs")
    assert list(outside.iterdir()) == []
    # a DEST file that is a link to a file elsewhere is replaced, not written through
    dest3 = tmp_path / "dest3"
    dest3.mkdir()
    victim = tmp_path / "victim.json"
    victim.write_text("keep")
    os.symlink(victim, dest3 / "run.json")
    sitegen(store_copy, "download", "1", str(dest3))
    assert victim.read_text() == "keep"
    assert not (dest3 / "run.json").is_symlink()
    # downloading a run onto itself (default DEST from inside the store) must not destroy it
    before = (run_dir / "run.json").read_bytes()
    one_line_error(sitegen(store_copy, "download", "1", cwd=store_copy, ok=False),
                   "inside the run store")
    one_line_error(sitegen(store_copy, "download", "1", str(run_dir / "outputs"), ok=False),
                   "inside the run store")
    assert (run_dir / "run.json").read_bytes() == before
    assert (run_dir / "outputs" / "model.pkl").read_text() == "model 10.0"


def test_list_and_info_import_no_pandas(demo):
    code = textwrap.dedent(f"""\
        import atexit, sys
        heavy = ("pandas", "altair", "jinja2", "numpy")
        atexit.register(lambda: print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr))
        sys.argv = ["sitegen", "history", sys.argv[1], *sys.argv[2:], "--store", {str(demo)!r}]
        from sitegen.cli import main
        main()
    """)
    for args in (["list"], ["info", "1"], ["compare", "1", "2"]):
        p = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                           timeout=60)
        assert p.returncode == 0, p.stderr
        assert p.stderr.splitlines()[-1] == "[]"


# ---------------------------------------------------------------- promote / assets

def test_promote_versions_and_assets(store_copy):
    ids = ids_oldest_first(store_copy)
    p1 = sitegen(store_copy, "promote", "1", "outputs/model.pkl", "--name", "iris model")
    assert f"of {ids[0]} as iris_model version 1" in p1.stdout
    p2 = sitegen(store_copy, "promote", "2", "model.pkl", "--name", "iris model")
    assert f"of {ids[1]} as iris_model version 2" in p2.stdout
    sitegen(store_copy, "promote", "3", "outputs/sub/notes.txt")
    assets = json.loads(sitegen(store_copy, "assets", "-o", "json").stdout)
    assert [(a["name"], a["version"], a["run_id"], a["artifact"], a["file"]) for a in assets] == [
        ("iris_model", 1, ids[0], "outputs/model.pkl", ".sitegen/assets/iris_model/1/model.pkl"),
        ("iris_model", 2, ids[1], "outputs/model.pkl", ".sitegen/assets/iris_model/2/model.pkl"),
        ("notes", 1, ids[2], "outputs/sub/notes.txt", ".sitegen/assets/notes/1/notes.txt"),
    ]
    for a, text in zip(assets, ("model 10.0", "model 5.0", "notes")):
        copy = store_copy / a["file"]
        assert copy.read_text() == text
        assert a["size"] == len(text)
        assert a["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    table = sitegen(store_copy, "assets").stdout.splitlines()
    assert re.split(r"\s{2,}", table[0]) == ["Name", "Version", "Run_id", "Artifact", "Size",
                                             "Sha256", "Created_utc"]
    assert re.split(r"\s{2,}", table[4].strip())[:5] == ["notes", "1", ids[2],
                                                        "outputs/sub/notes.txt", "5 B"]
    line = one_line_error(sitegen(store_copy, "promote", "1", "outputs/missing.pkl", ok=False),
                          "has no output 'outputs/missing.pkl'")
    assert "outputs/model.pkl, outputs/sub/notes.txt" in line
    one_line_error(sitegen(store_copy, "promote", "1", "../../etc/passwd", ok=False), "has no output")
    assert len(Store(store_copy).assets()) == 3


# ---------------------------------------------------------------- restore

def test_restore_dry_run_confirm_and_apply(tmp_path):
    from sitegen import snapshot

    project = tmp_path / "proj"
    project.mkdir()
    (project / "train.py").write_text("print('v1')\n")
    (project / "lib").mkdir()
    (project / "lib" / "util.py").write_text("X = 1\n")
    store_path = project / "runs"
    store = Store(store_path)
    run_id = store.create_run("Proj", script_name="train.py", status="Completed")
    _, manifest = snapshot.take_snapshot(store, project)
    snapshot.write_manifest(store, run_id, manifest)
    assert sorted(manifest) == ["lib/util.py", "train.py"]
    # the project moves on
    (project / "train.py").write_text("print('v2')\n")
    (project / "lib" / "util.py").unlink()
    (project / "new.py").write_text("new\n")

    p = sitegen(store_path, "restore", "last", "--dry-run", "--project-dir", str(project))
    assert p.stdout.splitlines() == [f"Restoring {run_id} into {project}:",
                                     "  overwrite train.py", "  create    lib/util.py",
                                     "  remove    new.py",
                                     "1 to overwrite, 1 to create, 1 to remove"]
    assert (project / "train.py").read_text() == "print('v2')\n"
    # no terminal and no --yes: refuse, change nothing
    one_line_error(sitegen(store_path, "restore", "1", "--project-dir", str(project), ok=False),
                   "--yes")
    assert (project / "new.py").exists()
    p = sitegen(store_path, "restore", run_id[:6], "--yes", "--project-dir", str(project))
    assert p.stdout.splitlines()[-1] == f"Restored {run_id}: 1 overwritten, 1 created, 1 removed."
    assert (project / "train.py").read_text() == "print('v1')\n"
    assert (project / "lib" / "util.py").read_text() == "X = 1\n"
    assert not (project / "new.py").exists()
    p = sitegen(store_path, "restore", "1", "--yes", "--project-dir", str(project))
    assert "Nothing to change" in p.stdout


def test_restore_without_snapshot_is_one_line(demo):
    one_line_error(sitegen(demo, "restore", "1", "--dry-run", ok=False), "no code snapshot")


# ---------------------------------------------------------------- help

@pytest.mark.parametrize("sub", ["list", "info", "last", "compare", "download", "promote", "assets",
                                 "restore", "update"])
def test_every_subcommand_has_examples_and_store_option(sub):
    p = subprocess.run([sys.executable, "-m", "sitegen", "history", sub, "--help"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0
    assert "Examples:" in p.stdout and f"sitegen history {sub if sub != 'last' else 'last'}" in p.stdout
    assert "--store" in p.stdout


# ---------------------------------------------------------------- on a terminal

def run_in_pty(args: list[str], answer: str | None = None, cwd: Path | None = None,
               env: dict | None = None) -> tuple[int, str]:
    """Run a command with stdin/stdout/stderr on a pseudo-terminal; type ``answer`` at a prompt."""
    import pty
    import select

    master, slave = pty.openpty()
    extra = env or {}
    env = dict(os.environ, TERM="xterm")
    env.pop("SITEGEN_STORE", None)
    env.pop("NO_COLOR", None)
    env.update(extra)
    p = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env)
    os.close(slave)
    out = b""
    answered = answer is None
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                out += chunk
                if not answered and b"[y/N]" in out:
                    os.write(master, answer.encode())
                    answered = True
            elif p.poll() is not None:
                break
    finally:
        os.close(master)
    return p.wait(timeout=30), out.decode("utf-8", "replace").replace("\r\n", "\n")


def test_terminal_colours_status_and_differences(demo):
    base = [sys.executable, "-m", "sitegen", "history"]
    code, out = run_in_pty(base + ["list", "--store", str(demo)])
    assert code == 0
    assert "\x1b[32mCompleted" in out  # green, padded text inside the colour
    code, out = run_in_pty(base + ["list", "--store", str(demo)], env={"NO_COLOR": "1"})
    assert code == 0 and "Completed" in out and "\x1b[" not in out
    code, out = run_in_pty(base + ["compare", "1", "2", "--store", str(demo)])
    assert code == 0
    lines = out.splitlines()
    bold_yellow = "\x1b[33m\x1b[1m"
    rate = next(line for line in lines if "Regularization Rate" in line)
    assert rate.startswith(f"{bold_yellow}*\x1b[0m  {bold_yellow}Regularization Rate")
    script = next(line for line in lines if "script_name" in line)
    assert "\x1b[" not in script and script.startswith("   script_name")


def test_restore_asks_on_a_terminal(tmp_path):
    from sitegen import snapshot

    project = tmp_path / "proj"
    project.mkdir()
    (project / "a.py").write_text("one\n")
    store = Store(project / "runs")
    run_id = store.create_run("Proj", status="Completed")
    snapshot.write_manifest(store, run_id, snapshot.take_snapshot(store, project)[1])
    (project / "a.py").write_text("two\n")
    cmd = [sys.executable, "-m", "sitegen", "history", "restore", "last", "--store",
           str(store.root), "--project-dir", str(project)]
    code, out = run_in_pty(cmd, answer="n\n")
    assert code == 1 and "Aborted" in out and "overwrite a.py" in out
    assert (project / "a.py").read_text() == "two\n"
    code, out = run_in_pty(cmd, answer="y\n")
    assert code == 0, out
    assert f"Restored {run_id}: 1 overwritten, 0 created, 0 removed." in out
    assert (project / "a.py").read_text() == "one\n"


def test_tracked_run_info_and_download(tmp_path):
    """A run made by `sitegen run` in a git repo: exit code, commit, driver.log all show up."""
    project = tmp_path / "proj"
    project.mkdir()
    (project / "train.py").write_text(IRIS)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run(["git", "add", "train.py"], cwd=project, check=True)
    subprocess.run([*git, "commit", "-qm", "init"], cwd=project, check=True)
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True,
                         check=True).stdout.strip()
    store = project / "runs"
    env = dict(os.environ, SITEGEN_EXPERIMENT="Tracked")
    env.pop("SITEGEN_STORE", None)
    env.pop("SITEGEN_RUN_ID", None)
    p = subprocess.run([sys.executable, "-m", "sitegen", "run", "--store", str(store), "train.py",
                        "3"], cwd=project, env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    info = json.loads(sitegen(store, "last").stdout)
    assert (info["status"], info["exit_code"], info["script_name"], info["arguments"]) == \
        ("Completed", 0, "train.py", ["3"])
    assert info["properties"]["CommitId"] == sha
    assert info["Regularization Rate"] == 3.0 and info["loss"] == [3.0, 2.0, 1.5]
    assert "outputs/model.pkl" in info["attachments"]
    dest = tmp_path / "dl"
    files = sitegen(store, "download", "last", str(dest)).stdout.split()
    assert {"driver.log", "metrics.tsv", "run.json", "outputs/model.pkl"} <= set(files)
    assert (dest / "outputs" / "model.pkl").read_text() == "model 3.0"


def test_compare_shows_full_precision_when_rounding_hides_a_difference(tmp_path):
    store = tmp_path / "runs"
    code = ("import sitegen\nfor v in (0.1, 0.10000001):\n"
            "    with sitegen.start_run() as r:\n        r.log('acc', v)\n        r.log('same', 0.5)\n")
    env = dict(os.environ, SITEGEN_STORE=str(store), SITEGEN_EXPERIMENT="Prec")
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, check=True, timeout=60)
    lines = sitegen(store, "compare", "1", "2").stdout.splitlines()
    assert re.split(r"\s{2,}", lines[-2]) == ["*", "acc", "0.1", "0.10000001"]
    assert re.split(r"\s{2,}", lines[-1].strip()) == ["same", "0.5", "0.5"]
