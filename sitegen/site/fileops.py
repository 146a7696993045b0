"""Small file helpers of the build: hard links, byte comparisons, atomic writes and the site swap."""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterable


def link_or_copy(src: str, dst: str) -> None:
    """Hard-link ``src`` to ``dst`` (a copy where links are not possible)."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def copy_file(src: str, link: bool, dest: str) -> None:
    """A store file into the site: hard-linked when it won't change (its run is finished)."""
    if link:
        link_or_copy(src, dest)
    else:
        shutil.copy2(src, dest)


def write_bytes(data: bytes, dest: str) -> None:
    """A new file ``dest`` holding ``data`` (file descriptors, not a buffered file object: a site
    build writes a few files a run)."""
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def same_bytes(path: str, data: bytes) -> bool:
    """Whether the file at ``path`` holds exactly ``data``."""
    try:
        if os.path.getsize(path) != len(data):
            return False
        with open(path, "rb") as f:
            return f.read() == data
    except OSError:
        return False


def same_file(a: str, b: str) -> bool:
    """Whether two files have the same bytes (False if either is missing)."""
    try:
        if os.path.getsize(a) != os.path.getsize(b):
            return False
        with open(a, "rb") as fa, open(b, "rb") as fb:
            while True:
                x, y = fa.read(1 << 20), fb.read(1 << 20)
                if x != y:
                    return False
                if not x:
                    return True
    except OSError:
        return False


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write a temp file next to ``path``, then rename it over ``path``."""
    part = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    if isinstance(data, str):
        part.write_text(data, "utf-8")
    else:
        part.write_bytes(data)
    os.replace(part, path)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    try:
        import ctypes  # (only where a tree is swapped in: a build with nothing to do never loads it)
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    AT_FDCWD = -100
    return fn(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), 2) == 0


def swap_in(new: Path, site_dir: Path) -> Path | None:
    """Put the complete tree ``new`` in the place of ``site_dir``: in one step where the OS can
    exchange two folders (Linux renameat2), else by two renames (between them the site is missing,
    never mixed). Returns where the previous site is now (None if there was none): the caller keeps
    or removes it."""
    if not site_dir.exists():
        os.replace(new, site_dir)
        return None
    if _exchange(new, site_dir):
        return new
    old = site_dir.with_name(f".{site_dir.name}.old-{os.getpid()}")
    shutil.rmtree(old, ignore_errors=True)
    os.replace(site_dir, old)
    try:
        os.replace(new, site_dir)
    except BaseException:
        os.replace(old, site_dir)  # put the old site back
        raise
    return old


def link_all(src: Path, dest: Path, paths: Iterable[str]) -> None:
    """Hard-link (or copy) each of ``paths`` from ``src`` into ``dest``; one missing in ``src`` stays
    missing."""
    made: set[str] = set()
    for path in paths:
        folder = os.path.dirname(path)
        if folder not in made:
            os.makedirs(os.path.join(dest, folder), exist_ok=True)
            made.add(folder)
        try:
            link_or_copy(os.path.join(src, path), os.path.join(dest, path))
        except FileNotFoundError:
            pass


def remove_empty_parents(path: Path, top: Path) -> None:
    """Remove the folders above ``path`` up to ``top`` while they are empty."""
    parent = path.parent
    while parent != top:
        try:
            parent.rmdir()  # only when empty
        except OSError:
            break
        parent = parent.parent
