"""``sitegen init --github-actions``: write a workflow that builds the site and deploys it with the
official GitHub Pages actions (for teams that publish from CI rather than with ``sitegen deploy``)."""
from __future__ import annotations

import json
from pathlib import Path

import click

from sitegen.errors import UserError

WORKFLOW_PATH = Path(".github/workflows/sitegen-pages.yml")

WORKFLOW = """\
# Builds the sitegen site and publishes it with the official GitHub Pages actions.
# Written by `sitegen init --github-actions`. One-time setup on GitHub: Settings > Pages >
# Build and deployment > Source: "GitHub Actions".
# The run store ({store}/) must be committed for CI to see the runs (or produce it in a step
# before the build).
name: sitegen pages

on:
  push:
    branches: [{branch}]
  workflow_dispatch:

permissions:
  contents: read

# one deployment at a time; a queued one waits, an in-progress one is not cancelled
concurrency:
  group: pages
  cancel-in-progress: false

jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "{python}"
      - name: Install sitegen
        # the same sitegen that wrote this file ({package_note})
        run: python -m pip install {package}
      - name: Build the site
        run: sitegen build --clean --store {store} --site-dir {site_dir}
      - uses: actions/configure-pages@v5
      - uses: actions/upload-pages-artifact@v3
        with:
          path: {site_dir}

  deploy:
    needs: build
    runs-on: ubuntu-latest
    permissions:
      pages: write      # to deploy to Pages
      id-token: write   # to verify the deployment comes from this workflow
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - id: deployment
        uses: actions/deploy-pages@v4
"""


def _yaml_scalar(text: str) -> str:
    """``text`` as a YAML flow scalar (quoted when it is not plainly safe)."""
    safe = text and all(c.isalnum() or c in "._/-" for c in text) and not text[0] in "-."
    return text if safe else json.dumps(text)


def install_requirement() -> tuple[str, str]:
    """What CI should ``pip install`` to get exactly this sitegen, and where that comes from.

    An install from a VCS URL (PEP 610 ``direct_url.json``) is pinned to its commit; anything else
    (the package index, a wheel, an editable checkout) is pinned to this version of the
    ``sitegen-runs`` distribution ("sitegen" on the index is an unrelated project)."""
    from sitegen import DISTRIBUTION, __version__
    try:
        from importlib.metadata import PackageNotFoundError, distribution
        direct = json.loads(distribution(DISTRIBUTION).read_text("direct_url.json") or "{}")
    except (PackageNotFoundError, ValueError, OSError):
        direct = {}
    vcs = direct.get("vcs_info") or {}
    if vcs.get("vcs") == "git" and vcs.get("commit_id") and direct.get("url"):
        return (f"{DISTRIBUTION} @ git+{direct['url']}@{vcs['commit_id']}",
                f"version {__version__}, from its git repository")
    return f"{DISTRIBUTION}=={__version__}", f"version {__version__} from the package index"


def render_workflow(store: str = "runs", site_dir: str = "site", branch: str = "main",
                    python: str = "3.12", package: str | None = None) -> str:
    """The workflow's text; ``package`` is the pip requirement (default: this sitegen)."""
    requirement, note = install_requirement() if package is None else (package, "as asked")
    return WORKFLOW.format(store=_yaml_scalar(store), site_dir=_yaml_scalar(site_dir),
                           branch=_yaml_scalar(branch), python=python,
                           package=_yaml_scalar(requirement), package_note=note)


def write_workflow(root: Path, force: bool = False, **options: str) -> Path:
    """Write .github/workflows/sitegen-pages.yml under ``root``; UserError if it exists."""
    path = root / WORKFLOW_PATH
    if path.exists() and not force:
        raise UserError(f"{path} already exists: pass --force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render_workflow(**options), "utf-8")
    tmp.replace(path)
    return path


def _default_branch() -> str:
    from sitegen.deploy import current_branch
    return current_branch() or "main"


@click.command("init")
@click.option("--github-actions", is_flag=True,
              help=f"Write {WORKFLOW_PATH}: build the site and deploy it with GitHub Pages' actions.")
@click.option("--branch", default=None,
              help="The branch whose pushes publish the site (default: the current branch, or main).")
@click.option("--force", is_flag=True, help="Overwrite an existing workflow file.")
def cli(github_actions: bool, branch: str | None, force: bool) -> None:
    """Set up publishing for this project.

    \b
    Examples:
      sitegen init --github-actions            write .github/workflows/sitegen-pages.yml
      sitegen init --github-actions --force    overwrite it
      sitegen init --github-actions --branch trunk
    """
    if not github_actions:
        raise UserError("nothing to set up: pass --github-actions to write a GitHub Pages workflow "
                        "(see `sitegen init --help`)")
    from sitegen.config import load_config
    config = load_config()
    root = config.base_dir
    store = config.store or "runs"
    path = write_workflow(root, force=force, store=store, site_dir=config.site_dir,
                          branch=branch or _default_branch())
    click.echo(f"Wrote {path}")
    click.echo("Next: commit it (with your run store), then on GitHub set Settings > Pages > "
               "Source to \"GitHub Actions\"; every push then rebuilds and publishes the site.")
