"""Worker processes for the build's two heavy loops (reading runs, rendering pages).

``run_jobs(fn, context, jobs)`` calls ``fn(context, job)`` for every job, in a pool of forked
workers when there are many. The context (configuration, compiled templates, folders) is handed to
each worker when it starts (inherited through fork, not pickled per job); nothing is kept in
module-level state of the parent.
"""
from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.pool
import os
import signal
from typing import Any, Callable, Iterable, Iterator

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


class _Pool(multiprocessing.pool.Pool):
    """The standard pool, except that its worker-maintenance thread does not wake up for results.
    It waits on the results pipe too (besides the workers' exits and its own wake-up pipe), so while
    a result sits there unread it loops, checking every worker and making a new selector each time:
    ~30% of the build process's CPU while runs are read. It still wakes when a worker exits, the pool
    is closed or terminated, or the last job is done (the pool's own notifications)."""

    def _get_sentinels(self) -> list:
        notifier = getattr(self, "_change_notifier", None)
        return [notifier._reader] if notifier is not None else super()._get_sentinels()


def _pool(n_jobs: int, fn: Callable, context: Any, warm: Callable[[], None] | None = None):
    if n_jobs < POOL_MIN or (os.cpu_count() or 1) < 2:
        return None
    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:
        return None
    if warm is not None:
        warm()
    gc.freeze()  # what the workers inherit is never scanned by their collector (no copy-on-write)
    try:
        return _Pool(min(os.cpu_count() or 2, 4), initializer=_worker_init, initargs=(fn, context), context=ctx)
    except BaseException:
        gc.unfreeze()
        raise


class Workers:
    """``fn(context, job)`` for the jobs of several batches, in one pool of forked workers (made
    when there are at least :data:`POOL_MIN` jobs in all, ``n_jobs``), so the context is handed over
    once however many batches there are. :meth:`imap` returns a batch's results, in order, as they
    come: the caller can prepare the next batch while the workers are busy with this one."""

    def __init__(self, fn: Callable[[Any, Any], Any], context: Any, n_jobs: int,
                 warm: Callable[[], None] | None = None) -> None:
        self.fn, self.context = fn, context
        self.pool = _pool(n_jobs, fn, context, warm)

    def imap(self, jobs: Iterable, n_jobs: int | None = None) -> Iterable:
        """The results of ``jobs`` (``n_jobs`` of them if not a list; computed at once without a pool)."""
        if self.pool is None:
            return [self.fn(self.context, job) for job in jobs]
        n = len(jobs) if n_jobs is None else n_jobs
        return self.pool.imap(_call, jobs, chunksize=max(1, min(64, n // 16)))

    def close(self) -> None:
        if self.pool is not None:
            pool, self.pool = self.pool, None
            try:
                pool.close()
            finally:
                pool.terminate()
                pool.join()
                gc.unfreeze()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def iter_jobs(fn: Callable[[Any, Any], Any], context: Any, jobs: Iterable, n_jobs: int,
              progress: Progress | None = None, done0: int = 0, total: int = 0,
              warm: Callable[[], None] | None = None) -> Iterator:
    """``fn(context, job)`` for each of the ``n_jobs`` jobs, yielded in order as they are done (in
    worker processes when there are many), so the caller need not hold every result at once.
    ``warm()`` is called before the workers are forked (when there are workers): imports they
    would each make."""
    if not n_jobs:
        return
    with Workers(fn, context, n_jobs, warm) as workers:
        every = 50 if workers.pool is None else 200
        results = (fn(context, job) for job in jobs) if workers.pool is None else workers.imap(jobs, n_jobs)
        for i, r in enumerate(results):
            if progress and i % every == 0:
                progress(done0 + i, total)
            yield r


def run_jobs(fn: Callable[[Any, Any], Any], context: Any, jobs: list, progress: Progress | None = None,
             done0: int = 0, total: int = 0) -> list:
    """``[fn(context, job) for job in jobs]``, in worker processes when there are many jobs."""
    return list(iter_jobs(fn, context, jobs, len(jobs), progress, done0, total))
