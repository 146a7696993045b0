"""Pushing a laptop's runs into a bucket whose numbers are taken renumbers them in the laptop's store
too; the laptop's next run must then get a number no run there has (no duplicate #N)."""
import os
import subprocess
import sys

from sitegen.store import Store


def sitegen(*args, cwd, env):
    return subprocess.run([sys.executable, "-m", "sitegen", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_next_local_run_after_renumbering_sync_has_a_new_number(tmp_path):
    env = {**os.environ, "SITEGEN_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}
    env.pop("SITEGEN_STORE", None)
    bucket = (tmp_path / "bucket").as_uri()
    other, laptop = Store(tmp_path / "other"), Store(tmp_path / "laptop")
    other.create_run("exp", script_name="a.py")                      # the bucket's #1
    assert sitegen("sync", str(other.root), bucket, cwd=tmp_path, env=env).returncode == 0
    for _ in range(2):
        laptop.create_run("exp", script_name="b.py")                 # the laptop's #1, #2
    pushed = sitegen("sync", str(laptop.root), bucket, cwd=tmp_path, env=env)
    assert pushed.returncode == 0, pushed.stderr
    assert "renumbered" in pushed.stdout + pushed.stderr
    taken = {m["run_number"] for m in laptop.iter_runs()}
    assert taken == {2, 3}
    new = laptop.create_run("exp", script_name="b.py")
    assert laptop.load_meta(new)["run_number"] == 4
