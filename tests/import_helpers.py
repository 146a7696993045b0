"""Helpers for the importer tests: a store's full state, and a Python that lacks a package."""
from __future__ import annotations

from pathlib import Path


def store_state(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``root``: its bytes and modification time (a second import must change none)."""
    return {p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


def hide_package(tmp_path: Path, name: str) -> dict[str, str]:
    """Environment for a subprocess in which ``import NAME`` fails as if it were not installed."""
    import os
    fake = tmp_path / f"no-{name}" / name
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        f"raise ModuleNotFoundError(\"No module named '{name}'\", name={name!r})\n")
    return {"PYTHONPATH": os.pathsep.join([str(fake.parent), os.environ.get("PYTHONPATH", "")])}
