"""Data files that comparisons load on demand: small text outputs, and the runs' code.

A comparison page (precomputed or ``compare.html#ids=…``) loads only its runs' files, through
``<script src>`` (works from ``file://``):

- ``data/text/<run_id>.js``: the run's small text outputs (``.txt``, ``.json``, ``.csv``, ``.md``,
  ``.yaml``, … of at most :data:`TEXT_MAX` bytes), each cut at :data:`TEXT_KEEP` bytes, at most
  :data:`TEXT_RUN_MAX` bytes a run: previews side by side, and a line diff of two runs' files.
- ``data/code/<snapshot id>.js``: a code snapshot's manifest (path -> [sha256, size]); one file per
  distinct snapshot, shared by every run of that code.
- ``data/blobs/<sha256>.js``: one snapshot file's text (``null`` when it is binary or larger than
  :data:`BLOB_MAX`); content-addressed, written once however many snapshots hold it.

The browser diffs the files whose sha256 differ (``js/textdiff.js``). Precomputed comparison pages do
not carry the diff in their HTML: a 10,000-run site has 20,000 of them, most between runs of the same
code, and the same files serve every comparison. Snapshot files that look like credentials, or that
match the config's ``unpublished`` globs, are listed as changed but never published.
"""
from __future__ import annotations

import fnmatch
import json
import os
from dataclasses import dataclass
from typing import Callable

from sitegen.secrets import is_credential_file
from sitegen.site.render import dumps
from sitegen.store import open_run_file

TEXT_EXT = frozenset({".txt", ".json", ".csv", ".tsv", ".md", ".markdown", ".yaml", ".yml", ".log",
                      ".toml", ".ini", ".cfg"})
TEXT_MAX = 1_000_000       # outputs up to this size are previewed
TEXT_KEEP = 200_000        # bytes of each kept (at a line end)
TEXT_RUN_MAX = 1_000_000   # bytes of text previews a run at most
BLOB_MAX = 300_000         # snapshot files larger than this are listed, not published
SNAPSHOT_RE_CHARS = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True)
class DataFile:
    """A file of the site: its path, a key standing for its content, and how to write it."""
    path: str
    key: str
    produce: Callable[[str], None]


def text_outputs(outputs: list[dict]) -> list[str]:
    """The outputs a comparison previews (by extension and size), in path order."""
    return [o["path"] for o in outputs
            if os.path.splitext(o["path"])[1].lower() in TEXT_EXT and o["size"] <= TEXT_MAX]


def as_text(data: bytes, limit: int) -> tuple[str, bool] | None:
    """``data`` as text cut at ``limit`` bytes (at a line end when there is one): (text, cut). None
    when it is not UTF-8 text (a NUL byte, or invalid UTF-8 before the cut)."""
    cut = len(data) > limit
    if cut:
        data = data[:limit]
        nl = data.rfind(b"\n")
        if nl > 0:
            data = data[:nl + 1]
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8"), cut
    except UnicodeDecodeError as e:
        if cut and e.start >= len(data) - 3:  # a character split by the cut
            return data[:e.start].decode("utf-8", errors="replace"), True
        return None


def _assign(var: str, key: str, value_json: str) -> str:
    return f"(window.{var}=window.{var}||{{}})[{dumps(key)}]={value_json};\n"


def text_js(run_dir: str, run_id: str, outputs: list[dict]) -> str:
    """``data/text/<run_id>.js``: {path: {"text", "size", "cut"}} of the run's small text outputs
    (files that are not text, or past the run's budget, have ``"text": null``)."""
    budget = TEXT_RUN_MAX
    files: dict[str, dict] = {}
    sizes = {o["path"]: o["size"] for o in outputs}
    for rel in text_outputs(outputs):
        entry: dict = {"size": sizes[rel], "text": None, "cut": False}
        if budget > 0:
            try:
                with open_run_file(os.path.join(run_dir, "outputs", rel)) as f:
                    got = as_text(f.read(min(TEXT_KEEP, budget) + 1), min(TEXT_KEEP, budget))
            except OSError:
                got = None
            if got is not None:
                entry["text"], entry["cut"] = got
                budget -= len(got[0].encode("utf-8"))
        files[rel] = entry
    return _assign("SITEGEN_TEXT", run_id, dumps(files))


def publishable_code(rel: str, config) -> bool:
    """A snapshot file whose text may be published (not a credential, not ``unpublished``)."""
    if not config.publish_credentials and is_credential_file(rel):
        return False
    name = rel.rsplit("/", 1)[-1]
    return not any(fnmatch.fnmatchcase(rel, g) or fnmatch.fnmatchcase(name, g) for g in config.unpublished)


def valid_snapshot_id(v: object) -> bool:
    return isinstance(v, str) and len(v) == 64 and set(v) <= SNAPSHOT_RE_CHARS


def read_manifest(path: str) -> dict[str, dict] | None:
    """A snapshot manifest ({path: {"sha256", "size", …}}) with only well-formed entries; None when
    unreadable (or a symbolic link: never followed)."""
    try:
        with open_run_file(path) as f:
            data = json.loads(f.read())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    return {rel: e for rel, e in data.items()
            if isinstance(rel, str) and isinstance(e, dict) and valid_snapshot_id(e.get("sha256"))
            and type(e.get("size")) is int}


def code_js(snapshot_id: str, manifest: dict[str, dict], config) -> str:
    """``data/code/<id>.js``: {path: [sha256, size, published]} (published: its blob file exists)."""
    files = {rel: [e["sha256"], e["size"], publishable_code(rel, config) and e["size"] <= BLOB_MAX]
             for rel, e in sorted(manifest.items())}
    return _assign("SITEGEN_CODE", snapshot_id, dumps(files))


def blob_js(sha: str, path: str) -> str:
    """``data/blobs/<sha>.js``: the file's text, or null (binary, unreadable, too large)."""
    try:
        with open_run_file(path) as f:
            got = as_text(f.read(BLOB_MAX + 1), BLOB_MAX)
    except OSError:
        got = None
    text = got[0] if got is not None and not got[1] else None
    if text is not None:  # a token pasted into the code (a GitHub token, an AWS key) is not published
        from sitegen.secrets import Masker
        text = Masker().text(text)
    return _assign("SITEGEN_BLOBS", sha, dumps(text))


def _writer(make: Callable[[], str]) -> Callable[[str], None]:
    def produce(dest: str) -> None:
        with open(dest, "w", encoding="utf-8") as f:
            f.write(make())
    return produce


def text_file(root: str, s: dict) -> DataFile | None:
    """A run's ``data/text/<id>.js`` (None without text outputs), keyed by its outputs (path, size,
    mtime); ``s``: its summary."""
    rid = s["id"]
    previewed = set(text_outputs(s["outputs"]))
    texts = [o for o in s["outputs"] if o["path"] in previewed]
    if not texts:
        return None
    key = "text:" + json.dumps([[o["path"], o["size"], o["mtime"]] for o in texts])
    return DataFile(f"data/text/{rid}.js", key,
                    _writer(lambda d=f"{root}/{rid}", r=rid, o=texts: text_js(d, r, o)))


def code_files(store, runs: list[dict], config) -> list[DataFile]:
    """The code and blob files of the ``runs``' snapshots (only ``meta["snapshot"]`` is read of each
    run): content-addressed (a snapshot's manifest is read once per build, for its list of blobs)."""
    from sitegen.snapshot import SNAPSHOT_FILE, blob_path
    out: list[DataFile] = []
    policy = json.dumps([config.publish_credentials, sorted(config.unpublished)])
    snapshots: dict[str, str] = {}  # snapshot id -> its manifest file (of the first run holding it)
    root = str(store.root)
    for s in runs:
        snap = s["meta"].get("snapshot")
        if valid_snapshot_id(snap) and snap not in snapshots:
            snapshots[snap] = f"{root}/{s['id']}/{SNAPSHOT_FILE}"
    blobs: set[str] = set()
    for snap, path in sorted(snapshots.items()):
        manifest = read_manifest(path)
        if manifest is None:
            continue
        out.append(DataFile(f"data/code/{snap}.js", f"code:{snap}:{policy}",
                            _writer(lambda s=snap, m=manifest: code_js(s, m, config))))
        for rel, e in manifest.items():
            if e["size"] <= BLOB_MAX and e["sha256"] not in blobs and publishable_code(rel, config):
                blobs.add(e["sha256"])
    for sha in sorted(blobs):
        out.append(DataFile(f"data/blobs/{sha}.js", f"blob:{sha}",
                            _writer(lambda h=sha: blob_js(h, str(blob_path(store, h))))))
    return out
