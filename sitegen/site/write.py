"""Phase 5, *write*: put the new files in place, with the cache and state describing them.

- *unchanged*: nothing to move (the cache is refreshed if run fingerprints moved);
- *patch* (few changes): each changed file is moved into the site, removed files are deleted, the
  cache is written last;
- *swap* (many changes): the new folder, a complete site, replaces the old one atomically.

Any failure before this phase leaves the previous site untouched.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from sitegen.site.cache import CACHE_NAME, STATE_NAME, BuildCache, BuildState, remove_legacy
from sitegen.site.fileops import remove_empty_parents, swap_in, write_atomic


def keep(site_dir: Path, tmp: Path, cache: BuildCache, state: BuildState, refresh_cache: bool) -> None:
    """Nothing of the site changed: drop the new folder, refresh the cache and state."""
    shutil.rmtree(tmp, ignore_errors=True)
    if refresh_cache:
        data = cache.to_bytes()
        if data != (site_dir / CACHE_NAME).read_bytes():
            write_atomic(site_dir / CACHE_NAME, data)
    write_atomic(site_dir / STATE_NAME, state.to_text())
    remove_legacy(site_dir)


def patch(site_dir: Path, tmp: Path, changed: list[str], removed: list[str], cache: BuildCache,
          state: BuildState) -> None:
    """Move the ``changed`` files from ``tmp`` into the site and delete ``removed`` ones."""
    for path in changed:
        dest = site_dir / path
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp / path, dest)
    for path in removed:
        try:
            os.unlink(site_dir / path)
        except FileNotFoundError:
            pass
        remove_empty_parents(site_dir / path, site_dir)
    write_atomic(site_dir / CACHE_NAME, cache.to_bytes())
    write_atomic(site_dir / STATE_NAME, state.to_text())
    remove_legacy(site_dir)
    shutil.rmtree(tmp, ignore_errors=True)


def swap(site_dir: Path, tmp: Path, cache: BuildCache, state: BuildState) -> None:
    """Swap the complete new tree ``tmp`` in for the site."""
    (tmp / CACHE_NAME).write_bytes(cache.to_bytes())
    (tmp / STATE_NAME).write_text(state.to_text(), "utf-8")
    swap_in(tmp, site_dir)
