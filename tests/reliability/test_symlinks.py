"""Issue 16.1: no file of a run that is a symbolic link (or not a regular file) is read into the
site, the CLI's output or a download: metrics.tsv -> /proc/self/environ, driver.log -> /etc/passwd,
run.json -> a file outside, an output -> /etc/passwd; each is named in a warning, --strict fails."""
from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

from .conftest import clean_env, py, sg, write_script

TOKEN = "ci-token-SYMLINK-77123"


def _site_bytes(site: Path) -> list[tuple[str, bytes]]:
    out = []
    for dirpath, _, files in os.walk(site):
        for name in files:
            p = Path(dirpath, name)
            data = p.read_bytes()
            if name.endswith(".gz"):
                data += gzip.decompress(data)
            out.append((str(p.relative_to(site)), data))
    return out


def test_symlinks_in_run_folders_are_never_read(proj: Path):
    script = write_script(proj / "train.py", """
        import os
        from sitegen import get_logger
        log = get_logger()
        log.log("Accuracy", 0.5)
        os.makedirs("outputs", exist_ok=True)
        open("outputs/model.txt", "w").write("weights")
    """)
    for _ in range(4):
        py(script, cwd=proj)
    runs = sorted(p for p in (proj / "runs").iterdir() if not p.name.startswith("."))
    a, b, c, d = runs
    (d / "metrics.tsv").unlink()
    os.mkfifo(d / "metrics.tsv")  # would block history list and jobs
    (a / "metrics.tsv").unlink()
    os.symlink("/proc/self/environ", a / "metrics.tsv")
    os.symlink("/etc/passwd", a / "driver.log")
    os.symlink("/etc/passwd", a / "outputs" / "passwd.txt")
    outside = proj / "elsewhere.json"
    outside.write_text((b / "run.json").read_text())
    (b / "run.json").unlink()
    os.symlink(outside, b / "run.json")
    os.mkfifo(c / "driver.log")  # a FIFO would block a reader forever
    passwd = Path("/etc/passwd").read_bytes().split(b"\n")[0]
    assert passwd.startswith(b"root:")

    env = clean_env(CI_TOKEN=TOKEN)
    built = sg("build", cwd=proj, env=env, timeout=60)
    assert built.returncode == 0, built.stderr
    warnings = [line for line in built.stderr.splitlines() if line.startswith("WARNING")]
    for needle in (f"{a.name}/metrics.tsv: a symbolic link", f"{a.name}/driver.log: a symbolic link",
                   f"{a.name}/outputs/passwd.txt: a symbolic link", f"{b.name}/run.json: a symbolic link",
                   f"{c.name}/driver.log: not a regular file", f"{d.name}/metrics.tsv: not a regular file"):
        assert sum(needle in w for w in warnings) == 1, (needle, warnings)
    for rel, data in _site_bytes(proj / "site"):
        assert TOKEN.encode() not in data, rel
        assert passwd not in data, rel
    assert not (proj / "site" / "files" / a.name / "driver.log").exists()
    assert (proj / "site" / "runs" / f"{c.name}.html").exists()
    assert not (proj / "site" / "runs" / f"{b.name}.html").exists()

    strict = sg("build", "--strict", cwd=proj, env=env, timeout=60)
    assert strict.returncode == 1 and strict.stderr.strip().splitlines()[-1].startswith("Error:")

    for args in (["history", "info", a.name], ["history", "list", "-o", "json"], ["jobs", "--all"],
                 ["history", "compare", a.name, c.name]):
        out = sg(*args, cwd=proj, env=env, timeout=30)
        assert out.returncode == 0, (args, out.stderr)
        assert TOKEN not in out.stdout + out.stderr and passwd.decode() not in out.stdout, args
    info = json.loads(sg("history", "info", a.name, cwd=proj, env=env).stdout)
    assert "Accuracy" not in info
