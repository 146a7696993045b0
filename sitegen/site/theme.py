"""Where the theme's files are (the user's theme over the default one) and a digest of them: what a
build needs before it renders anything (no Jinja here: a build with nothing to do never imports it)."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from sitegen.errors import UserError


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


def templates_dir(theme: Path) -> Path:
    """A theme's templates folder (``templates/``, or the theme folder itself)."""
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
