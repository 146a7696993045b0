"""``assets/``: the theme's static files, the chart templates (``specs.js``), the Vega bundle and
``js/sitegen.js``: the theme's scripts in one file, the one every page loads (one ``<script>`` a
page instead of 23: 1.3 KB less on each of 10,000 run pages; each file is published too)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from sitegen.site.bundle import vega_bundle, vega_bundle_version
from sitegen.site.charts import spec_templates
from sitegen.site.fingerprint import key
from sitegen.site.plan import PlanEntry, PlanInput
from sitegen.site.render import dumps, static_files

TEMPLATES: list[str] = []
# The theme's scripts in load order: plain scripts (no modules: pages open from file://), each one
# global namespace; a module uses only those before it; main.js (the pages' entry points, SG.*) last.
THEME_SCRIPTS = ["vendor/fflate/fflate.min.js"] + [f"js/{m}.js" for m in [
    "runpack", "format", "dom", "data", "state", "rows", "query", "chartmath", "chartspecs", "sample", "charts",
    "chartcontrols", "overlay", "parallel", "shards", "grid", "jobs", "textdiff", "compare", "download", "best",
    "usercharts", "main"]]
BUNDLE = "assets/js/sitegen.js"


def theme_bundle(files: dict[str, Path]) -> str:
    """The theme's scripts (a user theme's own versions where it has them) as one script."""
    return "".join(f"/* {rel} */\n{files[rel].read_text('utf-8').rstrip()}\n;\n" for rel in THEME_SCRIPTS)


def _write_bundle(dest: str) -> None:
    Path(dest).write_text(vega_bundle(), "utf-8")


def plan(site: PlanInput) -> Iterator[PlanEntry]:
    yield PlanEntry("assets/vega-bundle.js", key("bundle", vega_bundle_version()), produce=_write_bundle)
    files = static_files(site.config)
    for rel, src in files.items():
        yield site.text(f"assets/{rel}", src.read_text("utf-8"))
    yield site.text(BUNDLE, theme_bundle(files))
    yield site.text("assets/specs.js", f"window.SITEGEN_SPECS={dumps(spec_templates())};\n")
