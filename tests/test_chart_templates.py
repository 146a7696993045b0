"""Chart templates are made with Altair, validated against its Vega-Lite schema, cached per
version (a build pays for Altair at most once), and keep the shapes the browser fills in."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import altair as alt

from sitegen.site.charts import build_templates, templates_version


def test_templates_validate_and_keep_the_paths_the_browser_fills():
    t = build_templates()
    assert sorted(t) == ["across", "bars", "scatter", "series"]
    for name, spec in t.items():
        kind = alt.LayerChart if "layer" in spec else alt.Chart
        kind.from_dict(spec, validate=True)  # the schema Altair ships
        assert spec["data"] == {"values": []} and spec["width"] == "container", name
        assert spec["$schema"] == alt.SCHEMA_URL
    across, scatter = t["across"], t["scatter"]
    assert across["layer"][0]["encoding"]["y"]["title"] == "value"
    assert across["layer"][1]["encoding"]["tooltip"][3] == {"field": "value", "type": "quantitative",
                                                            "title": "value"}
    assert [x["field"] for x in scatter["encoding"]["tooltip"]] == ["number", "name", "id", "x", "y"]
    assert scatter["encoding"]["href"] == {"field": "href", "type": "nominal"}
    assert t["series"]["encoding"]["color"]["field"] == "run"
    assert t["bars"]["encoding"]["xOffset"] == {"field": "run", "type": "nominal"}
    assert "continuousWidth" not in json.dumps(t)  # no Altair default theme


def test_templates_are_made_once_and_read_from_the_cache_without_altair(tmp_path):
    code = ("import sys, json; from sitegen.site.charts import spec_templates; t = spec_templates(); "
            "print(json.dumps({'altair': 'altair' in sys.modules, 'names': sorted(t)}))")
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path))
    first, second = (json.loads(subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                               capture_output=True, text=True).stdout) for _ in range(2))
    assert first == {"altair": True, "names": ["across", "bars", "scatter", "series"]}
    assert second == {"altair": False, "names": first["names"]}
    cached = tmp_path / "sitegen" / f"chart-specs-{templates_version()}.json"
    assert json.loads(cached.read_text("utf-8")) == build_templates()
