"""Vega-Lite spec templates, made with Altair once per sitegen version; the browser fills in the data.

Building an Altair chart per run costs milliseconds, so the templates are built (and validated
against the Vega-Lite schema Altair ships) once, kept as JSON in the user's cache folder, and written
into ``assets/specs.js``; each page only names the data to draw (from the static data files). A
build pays for Altair at most once per sitegen/Altair version; ``import sitegen`` never imports it.

Field names the templates expect: ``number``, ``value``, ``name``, ``id``, ``href`` (runs across),
``x``/``y`` (scatter), ``step``/``value``/``run`` (series), ``metric``/``run``/``value`` (bars).
The browser sets titles at ``layer[0].encoding.y.title``, ``layer[1].encoding.tooltip[3].title``
(across), ``encoding.x/y.title`` and ``encoding.tooltip[3|4].title`` (scatter), ``encoding.y.title``
(series) and replaces ``data.values``: keep those paths.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from sitegen.site.bundle import cached_text


def _run_tooltip(alt) -> list:
    return [alt.Tooltip("number", type="quantitative", title="Run"),
            alt.Tooltip("name", type="nominal", title="Name"),
            alt.Tooltip("id", type="nominal", title="Id")]


def _finish(alt, chart) -> dict:
    """The look shared by every template, validated against Altair's Vega-Lite schema."""
    chart = (chart.properties(width="container", height=200, background="transparent",
                              autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
             .configure_view(stroke=None)
             .configure_axis(labelFontSize=11, titleFontSize=11)
             .configure_legend(labelLimit=220))
    return chart.to_dict(validate=True)


def build_templates() -> dict[str, dict]:
    """The templates, made with Altair (about a second: imports and validation)."""
    import altair as alt

    empty = alt.Data(values=[])
    with alt.theme.enable("none"):  # no default theme: what is drawn is what is written here
        line = alt.Chart().mark_line(opacity=0.35, interpolate="linear").encode(
            x=alt.X("number", type="quantitative", title="Run number", axis=alt.Axis(format="d")),
            y=alt.Y("value", type="quantitative", title="value", scale=alt.Scale(zero=False)),
            detail=alt.Detail("script", type="nominal"))
        points = alt.Chart().mark_point(filled=True, size=60, cursor="pointer").encode(
            x=alt.X("number", type="quantitative"), y=alt.Y("value", type="quantitative"),
            color=alt.Color("script", type="nominal", title="Script", legend=None),
            href=alt.Href("href", type="nominal"),
            tooltip=_run_tooltip(alt) + [alt.Tooltip("value", type="quantitative", title="value")])
        across = alt.layer(line, points, data=empty)
        scatter = alt.Chart(empty).mark_point(filled=True, size=60, cursor="pointer").encode(
            x=alt.X("x", type="quantitative", title="x", scale=alt.Scale(zero=False)),
            y=alt.Y("y", type="quantitative", title="y", scale=alt.Scale(zero=False)),
            color=alt.Color("script", type="nominal", legend=None),
            href=alt.Href("href", type="nominal"),
            tooltip=_run_tooltip(alt) + [alt.Tooltip("x", type="quantitative", title="x"),
                                         alt.Tooltip("y", type="quantitative", title="y")])
        legend = alt.Legend(orient="bottom", direction="vertical")
        series = alt.Chart(empty).mark_line(interpolate="linear", tooltip=True).encode(
            x=alt.X("step", type="quantitative", title="Step"),
            y=alt.Y("value", type="quantitative", title="value", scale=alt.Scale(zero=False)),
            color=alt.Color("run", type="nominal", title="Run", legend=legend))
        bars = alt.Chart(empty).mark_bar(tooltip=True).encode(
            x=alt.X("metric", type="nominal", title=None, axis=alt.Axis(labelAngle=-30, labelLimit=160)),
            xOffset=alt.XOffset("run", type="nominal"),
            y=alt.Y("value", type="quantitative", title="value"),
            color=alt.Color("run", type="nominal", title="Run", legend=legend))
        return {name: _finish(alt, chart) for name, chart in
                [("across", across), ("scatter", scatter), ("series", series), ("bars", bars)]}


def templates_version() -> str:
    """What the templates are made from: sitegen's and Altair's versions and this file."""
    return _templates_version()


@lru_cache(maxsize=1)
def _templates_version() -> str:
    from sitegen import __version__
    altair = _altair_version()
    source = hashlib.sha1(Path(__file__).read_bytes()).hexdigest()[:12]
    return f"{__version__}-altair{altair}-{source}"


def _altair_version() -> str:
    """Altair's version ("none" if it is not installed), from its ``altair-<version>.dist-info``
    folder beside the package when there is exactly one (importlib.metadata answers the same but
    costs ~10 ms of imports, every build, even one with nothing to do), else from importlib.metadata."""
    import importlib.util
    try:
        spec = importlib.util.find_spec("altair")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return "none"
    site = Path(list(spec.submodule_search_locations)[0]).parent
    found = list(site.glob("altair-*.dist-info"))
    if len(found) == 1:
        return found[0].name[len("altair-"):-len(".dist-info")]
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("altair")
    except PackageNotFoundError:
        return "none"


@lru_cache(maxsize=1)
def _templates_json() -> str:
    return cached_text(f"chart-specs-{templates_version()}.json",
                       lambda: json.dumps(build_templates(), sort_keys=True))


def spec_templates() -> dict[str, dict]:
    """All chart templates by name (JSON-ready; a fresh copy each call)."""
    return json.loads(_templates_json())
