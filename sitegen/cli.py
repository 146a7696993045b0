"""The ``sitegen`` command: a thin layer over the library; each command lives in sitegen/commands/."""
from __future__ import annotations

import errno
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

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        """Click's main, but a usage error exits 1 like every other user error (not click's 2)."""
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as e:  # one line, like every other user error, naming the help to read
            where = e.ctx.command_path if e.ctx else "sitegen"
            click.echo(f"Error: {e.format_message()} (see `{where} --help`)", err=True)
            sys.exit(1)
        except click.ClickException as e:
            e.show()
            sys.exit(1)
        except click.exceptions.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        except (EOFError, KeyboardInterrupt):
            click.echo(err=True)
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except UserError as e:
            from sitegen.formatting import terminal_safe
            click.echo(f"Error: {terminal_safe(str(e))}", err=True)
            sys.exit(1)
        except OSError as e:  # the machine's trouble (permissions, a full disk): one line, not a traceback
            from sitegen.formatting import terminal_safe
            click.echo(f"Error: {terminal_safe(os_error_text(e))}", err=True)
            sys.exit(1)


_OS_HINTS = {errno.EACCES: "check its permissions", errno.EPERM: "check its permissions",
             errno.ENOSPC: "free some space and try again", errno.EDQUOT: "free some space and try again",
             errno.EROFS: "the file system is read-only", errno.ENAMETOOLONG: "use a shorter name"}


def os_error_text(e: OSError) -> str:
    """An OSError as one line saying what failed, on which file, and what to do."""
    what = e.strerror or type(e).__name__
    where = f": {e.filename}" if e.filename else ""
    hint = _OS_HINTS.get(e.errno)
    return f"{what}{where}" + (f" ({hint})" if hint else "")


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
