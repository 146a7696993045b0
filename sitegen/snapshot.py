"""Code snapshots: the project's files at launch, deduplicated across runs.

Each file's bytes are stored once, content-addressed, in ``<store>/.sitegen/objects/<ab>/<cdef…>``
(sha256; written atomically, skipped when present); a run keeps only its manifest,
``<run>/snapshot.json`` = ``{path: {"sha256": …, "size": …, "mode": …}}``. 1,000 runs of unchanged
code therefore cost one copy of the code plus 1,000 small manifests.

Selection: in a git work tree, ``git ls-files --cached --others --exclude-standard`` (honours
``.gitignore``), otherwise a walk of the folder; always without the store, ``runs/``, ``site/``,
``outputs/``, ``.git``, virtualenvs (``.venv``, ``venv``, ``env``, any folder holding ``pyvenv.cfg``),
``__pycache__``, symlinks and files over :data:`MAX_FILE_SIZE` bytes.

:func:`plan_restore` / :func:`apply_restore` put a project back as it was in a run's snapshot.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from sitegen.errors import UserError
from sitegen.secrets import is_credential_file
from sitegen.store import INTERNAL_DIR, Store, write_bytes_atomic

MAX_FILE_SIZE = 1_000_000
SNAPSHOT_FILE = "snapshot.json"
CACHE_FILE = "snapshot-cache.json"
EXCLUDED_TOP = frozenset({"runs", "site", "outputs"})
EXCLUDED_ANYWHERE = frozenset({".git", ".hg", ".svn", "__pycache__", ".venv", "venv", "env",
                               INTERNAL_DIR, ".pytest_cache", ".mypy_cache", ".ruff_cache",
                               ".ipynb_checkpoints"})


class SnapshotError(UserError):
    """A run has no usable snapshot (none recorded, or a blob is missing)."""


@dataclass
class RestorePlan:
    """What :func:`apply_restore` will do, as project-relative POSIX paths (sorted)."""

    overwrite: list[str] = field(default_factory=list)
    create: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def empty(self) -> bool:
        return not (self.overwrite or self.create or self.remove)


# ---------------------------------------------------------------- selection

def _excluded_dirs(project_dir: Path, store: Store | None) -> set[str]:
    """Project-relative folders left out besides the fixed names (the store, the config's site)."""
    out: set[str] = set()
    base = project_dir.resolve()
    candidates = [store.root] if store is not None else []
    try:
        from sitegen.config import load_config
        config = load_config(project_dir)
        from sitegen.site.write import previous_dir
        site = Path(config.base_dir / config.site_dir)
        candidates += [site, previous_dir(site)]  # and the tree the last build swapped out
        if config.store:
            candidates.append(config.base_dir / config.store)
    except UserError:
        pass
    for c in candidates:
        try:
            rel = Path(os.path.abspath(c)).resolve().relative_to(base)
        except (ValueError, OSError):
            continue
        if str(rel) != ".":
            out.add(rel.as_posix())
    return out


def _is_excluded(rel: str, extra: set[str]) -> bool:
    parts = rel.split("/")
    if parts[0] in EXCLUDED_TOP:
        return True
    if any(p in EXCLUDED_ANYWHERE for p in parts[:-1]):
        return True
    if is_credential_file(rel):  # .env, id_rsa, .git-credentials, …: never kept in the store
        return True
    return any(rel == e or rel.startswith(e + "/") for e in extra)


def _git_files(project_dir: Path) -> list[str] | None:
    """Paths from git (relative to ``project_dir``), or None when not in a work tree / no git."""
    try:
        proc = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=project_dir, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    paths = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    return sorted({p for p in paths if p})


def _walk_files(project_dir: Path, extra: set[str]) -> list[str]:
    out: list[str] = []
    for root, dirs, files in os.walk(project_dir):
        rel_root = os.path.relpath(root, project_dir)
        rel_root = "" if rel_root == "." else rel_root.replace(os.sep, "/") + "/"
        keep = []
        for d in dirs:
            rel = rel_root + d
            full = os.path.join(root, d)
            if (d in EXCLUDED_ANYWHERE or (not rel_root and d in EXCLUDED_TOP)
                    or rel in extra or os.path.islink(full)
                    or os.path.exists(os.path.join(full, "pyvenv.cfg"))):
                continue
            keep.append(d)
        dirs[:] = keep
        out.extend(rel_root + f for f in files)
    return sorted(out)


def select_files(project_dir: Path, store: Store | None = None) -> list[str]:
    """Project-relative POSIX paths of the regular files a snapshot takes (sorted)."""
    project_dir = Path(project_dir)
    extra = _excluded_dirs(project_dir, store)
    paths = _git_files(project_dir)
    if paths is None:
        paths = _walk_files(project_dir, extra)
    venvs: dict[str, bool] = {}
    out = []
    for rel in paths:
        if _is_excluded(rel, extra) or _in_venv(project_dir, rel, venvs):
            continue
        try:
            st = os.lstat(project_dir / rel)
        except OSError:
            continue  # deleted in the work tree but still in git's index
        if stat.S_ISREG(st.st_mode) and st.st_size <= MAX_FILE_SIZE:
            out.append(rel)
    return out


def _in_venv(project_dir: Path, rel: str, cache: dict[str, bool]) -> bool:
    parts = rel.split("/")[:-1]
    for i in range(1, len(parts) + 1):
        d = "/".join(parts[:i])
        hit = cache.get(d)
        if hit is None:
            hit = cache[d] = (project_dir / d / "pyvenv.cfg").exists()
        if hit:
            return True
    return False


# ---------------------------------------------------------------- blobs and manifests

def objects_dir(store: Store) -> Path:
    return store.internal / "objects"


def blob_path(store: Store, sha256: str) -> Path:
    return objects_dir(store) / sha256[:2] / sha256[2:]


def _put_blob(store: Store, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    path = blob_path(store, digest)
    if path.exists():
        return digest
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(path, data, mode=0o444)  # shared by many runs: never edited in place
    return digest


def _load_cache(store: Store, key: str) -> dict:
    try:
        data = json.loads((store.internal / CACHE_FILE).read_text("utf-8"))
        entries = data.get(key, {})
        return entries if isinstance(entries, dict) else {}
    except (OSError, ValueError, AttributeError):
        return {}


def _save_cache(store: Store, key: str, entries: dict) -> None:
    path = store.internal / CACHE_FILE
    try:
        try:
            data = json.loads(path.read_text("utf-8"))
            if not isinstance(data, dict):
                data = {}
        except (OSError, ValueError):
            data = {}
        data[key] = entries
        tmp = path.with_name(f".{CACHE_FILE}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, separators=(",", ":")), "utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # only a speed-up


def build_manifest(store: Store, project_dir: Path) -> dict[str, dict]:
    """Store the blobs of the project's selected files; return the manifest (path -> entry).

    Files whose size, mtime and inode match the last snapshot of this project (and are older than
    a couple of seconds, so a same-tick edit is not missed) are not read again.
    """
    project_dir = Path(project_dir)
    store.ensure()
    key = str(project_dir.resolve())
    cache = _load_cache(store, key)
    new_cache: dict[str, list] = {}
    settled = time.time_ns() - 2_000_000_000
    manifest: dict[str, dict] = {}
    for rel in select_files(project_dir, store):
        path = project_dir / rel
        try:
            st = os.stat(path)
        except OSError:
            continue
        mode = stat.S_IMODE(st.st_mode)
        sig = [st.st_size, st.st_mtime_ns, st.st_ino]
        hit = cache.get(rel)
        if (isinstance(hit, list) and len(hit) == 4 and hit[:3] == sig
                and blob_path(store, str(hit[3])).is_file()):
            digest, size = str(hit[3]), st.st_size
        else:
            try:
                with open(path, "rb") as f:
                    data = f.read(MAX_FILE_SIZE + 1)
            except OSError:
                continue  # vanished or unreadable: not part of the snapshot
            if len(data) > MAX_FILE_SIZE:
                continue
            digest, size = _put_blob(store, data), len(data)
            if size != st.st_size:
                sig = None  # changed while we read it
        if sig is not None and st.st_mtime_ns < settled:
            new_cache[rel] = [*sig, digest]
        manifest[rel] = {"sha256": digest, "size": size, "mode": mode}
    if new_cache != cache:
        _save_cache(store, key, new_cache)
    return manifest


def _canonical(manifest: dict) -> bytes:
    return json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def manifest_id(manifest: dict) -> str:
    """The snapshot's id: sha256 of the canonical manifest JSON."""
    return hashlib.sha256(_canonical(manifest)).hexdigest()


def write_manifest(store: Store, run_id: str, manifest: dict) -> None:
    """Write ``<run>/snapshot.json``. The manifest is itself a blob (its name is the snapshot id)
    and the run's file is a hard link to it, so identical snapshots share their bytes too."""
    data = _canonical(manifest)
    path = store.run_dir(run_id) / SNAPSHOT_FILE
    tmp = path.with_name(f".{SNAPSHOT_FILE}.{os.getpid()}.tmp")
    try:
        os.link(blob_path(store, _put_blob(store, data)), tmp)
    except OSError:  # no hard links here: a plain copy
        tmp.write_bytes(data)
    os.replace(tmp, path)


def take_snapshot(store: Store, project_dir: Path) -> tuple[str, dict]:
    """Snapshot ``project_dir`` into the store's blobs: (snapshot id, manifest)."""
    manifest = build_manifest(store, project_dir)
    return manifest_id(manifest), manifest


def load_manifest(store: Store, run_id: str) -> dict[str, dict]:
    """A run's manifest; SnapshotError if it has none."""
    path = store.run_dir(run_id) / SNAPSHOT_FILE
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise SnapshotError(f"run {run_id} has no code snapshot (it was not started by "
                            f"`sitegen run`); nothing to restore") from None
    except (OSError, ValueError) as e:
        raise SnapshotError(f"{path}: unreadable snapshot manifest ({e})") from None
    if not isinstance(data, dict):
        raise SnapshotError(f"{path}: unreadable snapshot manifest (not an object)")
    for rel, entry in data.items():
        if not _safe_rel(rel) or not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str) \
                or len(entry["sha256"]) != 64 or any(c not in "0123456789abcdef" for c in entry["sha256"]):
            raise SnapshotError(f"{path}: invalid entry {rel!r}; the snapshot cannot be restored")
    return data


def _safe_rel(rel: object) -> bool:
    if not isinstance(rel, str) or not rel or rel.startswith("/") or "\\" in rel or "\0" in rel:
        return False
    return all(p not in ("", ".", "..") for p in rel.split("/"))


# ---------------------------------------------------------------- restore

def _file_sha(path: Path) -> str | None:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def plan_restore(store: Store, run_id: str, project_dir: Path) -> RestorePlan:
    """Compare the project's files now with the run's snapshot.

    ``overwrite``: files whose content or mode differ; ``create``: files the snapshot has and the
    project lacks; ``remove``: files present now (under the same selection rules) that the snapshot
    does not have. Raises SnapshotError if the run has no snapshot or a needed blob is missing.
    """
    project_dir = Path(project_dir)
    manifest = load_manifest(store, run_id)
    current = set(select_files(project_dir, store))
    plan = RestorePlan()
    for rel, entry in sorted(manifest.items()):
        path = project_dir / rel
        if os.path.lexists(path) and not path.is_file():
            plan.overwrite.append(rel)  # a folder or a link where the file was
        elif not path.exists():
            plan.create.append(rel)
        elif _file_sha(path) != entry["sha256"] or (
                "mode" in entry and stat.S_IMODE(os.stat(path).st_mode) != entry["mode"]):
            plan.overwrite.append(rel)
        else:
            plan.unchanged += 1
    plan.remove = sorted(current - set(manifest))
    missing = [rel for rel in plan.overwrite + plan.create
               if not blob_path(store, manifest[rel]["sha256"]).is_file()]
    if missing:
        raise SnapshotError(f"run {run_id}: the snapshot's copy of {missing[0]} is missing from "
                            f"{objects_dir(store)} ({len(missing)} file(s)); cannot restore")
    return plan


def _inside(project_dir: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(project_dir.resolve())
        return True
    except (ValueError, OSError):
        return False


def apply_restore(store: Store, run_id: str, project_dir: Path, plan: RestorePlan) -> None:
    """Carry out ``plan``: write files from the snapshot's blobs (atomically), remove the others."""
    project_dir = Path(project_dir)
    manifest = load_manifest(store, run_id)
    writes = plan.overwrite + plan.create
    for rel in writes:  # check everything before touching anything
        if rel not in manifest:
            raise SnapshotError(f"{rel} is not in run {run_id}'s snapshot; make a new plan")
        if not blob_path(store, manifest[rel]["sha256"]).is_file():
            raise SnapshotError(f"run {run_id}: the snapshot's copy of {rel} is missing; cannot restore")
    for rel in plan.remove:
        if not _safe_rel(rel):
            raise SnapshotError(f"refusing to remove {rel!r}: not a path inside the project")
    for rel in writes:
        entry = manifest[rel]
        dest = project_dir / rel
        if not _inside(project_dir, dest.parent if dest.parent.exists() else project_dir):
            raise SnapshotError(f"refusing to write {rel}: it would land outside {project_dir}")
        if os.path.lexists(dest) and (dest.is_symlink() or dest.is_dir()):
            if dest.is_dir() and not dest.is_symlink():
                _rmtree(dest)
            else:
                dest.unlink()
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not _inside(project_dir, dest.parent):
            raise SnapshotError(f"refusing to write {rel}: it would land outside {project_dir}")
        write_bytes_atomic(dest, blob_path(store, entry["sha256"]).read_bytes(),
                           mode=int(entry.get("mode", 0o644)) & 0o7777)
    for rel in plan.remove:
        path = project_dir / rel
        if not _inside(project_dir, path.parent):
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        parent = path.parent  # drop folders the removal left empty
        while parent != project_dir and _inside(project_dir, parent):
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent


def _rmtree(path: Path) -> None:
    import shutil
    shutil.rmtree(path)
