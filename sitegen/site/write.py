"""Phase 5, *write*: put the new files in place, with the cache and state describing them.

- *unchanged*: nothing to move (the cache is refreshed if run fingerprints moved);
- *patch* (few changes): the changed files are moved into a complete copy of the site, which is
  then swapped in;
- *swap* (many changes): the new folder, a complete site, is swapped in.

Either way the site is replaced in one step (Linux ``renameat2`` exchange; elsewhere two renames,
between which it is missing): a build killed at any moment leaves the old site or the new one, never
a mix. Any failure before this phase leaves the previous site untouched.

The complete copy of a patch build is not made from scratch each time (hard-linking every file of
a 50,000-run site costs about a second): the tree the last swap took out is kept next to the site
(``.<site>.prev/tree``, hard links: only the files that changed take room), with the list of files
in which it differs from the site (``differs.json``). A patch build claims it by renaming it,
links those few files from the site, moves its own changed files in and swaps it in: cost
proportional to what changed. Without a usable previous tree (the first patch build, one killed,
a site edited by hand) the copy is made by hard-linking every unchanged file of the site.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from sitegen.site.cache import CACHE_NAME, STAMPS_NAME, STATE_NAME, BuildCache, BuildState, owns, remove_legacy
from sitegen.site.fileops import link_all, link_or_copy, remove_empty_parents, swap_in, write_atomic
from sitegen.store import pid_alive

TREE_NAME = ".sitegen-tree"     # in every tree: a token naming the build that made it
DIFFERS = "differs.json"        # in the kept previous tree's folder: {"site": token, "paths": [...]}
BOOKKEEPING = (CACHE_NAME, STATE_NAME, STAMPS_NAME, TREE_NAME)  # written into every new tree, never linked


def keep(site_dir: Path, tmp: Path, cache: BuildCache, state: BuildState, refresh_cache: bool) -> None:
    """Nothing of the site changed: drop the new folder, refresh the cache and state."""
    shutil.rmtree(tmp, ignore_errors=True)
    if refresh_cache:
        cache.save(site_dir)
    state.save(site_dir)
    remove_legacy(site_dir)


def patch(site_dir: Path, tmp: Path, changed: list[str], removed: list[str], cache: BuildCache,
          state: BuildState) -> None:
    """Swap in the site with the ``changed`` files of ``tmp`` and without the ``removed`` ones."""
    holder = _claim_previous(site_dir)
    try:
        if holder is None:  # make the complete tree in tmp: every unchanged file, hard-linked
            tree = tmp
            skip = set(changed)
            link_all(site_dir, tree, (p for p in cache.all_paths() if p not in skip))
        else:
            tree = holder / "tree"
            for path in changed:
                dest = tree / path
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp / path, dest)
            for path in removed:
                _unlink(tree, path)
        _swap(site_dir, tree, cache, state, changed + removed, holder)
    except BaseException:  # the site is untouched (or already the new one): drop the half-made tree
        if holder is not None:
            shutil.rmtree(holder, ignore_errors=True)
        raise
    shutil.rmtree(tmp, ignore_errors=True)


def swap(site_dir: Path, tmp: Path, cache: BuildCache, state: BuildState,
         changed: list[str] | None = None) -> None:
    """Swap the complete new tree ``tmp`` in for the site; ``changed``: the files in which it differs
    from the site (None: all)."""
    _swap(site_dir, tmp, cache, state, changed, None)


def recover(site_dir: Path) -> None:
    """Where two renames replace the site (no exchange), a build killed between them leaves no site,
    only the old one moved aside (``.<site>.old-<pid>``, its process gone): put it back."""
    if site_dir.exists():
        return
    for old in site_dir.parent.glob(f".{site_dir.name}.old-*"):
        pid = old.name.rsplit("-", 1)[-1]
        if (old.name == f".{site_dir.name}.old-{pid}" and pid.isdigit() and int(pid) != os.getpid()
                and not pid_alive(int(pid)) and owns(old)):
            os.rename(old, site_dir)
            return


# ---------------------------------------------------------------- the previous tree

def previous_dir(site_dir: Path) -> Path:
    """Where the tree the last swap took out is kept (a hidden folder next to the site)."""
    return site_dir.with_name(f".{site_dir.name}.prev")


def _swap(site_dir: Path, tree: Path, cache: BuildCache, state: BuildState, changed: list[str] | None,
          holder: Path | None) -> None:
    token = os.urandom(8).hex()
    cache.save(tree)  # the cache's index and shards, into the tree
    state.save(tree)
    write_atomic(tree / TREE_NAME, token)
    remove_legacy(tree)
    old = swap_in(tree, site_dir)  # the one step: before it the old site, after it the new one
    _keep_previous(site_dir, old, holder, token, changed)


def _claim_previous(site_dir: Path) -> Path | None:
    """Take the kept previous tree (renamed to this build's own folder, so no other build uses it)
    and bring it level with the site; None if there is none or it does not match the site."""
    claimed = _holder(site_dir)
    shutil.rmtree(claimed, ignore_errors=True)  # an earlier failed build of this process (serve)
    try:
        os.rename(previous_dir(site_dir), claimed)
    except OSError:
        return None
    try:
        differs = json.loads((claimed / DIFFERS).read_text("utf-8"))
        paths = differs["paths"]
        ok = (differs["site"] == (site_dir / TREE_NAME).read_text("utf-8") and (claimed / "tree").is_dir()
              and all(isinstance(p, str) for p in paths))
    except (OSError, ValueError, TypeError, KeyError):
        ok = False
    if not ok:
        shutil.rmtree(claimed, ignore_errors=True)
        return None
    os.unlink(claimed / DIFFERS)  # from here on the tree is being changed: not reusable if killed
    tree = claimed / "tree"
    for path in paths:
        if path in BOOKKEEPING:
            continue
        _unlink(tree, path)
        src = site_dir / path
        if src.is_file():
            (tree / path).parent.mkdir(parents=True, exist_ok=True)
            link_or_copy(str(src), str(tree / path))
    return claimed


def _keep_previous(site_dir: Path, old: Path | None, holder: Path | None, token: str,
                   changed: list[str] | None) -> None:
    """Keep the tree the swap took out as the next patch build's starting point, or remove it. The
    site is already whole: nothing here raises (a tree not kept is removed; the next build links)."""
    prev = previous_dir(site_dir)
    shutil.rmtree(prev, ignore_errors=True)  # only there if another build kept one meanwhile
    if old is not None and changed is not None:
        try:
            if holder is None:
                holder = _holder(site_dir)
                shutil.rmtree(holder, ignore_errors=True)
                holder.mkdir()
                (holder / ".gitignore").write_text("*\n", "utf-8")  # not for git, nor code snapshots
            if old != holder / "tree":
                os.rename(old, holder / "tree")
            (holder / DIFFERS).write_text(json.dumps({"site": token, "paths": sorted(set(changed))}), "utf-8")
            os.rename(holder, prev)
            return
        except OSError:  # e.g. another build kept its own meanwhile
            pass
    # no previous site, one that shares nothing with the new (a build without cache), or not kept
    for folder in (old, holder):
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def _holder(site_dir: Path) -> Path:
    """This build's own folder for the previous tree (cleaned up by later builds if it is killed)."""
    return site_dir.with_name(f".{site_dir.name}.old-prev-{os.getpid()}")


def _unlink(tree: Path, path: str) -> None:
    try:
        os.unlink(tree / path)
    except FileNotFoundError:
        return
    remove_empty_parents(tree / path, tree)
