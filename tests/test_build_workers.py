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
