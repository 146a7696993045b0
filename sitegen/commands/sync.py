"""``sitegen sync``: copy runs between two stores (folders or URLs), or upload this machine's
spooled runs to their remote stores."""
from __future__ import annotations

import click

from sitegen.commands.common import TerminalProgress
from sitegen.errors import UserError


@click.command("sync")
@click.argument("src", required=False)
@click.argument("dest", required=False)
@click.option("--full", is_flag=True,
              help="Compare both stores file by file, ignoring what earlier syncs copied "
                   "(after files were changed or removed by hand).")
def cli(src: str | None, dest: str | None, full: bool) -> None:
    """Copy the runs of SRC into DEST, or (no arguments) upload every run this machine recorded
    for a remote store that is not in its bucket yet.

    SRC and DEST are run-store folders or URLs (s3://bucket/prefix, gs://…, az://…, file://…).
    Only what changed is copied: new runs, new points of a run still being written, new or changed
    files. Running it again copies nothing; a sync that was killed is finished by the next one.

    \b
    Examples:
      sitegen sync ./runs s3://team-bucket/runs     push a laptop's runs to the team's bucket
      sitegen sync s3://team-bucket/runs ./runs     pull everyone's runs
      sitegen sync                                  upload runs left in the spool (a killed run,
                                                    a node that was offline)
    """
    from sitegen import sync as _sync
    from sitegen.remote import RemoteError, describe_error, is_url
    if (src is None) != (dest is None):
        raise UserError("give both SRC and DEST, or neither (to upload this machine's spooled "
                        "runs); see `sitegen sync --help`")
    pairs = [(src, dest)] if src is not None else [(str(spool), url) for url, spool
                                                   in _sync.pending_spools()]
    if not pairs:
        click.echo("Nothing to upload: this machine has no runs spooled for a remote store.")
        return
    for source, target in pairs:
        if source == target:
            raise UserError(f"SRC and DEST are the same store ({source})")
        try:
            with TerminalProgress(f"Syncing {source} -> {target}") as bar:
                result = _sync.sync(_sync.side_for(source), _sync.side_for(target),
                                    progress=bar.update, full=full)
        except (RemoteError, UserError):
            raise
        except Exception as e:  # a network or permission failure: one line
            url = target if is_url(target) else source
            raise RemoteError(describe_error(url, e) if is_url(url) else f"{e}") from None
        click.echo(f"{source} -> {target}: {result.summary()}")
        for line in result.renumbered:
            click.echo(f"  renumbered (the number was taken in {target}): {line}")
