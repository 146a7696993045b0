"""Downloads: ``metrics/<id>.tsv.gz`` (metrics.tsv gzipped, written when its run is read) and
``files/<id>/``: the run's published outputs, a zip of them all and its driver.log."""
from __future__ import annotations

import os
import shutil
import time
import zipfile
from functools import partial
from typing import Iterator

from sitegen.site.cache import DATA_VERSION
from sitegen.site.fingerprint import key
from sitegen.site.gather import metrics_download_path
from sitegen.site.plan import PlanEntry, PlanInput
from sitegen.store import open_run_file

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


def plan(site: PlanInput) -> Iterator[PlanEntry]:
    root = str(site.store.root)
    fresh = site.gathered.fresh
    for s in site.shape.runs:
        rid = s["id"]
        run_dir = f"{root}/{rid}"
        done = s["meta"].get("status") != "Running"  # a finished run's files won't change: linked
        for o in s["outputs"]:
            yield site.file(f"files/{rid}/outputs/{o['url']}", f"{run_dir}/outputs/{o['path']}",
                            [o["size"], o["mtime"]], done)
        if s["outputs"]:
            yield PlanEntry(f"files/{rid}/{rid}.zip", key("zip", s["outputs"]),
                            produce=partial(zip_outputs, os.path.join(run_dir, "outputs"), s["outputs"]))
        if s.get("log"):
            yield site.file(f"files/{rid}/driver.log", f"{run_dir}/driver.log", s["log"], done)
        if s.get("metrics_file"):
            yield PlanEntry(metrics_download_path(rid), f"data:{DATA_VERSION}", forced=rid in fresh)
