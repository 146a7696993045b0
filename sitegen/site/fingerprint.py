"""Phase 1, *fingerprint*: what the build reads, cheaply enough that a no-change build is little else.

Each run folder's fingerprint is the size and mtime of its run.json, metrics.tsv, driver.log and
outputs (:func:`sitegen.site.data.fingerprint`); together with the theme, the config, the pins and the
promoted outputs they make one digest (``Fingerprints.inputs``).

*Folder stamps* spare most of those stats: a finished run (status neither Running nor Killed) without
an outputs folder changes only by files created, renamed or removed in its folder (run.json is
replaced by rename; nothing appends to a finished run's metrics.tsv or driver.log), and each of those
changes the folder's own mtime and ctime. So the stamps file (:data:`~sitegen.site.cache.STAMPS_NAME`,
beside the site) keeps, for each such run, its folder's (inode, mtime, ctime) and the fingerprint they
were seen with; a build that finds the folder with the same stamp takes that fingerprint without
looking inside (one ``lstat`` a run instead of four). A stamp is recorded only when it is older than
:data:`SETTLE_NS` (a change in the same clock tick as the stamp could leave it equal), and a stamp is
a fact about the folder whichever build wrote it, so an old stamps file is never wrong, only less
useful. Not seen this way: a finished run's file rewritten *in place* (``echo >> metrics.tsv``);
``touch`` its folder or build with ``--clean`` (README, *Incremental and safe*).
"""
from __future__ import annotations

import ast
import hashlib
import json
import logging
import marshal
import operator
import os
import time
import zlib
from dataclasses import dataclass, field
from bisect import bisect_left
from functools import cached_property, partial
from pathlib import Path
from stat import S_ISDIR
from typing import Any, Callable

from sitegen import store as _store_mod
from sitegen.site.bundle import vega_bundle_version
from sitegen.site.cache import CACHE_VERSION, DATA_VERSION, STAMPS_NAME, BuildCache
from sitegen.site.fileops import write_atomic
from sitegen.site.charts import templates_version
from sitegen.site.theme import theme_fingerprint
from sitegen.site.report_files import sources_fingerprint
from sitegen.site.usercharts import charts_key
from sitegen.store import Store

log = logging.getLogger("sitegen")

_dumps_key = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str).encode


def key(*parts: Any) -> str:
    """A short digest of ``parts`` (strings as they are, anything else as sorted JSON)."""
    h = hashlib.sha1()
    for p in parts:
        h.update(p.encode("utf-8") if isinstance(p, str) else _dumps_key(p).encode())
        h.update(b"\0")
    return h.hexdigest()


STAMPS_HEADER = ["sitegen-build-stamps", 4]
SETTLE_NS = 5 * 10**9  # a folder stamp is relied on once this much older than the build that saw it
LIVE_STATUSES = ("Running", "Killed")  # Killed: a Running run whose process is gone (it may be back)
_STAMP = operator.attrgetter("st_ino", "st_mtime_ns", "st_ctime_ns")
_GONE = (-1, -1, -1)    # the entry went away while being listed
_now_ns = time.time_ns  # (the clock stamps are judged by)
LOOK, RELY, UNSETTLED = 0, 1, 2  # an entry's flag: look into it; rely on its stamp; a finished run
#   without outputs whose stamp is too recent to rely on yet


@dataclass
class Stamps:
    """The stamps file: each entry of the store folder (sorted), its stamp, its flag (``RELY`` …),
    what its fingerprint was and the runs' digest."""
    names: str              # "\0".join(entry names)
    stamps: bytes           # marshal of [stamp, …] (compared as bytes: equal lists, equal bytes)
    flags: bytes            # LOOK, RELY or UNSETTLED an entry
    entries: bytes          # marshal of [fingerprint text, "" (a run not publishable) or None (not a run)]
    digest: str             # runs digest of those entries
    runs: int               # publishable runs among them

    @classmethod
    def load(cls, site_dir: Path, root: str) -> Stamps | None:
        """The stamps file beside the site; None if missing, damaged, of another version or store."""
        try:
            outer = marshal.loads((Path(site_dir) / STAMPS_NAME).read_bytes())
            if zlib.crc32(outer["data"]) != outer["crc"]:
                return None
            d = marshal.loads(outer["data"])
            if d["version"] != STAMPS_HEADER or d["root"] != root:
                return None
            got = cls(d["names"], d["stamps"], d["flags"], d["entries"], d["digest"], d["runs"])
            n = got.names.count("\0") + 1 if got.names else 0
            if n != len(got.flags) or not isinstance(got.digest, str) or not isinstance(got.stamps, bytes):
                return None
            return got
        except Exception:  # missing, truncated, foreign: look into every run
            return None

    def name_list(self) -> list[str]:
        return self.names.split("\0") if self.names else []

    def entry_list(self) -> list:
        got = marshal.loads(self.entries)
        if not isinstance(got, list) or len(got) != len(self.flags):
            raise ValueError("stamps: damaged entries")
        return got

    def stamp_list(self) -> list[tuple]:
        got = marshal.loads(self.stamps)
        if not isinstance(got, list) or len(got) != len(self.flags):
            raise ValueError("stamps: damaged stamps")
        return got


@dataclass
class Fingerprints:
    """Run folders and what every file of the site may depend on."""
    names: list[str]             # every entry of the store folder (not dot entries), sorted
    entries: list | None         # each one's fingerprint text, "" (a run not publishable), None (not
    #   a run); None: the stamps file's (every folder was as it stamped: loaded when asked for)
    common: str                  # digest of the theme, the config and the versions
    inputs: str                  # digest of everything: unchanged means nothing to build
    run_count: int               # publishable runs
    runs: dict[str, list] = field(default_factory=dict)  # fingerprint lists of the runs looked into
    root: str = ""               # the store folder (stamps are kept for one store)
    stamps: list[tuple] = field(default_factory=list)   # each entry's stamp now
    candidate: bytearray = field(default_factory=bytearray)  # RELY or UNSETTLED: publishable, no
    #   outputs (if finished: so flagged in the next stamps file); LOOK: not
    looked: list[int] = field(default_factory=list)      # entries looked into (not vouched for)
    old: Stamps | None = None    # the last stamps file
    old_flags: bytes = b""       # its flags, entry by entry of this build (LOOK for new entries)
    config: Any = None           # the build's config (what a folder is looked into with)

    def _entries(self) -> list:
        if self.entries is None:
            self.entries = self.old.entry_list()
        return self.entries

    @cached_property
    def texts(self) -> dict[str, str]:
        """Fingerprint of each publishable run as text (repr), in id order."""
        return {n: t for n, t in zip(self.names, self._entries()) if t}

    @cached_property
    def ids(self) -> list[str]:
        """Every run folder with a run.json, publishable or not."""
        return [n for n, t in zip(self.names, self._entries()) if t is not None]

    def fp(self, run_id: str) -> list:
        """A publishable run's fingerprint (made from its text when its folder stamp stood for it)."""
        got = self.runs.get(run_id)
        return got if got is not None else ast.literal_eval(self.texts[run_id])

    def stamps_bytes(self, slims: dict[str, dict] | None) -> bytes:
        """The stamps file for the next build. Relied on: the runs of ``slims`` (this build's slim
        records) that are finished and readable, without outputs; without ``slims`` (a build that
        stopped after the fingerprints: no run.json changed), those the last stamps file flagged."""
        entries, cand = self._entries(), self.candidate
        flags = self._old_flags()  # an entry not looked into keeps its flag (RELY): its folder did not change
        if slims is None:
            was = self._was_finished()
            for i in self.looked:
                flags[i] = cand[i] if cand[i] and was(i) else LOOK
        else:
            for i in self.looked:
                s = slims.get(self.names[i]) if cand[i] else None
                ok = s is not None and not s["skip"] and s["fp"] == entries[i] \
                    and s["meta"].get("status") not in LIVE_STATUSES
                flags[i] = cand[i] if ok else LOOK
                if flags[i] == UNSETTLED and self._settles(i):
                    flags[i] = RELY
        data = {"version": STAMPS_HEADER, "root": self.root, "names": "\0".join(self.names),
                "stamps": marshal.dumps(self.stamps, 2), "flags": bytes(flags), "digest": self.runs_digest,
                "entries": marshal.dumps(entries, 2), "runs": self.run_count}
        payload = marshal.dumps(data, 2)
        return marshal.dumps({"crc": zlib.crc32(payload), "data": payload}, 2)

    def _settles(self, i: int) -> bool:
        """Whether entry i, whose stamp was too recent when this build looked into it, can be relied
        on now (at the end of the build): its folder still has that stamp, old enough now, and its
        files still give the fingerprint this build used (looked at again: the folder first, as at
        first). A build right after the store was copied or written then leaves nothing to look into."""
        path = f"{self.root}/{self.names[i]}"
        try:
            stamp = _STAMP(os.lstat(path))
        except OSError:
            return False
        settled = _now_ns() - SETTLE_NS
        if stamp != self.stamps[i] or not (0 < stamp[1] < settled and 0 < stamp[2] < settled):
            return False
        from sitegen.site import data as _data
        fp, has_outputs = _data.fingerprint_of(f"{path}/", self.config)
        return not has_outputs and repr(fp) == self._entries()[i]

    def _old_flags(self) -> bytearray:
        """The last stamps file's flags, entry by entry of this build (LOOK for new entries)."""
        return bytearray(self.old_flags) if self.old_flags else bytearray(len(self.names))

    def _was_finished(self) -> Callable[[int], bool]:
        """Whether the last stamps file flagged entry i a finished run without outputs."""
        flags = self.old_flags
        return lambda i: bool(flags) and flags[i] != LOOK

    runs_digest: str = ""


_MOD = 1 << 128


def _entry_hash(item: tuple[str, str]) -> int:
    """A publishable run's share of the runs digest: its id and fingerprint text hashed."""
    name, text = item
    return int.from_bytes(hashlib.blake2b(f"{name} {text}".encode(), digest_size=16).digest(), "big")


def _digest_hex(total: int) -> str:
    """The runs digest: the sum of every publishable run's hash (mod 2**128), so that it is the same
    whichever builds came before and a build after a few changes updates it by those alone."""
    return f"{total % _MOD:032x}"


def _lstat_all(root_fd: int, names: list[str]) -> list:
    """``os.lstat`` of each name in the folder ``root_fd`` (``_GONE`` stamps for those gone)."""
    try:
        return list(map(_STAMP, map(partial(os.lstat, dir_fd=root_fd), names)))
    except OSError:
        out = []
        for n in names:
            try:
                out.append(_STAMP(os.lstat(n, dir_fd=root_fd)))
            except OSError:
                out.append(_GONE)
        return out


def _aligned(old: Stamps, names: list[str]) -> tuple[list, bytes, list, tuple[int, int]]:
    """The last stamps file's stamps, flags and entries entry by entry of ``names`` (None, LOOK, None
    for a new entry), and (how many publishable runs it had that are gone, the sum of their hashes)."""
    old_names, stamps, flags, entries = old.name_list(), old.stamp_list(), old.flags, old.entry_list()
    now = set(names)
    gone = [] if now.issuperset(old_names) else [i for i, n in enumerate(old_names) if n not in now]
    gone_runs = [(old_names[i], entries[i]) for i in gone if entries[i]]
    gone_seen = (len(gone_runs), sum(map(_entry_hash, gone_runs)))
    if gone:  # (a run folder went away: rare) by name
        at = {n: i for i, n in enumerate(old_names)}
        idx = [at.get(n) for n in names]
        return ([None if j is None else stamps[j] for j in idx], bytes(LOOK if j is None else flags[j] for j in idx),
                [None if j is None else entries[j] for j in idx], gone_seen)
    s2: list = []
    f2 = bytearray()
    e2: list = []
    prev = 0
    for n in sorted(now.difference(old_names)):  # only new entries: the old lists with holes (slices, in C)
        j = bisect_left(old_names, n)
        s2 += stamps[prev:j]
        f2 += flags[prev:j]
        e2 += entries[prev:j]
        s2.append(None)
        f2.append(LOOK)
        e2.append(None)
        prev = j
    s2 += stamps[prev:]
    f2 += flags[prev:]
    e2 += entries[prev:]
    return s2, bytes(f2), e2, (0, 0)


def _match(names: list[str], stamps: list[tuple], old: Stamps | None) -> tuple[list[int], list | None, bytes,
                                                                              tuple[int, int]]:
    """(the entries to look into: their stamp does not vouch for the fingerprint the stamps file has;
    the stamps file's entries in this build's order, None: not loaded as all match; its flags in this
    order; its publishable runs that are gone: how many, the sum of their hashes)."""
    n = len(names)
    if old is None:
        return list(range(n)), [None] * n, bytes(n), (0, 0)
    if old.names == "\0".join(names):
        flags = old.flags
        if marshal.dumps(stamps, 2) == old.stamps:  # (the usual no-change build: one comparison)
            if flags.count(RELY) == n:
                return [], None, flags, (0, 0)
            return [i for i, f in enumerate(flags) if f != RELY], old.entry_list(), flags, (0, 0)
        before, entries, gone_runs = old.stamp_list(), old.entry_list(), (0, 0)
    else:
        before, flags, entries, gone_runs = _aligned(old, names)
    looked = [i for i, (a, b, f) in enumerate(zip(stamps, before, flags)) if f != RELY or a != b]
    return looked, entries, flags, gone_runs


def refresh_stamps(fps: Fingerprints, site_dir: Path) -> None:
    """After a build that stopped at the fingerprints: rewrite the stamps file if a run it flagged
    finished has a new stamp to rely on, or make it from the build cache if there is none (a site
    built by an earlier version)."""
    if fps.old is None:
        if RELY in fps.candidate:
            cache = BuildCache.load(site_dir)
            if cache is not None:
                write_atomic(site_dir / STAMPS_NAME, fps.stamps_bytes(cache.slims))
        return
    was = fps._was_finished()
    if any(fps.candidate[i] == RELY and was(i) for i in fps.looked):
        write_atomic(site_dir / STAMPS_NAME, fps.stamps_bytes(None))


def _sitegen_version() -> str:
    from sitegen import __version__
    return __version__


def config_key(config) -> str:
    """The config's keys that change the site's bytes."""
    return key(config.title, config.primary_metric, config.goal, sorted(config.unpublished),
               config.publish_credentials, os.environ.get("SOURCE_DATE_EPOCH") or "", config.reports_dir,
               charts_key(config), config.publish_metrics_tsv)


def fingerprint(store: Store, config, site_dir: Path | None = None) -> Fingerprints:
    """List the run folders and fingerprint them in one pass (run.json is stat'ed once); with
    ``site_dir``, its stamps file spares looking into the folders it vouches for (module doc)."""
    common = key(theme_fingerprint(config), config_key(config), DATA_VERSION, _sitegen_version())
    root, absolute = str(store.root), str(store.root.absolute())
    try:
        names = sorted(n for n in os.listdir(root) if n[0] != ".")
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    except (FileNotFoundError, NotADirectoryError):
        names, fd = [], -1
    try:
        stamps = _lstat_all(fd, names) if names else []
    finally:
        if fd >= 0:
            os.close(fd)
    old = Stamps.load(site_dir, absolute) if site_dir is not None and names else None
    looked, entries, old_flags, (gone_runs, gone_sum) = _match(names, stamps, old)
    candidate = bytearray([RELY]) * len(names)  # the entries not looked into were relied on: still are
    fps = Fingerprints(names=names, entries=entries, common=common, inputs="", run_count=0, root=absolute,
                       stamps=stamps, candidate=candidate, looked=looked, old=old, old_flags=old_flags,
                       config=config)
    settled = _now_ns() - SETTLE_NS
    changed = []
    for i in looked:
        text, fresh = _look(store, root, names[i], stamps[i], config, settled)
        if entries[i] != text:
            changed.append((i, entries[i]))
        entries[i], candidate[i] = text, LOOK
        if fresh is not None:
            fps.runs[names[i]], candidate[i] = fresh
    if old is None:
        texts = fps.texts
        fps.runs_digest = _digest_hex(sum(map(_entry_hash, texts.items())))
        fps.run_count = len(texts)
    elif not changed and not gone_runs:
        fps.runs_digest, fps.run_count = old.digest, old.runs
    else:  # the last digest with what changed taken out and put in: O(changed), the same sum
        total = int(old.digest, 16) - gone_sum
        for i, before in changed:
            if before:
                total -= _entry_hash((names[i], before))
            if entries[i]:
                total += _entry_hash((names[i], entries[i]))
        fps.runs_digest = _digest_hex(total)
        fps.run_count = old.runs - gone_runs + sum(bool(entries[i]) - bool(before) for i, before in changed)
    fps.inputs = key(common, vega_bundle_version(), templates_version(), store.pins(), store.assets(),
                     CACHE_VERSION, fps.runs_digest, sources_fingerprint(config))
    return fps


def _look(store: Store, root: str, run_id: str, stamp: tuple, config, settled: int) -> tuple:
    """Look into one entry of the store folder: (its entry text, see :class:`Fingerprints`; None or
    (its fingerprint list, whether its stamp can be relied on))."""
    path = f"{root}/{run_id}"
    try:
        if stamp == _GONE or not S_ISDIR(os.lstat(path).st_mode):  # a file, a link: not a run folder
            return None, None
    except OSError:
        return None, None
    from sitegen.site import data as _data  # (only for the folders looked into)
    fp, has_outputs = _data.fingerprint_of(f"{path}/", config)
    if fp[0] is None:  # no run.json: not a run (the rule of Store.run_ids, and its warning)
        if not os.path.exists(f"{path}/{_store_mod.RUN_FILE}") and _store_mod._has_files(path):
            _store_mod.warn_once(f"meta:{run_id}", f"{os.path.join(path, _store_mod.RUN_FILE)}: "
                                                   f"missing; run folder skipped")
        return None, None
    if not _data.valid_run_id(run_id):
        log.warning(f"{store.root / run_id}: run folder name {run_id!r} cannot be published; skipped")
        return "", None
    flag = LOOK if has_outputs else RELY if 0 < stamp[1] < settled and 0 < stamp[2] < settled else UNSETTLED
    return repr(fp), (fp, flag)  # plain lists, ints and strings: repr is a stable (and fast) encoding
