"""Reading metrics.tsv for a build: the build's own reader against pandas' and pyarrow's C parsers.

    python benchmarks/bench_reader.py                       # 300 runs of the 1,000-run bench store
    python benchmarks/bench_reader.py --store /tmp/sitegen-bench/store-10000 --runs 1000

Per run (CPU ms, best of 3 passes over the same files, already in memory): the build's reader
(``read_metrics_raw``: columns of text per metric, numbers validated), the chart data made from it
(``runpack.pack_series``), and the gzipped download (only with ``publish_metrics_tsv``); then ``pandas.read_csv`` (C engine, typed) and
``pyarrow.csv.read_csv`` alone and grouped into the per-metric lists the build needs. Also the import
time of each library (a build pays it once).
"""
from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import time

from sitegen.site import data as D
from sitegen.site.runpack import pack_series

COLUMNS = ["name", "step", "value", "time"]


def per_run_ms(fn, blobs: list[bytes], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        for b in blobs:
            fn(b)
        best = min(best, time.process_time() - t0)
    return best / len(blobs) * 1000


def import_seconds(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", default="/tmp/sitegen-bench/store-1000")
    ap.add_argument("--runs", type=int, default=300)
    args = ap.parse_args()
    ids = sorted(x for x in os.listdir(args.store) if not x.startswith("."))[: args.runs]
    blobs = [open(os.path.join(args.store, i, "metrics.tsv"), "rb").read() for i in ids]
    raws = [D.read_metrics_raw("metrics.tsv", b) for b in blobs]
    lines = sum(b.count(b"\n") for b in blobs) / len(blobs)
    print(f"{len(blobs)} runs, {sum(map(len, blobs)) / len(blobs) / 1024:.1f} KB and {lines:.0f} lines "
          f"a run; load {os.getloadavg()[0]:.2f}")
    rows = [("build reader (read_metrics_raw)", per_run_ms(lambda b: D.read_metrics_raw("m", b), blobs))]
    it = iter(raws)
    rows.append(("chart data from it (runpack.pack_series)",
                 per_run_ms(lambda b: [pack_series(s) for s in next(it).values()], blobs, repeat=1)))
    rows.append(("gzipped download (gzip_bytes)", per_run_ms(D.gzip_bytes, blobs)))

    import pandas as pd
    rows.append(("pandas.read_csv, C engine, typed", per_run_ms(
        lambda b: pd.read_csv(io.BytesIO(b), sep="\t", header=None, names=COLUMNS, engine="c"), blobs)))
    import pyarrow as pa
    import pyarrow.csv as pc
    opts = dict(read_options=pc.ReadOptions(column_names=COLUMNS), parse_options=pc.ParseOptions(delimiter="\t"),
                convert_options=pc.ConvertOptions(column_types={"name": pa.string(), "value": pa.string(),
                                                                "step": pa.int64()}))

    def arrow(b: bytes):
        return pc.read_csv(io.BytesIO(b), **opts)

    def arrow_grouped(b: bytes) -> dict:
        t = arrow(b)
        out: dict = {}
        for n, s, v in zip(t.column("name").to_pylist(), t.column("step").to_pylist(),
                           t.column("value").to_pylist()):
            g = out.get(n)
            if g is None:
                g = out[n] = ([], [])
            g[0].append(s)
            g[1].append(v)
        return out
    rows.append(("pyarrow.csv.read_csv", per_run_ms(arrow, blobs)))
    rows.append(("pyarrow.csv.read_csv, grouped per metric as the build needs", per_run_ms(arrow_grouped, blobs)))
    print("| step | CPU ms a run |\n| --- | ---: |")
    for name, ms in rows:
        print(f"| {name} | {ms:.3f} |")
    for module in ("pandas", "pyarrow.csv"):
        print(f"import {module}: {import_seconds(module):.2f} s")


if __name__ == "__main__":
    main()
