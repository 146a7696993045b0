"""``build_site``: gather runs from the store, plan every file of the site, render what changed, and
put it in place without ever leaving a half-built site.

Phases (timed in ``BuildResult.phases``):

1. *fingerprint*: size and mtime of each run's run.json, metrics.tsv, driver.log and outputs. Hashed with
   the theme, config, pins and promoted assets into one digest; if it equals the digest of the last
   build (``.sitegen-build-state.json``) and no run was live or warned, the build stops here.
2. *read runs*: a run whose fingerprint is in the build cache (``.sitegen-build.cache``) is not read
   again; others are summarised (metadata, scalars, series statistics) and get their chart data file
   (``data/runs/<id>.js``) and their download ``metrics/<id>.tsv.gz`` (metrics.tsv gzipped,
   deterministically; one folder for all runs: no folder per run unless it has other files), in worker processes when there are many.
3. *shape* and *plan*: previous/next/best runs, comparisons, and for every file of the site a key
   (what it is made from: a hash, or for run and comparison pages the runs they link to). A file
   whose key is unchanged is taken from the previous site, unless a run it shows changed (read
   again, or renamed, renumbered or moved in the order: then its neighbours' pages and its
   comparisons are made again too). The cache is marshal data of plain types (fast to load and
   write; deterministic bytes) holding the run summaries, each run's grid row and the keys.
4. *render*: pages whose key changed are rendered (worker processes when many); bytes equal to the
   previous file keep the previous file (and its mtime).
5. *finish*: few changes are moved into the site one by one (the cache last); many are built into a
   complete new tree next to the site (unchanged files hard-linked) that is swapped in atomically.
   Any failure before this step leaves the previous site untouched.

The output depends only on the store, theme and config: an incremental build equals a full one byte
for byte.
"""
from __future__ import annotations

import ctypes
import gc
import hashlib
import json
import logging
import marshal
import multiprocessing
import os
import shutil
import signal
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from sitegen.errors import UserError
from sitegen.store import Store, safe_name
from sitegen import store as _store_mod
from sitegen.site import data as _data
from sitegen.site import pages as _pages
from sitegen.site.charts import spec_templates
from sitegen.site.comparedata import compare_files
from sitegen.site.render import (dumps, load_templates, make_env, static_files,
                                 theme_fingerprint)

log = logging.getLogger("sitegen")

CACHE_NAME = ".sitegen-build.cache"  # run summaries and the key of every file of the site (marshal)
LEGACY_CACHE_NAMES = (".sitegen-build.json",)  # earlier versions' cache: the folder is ours; removed
STATE_NAME = ".sitegen-build-state.json"  # a digest of the inputs: "nothing changed" without the cache
CACHE_VERSION = 3
# marshal format 2: plain types, no back-references, so equal data always gives equal bytes (an
# incremental build writes the same cache as a full one); ~7x faster to write than sorted JSON.
MARSHAL_FORMAT = 2
DATA_VERSION = 5          # bump when the shape of summaries / data files changes
CACHE_HEADER = ["sitegen-build-cache", CACHE_VERSION, DATA_VERSION, list(sys.version_info[:2])]
POOL_MIN = 200            # fewer jobs than this: no worker processes
TEMPLATES = ["dashboard.html", "run.html", "compare.html", "compare_client.html", "assets.html"]


class BuildError(UserError):
    """The site could not be built; the previous site is left as it was."""


class StrictError(BuildError):
    """--strict: warnings were logged during the build."""


@dataclass
class BuildResult:
    pages_written: int = 0
    pages_total: int = 0
    warnings: int = 0
    seconds: float = 0.0
    files_written: int = 0
    files_total: int = 0
    runs: int = 0
    site_dir: Path | None = None
    changed: list[str] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)  # seconds per build phase
    mode: str = ""  # "unchanged", "patch" (changed files moved in) or "swap" (a new tree swapped in)

    def summary(self) -> str:
        index = (self.site_dir / "index.html") if self.site_dir else "index.html"
        warn = f", {self.warnings} warning{'s' if self.warnings != 1 else ''}" if self.warnings else ""
        return (f"Built {self.pages_total} pages ({self.pages_written} changed) in "
                f"{self.seconds:.1f} s{warn} → {index}")


class _Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


# ---------------------------------------------------------------- file helpers

_dumps_key = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str).encode


def _key(*parts: Any) -> str:
    h = hashlib.sha1()
    for p in parts:
        h.update(p.encode("utf-8") if isinstance(p, str) else _dumps_key(p).encode())
        h.update(b"\0")
    return h.hexdigest()


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _same_bytes(path: str, data: bytes) -> bool:
    try:
        if os.path.getsize(path) != len(data):
            return False
        with open(path, "rb") as f:
            return f.read() == data
    except OSError:
        return False


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    AT_FDCWD = -100
    return fn(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), 2) == 0


def _swap_in(tmp: Path, site_dir: Path) -> None:
    if not site_dir.exists():
        os.replace(tmp, site_dir)
        return
    if _exchange(tmp, site_dir):
        shutil.rmtree(tmp, ignore_errors=True)
        return
    old = site_dir.with_name(f".{site_dir.name}.old-{os.getpid()}")
    shutil.rmtree(old, ignore_errors=True)
    os.replace(site_dir, old)
    os.replace(tmp, site_dir)
    shutil.rmtree(old, ignore_errors=True)


_BUNDLE: dict[str, str] = {}


def vega_bundle_version() -> str:
    import vl_convert
    return f"{getattr(vl_convert, '__version__', '?')}/{vl_convert.get_vega_embed_version()}"


def vega_bundle() -> str:
    """vl_convert's offline Vega + Vega-Lite + vega-embed script (cached: it takes ~2 s to make)."""
    version = vega_bundle_version()
    if version in _BUNDLE:
        return _BUNDLE[version]
    cache_root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    cache = Path(cache_root) / "sitegen" / f"vega-bundle-{safe_name(version)}.js"
    text = None
    try:
        text = cache.read_text("utf-8")
    except OSError:
        pass
    if not text:
        import vl_convert
        text = vl_convert.javascript_bundle()
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_name(cache.name + f".{os.getpid()}.tmp")
            tmp.write_text(text, "utf-8")
            os.replace(tmp, cache)
        except OSError:
            pass
    _BUNDLE[version] = text
    return text


ZIP_STORE_ABOVE = 64 << 20  # outputs this big go into the "download all" zip uncompressed


def _zip_outputs(src_dir: str, outputs: list[dict], dest: str) -> None:
    """A deterministic zip of a run's published outputs (entries sorted, times from the files)."""
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        for o in outputs:
            path = os.path.join(src_dir, o["path"])
            t = time.gmtime(max(o["mtime"] // 1_000_000_000, 315532800))
            info = zipfile.ZipInfo(f"outputs/{o['path']}", date_time=t[:6])
            info.external_attr = 0o644 << 16
            # Big files (models, archives) are stored, not deflated: compressing gigabytes takes long
            # and rarely pays. The known size lets zipfile switch to zip64 past 2 GiB.
            info.compress_type = zipfile.ZIP_STORED if o["size"] >= ZIP_STORE_ABOVE else zipfile.ZIP_DEFLATED
            info.file_size = o["size"]
            with _store_mod.open_run_file(path) as f, z.open(info, "w") as out:
                shutil.copyfileobj(f, out, 1 << 20)


# ---------------------------------------------------------------- worker state (fork-inherited)

_STATE: dict[str, Any] = {}


def _summarize_job(args: tuple) -> dict:
    store_root, run_id, fp, data_path, download_path = args
    return _data.summarize(store_root, run_id, _STATE["config"], fp, data_path, download_path)


def _render_job(item: tuple) -> tuple[str, bool]:
    """Render one page into the temp site; returns (path, changed). Unchanged bytes: link the old."""
    path, template, ctx = item
    tmp, old = _STATE["tmp"], _STATE["old"]
    if "templates" not in _STATE:
        env = make_env(_STATE["config"])
        _STATE["templates"] = load_templates(env, TEMPLATES)
    try:
        text = _STATE["templates"][template].render(_pages.prepare(template, ctx))
    except UserError:
        raise
    except Exception as e:  # a broken theme template: say which page and why
        raise BuildError(f"cannot render {path} with template {template}: "
                         f"{type(e).__name__}: {e}") from None
    data = text.encode("utf-8")
    dest = os.path.join(tmp, path)
    old_path = os.path.join(old, path) if old else None
    if old_path and _same_bytes(old_path, data):
        if not _STATE.get("patch"):
            _link_or_copy(old_path, dest)
        return path, False
    with open(dest, "wb") as f:
        f.write(data)
    return path, True


def _worker_init() -> None:
    """Workers collect garbage again, and leave Ctrl-C to the parent (which terminates them)."""
    gc.enable()
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _pool(n_jobs: int):
    if n_jobs < POOL_MIN or (os.cpu_count() or 1) < 2:
        return None
    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:
        return None
    gc.freeze()  # what the workers inherit is never scanned by their collector (no copy-on-write)
    try:
        return ctx.Pool(min(os.cpu_count() or 2, 4), initializer=_worker_init)
    except BaseException:
        gc.unfreeze()
        raise


def _run_jobs(fn: Callable, jobs: list, progress: Callable | None, done0: int, total: int) -> list:
    if not jobs:
        return []
    pool = _pool(len(jobs))
    out = []
    if pool is None:
        for i, job in enumerate(jobs):
            out.append(fn(job))
            if progress and i % 50 == 0:
                progress(done0 + i, total)
        return out
    try:
        chunk = max(1, min(64, len(jobs) // 16))
        for i, r in enumerate(pool.imap(fn, jobs, chunksize=chunk)):
            out.append(r)
            if progress and i % 200 == 0:
                progress(done0 + i, total)
        pool.close()
    finally:
        pool.terminate()
        pool.join()
        gc.unfreeze()
    return out


# ---------------------------------------------------------------- the build

def _sitegen_version() -> str:
    from sitegen import __version__
    return __version__


def _write_atomic(path: Path, data: str | bytes) -> None:
    part = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    if isinstance(data, str):
        part.write_text(data, "utf-8")
    else:
        part.write_bytes(data)
    os.replace(part, path)


def _read_state(site_dir: Path, key: str | None = None) -> Any:
    try:
        state = json.loads((site_dir / STATE_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict):
        return None
    if key is not None:
        return state.get(key)
    return {k: state.get(k) for k in ("inputs", "live", "warnings")}


def _load_cache(site_dir: Path) -> dict:
    try:
        cache = marshal.loads((site_dir / CACHE_NAME).read_bytes())
    except Exception:  # missing, truncated or from another Python: build everything again
        return {}
    if not isinstance(cache, dict) or cache.get("version") != CACHE_HEADER:
        return {}
    return cache


def _remove_legacy_cache(site_dir: Path) -> None:
    for name in LEGACY_CACHE_NAMES:
        try:
            os.unlink(site_dir / name)
        except FileNotFoundError:
            pass


def _check_site_dir(site_dir: Path) -> None:
    if site_dir.exists():
        if not site_dir.is_dir():
            raise BuildError(f"{site_dir} is a file, not a folder; choose another --site-dir")
        if any((site_dir / name).exists() for name in (CACHE_NAME,) + LEGACY_CACHE_NAMES):
            return
        if any(site_dir.iterdir()):
            raise BuildError(f"{site_dir} exists and was not made by `sitegen build` (no {CACHE_NAME}); "
                             f"remove it or choose another --site-dir")


def _order_key(s: dict) -> tuple:
    m = s["meta"]
    return (m.get("start_time_utc") or m.get("created_utc") or "", m.get("run_number") or 0, s["id"])


def pick_primary(config, runs: list[dict]) -> str | None:
    if config.primary_metric:
        return config.primary_metric
    names = set()
    for s in runs:
        names.update(k for k, v in s["scalars"].items() if _data.is_number(v) or v in ("NaN", "inf", "-inf"))
        names.update(s["series"])
    if "Accuracy" in names:
        return "Accuracy"
    numeric = sorted({k for s in runs for k, v in s["scalars"].items() if _data.is_number(v)})
    return numeric[0] if numeric else None


def _primary_value(s: dict, name: str | None) -> float | None:
    if name is None:
        return None
    v = s["scalars"].get(name)
    if v is None and name in s["series"]:
        v = s["series"][name]["last"]
    return v if _data.is_number(v) and type(v) is not bool else None


def build_site(store: Store, site_dir: Path, config, *, clean: bool = False, strict: bool = False,
               progress: Callable[[int, int], None] | None = None) -> BuildResult:
    """Render ``store`` into ``site_dir`` (see the module docstring). Raises BuildError (a UserError)
    on failure, leaving the previous site whole; StrictError after warnings when ``strict``."""
    t0 = time.perf_counter()
    site_dir = Path(site_dir).absolute()
    store.check()
    _check_site_dir(site_dir)
    counter = _Counter()
    logger = logging.getLogger("sitegen")
    logger.addHandler(counter)
    _store_mod._warned.clear()  # every build reports its warnings (serve rebuilds in a loop)
    tmp = site_dir.with_name(f".{site_dir.name}.tmp-{os.getpid()}")
    _remove_stale_temps(site_dir)
    # The build holds about a million long-lived objects (run summaries, the keys of every file) and
    # makes few reference cycles: the cyclic collector's full passes over them cost more than a third
    # of an incremental build at 10,000 runs. Off for the build; pool workers turn it back on.
    gc_enabled = gc.isenabled()
    gc.disable()
    try:
        result = _build(store, site_dir, tmp, config, clean, strict, progress, counter)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if gc_enabled:
            gc.enable()
        logger.removeHandler(counter)
        _STATE.clear()
    result.seconds = time.perf_counter() - t0
    return result


def _remove_stale_temps(site_dir: Path) -> None:
    """Temp folders of builds that were killed (their process is gone) would stay forever."""
    for pattern in (f".{site_dir.name}.tmp-*", f".{site_dir.name}.old-*"):
        for stale in site_dir.parent.glob(pattern):
            pid = stale.name.rsplit("-", 1)[-1]
            if pid.isdigit() and int(pid) != os.getpid() and not _store_mod.pid_alive(int(pid)):
                shutil.rmtree(stale, ignore_errors=True)


def _build(store: Store, site_dir: Path, tmp: Path, config, clean: bool, strict: bool,
           progress: Callable | None, counter: _Counter) -> BuildResult:
    phases: dict[str, float] = {}
    clock = [time.perf_counter()]

    def phase(name: str) -> None:
        now = time.perf_counter()
        phases[name] = round(phases.get(name, 0.0) + now - clock[0], 4)
        clock[0] = now

    theme_fp = theme_fingerprint(config)
    config_fp = _key(config.title, config.primary_metric, config.goal, sorted(config.unpublished),
                     config.publish_credentials, os.environ.get("SOURCE_DATE_EPOCH") or "")
    common = _key(theme_fp, config_fp, DATA_VERSION, _sitegen_version())

    # ---- fingerprints: enough to tell that nothing changed since the last build
    # Store.run_ids() and a fingerprint per run in one pass: run.json is stat'ed once, not twice.
    ids: list[str] = []
    fps: dict[str, list] = {}
    store_str = str(store.root)
    try:
        with os.scandir(store_str) as entries:
            folders = sorted(e.name for e in entries
                             if not e.name.startswith(".") and e.is_dir(follow_symlinks=False))
    except FileNotFoundError:
        folders = []
    for run_id in folders:
        fp = _data.fingerprint(store, run_id, config, store_str)
        if fp[0] is None:  # no run.json: not a run (the rule of Store.run_ids, and its warning)
            path = f"{store_str}/{run_id}"
            if not os.path.exists(f"{path}/{_store_mod.RUN_FILE}") and _store_mod._has_files(path):
                _store_mod.warn_once(f"meta:{run_id}", f"{os.path.join(path, _store_mod.RUN_FILE)}: "
                                                       f"missing; run folder skipped")
            continue
        ids.append(run_id)
        if not _data.valid_run_id(run_id):
            log.warning(f"{store.root / run_id}: run folder name {run_id!r} cannot be published; skipped")
            continue
        fps[run_id] = fp
    # fps: plain lists, ints and strings in run id order, so repr is a stable (and fast) encoding
    runs_digest = hashlib.sha1(repr(list(fps.items())).encode()).hexdigest()
    inputs = _key(common, vega_bundle_version(), store.pins(), store.assets(), CACHE_VERSION, runs_digest)
    phase("fingerprint")
    if not clean and not counter.count and _read_state(site_dir) == {"inputs": inputs, "live": False,
                                                                     "warnings": 0}:
        # Same runs, theme, config and pins; no run was live and none warned: nothing to do.
        phase("finish")
        return BuildResult(pages_written=0, pages_total=_read_state(site_dir, "pages"), runs=len(fps),
                           site_dir=site_dir, phases=phases, mode="unchanged")

    old_cache = {} if clean else _load_cache(site_dir)
    phase("load cache")
    old = str(site_dir) if old_cache else None
    old_keys: dict[str, str] = old_cache.get("keys", {})
    old_runs: dict[str, dict] = old_cache.get("runs", {})
    old_rows: dict[str, str] = old_cache.get("rows", {})
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    (tmp / "data" / "runs").mkdir(parents=True)
    (tmp / _data.DOWNLOAD_DIR).mkdir()
    _STATE.update(config=config, tmp=str(tmp), old=old)

    # ---- gather
    summaries: dict[str, dict] = {}
    fresh: list[tuple] = []
    for run_id, fp in fps.items():
        cached = old_runs.get(run_id)
        if (cached and cached.get("fp") == fp and not cached.get("skip")
                and cached["meta"].get("status") != "Running"):
            summaries[run_id] = cached
        elif cached and cached.get("skip") and cached.get("fp") == fp:
            summaries[run_id] = cached
        else:
            fresh.append((str(store.root), run_id, fp, str(tmp / "data" / "runs" / f"{run_id}.js"),
                          str(tmp / _download_rel(run_id))))
    total_steps = len(fresh) + len(ids) * 3 + 10
    for s in _run_jobs(_summarize_job, fresh, progress, 0, total_steps):
        summaries[s["id"]] = s
    fresh_ids = {f[1] for f in fresh}
    for run_id in sorted(summaries):
        for w in summaries[run_id].get("warnings", []):
            log.warning(w)
    phase("read runs")
    runs = [s for s in summaries.values() if not s.get("skip") and not s.get("hidden")]
    runs.sort(key=_order_key)
    by_id = {s["id"]: s for s in runs}

    # ---- the shape of the site
    groups: dict[str, list[dict]] = {}
    for s in runs:
        groups.setdefault(s["meta"].get("script_name") or "", []).append(s)
    primary = pick_primary(config, runs)
    script_pages: dict[str, str] = {}
    if len(groups) > 1:
        used: set[str] = set()
        for script in sorted(groups):
            base = safe_name(script or "no-script", fallback="script")
            name, i = base, 2
            while name.lower() in used:
                name, i = f"{base}-{i}", i + 1
            used.add(name.lower())
            script_pages[script] = f"scripts/{name}.html"
    prev: dict[str, dict | None] = {}
    nxt: dict[str, dict | None] = {}
    best: dict[str, dict | None] = {}
    for script, members in groups.items():
        cand = [(v, s) for s in members if (v := _primary_value(s, primary)) is not None]
        b = None
        if cand:
            pick = max if config.goal == "max" else min
            target = pick(v for v, _ in cand)
            b = next(s for v, s in cand if v == target)
        for i, s in enumerate(members):
            prev[s["id"]] = members[i - 1] if i > 0 else None
            nxt[s["id"]] = members[i + 1] if i + 1 < len(members) else None
            best[s["id"]] = b
    order = {s["id"]: i for i, s in enumerate(runs)}

    labels = {s["id"]: _pages.run_label(s) for s in runs}

    def canon(a: dict, b: dict) -> list[str]:
        return [a["id"], b["id"]] if order[a["id"]] < order[b["id"]] else [b["id"], a["id"]]

    comparisons: dict[str, tuple[list[str], str]] = {}
    compare_links: dict[str, dict] = {}
    for s in runs:
        links = {}
        p = prev[s["id"]]
        if p is not None:
            ids2 = canon(p, s)
            comparisons.setdefault(_pages.compare_path(ids2), (ids2, "previous"))
            links["prev"] = _pages.compare_path(ids2)
        b = best[s["id"]]
        if b is not None and b["id"] != s["id"]:
            ids2 = canon(s, b)
            comparisons.setdefault(_pages.compare_path(ids2), (ids2, "best"))
            links["best"] = _pages.compare_path(ids2)
        compare_links[s["id"]] = links
    for pin in store.pins():
        if len(set(pin)) == len(pin) and all(i in by_id for i in pin):
            comparisons.setdefault(_pages.compare_path(pin), (pin, "pinned"))
        else:
            log.info("pinned comparison %s names a run that is not published; skipped", pin)

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    built = None
    if epoch and epoch.isdigit():
        built = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(int(epoch)))
    site = {"title": config.title, "built": built,
            "scripts": [{"name": k or "(no script)", "page": v} for k, v in script_pages.items()],
            "primary": primary, "goal": config.goal}

    site_key = _key(common, site)
    store_root = str(store.root.absolute())
    page_salt = _key(site_key, store_root)

    # What changed since the last build, run by run. A run whose summary differs from the cached one
    # (new, changed, running) has its own files made again; one whose text on other pages (number,
    # name) or place in the order changed also has its neighbours' pages and its comparisons made
    # again. Everything else about a page is in its key (which runs it links to).
    def ident(s: dict) -> tuple:
        return s["meta"].get("run_number"), s["meta"].get("name"), _order_key(s)

    changed_runs = {rid for rid in fresh_ids if old_runs.get(rid) != summaries[rid]}
    moved: set[str] = set()
    for rid in changed_runs:
        o, s = old_runs.get(rid), summaries[rid]
        if not o or o.get("skip") or s.get("skip") or ident(o) != ident(s):
            moved.add(rid)
    phase("shape")

    # ---- plan: path -> (key, producer); a key stands for what the file is made from. Files made
    # again whatever their key (their run changed) are in ``forced``.
    plan: dict[str, tuple[str, Callable[[str], None] | None]] = {}
    page_jobs: list[tuple[str, str, Any, str]] = []  # path, template, ctx (or a function making it), key
    # made by the run's reader (a worker): data file and metrics download
    fresh_data = {f"data/runs/{i}.js" for i in fresh_ids} | {
        _download_rel(i) for i in fresh_ids if summaries[i].get("metrics_file")}
    forced: set[str] = set(fresh_data)

    def add_page(path: str, template: str, ctx: Any, key: str | None = None) -> None:
        """``key``: what the page is made from, if not its context (hashed as sorted JSON). ``ctx``
        may be a function making the context: called only if the page is rendered."""
        if key is None:
            key = _key(site_key, template, path, ctx)
        page_jobs.append((path, template, ctx, key))

    def page_ctx(path: str, ctx: Any) -> dict:
        ctx = ctx() if callable(ctx) else ctx
        ctx["page"] = path
        ctx["root"] = "../" * path.count("/")
        ctx["site"] = site
        return ctx

    def add_text(path: str, text: str) -> None:
        data = text.encode("utf-8")

        def produce(dest: str, data=data) -> None:
            with open(dest, "wb") as f:
                f.write(data)
        plan[path] = (_key(common, hashlib.sha1(data).hexdigest()), produce)

    def add_file(path: str, src: str, key: list, link: bool) -> None:
        """A file copied from the store (hard-linked when the run is finished: it won't change)."""
        def produce(dest: str, src=src) -> None:
            if link:
                _link_or_copy(src, dest)
            else:
                shutil.copy2(src, dest)
        plan[path] = (f"file:{key[0]}:{key[1]}", produce)  # size and mtime: no hashing needed

    # assets
    plan["assets/vega-bundle.js"] = (
        _key("bundle", vega_bundle_version()),
        lambda dest: Path(dest).write_text(vega_bundle(), "utf-8"))
    for rel, src in static_files(config).items():
        add_text(f"assets/{rel}", src.read_text("utf-8"))
    add_text("assets/specs.js", f"window.SITEGEN_SPECS={dumps(spec_templates())};\n")
    rows_json: dict[str, str] = {}  # each run's grid row as JSON (cached while its summary is)
    for s in runs:
        rid = s["id"]
        j = None if rid in fresh_ids else old_rows.get(rid)
        rows_json[rid] = j if j is not None else dumps(_pages.index_row(s))
    index = {"goal": config.goal, "primary": primary,
             "scalars": sorted({k for s in runs for k in s["scalars"]}),
             "scripts": {k: v for k, v in script_pages.items()},
             "series": sorted({k for s in runs for k in s["series"]})}
    add_text("data/index.js", _pages.index_js(index, list(rows_json.values())))

    # run data files, downloads
    root_str = str(store.root)
    for s in runs:
        rid = s["id"]
        data_rel = f"data/runs/{rid}.js"
        plan[data_rel] = (f"data:{DATA_VERSION}", None)  # made again when its run is read again
        run_dir = f"{root_str}/{rid}"
        done = s["meta"].get("status") != "Running"
        for o in s["outputs"]:
            add_file(f"files/{rid}/outputs/{o['url']}", f"{run_dir}/outputs/{o['path']}",
                     [o["size"], o["mtime"]], done)
        if s["outputs"]:
            plan[f"files/{rid}/{rid}.zip"] = (
                _key("zip", s["outputs"]),
                lambda dest, d=os.path.join(run_dir, "outputs"), o=s["outputs"]: _zip_outputs(d, o, dest))
        if s.get("log"):
            add_file(f"files/{rid}/driver.log", f"{run_dir}/driver.log", s["log"], done)
        if s.get("metrics_file"):  # written when its run is read (gzipped metrics.tsv)
            plan[_download_rel(rid)] = (f"data:{DATA_VERSION}", None)
    for f in compare_files(store, runs, config):  # text outputs and code, for comparisons
        plan[f.path] = (f.key, f.produce)

    # promoted assets
    asset_rows = []
    for a in store.assets():
        rid = str(a.get("run_id", ""))
        if rid in summaries and (summaries[rid].get("hidden") or summaries[rid].get("skip")):
            continue
        rel = str(a.get("file") or "")
        src = store.root / rel
        ok = bool(rel) and ".." not in Path(rel).parts and not Path(rel).is_absolute()
        try:
            ok = ok and src.is_file() and not src.is_symlink() and \
                src.resolve().is_relative_to(store.root.resolve())
        except OSError:
            ok = False
        name = str(a.get("name") or "asset")
        version = a.get("version")
        row = {"name": name, "version": version, "run_id": rid if rid in by_id else None,
               "run_number": by_id[rid]["meta"].get("run_number") if rid in by_id else None,
               "artifact": a.get("artifact"), "size": a.get("size"), "sha256": a.get("sha256"),
               "created_utc": a.get("created_utc"), "href": None}
        if ok:
            base = safe_name(os.path.basename(str(a.get("artifact") or rel)), fallback="file")
            path = (f"promoted/{safe_name(name, fallback='asset')}/"
                    f"v{safe_name(str(version), fallback='0')}/{base}")
            st = src.stat()
            add_file(path, str(src), [st.st_size, st.st_mtime_ns], False)
            row["href"] = path
        else:
            log.warning(f"promoted output {name} v{version}: kept file {rel!r} is missing; not published")
        asset_rows.append(row)

    # pages
    all_jobs = _pages.jobs(runs)
    scalars_all = index["scalars"]
    for scope, page in [(None, "index.html")] + list(script_pages.items()):
        members = runs if scope is None else groups[scope]
        add_page(page, "dashboard.html", {
            "scope": scope, "count": len(members),
            "jobs": [j for j in all_jobs if scope is None or (j["script"] or "") == scope],
            "scalars": sorted({k for s in members for k in s["scalars"]}) if scope is not None else scalars_all,
        })
    def run_ctx(s: dict) -> dict:
        rid = s["id"]
        b = best[rid]
        return {
            "prev": _pages.run_ref(prev[rid]), "next": _pages.run_ref(nxt[rid]), "best": _pages.run_ref(b),
            "is_best": b is not None and b["id"] == rid,
            "compare_prev": compare_links[rid].get("prev"), "compare_best": compare_links[rid].get("best"),
            "restore": f"sitegen history restore {rid}", "store_root": store_root, "run": s,
        }

    def compare_ctx(cids: list[str], kind: str) -> dict:
        return {"ids": cids, "kind": kind, "runs": [{"id": i, "label": labels[i]} for i in cids]}

    # A run page shows its run, and the runs it links to by number and name; the links' targets
    # follow from the ids and their order. Run ids have no ":" (valid_run_id).
    for s in runs:
        rid = s["id"]
        p, n, b = prev[rid], nxt[rid], best[rid]
        p_id, n_id, b_id = p["id"] if p else "", n["id"] if n else "", b["id"] if b else ""
        path = f"runs/{rid}.html"
        add_page(path, "run.html", lambda s=s: run_ctx(s), f"{page_salt}:{p_id}:{n_id}:{b_id}")
        if rid in changed_runs or p_id in moved or n_id in moved or b_id in moved:
            forced.add(path)
    # A comparison shows its runs' ids and labels (the rest is drawn from their data files).
    for path, (cids, kind) in sorted(comparisons.items()):
        add_page(path, "compare.html", lambda c=cids, k=kind: compare_ctx(c, k),
                 f"{page_salt}:{kind}:{':'.join(cids)}")
        if any(i in moved for i in cids):
            forced.add(path)
    add_page("compare.html", "compare_client.html", {})
    add_page("assets.html", "assets.html", {"assets": asset_rows})

    # ---- what must be made (the rest is linked from the previous site)
    new_keys: dict[str, str] = {path: key for path, (key, _) in plan.items()}
    new_keys.update((path, key) for path, _, _, key in page_jobs)

    def reusable(path: str) -> bool:  # the cache and the site were swapped in together
        return bool(old) and path not in forced and old_keys.get(path) == new_keys[path]

    phase("plan")

    todo_files = [p for p in plan if not reusable(p)]
    todo_pages = [job for job in page_jobs if not reusable(job[0])]
    live = any(s.get("meta", {}).get("status") == "Running" for s in summaries.values())

    def state_text() -> str:
        return json.dumps({"inputs": inputs, "live": live, "warnings": counter.count,
                           "pages": len(page_jobs)}, sort_keys=True)

    def cache_bytes() -> bytes:
        cache = {"version": CACHE_HEADER, "keys": new_keys,
                 "runs": {k: summaries[k] for k in sorted(summaries)}, "rows": rows_json}
        return marshal.dumps(cache, MARSHAL_FORMAT)

    if old and not todo_pages and set(new_keys) == set(old_keys) and not any(
            p not in fresh_data or not _same_file(os.path.join(old, p), os.path.join(tmp, p))
            for p in todo_files):
        # Nothing to change: keep the site as it is (refresh the cache if run fingerprints moved).
        shutil.rmtree(tmp, ignore_errors=True)
        if strict and counter.count:
            raise StrictError(f"{counter.count} warning(s) during the build (--strict)")
        if fresh or new_keys != old_keys:
            data = cache_bytes()
            if data != (site_dir / CACHE_NAME).read_bytes():
                _write_atomic(site_dir / CACHE_NAME, data)
        _write_atomic(site_dir / STATE_NAME, state_text())
        _remove_legacy_cache(site_dir)
        phase("finish")
        return BuildResult(pages_written=0, pages_total=len(page_jobs), warnings=counter.count,
                           files_total=len(new_keys), runs=len(runs), site_dir=site_dir, phases=phases,
                           mode="unchanged")

    # ---- execute. Few changes: "patch" (render them into tmp, then move each into the site, the
    # cache last). Many: build a whole new tree in tmp (unchanged files hard-linked) and swap it in.
    patch = bool(old) and (len(todo_files) + len(todo_pages)) * 4 < len(new_keys)
    _STATE["patch"] = patch
    written: list[str] = []
    made_dirs: set[str] = set()

    def ensure_dir(path: str) -> None:
        d = os.path.dirname(path)
        if d and d not in made_dirs:
            os.makedirs(os.path.join(tmp, d), exist_ok=True)
            made_dirs.add(d)

    if not patch:
        todo_set = set(todo_files) | {job[0] for job in todo_pages}
        jobs_by_path = {job[0]: job for job in page_jobs}
        for path in new_keys:
            if path not in todo_set:
                ensure_dir(path)
                try:
                    _link_or_copy(os.path.join(old, path), os.path.join(tmp, path))
                except FileNotFoundError:  # removed from the site by hand: make it again
                    if path in jobs_by_path:
                        todo_pages.append(jobs_by_path[path])
                    else:
                        todo_files.append(path)
    phase("link unchanged")
    for path in todo_files:
        produce = plan[path][1]
        dest = os.path.join(tmp, path)
        if produce is None:
            if not os.path.exists(dest):  # a cached run: its data file is the previous one
                src = os.path.join(old, path) if old else None
                if not src or not os.path.isfile(src):
                    raise BuildError(f"{path} is missing from {site_dir}; "
                                     f"rebuild with --clean")
                if not patch:
                    ensure_dir(path)
                    _link_or_copy(src, dest)
                continue
        else:
            ensure_dir(path)
            produce(dest)
        old_path = os.path.join(old, path) if old else None
        if old_path and os.path.isfile(old_path) and _same_file(old_path, dest):
            os.unlink(dest)
            if not patch:
                _link_or_copy(old_path, dest)
        else:
            written.append(path)
    phase("write files")
    for path, _, _, _ in todo_pages:
        ensure_dir(path)
    if todo_pages:  # compile once here: workers inherit the templates (a broken one fails now)
        _STATE["templates"] = load_templates(make_env(config), TEMPLATES)
    if progress:
        progress(len(fresh) + len(ids), total_steps)
    changed = []
    jobs = [(path, template, page_ctx(path, ctx)) for path, template, ctx, _ in todo_pages]
    for path, was_written in _run_jobs(_render_job, jobs, progress, len(fresh) + len(ids), total_steps):
        if was_written:
            changed.append(path)
    phase("render pages")

    # ---- finish
    if strict and counter.count:
        raise StrictError(f"{counter.count} warning(s) during the build (--strict); "
                          f"the previous site was left as it was")
    if patch:
        for path in written + changed:
            dest = site_dir / path
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp / path, dest)
        for path in sorted(set(old_keys) - set(new_keys)):
            try:
                os.unlink(site_dir / path)
            except FileNotFoundError:
                pass
            parent = (site_dir / path).parent
            while parent != site_dir:
                try:
                    parent.rmdir()  # only when empty
                except OSError:
                    break
                parent = parent.parent
        _write_atomic(site_dir / CACHE_NAME, cache_bytes())
        _write_atomic(site_dir / STATE_NAME, state_text())
        _remove_legacy_cache(site_dir)
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        (tmp / CACHE_NAME).write_bytes(cache_bytes())
        (tmp / STATE_NAME).write_text(state_text(), "utf-8")
        _swap_in(tmp, site_dir)
    phase("finish")
    if progress:
        progress(total_steps, total_steps)
    return BuildResult(pages_written=len(changed), pages_total=len(page_jobs), warnings=counter.count,
                       files_written=len(written) + len(changed), files_total=len(new_keys),
                       runs=len(runs), site_dir=site_dir, changed=sorted(changed + written), phases=phases,
                       mode="patch" if patch else "swap")


def _download_rel(run_id: str) -> str:
    return f"{_data.DOWNLOAD_DIR}/{run_id}.tsv.gz"


def _same_file(a: str, b: str) -> bool:
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
