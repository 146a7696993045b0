"""Helpers for the importer tests: a store's full state, and a Python that lacks a package."""
from __future__ import annotations

from pathlib import Path


def store_state(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``root``: its bytes and modification time (a second import must change none)."""
    return {p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


def hide_package(tmp_path: Path, name: str) -> dict[str, str]:
    """Environment for a subprocess in which package NAME looks uninstalled: a sitecustomize module
    puts a finder first on sys.meta_path that answers ``import NAME`` (and ``find_spec``) with
    ModuleNotFoundError."""
    import os
    folder = tmp_path / f"no-{name}"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(f"""\
import sys
class _Hide:
    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] == {name!r}:
            raise ModuleNotFoundError("No module named {name!r}", name={name!r})
sys.meta_path.insert(0, _Hide())
""")
    return {"PYTHONPATH": os.pathsep.join([str(folder), os.environ.get("PYTHONPATH", "")])}
