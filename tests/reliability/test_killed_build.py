"""Issue 16 item 6: a build killed while it puts its files in place never leaves a mixed site.

A real ``sitegen build`` subprocess is SIGKILLed at its Nth file operation on the site or on its
hidden neighbours (``.site.*``: staging and previous trees): an audit hook (``sys.addaudithook``, no
hook in sitegen) counts ``os.rename``/``os.replace``/``os.link``/``os.remove``/``os.rmdir`` events and
the ``renameat2`` call (its ``ctypes.dlsym`` look-up, just before), and kills its own process at the Nth. Whatever N, the site left behind must
be, file for file, either the complete old site or the complete new one (each compared with a full
build of that state), and the next build must give the new site and leave nothing behind but the
kept previous tree.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from sitegen.snapshot import select_files
from sitegen.store import Store

from .conftest import PY, clean_env, py, sg, write_script
from .test_faults import MANY  # 300 runs: 5 scalars and a 100-point series each

RUNS = 300
# the build in a process that kills itself at its Nth file operation on the site or its neighbours
# (N = 0: never; the count is printed at exit, and which operations rename onto the site or exchange
# it: renameat2 is looked up (ctypes.dlsym) right before each call). FAULT=no-exchange: it cannot be.
KILLER = r"""
import atexit, os, signal, sys
N, SITE = int(sys.argv[1]), os.path.abspath(sys.argv[2])
PARENT, PREFIX = os.path.dirname(SITE), "." + os.path.basename(SITE) + "."
NO_EXCHANGE = os.environ.get("FAULT") == "no-exchange"
count = 0

def ours(path):
    if isinstance(path, int) or path is None:
        return False
    p = os.path.abspath(os.fsdecode(path))
    if p == SITE or p.startswith(SITE + os.sep):
        return True
    return os.path.dirname(p) == PARENT and os.path.basename(p).startswith(PREFIX) or (
        p.startswith(PARENT + os.sep) and os.path.relpath(p, PARENT).split(os.sep)[0].startswith(PREFIX))

def hook(event, args):
    global count
    if event == "ctypes.dlsym" and "renameat2" in str(args[1]):  # looked up right before the call
        if NO_EXCHANGE:
            raise AttributeError("renameat2 (test: not available)")
        paths = [SITE]
    elif event in ("os.rename", "os.replace", "os.link"):
        paths = [args[1]]
    elif event in ("os.remove", "os.rmdir"):
        paths = [args[0]]
    else:
        return
    if any(ours(p) for p in paths):
        count += 1
        if count == N:
            os.kill(os.getpid(), signal.SIGKILL)
        if N == 0 and any(os.path.abspath(os.fsdecode(p)) == SITE for p in paths):
            print(f"INTO-SITE {count}", file=sys.stderr)  # the site itself renamed or exchanged

atexit.register(lambda: print(f"FILE-OPS {count}", file=sys.stderr))
sys.addaudithook(hook)
sys.argv = ["sitegen", "build", "--site-dir", SITE]
from sitegen.cli import main
sys.exit(main())
"""
BOOKKEEPING = (".sitegen-build.cache", ".sitegen-build-state.json", ".sitegen-tree")


def _digest(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): hashlib.sha1(p.read_bytes()).hexdigest()
            for p in site.rglob("*") if p.is_file() and p.name not in BOOKKEEPING
            and not p.relative_to(site).parts[0].startswith(".sitegen-build")}  # the cache's shards


def _rename(proj: Path, how_many: int, tag: str) -> None:
    store = Store(proj / "runs")
    for run_id in sorted(store.run_ids())[:how_many]:
        store.update_meta(run_id, lambda m: m.update(name=f"{m['name']} {tag}"))


def _build(proj: Path, site: Path, *extra: str) -> str:
    b = sg("build", "--site-dir", str(site), *extra, cwd=proj, timeout=600)
    assert b.returncode == 0, b.stderr
    return b.stdout + b.stderr


def _killed_build(proj: Path, n: int, fault: str = "") -> tuple[int, str]:
    env = clean_env(FAULT=fault) if fault else clean_env()
    p = subprocess.run([PY, "-c", KILLER, str(n), str(proj / "site")], cwd=proj, env=env,
                       capture_output=True, text=True, timeout=600)
    return p.returncode, p.stderr


def _leftovers(proj: Path) -> list[str]:
    return sorted(x.name for x in proj.iterdir() if x.name.startswith(".site"))


@pytest.fixture(scope="module")
def states(tmp_path_factory) -> dict:
    """A project of 300 runs built once (``base``), and the full builds of the states the tests
    move between: ``old`` (one run renamed since ``base``), ``new`` (10 more renamed), ``all`` (every
    run renamed: a swap build)."""
    root = tmp_path_factory.mktemp("killed")
    proj = root / "proj"
    proj.mkdir()
    write_script(proj / "many.py", MANY.format(n=RUNS))
    py(proj / "many.py", cwd=proj, timeout=600)
    _build(proj, proj / "site")
    shutil.copytree(proj, root / "base", symlinks=True)
    out = {"root": root}
    Store(proj / "runs").update_meta(sorted(Store(proj / "runs").run_ids())[-1],
                                     lambda m: m.update(name="the last run"))
    _build(proj, root / "full-old", "--clean")
    out["old"] = _digest(root / "full-old")
    _rename(proj, 10, "(renamed)")
    _build(proj, root / "full-new", "--clean")
    out["new"] = _digest(root / "full-new")
    _rename(proj, RUNS, "(again)")
    _build(proj, root / "full-all", "--clean")
    out["all"] = _digest(root / "full-all")
    assert out["old"] != out["new"] != out["all"]
    return out


def _project(states: dict, name: str, warm: bool) -> Path:
    """A copy of the built project in state ``old``; ``warm``: its site was built incrementally from
    ``base`` (so a previous tree may be kept next to it), else built once from scratch."""
    proj = states["root"] / name
    shutil.copytree(states["root"] / "base", proj, symlinks=True)
    Store(proj / "runs").update_meta(sorted(Store(proj / "runs").run_ids())[-1],
                                     lambda m: m.update(name="the last run"))
    if warm:
        _build(proj, proj / "site")
    else:
        _build(proj, proj / "site", "--clean")
    assert _digest(proj / "site") == states["old"]
    return proj


def _check_kills(states: dict, label: str, warm: bool, change, new: str, fault: str = "") -> list[int]:
    """Kill the build at several file operations; each time the site must be all old or all new, and
    the next build must converge. Returns the kill points tried."""
    probe = _project(states, f"{label}-probe", warm)
    change(probe)
    rc, err = _killed_build(probe, 0, fault)
    assert rc == 0, err
    total = int(err.rsplit("FILE-OPS ", 1)[1].split()[0])
    assert _digest(probe / "site") == states[new]
    into_site = [int(m) for m in re.findall(r"INTO-SITE (\d+)", err)]  # the swap: renames onto the site
    assert into_site, err
    points = sorted({n for n in (1, 5, 15, 30, 40, total // 2, total - 1, total,
                                 *(i + d for i in into_site for d in (-1, 0, 1))) if 0 < n <= total})
    mixed, recovered = [], []
    for n in points:
        proj = _project(states, f"{label}-{n}", warm)
        change(proj)
        rc, err = _killed_build(proj, n, fault)
        assert rc == -signal.SIGKILL, f"kill point {n} of {total} was not reached:\n{err}"
        site = proj / "site"
        got = _digest(site) if site.is_dir() else None
        if got not in (states["old"], states[new]) and not (fault and got is None):
            old_files = sum(1 for k, v in (got or {}).items() if states["old"].get(k) == v != states[new].get(k))
            new_files = sum(1 for k, v in (got or {}).items() if states[new].get(k) == v != states["old"].get(k))
            mixed.append(f"killed at file operation {n} of {total}: {old_files} files old, {new_files} new")
            continue
        b = _build(proj, site)
        if got is None:  # killed between the two renames: the next build put the old site back first
            written, total_pages = map(int, re.search(r"Built (\d+) pages \((\d+) changed", b).groups()[::-1])
            assert written < total_pages / 4, b
            recovered.append(n)
        assert _digest(site) == states[new], f"the build after a kill at {n} did not converge"
        assert [x for x in _leftovers(proj) if x != ".site.prev"] == [], (n, _leftovers(proj))
        shutil.rmtree(proj)
    assert mixed == [], "a killed build left a mixed site:\n" + "\n".join(mixed)
    assert bool(recovered) == bool(fault), recovered  # the fallback's gap was among the kill points
    shutil.rmtree(probe)
    print(f"\nMEASURE killed {label} build: {len(points)} kill points of {total} file operations "
          f"({points}); site all-old or all-new every time; the next build converged")
    return points


def _rename_ten(proj: Path) -> None:
    _rename(proj, 10, "(renamed)")


def _rename_all(proj: Path) -> None:
    _rename(proj, 10, "(renamed)")
    _rename(proj, RUNS, "(again)")


def test_killed_patch_build_after_a_full_one(states):
    """The first incremental build after a full one (no previous tree kept yet)."""
    _check_kills(states, "patch-cold", False, _rename_ten, "new")


def test_killed_patch_build_after_an_incremental_one(states):
    """An incremental build next to the previous tree the last build kept (which code snapshots of
    the project leave out, like the site)."""
    _check_kills(states, "patch-warm", True, _rename_ten, "new")
    proj = _project(states, "snapshot", True)
    assert (proj / ".site.prev" / "tree" / "index.html").is_file()
    picked = select_files(proj)
    assert "many.py" in picked and not [p for p in picked if p.startswith((".site", "site/"))]
    subprocess.run(["git", "init", "-q"], cwd=proj, check=True)  # git does not see it either
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=proj,
                            capture_output=True, text=True, check=True).stdout
    assert "many.py" in status and ".site.prev" not in status, status
    _build(proj, proj / "site", "--clean")  # a full build shares nothing with it: removed
    assert _leftovers(proj) == []


def test_killed_swap_build(states):
    """Every run renamed: the new tree is made complete and swapped in."""
    _check_kills(states, "swap", True, _rename_all, "all")


def test_killed_patch_build_without_renameat2(states):
    """Where the exchange is not available, the site is moved aside and the new one renamed in: at
    no moment is it mixed (between the two renames it is missing; the next build puts the old one
    back first, then builds only what changed)."""
    _check_kills(states, "no-exchange", True, _rename_ten, "new", fault="no-exchange")


FAILING = r"""
import os, sys
from pathlib import Path
from sitegen import start_run
from sitegen.config import Config
from sitegen.site.build import build_site
from sitegen.store import Store

for i in range(40):
    with start_run(name=f"run {i}") as r:
        r.log("loss", 1.0 / (i + 1))
store, site = Store(Path("runs")), Path("site").absolute()
ids = sorted(store.run_ids())
fail = [False]

def hook(event, args):  # the disk refuses a move into this build's own previous tree
    if fail[0] and event == "os.rename" and "/.site.old-prev-" in os.fsdecode(args[1]) and "/tree/" in os.fsdecode(args[1]):
        raise OSError(28, "No space left on device (test)")

sys.addaudithook(hook)
build_site(store, site, Config())
for k, run_id in enumerate(ids[:3]):  # three incremental builds in one process, like `sitegen serve`
    store.update_meta(run_id, {"name": f"renamed {k}"})
    fail[0] = k == 1
    try:
        build_site(store, site, Config())
        print("built", k, flush=True)
    except OSError as e:
        print("failed", k, e.strerror, flush=True)
print("left", sorted(p.name for p in site.parent.iterdir() if p.name.startswith(".site.")))
build_site(store, Path("full").absolute(), Config(), clean=True)
"""


def test_a_failed_write_in_a_long_lived_process_leaves_the_next_builds_working(tmp_path):
    """A patch build that fails while filling the previous tree (a full disk) leaves the site as it
    was; the same process's next builds (``sitegen serve``) work and converge."""
    proj = tmp_path / "proj"
    proj.mkdir()
    p = subprocess.run([PY, "-c", FAILING], cwd=proj, env=clean_env(), capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[:3] == ["built 0", "failed 1 No space left on device (test)", "built 2"], p.stdout
    assert lines[3] == "left ['.site.prev']", p.stdout
    assert _digest(proj / "site") == _digest(proj / "full")
