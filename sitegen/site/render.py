"""The Jinja environment: theme loading (user theme over the default), the ``url`` helper, filters."""
from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from sitegen.errors import UserError
from sitegen.formatting import format_size, format_took, format_value, format_when


class ThemeError(UserError):
    """A theme folder is missing or a template is broken."""


class BuildError(UserError):
    """The site could not be built; the previous site is left as it was."""


def default_theme_dir() -> Path:
    """themes/default: in the repository (editable install) or inside the installed wheel."""
    here = Path(__file__).resolve().parent.parent  # .../sitegen
    for candidate in (here / "themes" / "default", here.parent / "themes" / "default"):
        if (candidate / "templates").is_dir():
            return candidate
    raise ThemeError(f"the default theme is missing (looked in {here / 'themes'} and "
                     f"{here.parent / 'themes'}); reinstall sitegen")


def user_theme_dir(config) -> Path | None:
    if not config.theme:
        return None
    path = Path(config.theme)
    if not path.is_absolute():
        path = Path(config.base_dir) / path
    if not path.is_dir():
        raise ThemeError(f"theme folder {path} does not exist; fix `theme` in {config.source or 'the config'}")
    return path


def _templates_dir(theme: Path) -> Path:
    return theme / "templates" if (theme / "templates").is_dir() else theme


def theme_files(config) -> list[tuple[str, Path]]:
    """(label, path) of every theme file, user theme first."""
    files: list[tuple[str, Path]] = []
    themes = [("default", default_theme_dir())]
    user = user_theme_dir(config)
    if user:
        themes.insert(0, ("user", user))
    for label, root in themes:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(filenames):
                p = Path(dirpath) / name
                files.append((f"{label}/{p.relative_to(root).as_posix()}", p))
    return files


def theme_fingerprint(config) -> str:
    h = hashlib.sha256()
    for label, path in theme_files(config):
        h.update(label.encode() + b"\0")
        try:
            h.update(path.read_bytes())
        except OSError:
            pass
        h.update(b"\0")
    return h.hexdigest()


def static_files(config) -> dict[str, Path]:
    """Theme static files by their path under assets/ (a user theme's file wins)."""
    out: dict[str, Path] = {}
    themes = [default_theme_dir()]
    user = user_theme_dir(config)
    if user:
        themes.append(user)
    for theme in themes:
        static = theme / "static"
        if not static.is_dir():
            continue
        for dirpath, _, filenames in os.walk(static):
            for name in filenames:
                p = Path(dirpath) / name
                out[p.relative_to(static).as_posix()] = p
    return dict(sorted(out.items()))


# ---------------------------------------------------------------- helpers used by templates

def url_quote(path: str) -> str:
    """Percent-encode a site path, segment by segment (``/`` kept)."""
    return quote(path, safe="/")


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


def make_env(config) -> jinja2.Environment:
    """The Jinja environment: user theme, then ``default/…`` prefix, then the default theme."""
    default_loader = jinja2.FileSystemLoader(str(_templates_dir(default_theme_dir())))
    loaders: list[jinja2.BaseLoader] = []
    user = user_theme_dir(config)
    if user:
        loaders.append(jinja2.FileSystemLoader(str(_templates_dir(user))))
    loaders += [jinja2.PrefixLoader({"default": default_loader}), default_loader]
    env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), autoescape=True,
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
