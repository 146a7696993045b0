"""The Jinja environment: theme loading (user theme over the default), the ``url`` helper, filters."""
from __future__ import annotations

import json
import math
import re
from typing import Any
from urllib.parse import quote

import jinja2
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from sitegen.formatting import format_size, format_took, format_value, format_when
from sitegen.site.theme import (BuildError, ThemeError, default_theme_dir, static_files,  # noqa: F401
                                theme_files, theme_fingerprint, user_theme_dir)
from sitegen.site.theme import templates_dir as _templates_dir


# ---------------------------------------------------------------- helpers used by templates

_PLAIN = re.compile(r"[A-Za-z0-9_.~/-]*").fullmatch  # what quote(path, safe="/") leaves as it is


def url_quote(path: str) -> str:
    """Percent-encode a site path, segment by segment (``/`` kept)."""
    return path if _PLAIN(path) else quote(path, safe="/")


@jinja2.pass_context
def url(ctx, path: str) -> str:
    """A URL relative to the current page for a site path like ``runs/<id>.html``."""
    return ctx.get("root", "") + url_quote(path)




def full(value: Any) -> str:
    """A value's full text (used as a tooltip)."""
    if value is None:
        return ""
    if type(value) is float:
        return format_value(value) if not math.isfinite(value) else repr(value)
    return str(value)


def dumps(data: Any) -> str:
    """Deterministic compact JSON (sorted keys) safe to embed in HTML and <script>."""
    return str(htmlsafe_json_dumps(data, dumps=json.dumps, sort_keys=True, separators=(",", ":"),
                                   ensure_ascii=False, allow_nan=False))


def tojson(data: Any) -> Markup:
    return Markup(dumps(data))


def js_assign(var: str, key: str, data: Any) -> str:
    """A data file loaded with <script src>: ``(window.VAR = window.VAR || {})[key] = data;``."""
    return f"(window.{var}=window.{var}||{{}})[{dumps(key)}]={dumps(data)};\n"


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept in the user cache (Jinja's own cache, checked against each template's
    source): compiling the theme costs ~0.2 s, a third of a build after one new run. One folder per
    sitegen and Jinja version, as the code depends on the environment's options. None if it cannot
    be made (the templates are then compiled every build)."""
    from sitegen import __version__
    from sitegen.site.bundle import user_cache_dir
    folder = user_cache_dir() / f"templates-{__version__}-jinja{jinja2.__version__}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


_DICT_ATTRS = frozenset(dir(dict))


class _Environment(jinja2.Environment):
    """Jinja's environment, with ``x.name`` on a plain dict looked up as ``x["name"]`` at once when
    ``name`` is not a dict method (Jinja tries the attribute first, which for a dict can only fail
    then: the same result, without an exception per lookup; ~20% of rendering a run page)."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRS:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


def make_env(config) -> jinja2.Environment:
    """The Jinja environment: user theme, then ``default/…`` prefix, then the default theme."""
    default_loader = jinja2.FileSystemLoader(str(_templates_dir(default_theme_dir())))
    loaders: list[jinja2.BaseLoader] = []
    user = user_theme_dir(config)
    if user:
        loaders.append(jinja2.FileSystemLoader(str(_templates_dir(user))))
    loaders += [jinja2.PrefixLoader({"default": default_loader}), default_loader]
    env = _Environment(loader=jinja2.ChoiceLoader(loaders), autoescape=True,
                       undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                       keep_trailing_newline=True, auto_reload=False, cache_size=-1,
                       bytecode_cache=_bytecode_cache())
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False, "allow_nan": False}
    env.filters.update(fmt=format_value, full=full, filesize=format_size, tojson=tojson, when=format_when,
                       took=format_took)
    env.globals.update(url=url)
    return env


def load_templates(env: jinja2.Environment, names: list[str]) -> dict[str, jinja2.Template]:
    """Compile the page templates once; a broken template is a ThemeError naming the file and line."""
    out = {}
    for name in names:
        try:
            out[name] = env.get_template(name)
        except jinja2.TemplateSyntaxError as e:
            raise ThemeError(f"template {e.filename or e.name}:{e.lineno}: {e.message}") from None
        except jinja2.TemplateNotFound as e:
            raise ThemeError(f"template {e.name} not found in the theme") from None
    return out
