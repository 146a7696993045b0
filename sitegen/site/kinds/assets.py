"""``assets/``: the theme's static files, the chart templates (``specs.js``) and the Vega bundle."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from sitegen.site.bundle import vega_bundle, vega_bundle_version
from sitegen.site.charts import spec_templates
from sitegen.site.fingerprint import key
from sitegen.site.plan import PlanEntry, PlanInput
from sitegen.site.render import dumps, static_files

TEMPLATES: list[str] = []


def _write_bundle(dest: str) -> None:
    Path(dest).write_text(vega_bundle(), "utf-8")


def plan(site: PlanInput) -> Iterator[PlanEntry]:
    yield PlanEntry("assets/vega-bundle.js", key("bundle", vega_bundle_version()), produce=_write_bundle)
    for rel, src in static_files(site.config).items():
        yield site.text(f"assets/{rel}", src.read_text("utf-8"))
    yield site.text("assets/specs.js", f"window.SITEGEN_SPECS={dumps(spec_templates())};\n")
