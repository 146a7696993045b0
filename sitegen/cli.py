"""The ``sitegen`` command: a thin layer over the library; each command lives in sitegen/commands/."""
from __future__ import annotations

import importlib
import sys

import click

from sitegen import __version__
from sitegen.errors import UserError

# command name -> module in sitegen.commands defining ``cli`` (imported only when used)
COMMANDS = {
    "run": "run",
    "jobs": "jobs",
    "cancel": "cancel",
    "history": "history",
    "build": "build",
    "serve": "serve",
    "deploy": "gh_deploy",
    "init": "init",
    "sync": "sync",
    "report": "report",
    "import": "import_runs",
}


class LazyGroup(click.Group):
    """Imports a command's module only when that command runs (keeps ``sitegen --help`` fast)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        module = COMMANDS.get(name)
        if module is None:
            return None
        try:
            return importlib.import_module(f"sitegen.commands.{module}").cli
        except ModuleNotFoundError as e:
            if e.name == f"sitegen.commands.{module}":
                return None
            raise

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except UserError as e:
            from sitegen.formatting import terminal_safe
            click.echo(f"Error: {terminal_safe(str(e))}", err=True)
            sys.exit(1)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=__version__, prog_name="sitegen")
def main() -> None:
    """Record machine-learning runs and publish them as a static website.

    \b
    Examples:
      sitegen run train.py 0.5           run a script as a tracked run
      sitegen run --detach train.py 1    start one in the background
      sitegen jobs                       running and recent runs
      sitegen history list               all runs, newest first
      sitegen build && sitegen serve     render the site and preview it
      sitegen report new sweep           start a Markdown report over the runs
      sitegen deploy                     publish the site to GitHub Pages
      sitegen import mlflow              bring in MLflow (or TensorBoard) runs
    """
