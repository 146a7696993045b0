"""Phase 1, *fingerprint*: what the build reads, cheaply enough that a no-change build is little else.

Each run folder's fingerprint is the size and mtime of its run.json, metrics.tsv, driver.log and
outputs (:func:`sitegen.site.data.fingerprint`); together with the theme, the config, the pins and the
promoted outputs they make one digest (``Fingerprints.inputs``).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from typing import Any

from sitegen import store as _store_mod
from sitegen.site import data as _data
from sitegen.site.bundle import vega_bundle_version
from sitegen.site.cache import CACHE_VERSION, DATA_VERSION
from sitegen.site.charts import templates_version
from sitegen.site.render import theme_fingerprint
from sitegen.site.reports import sources_fingerprint
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


@dataclass
class Fingerprints:
    """Run folders and what every file of the site may depend on."""
    ids: list[str]               # every run folder with a run.json, publishable or not
    runs: dict[str, list]        # fingerprint of each publishable run, in id order
    texts: dict[str, str]        # ... each as text (repr: compared with the cache's, cheaply)
    common: str                  # digest of the theme, the config and the versions
    inputs: str                  # digest of everything: unchanged means nothing to build


def _sitegen_version() -> str:
    from sitegen import __version__
    return __version__


def config_key(config) -> str:
    """The config's keys that change the site's bytes."""
    return key(config.title, config.primary_metric, config.goal, sorted(config.unpublished),
               config.publish_credentials, os.environ.get("SOURCE_DATE_EPOCH") or "", config.reports_dir,
               charts_key(config), config.publish_metrics_tsv)


def fingerprint(store: Store, config) -> Fingerprints:
    """List the run folders and fingerprint them in one pass (run.json is stat'ed once)."""
    common = key(theme_fingerprint(config), config_key(config), DATA_VERSION, _sitegen_version())
    ids: list[str] = []
    fps: dict[str, list] = {}
    root = str(store.root)
    try:
        with os.scandir(root) as entries:
            folders = sorted(e.name for e in entries
                             if not e.name.startswith(".") and e.is_dir(follow_symlinks=False))
    except FileNotFoundError:
        folders = []
    for run_id in folders:
        fp = _data.fingerprint(store, run_id, config, root)
        if fp[0] is None:  # no run.json: not a run (the rule of Store.run_ids, and its warning)
            path = f"{root}/{run_id}"
            if not os.path.exists(f"{path}/{_store_mod.RUN_FILE}") and _store_mod._has_files(path):
                _store_mod.warn_once(f"meta:{run_id}", f"{os.path.join(path, _store_mod.RUN_FILE)}: "
                                                       f"missing; run folder skipped")
            continue
        ids.append(run_id)
        if not _data.valid_run_id(run_id):
            log.warning(f"{store.root / run_id}: run folder name {run_id!r} cannot be published; skipped")
            continue
        fps[run_id] = fp
    # plain lists, ints and strings in run id order, so repr is a stable (and fast) encoding
    texts = {run_id: repr(fp) for run_id, fp in fps.items()}
    runs_digest = hashlib.sha1("\n".join(f"{k} {v}" for k, v in texts.items()).encode()).hexdigest()
    inputs = key(common, vega_bundle_version(), templates_version(), store.pins(), store.assets(),
                 CACHE_VERSION, runs_digest, sources_fingerprint(config))
    return Fingerprints(ids=ids, runs=fps, texts=texts, common=common, inputs=inputs)
