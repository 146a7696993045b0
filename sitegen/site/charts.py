"""Vega-Lite spec templates, built once per build; the browser fills in the data.

Building an Altair chart per run costs milliseconds; these dicts are written once into
``assets/specs.js`` and each page only names the data to draw (from the static data files).
Field names the templates expect: ``number``, ``value``, ``name``, ``id``, ``href`` (runs across),
``x``/``y`` (scatter), ``step``/``value``/``run`` (series), ``metric``/``run``/``value`` (bars).
"""
from __future__ import annotations

import copy
from typing import Any

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # a name, never fetched

_BASE: dict[str, Any] = {
    "$schema": SCHEMA,
    "width": "container",
    "height": 200,
    "autosize": {"type": "fit-x", "contains": "padding"},
    "background": None,
    "config": {"view": {"stroke": None}, "axis": {"labelFontSize": 11, "titleFontSize": 11},
               "legend": {"labelLimit": 220}},
}

_RUN_TOOLTIP = [
    {"field": "number", "type": "quantitative", "title": "Run"},
    {"field": "name", "type": "nominal", "title": "Name"},
    {"field": "id", "type": "nominal", "title": "Id"},
]


def _spec(**parts: Any) -> dict:
    spec = copy.deepcopy(_BASE)
    spec.update(parts)
    return spec


def spec_templates() -> dict[str, dict]:
    """All chart templates by name (JSON-ready)."""
    across = _spec(
        data={"values": []},
        layer=[
            {"mark": {"type": "line", "opacity": 0.35, "interpolate": "linear"},
             "encoding": {"x": {"field": "number", "type": "quantitative", "title": "Run number",
                                "axis": {"format": "d"}},
                          "y": {"field": "value", "type": "quantitative", "title": "value",
                                "scale": {"zero": False}},
                          "detail": {"field": "script", "type": "nominal"}}},
            {"mark": {"type": "point", "filled": True, "size": 60, "cursor": "pointer"},
             "encoding": {"x": {"field": "number", "type": "quantitative"},
                          "y": {"field": "value", "type": "quantitative"},
                          "color": {"field": "script", "type": "nominal", "title": "Script",
                                    "legend": None},
                          "href": {"field": "href", "type": "nominal"},
                          "tooltip": _RUN_TOOLTIP + [{"field": "value", "type": "quantitative",
                                                      "title": "value"}]}},
        ],
    )
    scatter = _spec(
        data={"values": []},
        mark={"type": "point", "filled": True, "size": 60, "cursor": "pointer"},
        encoding={"x": {"field": "x", "type": "quantitative", "title": "x", "scale": {"zero": False}},
                  "y": {"field": "y", "type": "quantitative", "title": "y", "scale": {"zero": False}},
                  "color": {"field": "script", "type": "nominal", "legend": None},
                  "href": {"field": "href", "type": "nominal"},
                  "tooltip": _RUN_TOOLTIP + [{"field": "x", "type": "quantitative", "title": "x"},
                                             {"field": "y", "type": "quantitative", "title": "y"}]},
    )
    series = _spec(
        data={"values": []},
        mark={"type": "line", "interpolate": "linear", "tooltip": True},
        encoding={"x": {"field": "step", "type": "quantitative", "title": "Step"},
                  "y": {"field": "value", "type": "quantitative", "title": "value",
                        "scale": {"zero": False}},
                  "color": {"field": "run", "type": "nominal", "title": "Run",
                            "legend": {"orient": "bottom", "direction": "vertical"}}},
    )
    bars = _spec(
        data={"values": []},
        mark={"type": "bar", "tooltip": True},
        encoding={"x": {"field": "metric", "type": "nominal", "title": None,
                        "axis": {"labelAngle": -30, "labelLimit": 160}},
                  "xOffset": {"field": "run", "type": "nominal"},
                  "y": {"field": "value", "type": "quantitative", "title": "value"},
                  "color": {"field": "run", "type": "nominal", "title": "Run",
                            "legend": {"orient": "bottom", "direction": "vertical"}}},
    )
    return {"across": across, "scatter": scatter, "series": series, "bars": bars}
