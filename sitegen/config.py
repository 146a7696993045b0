"""Project configuration: ``sitegen.toml``, or ``[tool.sitegen]`` in ``pyproject.toml``.

Standard library only (the logger reads the project name and store path from here).
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from sitegen.errors import UserError
from sitegen.names import safe_name


class ConfigError(UserError):
    """A problem with the configuration file: printed as one line by the CLI."""


@dataclass
class Config:
    title: str = "Experiment runs"
    project: str | None = None          # experiment name; default: the folder's name
    primary_metric: str | None = None   # default: chosen by name (sitegen.site.primary)
    goal: str | None = None             # "max" or "min": what "best run" means; default: by name
    theme: str | None = None            # a folder of templates overriding themes/default
    store: str | None = None            # default: ./runs
    site_dir: str = "site"
    reports_dir: str = "reports"        # Markdown reports (sitegen report), built into site/reports/
    unpublished: list[str] = field(default_factory=list)  # output globs left out of the site
    env: list[str] = field(default_factory=list)          # environment variables recorded with runs
    publish_credentials: bool = False   # publish outputs that look like credentials (.env, *.pem)
    publish_metrics_tsv: bool = False   # also publish metrics/<id>.tsv.gz (exact, ~13 KB a run)
    charts: str | None = None           # a Python module of chart functions (sitegen.site.usercharts)
    system_metrics: bool = True         # tracked runs record system/… series (CPU, memory, GPU)
    system_metrics_interval: float = 5.0  # seconds between two samples
    base_dir: Path = field(default=Path("."), repr=False)  # where the config file lives
    source: str | None = field(default=None, repr=False)


_KEYS = {f.name for f in fields(Config)} - {"base_dir", "source"}


def find_config(start: Path | None = None) -> tuple[Path, dict] | None:
    """The config table of ``sitegen.toml`` or ``pyproject.toml`` in ``start`` (default: cwd)."""
    folder = Path(start or Path.cwd())
    for name in ("sitegen.toml", "pyproject.toml"):
        path = folder / name
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            raise ConfigError(f"{path}: not valid TOML ({e}); fix the file") from None
        if name == "pyproject.toml":
            data = data.get("tool", {}).get("sitegen")
            if data is None:
                continue
        return path, data
    return None


def load_config(start: Path | None = None) -> Config:
    """Read and check the config; unknown keys and wrong types are a ConfigError naming the key."""
    found = find_config(start)
    if found is None:
        return Config(base_dir=Path(start or Path.cwd()))
    path, data = found
    config = Config(base_dir=path.parent, source=str(path))
    for key, value in data.items():
        if key not in _KEYS:
            known = ", ".join(sorted(_KEYS))
            raise ConfigError(f"{path}: unknown key {key!r} (known keys: {known})")
        default = getattr(config, key)
        expected = type(default) if default is not None else str
        if expected is float:  # TOML's 2 is as good as 2.0
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            value = float(value) if ok else value
        elif expected is list:
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        else:
            ok = isinstance(value, expected)
        if not ok:
            raise ConfigError(f"{path}: key {key!r} must be a {expected.__name__}, "
                              f"not {type(value).__name__}")
        setattr(config, key, value)
    if config.system_metrics_interval <= 0:
        raise ConfigError(f"{path}: key 'system_metrics_interval' must be a number of seconds > 0")
    if config.goal not in (None, "max", "min"):
        raise ConfigError(f"{path}: key 'goal' must be \"max\" or \"min\", not {config.goal!r}")
    return config


def _quiet_config() -> Config | None:
    try:
        return load_config()
    except ConfigError:
        return None  # the logger never fails on config; the CLI reports it


def project_name() -> str:
    """The experiment name for new runs: $SITEGEN_EXPERIMENT, config ``project``, or the folder."""
    name = os.environ.get("SITEGEN_EXPERIMENT")
    if not name:
        config = _quiet_config()
        name = (config.project if config else None) or Path.cwd().name
    return safe_name(name)


def store_location() -> str | Path:
    """$SITEGEN_STORE, config ``store`` (relative to the config file), or ./runs; a store URL
    (``s3://bucket/prefix``) is returned as the string it is."""
    env = os.environ.get("SITEGEN_STORE")
    config = None if env else _quiet_config()
    location = env or (config.store if config else None)
    if location and "://" in location:
        return location
    if env:
        return Path(env)
    if config and config.store:
        return config.base_dir / config.store
    return Path("runs")


def store_path() -> Path:
    """The local store folder (see `store_location`; a URL's local spool is not this)."""
    location = store_location()
    return location if isinstance(location, Path) else Path("runs")
