"""The build's per-run costs that are not the reader's (issue 17: CPU a run flat from 1,000 to
50,000 runs): what the read workers would each import is imported once before they are forked;
Jinja's attribute lookups on plain dicts, url quoting and file writes take shorter paths that give
the same results."""
from __future__ import annotations

import os
from urllib.parse import quote

import jinja2
import pytest

from sitegen.config import Config
from sitegen.site import workers as workers_mod
from sitegen.site.fileops import write_bytes
from sitegen.site.render import make_env, url_quote

_WARMED: list[int] = []


def _warm() -> None:
    _WARMED.append(os.getpid())


def _job(context, job: int) -> tuple[int, bool]:
    return os.getpid(), bool(_WARMED)


def test_warm_runs_once_in_the_parent_before_the_workers_are_forked(monkeypatch) -> None:
    monkeypatch.setattr(workers_mod, "POOL_MIN", 4)
    _WARMED.clear()
    got = list(workers_mod.iter_jobs(_job, None, range(40), 40, warm=_warm))
    assert _WARMED == [os.getpid()]
    assert all(warmed for _, warmed in got)       # the workers inherited what it did
    assert {pid for pid, _ in got} - {os.getpid()}  # ... and they are other processes


def test_warm_is_not_called_without_workers(monkeypatch) -> None:
    monkeypatch.setattr(workers_mod, "POOL_MIN", 10**9)
    _WARMED.clear()
    got = list(workers_mod.iter_jobs(_job, None, range(3), 3, warm=_warm))
    assert _WARMED == [] and got == [(os.getpid(), False)] * 3


class _Obj:
    status = "attr"


TEMPLATE = ("{{ d.status }}|{{ d['status'] }}|{{ d.items is callable }}|{{ d.keys is callable }}|"
            "{{ d.get('status') }}|{{ d.sub.n }}|{{ o.status }}|{{ d.missing is defined }}|"
            "{{ d.sub.missing is defined }}|{% for k, v in d.sub.items() %}{{ k }}={{ v }}{% endfor %}")


def test_dict_lookups_render_as_jinja_renders_them() -> None:
    """A key named like a dict method still gives the method (as in Jinja); other names give the
    key; a missing one is undefined (StrictUndefined: an error when shown)."""
    ctx = {"d": {"status": "<ok>", "items": "not a method", "keys": 3, "sub": {"n": 1, "get": 2}},
           "o": _Obj()}
    ours = make_env(Config())
    stock = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    assert type(ours) is not jinja2.Environment
    assert ours.from_string(TEMPLATE).render(ctx) == stock.from_string(TEMPLATE).render(ctx)
    assert ours.from_string(TEMPLATE).render(ctx).startswith("&lt;ok&gt;|&lt;ok&gt;|True|True|&lt;ok&gt;|1|attr|False")
    for env in (ours, stock):
        with pytest.raises(jinja2.UndefinedError):
            env.from_string("{{ d.missing }}").render(ctx)


@pytest.mark.parametrize("path", ["", "runs/run-1.html", "files/a b/outputs/ü.png", "a%2Fb", "x?y#z",
                                  "a+b=c&d;e", "~user/._-", "data/runs/2026-12-01T10:00:00.js", "é/"])
def test_url_quote_equals_urllib_quote(path: str) -> None:
    assert url_quote(path) == quote(path, safe="/")


def test_write_bytes_writes_the_whole_file_and_replaces_an_old_one(tmp_path) -> None:
    dest = str(tmp_path / "f.html")
    write_bytes(b"x" * 100_000, dest)
    write_bytes(b"new", dest)
    assert open(dest, "rb").read() == b"new"
    big = os.urandom(3 << 20)
    write_bytes(big, dest)
    assert open(dest, "rb").read() == big


def test_the_workers_get_the_next_batch_of_pages_before_the_last_is_collected(tmp_path, monkeypatch) -> None:
    """Run pages rendered by worker processes, a batch of 2 runs at a time: the next batch is
    handed in while the last is still being rendered (at most IN_FLIGHT batches), and the site
    equals one built in one go without workers, byte for byte."""
    from sitegen.site import cache as cache_mod
    from sitegen.site import plan as plan_mod
    from sitegen.site import renderer as renderer_mod
    from sitegen.site.build import build_site
    from sitegen.store import Store
    from test_incremental import log_runs, tree_bytes

    root = tmp_path / "runs"
    root.mkdir()
    log_runs(root, [0.5, 0.6, 0.55, 0.7, 0.52, 0.58, 0.61], list("abcdefg"), points=20)
    store = Store(root)
    monkeypatch.setattr(cache_mod, "SHARD_RUNS", 2)
    monkeypatch.setattr(workers_mod, "POOL_MIN", 10**9)
    build_site(store, tmp_path / "one", Config())

    monkeypatch.setattr(workers_mod, "POOL_MIN", 1)
    monkeypatch.setattr(plan_mod, "BATCH_RUNS", 2)
    events: list[str] = []
    imap, collect = workers_mod.Workers.imap, renderer_mod.Renderer._collect_one

    def handed(self, jobs, n_jobs=None):
        if self.fn is renderer_mod.render_page:  # (not the runs read)
            events.append("hand")
        return imap(self, jobs, n_jobs)

    def collected(self):
        assert len(self._pending) <= renderer_mod.IN_FLIGHT
        events.append("collect")
        return collect(self)

    monkeypatch.setattr(workers_mod.Workers, "imap", handed)
    monkeypatch.setattr(renderer_mod.Renderer, "_collect_one", collected)
    result = build_site(store, tmp_path / "many", Config())
    assert result.mode == "swap"
    assert tree_bytes(tmp_path / "many") == tree_bytes(tmp_path / "one")
    assert events.count("collect") == events.count("hand") >= 4  # site-wide pages, 3+ batches of runs
    assert events[:2] == ["hand", "hand"]  # the second batch handed in before the first is collected


@pytest.mark.skipif((os.cpu_count() or 1) < 2 or not os.path.isdir("/proc/self/task"), reason="needs 2 cores, /proc")
def test_numpy_is_imported_before_the_fork_without_blas_threads() -> None:
    """Many runs to read: numpy is imported in the build process (the workers inherit it) with
    OpenBLAS's thread pool off, and the environment is left as it was."""
    import subprocess
    import sys
    code = ("import os, sys; import sitegen.site.gather as g; g._warm(10)\n"
            "print('numpy' in sys.modules)\n"
            "g._warm(10**6)\n"
            "print('numpy' in sys.modules, len(os.listdir('/proc/self/task')), 'OPENBLAS_NUM_THREADS' in os.environ)")
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["False", "True 1 False"]


def test_the_pools_maintenance_thread_does_not_wait_on_the_results_pipe(monkeypatch) -> None:
    """The worker-maintenance thread of a standard pool also waits on the results pipe and so
    spins while a result is unread; ours waits on the workers and its own wake-up pipe only, and
    still runs the jobs, replaces nothing, and closes."""
    monkeypatch.setattr(workers_mod, "POOL_MIN", 4)
    with workers_mod.Workers(_job, None, 100) as w:
        assert w.pool._outqueue._reader not in w.pool._get_sentinels()
        assert w.pool._change_notifier._reader in w.pool._get_sentinels()
        got = list(w.imap(list(range(100))))
        pids = {p.pid for p in w.pool._pool}
    assert len(got) == 100 and {pid for pid, _ in got} <= pids
