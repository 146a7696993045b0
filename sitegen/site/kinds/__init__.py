"""The kinds of files a site has, one module each (Pelican's *generators*): each says which files of
its kind exist and what each is made from. A kind module defines

- ``TEMPLATES``: the theme templates its pages are rendered with (compiled once per build), and
- ``plan(site: PlanInput) -> Iterable[PlanEntry]``: its site-wide files, and/or
- ``plan_run(site: PlanInput, summary) -> Iterable[PlanEntry]``: the files of one published run,
  called only for runs whose files may have changed (see :mod:`sitegen.site.plan`).

Adding a kind (say ``reports/<name>.html``) is a new module here and its template: modules are found
by name, in name order.
"""
from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def all_kinds() -> list[ModuleType]:
    """Every kind module, in name order."""
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))
    return [importlib.import_module(f"{__name__}.{name}") for name in names]


def templates() -> list[str]:
    """Every template a page of the site is rendered with."""
    return sorted({t for kind in all_kinds() for t in getattr(kind, "TEMPLATES", ())})
