"""Remote run stores against a real S3-protocol server on loopback (moto, as in the tests).

    python benchmarks/bench_remote.py [--runs 1000] [--calls 1000000] [--repeat 3]

Measures, medians of ``--repeat``:

- **logger**: µs per ``log`` call in a fresh process, into a local store and into ``s3://`` (a local
  spool plus the background uploader), the final flush and upload included in neither (the call cost
  the training loop pays);
- **sync**: ``sitegen sync`` of a ``--runs`` store (benchmarks/make_store.py) into an empty bucket,
  then again with nothing new;
- **build**: a no-change ``sitegen build`` from the bucket (mirror refresh: one listing, nothing to
  download) beside the same no-change build from the local store, and one bare listing of the bucket.

moto keeps everything in memory and answers from one process: the absolute figures are those of a
loopback server on this machine, not of a cloud region; the request counts are the same.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(HERE))

LOGGER = """
import sys, time
from sitegen import start_run
n = int(sys.argv[1])
with start_run() as run:
    t = time.perf_counter()
    for i in range(n):
        run.log("loss", 0.5)
    per_call = (time.perf_counter() - t) / n * 1e6
    print(per_call)
"""


def timed(cmd: list[str], env: dict, cwd: Path) -> float:
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return time.perf_counter() - t


def logger_cost(env: dict, cwd: Path, calls: int) -> float:
    proc = subprocess.run([sys.executable, "-c", LOGGER, str(calls)], env=env, cwd=cwd,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    return float(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--calls", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    opts = ap.parse_args()
    from make_store import make_store
    from s3server import MotoServer, machine_env

    work = Path(tempfile.mkdtemp(prefix="sitegen-bench-remote-"))
    server = MotoServer(work / "moto.log")
    try:
        server.bucket("bench")
        url = "s3://bench/runs"
        env = machine_env(server.env(), work / "cache", "bench", "")
        env["PYTHONPATH"] = str(ROOT)
        sg = [sys.executable, "-m", "sitegen"]
        out: dict = {"runs": opts.runs, "calls": opts.calls, "load": os.getloadavg()}

        local_calls, remote_calls = [], []
        for _ in range(opts.repeat):
            local_calls.append(logger_cost({**env, "SITEGEN_STORE": str(work / "log-local")},
                                           work, opts.calls))
            remote_calls.append(logger_cost({**env, "SITEGEN_STORE": "s3://bench/logger"},
                                            work, opts.calls))
        out["log_us_local"] = statistics.median(local_calls)
        out["log_us_remote"] = statistics.median(remote_calls)

        store = make_store(opts.runs, out=work / "store")
        first = timed([*sg, "sync", str(store), url], env, work)
        again = [timed([*sg, "sync", str(store), url], env, work) for _ in range(opts.repeat)]
        out["sync_first_s"] = first
        out["sync_nothing_new_s"] = statistics.median(again)

        timed([*sg, "build", "--store", url, "--site-dir", str(work / "site-b")], env, work)
        timed([*sg, "build", "--store", str(store), "--site-dir", str(work / "site-l")], env, work)
        bucket_builds, local_builds, listings = [], [], []
        for _ in range(opts.repeat):
            bucket_builds.append(timed([*sg, "build", "--store", url, "--site-dir",
                                        str(work / "site-b")], env, work))
            local_builds.append(timed([*sg, "build", "--store", str(store), "--site-dir",
                                       str(work / "site-l")], env, work))
            fs = server.fs()
            t = time.perf_counter()
            fs.find("bench/runs", detail=True)
            listings.append(time.perf_counter() - t)
        out["build_nochange_bucket_s"] = statistics.median(bucket_builds)
        out["build_nochange_local_s"] = statistics.median(local_builds)
        out["listing_s"] = statistics.median(listings)
        out["objects"] = len(server.fs().find("bench/runs"))
    finally:
        server.close()
    print(json.dumps(out, indent=2))
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "remote.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
