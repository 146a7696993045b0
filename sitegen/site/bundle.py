"""vl_convert's offline Vega + Vega-Lite + vega-embed script, made once per version and cached."""
from __future__ import annotations

import os
from pathlib import Path

from sitegen.store import safe_name

_BUNDLE: dict[str, str] = {}  # version -> script, for the life of the process (same in every build)


def vega_bundle_version() -> str:
    import vl_convert
    return f"{getattr(vl_convert, '__version__', '?')}/{vl_convert.get_vega_embed_version()}"


def user_cache_dir() -> Path:
    """sitegen's folder in the user's cache ($XDG_CACHE_HOME or ~/.cache)."""
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(root) / "sitegen"


def cached_text(name: str, make) -> str:
    """The text of ``name`` in the user cache, made by ``make()`` and kept there if missing."""
    cache = user_cache_dir() / name
    text = None
    try:
        text = cache.read_text("utf-8")
    except OSError:
        pass
    if not text:
        text = make()
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_name(cache.name + f".{os.getpid()}.tmp")
            tmp.write_text(text, "utf-8")
            os.replace(tmp, cache)
        except OSError:
            pass
    return text


def vega_bundle() -> str:
    """The bundle script (it takes ~2 s to make: cached in the user's cache folder)."""
    version = vega_bundle_version()
    if version not in _BUNDLE:
        import vl_convert
        _BUNDLE[version] = cached_text(f"vega-bundle-{safe_name(version)}.js", vl_convert.javascript_bundle)
    return _BUNDLE[version]
