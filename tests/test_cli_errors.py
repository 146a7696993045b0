"""A bad argument to any command is one line `Error: …` (saying where to look) and exit code 1."""
import os
import subprocess
import sys

import pytest

BAD = [
    (["jobs", "--bogus"], "No such option '--bogus'", "sitegen jobs --help"),
    (["run"], "Missing argument 'SCRIPT'", "sitegen run --help"),
    (["history", "list", "-o", "xml"], "'xml' is not one of", "sitegen history list --help"),
    (["nosuchcmd"], "No such command 'nosuchcmd'", "sitegen --help"),
]


@pytest.mark.parametrize("args,message,hint", BAD, ids=[" ".join(a) for a, _, _ in BAD])
def test_usage_error_is_one_line(tmp_path, args, message, hint):
    p = subprocess.run([sys.executable, "-m", "sitegen", *args], cwd=tmp_path, capture_output=True,
                       text=True, env={**os.environ, "NO_COLOR": "1"}, timeout=60)
    assert p.returncode == 1
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith("Error: ") and message in lines[0] and hint in lines[0]
    assert p.stdout == ""


def _on_a_store_of_one_run(tmp_path, *args: str) -> subprocess.CompletedProcess:
    """``sitegen ARGS`` in ``tmp_path`` with a store holding one run."""
    from sitegen.store import Store
    Store(tmp_path / "runs").create_run("exp", script_name="a.py")
    return subprocess.run([sys.executable, "-m", "sitegen", *args], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1", "SITEGEN_STORE": str(tmp_path / "runs")})


def test_deploy_to_an_unknown_protocol_fails_before_building(tmp_path):
    p = _on_a_store_of_one_run(tmp_path, "deploy", "--to", "bogus://bucket/site/")
    assert p.returncode == 1
    assert p.stderr.strip().splitlines() == ["Error: bogus://bucket/site/: unknown storage protocol bogus://"]
    assert "Built" not in p.stdout and not (tmp_path / "site").exists()


def test_a_site_dir_that_cannot_be_made_is_named_not_its_staging_folder(tmp_path):
    p = _on_a_store_of_one_run(tmp_path, "build", "--site-dir", "/proc/x")
    assert p.returncode == 1
    assert p.stderr.strip().splitlines() == [
        "Error: can't write the site into /proc/x: No such file or directory (its folder must be "
        "writable; choose another --site-dir)"]
