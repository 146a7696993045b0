"""Downloads: ``files/<id>/``: the run's published outputs, a zip of them all and its driver.log; with
the config's ``publish_metrics_tsv``, ``metrics/<id>.tsv.gz`` (metrics.tsv gzipped, byte for byte).
Without it (the default: 13 KB a run saved) the run page makes that download in the browser from the
run's data files (``js/download.js``)."""
from __future__ import annotations

import os
import shutil
import time
import zipfile
from functools import partial
from typing import Iterator

from sitegen.site.data import gzip_bytes
from sitegen.site.fingerprint import key
from sitegen.site.gather import RunSummary, metrics_download_path
from sitegen.site.plan import PlanEntry, PlanInput
from sitegen.store import METRICS_FILE, open_run_file, read_run_file

TEMPLATES: list[str] = []
ZIP_STORE_ABOVE = 64 << 20  # outputs this big go into the "download all" zip uncompressed


def zip_outputs(src_dir: str, outputs: list[dict], dest: str) -> None:
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
            with open_run_file(path) as f, z.open(info, "w") as out:
                shutil.copyfileobj(f, out, 1 << 20)


def write_metrics_gz(src: str, dest: str) -> None:
    """metrics.tsv gzipped, deterministically (never through a symbolic link)."""
    with open(dest, "wb") as f:
        f.write(gzip_bytes(read_run_file(src)))


def plan_run(site: PlanInput, s: RunSummary) -> Iterator[PlanEntry]:
    rid = s["id"]
    run_dir = f"{site.store.root}/{rid}"
    done = s["meta"].get("status") != "Running"  # a finished run's files won't change: linked
    for o in s["outputs"]:
        yield site.file(f"files/{rid}/outputs/{o['url']}", f"{run_dir}/outputs/{o['path']}",
                        [o["size"], o["mtime"]], done)
    if s["outputs"]:
        yield PlanEntry(f"files/{rid}/{rid}.zip", key("zip", s["outputs"]),
                        produce=partial(zip_outputs, os.path.join(run_dir, "outputs"), s["outputs"]))
    if s.get("log"):
        yield site.file(f"files/{rid}/driver.log", f"{run_dir}/driver.log", s["log"], done)
    if site.config.publish_metrics_tsv and s.get("metrics_file") is not None:  # keyed by what it was read from
        yield PlanEntry(metrics_download_path(rid), key("metrics.tsv.gz", s["fp"]),
                        produce=partial(write_metrics_gz, f"{run_dir}/{METRICS_FILE}"))
