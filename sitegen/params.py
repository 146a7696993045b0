"""Run parameters (a run's inputs): flattening a configuration object into ``{"dotted.name": value}``.

Accepted configurations: a mapping (``dict``), an ``argparse.Namespace`` (or ``types.SimpleNamespace``),
a dataclass instance, and objects offering ``model_dump()`` (pydantic) or ``to_container()``
(OmegaConf's ``DictConfig`` is converted with ``OmegaConf.to_container``), none of which is imported
here. Nested mappings are flattened with dots: ``{"optimizer": {"name": "adam"}}`` ->
``{"optimizer.name": "adam"}``.

Values: ``int``, ``float``, ``bool``, ``str``, ``None``, or a list (or tuple) of those; numpy scalars
become Python ones and paths (``os.PathLike``) their text. Anything else is a ``TypeError`` naming the
parameter and the value's type. Standard library only, imported only when parameters are logged.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

_SCALARS = (int, float, bool, str, type(None))


def describe(value: Any) -> str:
    """The type of ``value`` for an error message: ``list``, ``decimal.Decimal``,
    ``numpy.ndarray of shape (2, 3)``."""
    t = type(value)
    mod = getattr(t, "__module__", "builtins")
    name = t.__qualname__ if mod == "builtins" else f"{mod.split('.')[0]}.{t.__qualname__}"
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple):
        name += f" of shape {shape}"
    return name


def scalar(name: str, value: Any) -> Any:
    """A parameter value as a plain Python scalar, or TypeError."""
    t = type(value)
    if t in _SCALARS:
        return value
    if getattr(t, "__module__", "") == "numpy" and getattr(value, "ndim", None) == 0:
        item = value.item()
        if type(item) in _SCALARS:
            return item
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    for base in (bool, int, float, str):  # subclasses (IntEnum, str enums): their plain value
        if isinstance(value, base):
            return base(value)
    raise TypeError(f"sitegen: parameter {name!r}: unsupported value type {describe(value)} "
                    f"(log an int, float, bool, str, None, or a list of them)")


def value(name: str, v: Any) -> Any:
    """A parameter value (a scalar or a list of scalars), checked."""
    if type(v) in _SCALARS:
        return v
    if isinstance(v, (list, tuple)) or (hasattr(v, "tolist") and getattr(v, "ndim", 0) == 1):
        items = v.tolist() if hasattr(v, "tolist") else v
        out = []
        for item in items:
            if isinstance(item, (list, tuple, Mapping)) or getattr(item, "ndim", 0):
                raise TypeError(f"sitegen: parameter {name!r}: a list may hold only scalars, "
                                f"not {describe(item)}")
            out.append(scalar(name, item))
        return out
    if getattr(v, "ndim", 0):
        raise TypeError(f"sitegen: parameter {name!r}: unsupported value type {describe(v)} "
                        f"(log a scalar or a 1-D list)")
    return scalar(name, v)


def _nested(config: Any) -> Mapping | None:
    """The mapping behind one of the accepted configuration objects, or None."""
    t = type(config)
    if isinstance(config, Mapping) and not t.__module__.startswith("omegaconf"):
        return config
    if hasattr(t, "__dataclass_fields__") and not isinstance(config, type):
        import dataclasses  # only here: it imports inspect
        return dataclasses.asdict(config)
    if callable(getattr(config, "model_dump", None)):  # pydantic v2
        return config.model_dump()
    if callable(getattr(config, "to_container", None)):
        return config.to_container()
    omegaconf = sys.modules.get("omegaconf")
    if omegaconf is not None and t.__module__.startswith("omegaconf") and isinstance(config, Mapping):
        return omegaconf.OmegaConf.to_container(config, resolve=True)  # a DictConfig
    argparse = sys.modules.get("argparse")
    if (argparse is not None and isinstance(config, argparse.Namespace)) or \
            (t.__name__ == "SimpleNamespace" and t.__module__ == "types"):
        return vars(config)
    return None


def flatten(config: Any, prefix: str = "") -> dict[str, Any]:
    """``{"dotted.name": checked value}`` from a configuration object; nested configurations
    (mappings, dataclasses, pydantic models, …) are flattened with dots, in their order."""
    mapping = _nested(config)
    if mapping is None:
        raise TypeError(f"sitegen: log_params takes a dict, an argparse.Namespace, a dataclass, or "
                        f"an object with model_dump() or to_container(), not {describe(config)}")
    out: dict[str, Any] = {}
    for key, v in mapping.items():
        if type(key) is not str:
            if isinstance(key, (int, str)) and not isinstance(key, bool):
                key = str(key)
            else:
                raise TypeError(f"sitegen: parameter names must be str, not {describe(key)} "
                                f"({prefix}{key!r})")
        name = prefix + key
        if type(v) not in _SCALARS and not isinstance(v, (list, tuple)) and _nested(v) is not None:
            out.update(flatten(v, name + "."))
        else:
            out[name] = value(name, v)
    return out


def same(a: Any, b: Any) -> bool:
    """Equal values of the same type (``1`` is not ``1.0`` nor ``True``; NaN equals NaN)."""
    if type(a) is not type(b):
        return False
    if type(a) is list:
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b or (a != a and b != b)
