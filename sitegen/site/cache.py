"""The build's memory between builds, in the site folder (never published), kept so that a build after
one new or changed run reads and writes little more than that run's share.

- ``.sitegen-build-state.json`` (:class:`BuildState`): a digest of every input of the last build. If
  it is unchanged and that build had no live run and no warning, the next build stops after the
  fingerprints.
- ``.sitegen-build.stamps``: the stamps of finished run folders, so that the next fingerprint
  phase need not look into them (:mod:`sitegen.site.fingerprint`); written with the state.
- ``.sitegen-build.cache`` (:class:`BuildCache`, the *index*): a slim record of every run folder (its
  fingerprint, what other pages show of it, the names it logged; see :data:`SLIM_FIELDS`), the keys of
  the site-wide files, and the names of the shard files holding the rest.
- ``.sitegen-build.shards/``: the rest, per block of :data:`SHARD_RUNS` run numbers
  (:func:`shard_of`), in three sections, each its own file named by its content's digest:
  ``runs`` (full summaries), ``rows`` (grid rows, JSON) and ``files`` (each run's files and their keys).
  Sections are loaded on demand and only sections that changed are written.

Life cycle: loaded before gathering, written with the site (a patch writes it last; a swap puts it in
the new tree). Shard files are written before the index that names them and are never changed in
place, so a build killed while writing leaves the previous index and its shards whole; files no index
names are removed by the next save. A shard that is missing or damaged when read raises
:class:`CacheDamaged`: the build starts again without the cache. marshal format 2 of plain types: fast
to load and write, and equal data gives equal bytes.
"""
from __future__ import annotations

import hashlib
import json
import marshal
import os
import sys
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from pathlib import Path

CACHE_NAME = ".sitegen-build.cache"
SHARDS_DIR = ".sitegen-build.shards"
LEGACY_CACHE_NAMES = (".sitegen-build.json",)  # earlier versions' cache: the folder is ours; removed
STATE_NAME = ".sitegen-build-state.json"
STAMPS_NAME = ".sitegen-build.stamps"  # run folders' stamps (sitegen.site.fingerprint), with the state
CACHE_VERSION = 4
MARSHAL_FORMAT = 2        # plain types, no back-references: equal data always gives equal bytes
DATA_VERSION = 9          # bump when the shape of summaries / data files changes
CACHE_HEADER = ["sitegen-build-cache", CACHE_VERSION, DATA_VERSION, list(sys.version_info[:2])]
SHARD_RUNS = 1000         # run numbers per shard (the dashboard's row shards use the same blocks)
SECTIONS = ("runs", "rows", "files")
# A run's slim record: what the site-wide phases need of every run, without its full summary.
SLIM_FIELDS = ("id", "skip", "hidden", "fp", "pv", "names", "links", "warnings")
META_FIELDS = ("run_number", "name", "script_name", "status", "created_utc", "start_time_utc",
               "end_time_utc", "parent_run_id", "snapshot")


KEEP_SECTIONS = 4          # sections read from disk kept loaded (a big build walks them shard by shard)


class Raw(bytes):
    """A section value already marshalled (a run's summary as the worker that read it dumped it):
    written into its shard as it is, decoded by :meth:`BuildCache.get`."""


def _dump_section(d: dict) -> bytes:
    """``marshal.dumps`` of the section sorted by run id. A format-2 dict is the concatenation of its
    items' own dumps, so :class:`Raw` values go in as they are: the same bytes as the decoded dict's."""
    if not any(type(v) is Raw for v in d.values()):
        return marshal.dumps({k: d[k] for k in sorted(d)}, MARSHAL_FORMAT)
    parts = [b"{"]
    for k in sorted(d):
        v = d[k]
        parts += (marshal.dumps(k, MARSHAL_FORMAT), v if type(v) is Raw else marshal.dumps(v, MARSHAL_FORMAT))
    parts.append(b"0")
    return b"".join(parts)


class CacheDamaged(Exception):
    """A shard file named by the index is missing or not what it was."""


def shard_of(run_number: object) -> str:
    """The shard of a run with this run number: its block of :data:`SHARD_RUNS` ("x": no number)."""
    return str(run_number // SHARD_RUNS) if type(run_number) is int else "x"


def run_shard(slim: dict) -> str:
    """The shard of a run by its slim record (or its summary)."""
    return "x" if slim.get("skip") else shard_of(slim["meta"].get("run_number"))


def slim_of(summary: dict, fp_text: str, names: int) -> dict:
    """A run's slim record from its full summary (``pv`` and ``links`` are filled in by the shape)."""
    slim = {"id": summary["id"], "skip": bool(summary.get("skip")), "hidden": bool(summary.get("hidden")),
            "fp": fp_text, "pv": None, "names": names, "links": "", "warnings": summary.get("warnings") or []}
    meta = summary.get("meta") or {}
    slim["meta"] = {k: meta.get(k) for k in META_FIELDS}
    return slim


def _columns(slims: dict[str, dict]) -> dict[str, list]:
    rows = [slims[i] for i in sorted(slims)]
    cols = {f: list(map(itemgetter(f), rows)) for f in SLIM_FIELDS}  # (map and itemgetter: in C)
    metas = list(map(itemgetter("meta"), rows))
    for f in META_FIELDS:
        cols[f] = list(map(itemgetter(f), metas))
    return cols


def _slims(cols: dict[str, list]) -> dict[str, dict]:
    # dict(zip(fields, row)) a run, by map: in C (a build after one new run loads every record)
    metas = map(dict, map(zip, repeat(META_FIELDS), zip(*(cols[f] for f in META_FIELDS))))
    rows = zip(*(cols[f] for f in SLIM_FIELDS), metas)
    return dict(zip(cols["id"], map(dict, map(zip, repeat(SLIM_FIELDS + ("meta",)), rows))))


def _digest(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()[:20]


@dataclass
class BuildCache:
    """What the last build made (read) or what this build leaves (written).

    ``slims``: every run folder with a run.json (skipped ones too) by id; ``site_keys``: the key of
    every site-wide file by path; ``names``: the table of logged-name sets that ``slim["names"]``
    indexes; ``info``: what the per-run files were planned with (``salt``, ``primary``, totals).
    Sections are read from ``folder`` on demand (the last :data:`KEEP_SECTIONS` read are kept);
    sections set in this object replace them on save."""
    slims: dict[str, dict] = field(default_factory=dict)
    site_keys: dict[str, str] = field(default_factory=dict)
    names: list = field(default_factory=list)
    info: dict = field(default_factory=dict)
    shard_files: dict[str, dict[str, str]] = field(default_factory=dict)  # shard -> section -> file
    folder: Path | None = None
    sections: dict[tuple[str, str], dict] = field(default_factory=dict)   # loaded or replaced
    dirty: set[tuple[str, str]] = field(default_factory=set)
    _loaded: dict[tuple[str, str], dict] = field(default_factory=dict)    # read, most recent last
    _flushed: dict[str, Path] = field(default_factory=dict)  # shard file written early -> its folder

    @classmethod
    def load(cls, site_dir: Path) -> BuildCache | None:
        """The cache next to the site; None if missing, damaged, from another version, or naming a
        shard file that is not there (whole or nothing)."""
        try:
            data = marshal.loads((site_dir / CACHE_NAME).read_bytes())
        except Exception:  # missing, truncated or from another Python: build everything again
            return None
        if not isinstance(data, dict) or data.get("version") != CACHE_HEADER:
            return None
        try:
            cache = cls(slims=_slims(data["runs"]), site_keys=data["site"], names=data["names"],
                        info=data["info"], shard_files=data["shards"], folder=Path(site_dir))
            for sections in cache.shard_files.values():
                for name in sections.values():
                    os.lstat(site_dir / SHARDS_DIR / name)
        except (KeyError, TypeError, ValueError, OSError):
            return None
        return cache

    def section(self, shard: str, name: str) -> dict:
        """One section of one shard (``{run id: value}``), read on first use."""
        k = (shard, name)
        got = self.sections.get(k)
        if got is None:
            got = self._loaded.pop(k, None)
            if got is None:
                got = self._read(shard, name)
                while len(self._loaded) >= KEEP_SECTIONS:
                    del self._loaded[next(iter(self._loaded))]
            self._loaded[k] = got
        return got

    def _read(self, shard: str, name: str) -> dict:
        fname = self.shard_files.get(shard, {}).get(name)
        folder = self._flushed.get(fname, self.folder) if fname is not None else None
        if folder is None:
            return {}
        try:
            data = (folder / SHARDS_DIR / fname).read_bytes()
            if _digest(data) != fname.rsplit(".", 1)[-1]:
                raise CacheDamaged(fname)
            got = marshal.loads(data)
        except (OSError, ValueError, EOFError, TypeError) as e:
            raise CacheDamaged(fname) from e
        if not isinstance(got, dict):
            raise CacheDamaged(fname)
        return got

    def get(self, rid: str, name: str, shard: str | None = None):
        """A run's value in section ``name`` (None if absent)."""
        slim = self.slims.get(rid)
        if shard is None:
            if slim is None:
                return None
            shard = run_shard(slim)
        got = self.section(shard, name).get(rid)
        return marshal.loads(got) if type(got) is Raw else got

    def all_paths(self) -> list[str]:
        """Every file of the site this cache describes (site-wide and every run's: loads every
        shard's "files" section)."""
        out = list(self.site_keys)
        for shard in sorted(self.shard_files.keys() | {k for k, name in self.sections if name == "files"}):
            for keys, _pages in self.section(shard, "files").values():
                out.extend(keys)
        return out

    # ------------------------------------------------------------ the cache this build leaves

    def derive(self) -> BuildCache:
        """An empty cache for this build whose untouched sections are this one's files."""
        return BuildCache(shard_files={k: dict(v) for k, v in self.shard_files.items()}, folder=self.folder)

    def put(self, shard: str, name: str, rid: str, value, base: BuildCache | None) -> None:
        """Set a run's value in a section (the rest of the section is ``base``'s)."""
        d = self._writable(shard, name, base)
        if rid not in d or not _same(d[rid], value):
            self.dirty.add((shard, name))
        d[rid] = value  # (an equal Raw replaces the decoded value: less memory, same data)

    def drop(self, shard: str, name: str, rid: str, base: BuildCache | None) -> None:
        d = self._writable(shard, name, base)
        if rid in d:
            del d[rid]
            self.dirty.add((shard, name))

    def _writable(self, shard: str, name: str, base: BuildCache | None) -> dict:
        k = (shard, name)
        d = self.sections.get(k)
        if d is None:
            if self.shard_files.get(shard, {}).get(name) in self._flushed:
                base = self
            d = self.sections[k] = dict(base.section(shard, name)) if base is not None else {}
        return d

    def flush(self, shard: str, name: str, dest: Path) -> None:
        """Write one section changed by this build now, into ``dest`` (the tree :meth:`save` will
        write into), and let it go from memory (read back from there if needed): a build that
        changes every shard holds one batch's sections, not all of them."""
        k = (shard, name)
        d = self.sections.pop(k, None)
        if d is None or k not in self.dirty:
            return
        self.dirty.discard(k)
        folder = dest / SHARDS_DIR
        folder.mkdir(exist_ok=True)
        fname = self._write_section(folder, shard, name, d)
        if fname is not None:
            self._flushed[fname] = Path(dest)

    def _write_section(self, folder: Path, shard: str, name: str, d: dict) -> str | None:
        """The section's shard file in ``folder`` (named by its content; none for an empty one)."""
        from sitegen.site.fileops import write_atomic
        if not d:
            self.shard_files.get(shard, {}).pop(name, None)
            return None
        data = _dump_section(d)
        fname = f"{shard}.{name}.{_digest(data)}"
        if not (folder / fname).exists():
            write_atomic(folder / fname, data)
        self.shard_files.setdefault(shard, {})[name] = fname
        return fname

    def index_bytes(self) -> bytes:
        data = {"version": CACHE_HEADER, "info": self.info, "names": self.names,
                "runs": _columns(self.slims), "shards": self.shard_files,
                "site": {k: self.site_keys[k] for k in sorted(self.site_keys)}}
        return marshal.dumps(data, MARSHAL_FORMAT)

    def save(self, dest: Path) -> None:
        """Write the changed sections into ``dest``'s shard folder, then the index (atomically),
        then remove the shard files it no longer names. Sections not changed stay as they are
        (hard-linked when ``dest`` is a new tree)."""
        from sitegen.site.fileops import link_or_copy, write_atomic
        folder = dest / SHARDS_DIR
        folder.mkdir(exist_ok=True)
        for shard, name in sorted(self.dirty):
            self._write_section(folder, shard, name, self.sections[(shard, name)])
        self.shard_files = {k: v for k, v in sorted(self.shard_files.items()) if v}
        named = {n for v in self.shard_files.values() for n in v.values()}
        if self.folder is not None and Path(self.folder).absolute() != Path(dest).absolute():
            for n in named:
                if not (folder / n).exists():
                    link_or_copy(str(Path(self.folder) / SHARDS_DIR / n), str(folder / n))
        write_atomic(dest / CACHE_NAME, self.index_bytes())
        for entry in os.scandir(folder):
            if entry.name not in named:
                try:
                    os.unlink(entry.path)
                except OSError:
                    pass
        self.folder, self.dirty, self._flushed = Path(dest), set(), {}


def _same(a, b) -> bool:
    if type(a) is Raw or type(b) is Raw:
        if type(a) is Raw and type(b) is Raw and a == b:
            return True
        return (marshal.loads(a) if type(a) is Raw else a) == (marshal.loads(b) if type(b) is Raw else b)
    return a == b


@dataclass
class BuildState:
    """A digest of the inputs, whether a run was live, the warnings and the page count (and the
    run folders' stamps to write with it, :meth:`save`)."""
    inputs: str
    live: bool = False
    warnings: int = 0
    pages: int = 0
    stamps: bytes | None = None

    @classmethod
    def load(cls, site_dir: Path) -> BuildState | None:
        try:
            state = json.loads((site_dir / STATE_NAME).read_text("utf-8"))
            return cls(inputs=state["inputs"], live=bool(state.get("live")),
                       warnings=int(state.get("warnings") or 0), pages=int(state.get("pages") or 0))
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None

    def settled(self, inputs: str) -> bool:
        """The last build read these same inputs, and nothing in it can differ when built again."""
        return self.inputs == inputs and not self.live and not self.warnings

    def save(self, folder: Path) -> None:
        """Write the stamps (if any), then the state, into ``folder`` (each atomically)."""
        from sitegen.site.fileops import write_atomic
        if self.stamps is not None:
            write_atomic(folder / STAMPS_NAME, self.stamps)
        write_atomic(folder / STATE_NAME, self.to_text())

    def to_text(self) -> str:
        return json.dumps({"inputs": self.inputs, "live": self.live, "warnings": self.warnings,
                           "pages": self.pages}, sort_keys=True)


def owns(site_dir: Path) -> bool:
    """Whether a folder was made by ``sitegen build`` (it has a build cache)."""
    return any((site_dir / name).exists() for name in (CACHE_NAME,) + LEGACY_CACHE_NAMES)


def remove_legacy(site_dir: Path) -> None:
    for name in LEGACY_CACHE_NAMES:
        try:
            os.unlink(site_dir / name)
        except FileNotFoundError:
            pass
