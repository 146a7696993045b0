"""Worker processes for the build's two heavy loops (reading runs, rendering pages).

``run_jobs(fn, context, jobs)`` calls ``fn(context, job)`` for every job, in a pool of forked
workers when there are many. The context (configuration, compiled templates, folders) is handed to
each worker when it starts (inherited through fork, not pickled per job); nothing is kept in
module-level state of the parent.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import signal
from typing import Any, Callable

POOL_MIN = 200            # fewer jobs than this: no worker processes

Progress = Callable[[int, int], None]

_task: tuple[Callable, Any] | None = None  # set in each worker by _worker_init, never in the parent


def _worker_init(fn: Callable, context: Any) -> None:
    """Workers collect garbage again, and leave Ctrl-C to the parent (which terminates them)."""
    global _task
    _task = (fn, context)
    gc.enable()
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _call(job: Any) -> Any:
    fn, context = _task
    return fn(context, job)


def _pool(n_jobs: int, fn: Callable, context: Any):
    if n_jobs < POOL_MIN or (os.cpu_count() or 1) < 2:
        return None
    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:
        return None
    gc.freeze()  # what the workers inherit is never scanned by their collector (no copy-on-write)
    try:
        return ctx.Pool(min(os.cpu_count() or 2, 4), initializer=_worker_init, initargs=(fn, context))
    except BaseException:
        gc.unfreeze()
        raise


def run_jobs(fn: Callable[[Any, Any], Any], context: Any, jobs: list, progress: Progress | None = None,
             done0: int = 0, total: int = 0) -> list:
    """``[fn(context, job) for job in jobs]``, in worker processes when there are many jobs."""
    if not jobs:
        return []
    pool = _pool(len(jobs), fn, context)
    out = []
    if pool is None:
        for i, job in enumerate(jobs):
            out.append(fn(context, job))
            if progress and i % 50 == 0:
                progress(done0 + i, total)
        return out
    try:
        chunk = max(1, min(64, len(jobs) // 16))
        for i, r in enumerate(pool.imap(_call, jobs, chunksize=chunk)):
            out.append(r)
            if progress and i % 200 == 0:
                progress(done0 + i, total)
        pool.close()
    finally:
        pool.terminate()
        pool.join()
        gc.unfreeze()
    return out
