"""``sitegen deploy``: build the site and publish it to GitHub Pages (thin CLI over sitegen.deploy)."""
from __future__ import annotations

from pathlib import Path

import click

from sitegen.commands.common import open_store, store_option
from sitegen.formatting import format_size


@click.command("deploy")
@store_option
@click.option("--site-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The site folder to build and publish (default: the config's site_dir, ./site).")
@click.option("--remote", default="origin", show_default=True, help="The git remote to push to.")
@click.option("--branch", default="gh-pages", show_default=True,
              help="The branch GitHub Pages serves (written directly; never checked out).")
@click.option("-m", "--message", default=None,
              help="The commit message on the branch (default: 'Deployed <sha> with sitegen <v>').")
@click.option("--dry-run", is_flag=True, help="Build and list what would be published; push nothing.")
@click.option("--no-build", is_flag=True, help="Publish the site folder as it is, without building.")
@click.option("--force", is_flag=True, help="Force the push (overwrites the remote branch's history).")
@click.option("--to", "to_url", default=None, metavar="URL",
              help="Publish to object storage instead (s3://bucket/site/, gs://…, any fsspec URL): "
                   "uploads changed files, removes files no longer in the site.")
def cli(store_path: Path | None, site_dir: Path | None, remote: str, branch: str,
        message: str | None, dry_run: bool, no_build: bool, force: bool,
        to_url: str | None) -> None:
    """Build the site and publish it to GitHub Pages (or, with --to, to a bucket).

    The site is committed onto BRANCH (with a .nojekyll file) without touching your working
    tree, index or current branch, then pushed; the URL GitHub Pages serves it at is printed.
    Hidden runs and outputs matched by `unpublished` in the config are not published. Refuses
    a file over 100 MB or a site over 1 GB (GitHub Pages' limits).

    \b
    Examples:
      sitegen deploy                         build, commit to gh-pages, push to origin
      sitegen deploy --dry-run               what would be published, and its size
      sitegen deploy --remote upstream --branch pages -m "Nightly results"
      sitegen deploy --no-build              publish ./site as it is
      sitegen deploy --to s3://my-bucket/site/   publish to a bucket (only what changed)
    """
    from sitegen import deploy
    from sitegen.config import load_config

    config = load_config()
    site = site_dir or (config.base_dir / config.site_dir)
    if to_url:
        return _deploy_to_bucket(store_path, site, config, to_url, dry_run, no_build)
    # check the repository and the remote before spending time on a build
    deploy.repo_root()
    deploy.remote_url(remote)
    if not no_build:
        _build(store_path, site, config)
    p = deploy.plan(site, remote=remote, branch=branch)
    if dry_run:
        for line in deploy.describe(p.summary):
            click.echo(line)
        click.echo(f"would push to {remote} ({p.remote_url}), branch {branch}")
        click.echo(f"would be served at {p.url}" if p.url else
                   "the Pages URL can't be told from the remote (not a github.com URL, no CNAME)")
        deploy.check_limits(p.summary)
        click.echo("dry run: nothing committed or pushed")
        return
    deploy.publish(p, message=message, force=force)
    n = len(p.summary.files)
    click.echo(f"Published {n} file{'' if n == 1 else 's'} ({format_size(p.summary.total)}) "
               f"to {remote}/{branch}")
    if p.url:
        click.echo(f"Your site will be at {p.url} in a minute or so (GitHub Pages: source "
                   f"'Deploy from a branch', branch {branch}, folder / root)")
    else:
        click.echo("Can't tell the GitHub Pages URL from the remote (not a github.com URL) and the "
                   "site has no CNAME file: see the repository's Settings > Pages")


def _build(store_path, site: Path, config) -> None:
    from sitegen.site.build import build_site
    result = build_site(open_store(store_path), site, config, clean=True)
    click.echo(f"Built {result.pages_total} pages in {site} ({result.seconds:.1f} s)", err=True)


def _deploy_to_bucket(store_path, site: Path, config, url: str, dry_run: bool,
                      no_build: bool) -> None:
    """``--to URL``: upload what changed (with Content-Type and Cache-Control), remove the rest."""
    from sitegen import publish
    from sitegen.commands.common import TerminalProgress
    from sitegen.remote import RemoteError, describe_error, is_url, open_remote
    if not is_url(url):
        raise RemoteError(f"--to takes a URL such as s3://bucket/site/ (got {url!r}); to publish "
                          f"to GitHub Pages, leave --to out")
    open_remote(url)  # an unknown protocol or a missing extra: say so before spending time on a build
    if not no_build:
        _build(store_path, site, config)
    try:
        p, hashes, rem = publish.plan_bucket(site, url)
        if dry_run:
            click.echo(f"would upload {len(p.upload)} file(s) ({format_size(p.upload_bytes)}), "
                       f"remove {len(p.delete)}, keep {p.unchanged} unchanged in {p.url}")
            click.echo("dry run: nothing uploaded or removed")
            return
        with TerminalProgress("Uploading", min_total=50) as bar:
            publish.apply_bucket(site, p, hashes, rem, progress=bar.update)
        address = publish.website_url(rem)
    except RemoteError:
        raise
    except Exception as e:
        raise RemoteError(describe_error(url, e)) from None
    click.echo(f"Uploaded {len(p.upload)} file(s) ({format_size(p.upload_bytes)}), removed "
               f"{len(p.delete)}, {p.unchanged} unchanged: {p.url}")
    if address:
        click.echo(f"The site is served at {address}")
