"""Publishing a built site to GitHub Pages: a ``ghp_import`` wrapper and small git helpers.

Modelled on MkDocs' ``gh_deploy``: the site folder is committed straight onto the branch ref with
``git fast-import`` (ghp-import), so the user's working tree, index and current branch are never
touched; then the branch is pushed and the URL GitHub Pages serves it at is printed.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from sitegen.errors import UserError
from sitegen.formatting import format_size

MAX_FILE_BYTES = 100 * 1024 * 1024      # GitHub refuses a pushed file over 100 MB
MAX_SITE_BYTES = 1024 * 1024 * 1024     # GitHub Pages: a published site may be at most 1 GB


class DeployError(UserError):
    """Deployment refused or failed: one line saying what to do."""




# ---------------------------------------------------------------- git helpers

def git(*args: str, cwd: Path | str | None = None, check: bool = False) -> subprocess.CompletedProcess:
    """Run ``git args`` and capture its output (text)."""
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    except FileNotFoundError:
        raise DeployError("git is not installed: install git to deploy") from None
    if check and proc.returncode != 0:
        msg = (proc.stderr.strip().splitlines() or ["unknown error"])[-1].removeprefix("fatal: ")
        raise DeployError(f"git {' '.join(args)} failed: {msg}")
    return proc


def repo_root(cwd: Path | str | None = None) -> Path:
    """The top of the git work tree around ``cwd``; DeployError outside a repository."""
    proc = git("rev-parse", "--show-toplevel", cwd=cwd)
    if proc.returncode != 0 or not proc.stdout.strip():
        where = Path(cwd or Path.cwd()).resolve()
        raise DeployError(f"{where} is not in a git repository: run `git init` and "
                          f"`git remote add origin <url>` first, or cd into your project")
    return Path(proc.stdout.strip())


def remote_url(remote: str, cwd: Path | str | None = None) -> str:
    """The URL of ``remote``; DeployError if there is no such remote."""
    proc = git("remote", "get-url", remote, cwd=cwd)
    if proc.returncode != 0:
        names = git("remote", cwd=cwd).stdout.split()
        known = f" (remotes here: {', '.join(names)})" if names else " (this repository has none)"
        raise DeployError(f"no git remote named {remote!r}{known}: add it with "
                          f"`git remote add {remote} <url>`, or pass --remote NAME")
    return proc.stdout.strip()


def current_branch(cwd: Path | str | None = None) -> str | None:
    """The checked-out branch, or None (detached HEAD)."""
    proc = git("symbolic-ref", "--quiet", "--short", "HEAD", cwd=cwd)
    return (proc.stdout.strip() or None) if proc.returncode == 0 else None


def head_sha(cwd: Path | str | None = None) -> str | None:
    proc = git("rev-parse", "--short", "HEAD", cwd=cwd)
    return (proc.stdout.strip() or None) if proc.returncode == 0 else None


# ---------------------------------------------------------------- the URL

_GITHUB_REMOTE = re.compile(
    r"""^(?:
          (?:git\+)?ssh://(?:[^@/]+@)?github\.com(?::\d+)?/    # ssh://git@github.com/user/repo
        | (?:[^@/:]+@)?github\.com:                            # git@github.com:user/repo
        | https?://(?:[^@/]+@)?(?:www\.)?github\.com/          # https://[token@]github.com/user/repo
        | git://github\.com/
    )
    (?P<user>[A-Za-z0-9-]+)/(?P<repo>[A-Za-z0-9._-]+?)(?:\.git)?/?$""",
    re.VERBOSE | re.IGNORECASE)


def pages_url(site_dir: Path | None, remote: str | None) -> str | None:
    """Where GitHub Pages will serve the site: from its ``CNAME`` file, else from a github.com
    remote URL (``user/repo`` -> ``https://user.github.io/repo/``; a ``user.github.io`` repository
    -> ``https://user.github.io/``), else None."""
    if site_dir is not None:
        cname = Path(site_dir) / "CNAME"
        try:
            lines = cname.read_text("utf-8").split()
        except (OSError, UnicodeDecodeError):
            lines = []
        if lines:
            host = lines[0].strip().rstrip("/")
            if "://" not in host:
                host = "https://" + host
            return host + "/"
    if remote:
        m = _GITHUB_REMOTE.match(remote.strip())
        if m:
            user, repo = m.group("user").lower(), m.group("repo")
            if repo.lower() in (f"{user}.github.io", f"{user}.github.com"):
                return f"https://{user}.github.io/"
            return f"https://{user}.github.io/{repo}/"
    return None


# ---------------------------------------------------------------- the site's size

@dataclass
class SiteSummary:
    """What would be published: every file (path relative to the site, size in bytes)."""
    root: Path
    files: list[tuple[str, int]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(size for _, size in self.files)

    def biggest(self, n: int = 10) -> list[tuple[str, int]]:
        return sorted(self.files, key=lambda f: (-f[1], f[0]))[:n]


def is_internal(rel: str) -> bool:
    """Build bookkeeping at the site's top (``.sitegen-build.cache``, the cache's shard folder
    ``.sitegen-build.shards/`` and friends): never published."""
    return rel.split("/", 1)[0].startswith(".sitegen")


def scan_site(site_dir: Path) -> SiteSummary:
    """List the files that would be committed (folder symlinks are not followed, like ghp-import;
    the builder's own bookkeeping files are left out)."""
    site_dir = Path(site_dir)
    if not site_dir.is_dir():
        raise DeployError(f"no site at {site_dir}: run `sitegen build` first, or drop --no-build")
    summary = SiteSummary(site_dir)
    for folder, dirs, names in os.walk(site_dir):
        if folder == str(site_dir):
            dirs[:] = [d for d in dirs if not is_internal(d)]
        for name in names:
            if folder == str(site_dir) and is_internal(name):
                continue
            path = os.path.join(folder, name)
            try:
                size = os.stat(path).st_size
            except OSError:
                continue  # a dangling symlink: ghp-import would fail on it as well
            summary.files.append((Path(os.path.relpath(path, site_dir)).as_posix(), size))
    summary.files.sort()
    return summary


def check_limits(summary: SiteSummary, max_file: int = MAX_FILE_BYTES,
                 max_site: int = MAX_SITE_BYTES) -> None:
    """DeployError when a file is over 100 MB or the whole site over 1 GB (GitHub's limits)."""
    too_big = [f for f in summary.biggest(len(summary.files)) if f[1] > max_file]
    if too_big:
        # name a run's output first: that is what the user can leave out (a run's download-all
        # zip is big because of it)
        outputs = [f for f in too_big if "/outputs/" in f[0]]
        path, size = (outputs or too_big)[0]
        more = f" (and {len(too_big) - 1} more)" if len(too_big) > 1 else ""
        if outputs:
            name = path.rsplit("/", 1)[-1]
            glob = f"*{Path(name).suffix}" if Path(name).suffix else name
            fix = f"leave such outputs out with `unpublished = [\"{glob}\"]` in sitegen.toml"
        else:
            fix = "make it smaller or leave it out of the site"
        raise DeployError(f"{path} is {format_size(size)}{more}: GitHub refuses files over "
                          f"{format_size(max_file)}; {fix}, then deploy again")
    if summary.total > max_site:
        raise DeployError(
            f"the site is {format_size(summary.total)}: GitHub Pages sites are limited to "
            f"{format_size(max_site)}; leave big outputs out with `unpublished = [...]` in sitegen.toml")


def describe(summary: SiteSummary, n: int = 10) -> list[str]:
    """Lines for --dry-run: count, total size, the biggest files."""
    lines = [f"{len(summary.files)} files, {format_size(summary.total)} in {summary.root}"]
    if summary.files:
        lines.append("biggest files:")
        width = max(len(format_size(s)) for _, s in summary.biggest(n))
        lines += [f"  {format_size(s):>{width}}  {p}" for p, s in summary.biggest(n)]
    return lines


# ---------------------------------------------------------------- publishing

@dataclass
class DeployPlan:
    """Everything checked before anything is committed."""
    repo: Path
    remote: str
    remote_url: str
    branch: str
    summary: SiteSummary
    url: str | None


def plan(site_dir: Path, remote: str = "origin", branch: str = "gh-pages",
         cwd: Path | None = None) -> DeployPlan:
    """Check the repository, the remote, the branch and the site's size; raise DeployError."""
    root = repo_root(cwd)
    url = remote_url(remote, cwd)
    if not branch or branch.startswith("-") or git("check-ref-format", "--branch", branch,
                                                   cwd=cwd).returncode != 0:
        raise DeployError(f"{branch!r} is not a valid branch name: pass --branch NAME")
    if current_branch(cwd) == branch:
        raise DeployError(f"{branch!r} is the branch checked out here: deploy writes over that "
                          f"branch, so switch to your working branch first")
    summary = scan_site(site_dir)
    return DeployPlan(root, remote, url, branch, summary, pages_url(site_dir, url))


def publish(p: DeployPlan, message: str | None = None, force: bool = False,
            cwd: Path | None = None) -> None:
    """Commit the site onto ``p.branch`` (with ``.nojekyll``) and push it to ``p.remote``."""
    import ghp_import

    check_limits(p.summary)
    # start from the remote's branch when it exists (ghp-import rebases onto <remote>/<branch>)
    git("fetch", "--quiet", p.remote, f"+refs/heads/{p.branch}:refs/remotes/{p.remote}/{p.branch}",
        cwd=cwd)
    if message is None:
        from sitegen import __version__
        sha = head_sha(cwd)
        message = f"Deployed {sha} with sitegen {__version__}" if sha else \
            f"Deployed with sitegen {__version__}"
    old = os.getcwd()
    saved_env = dict(os.environ)
    # ghp-import commits as `git config user.name/email`; with none set (a fresh CI runner), say
    # who made the commit rather than writing an empty identity
    for var, key, fallback in (("GIT_COMMITTER_NAME", "user.name", "sitegen deploy"),
                               ("GIT_COMMITTER_EMAIL", "user.email", "sitegen@localhost")):
        if not os.environ.get(var) and not git("config", key, cwd=cwd).stdout.strip():
            os.environ[var] = fallback
    staging = stage(p.summary)
    try:
        if cwd is not None:
            os.chdir(cwd)
        ghp_import.ghp_import(str(staging), mesg=message, remote=p.remote,
                              branch=p.branch, push=True, force=force, nojekyll=True,
                              followlinks=False)
    except ghp_import.GhpError as e:
        raise DeployError(f"could not commit the site to {p.branch!r}: {e.message}") from None
    except TypeError:  # ghp-import reports a failed `git fast-import` this way on Python 3
        raise DeployError(f"could not commit the site to {p.branch!r}: git fast-import failed "
                          f"(see git's message above)") from None
    except subprocess.CalledProcessError:
        hint = " (pass --force to overwrite it)" if not force else ""
        raise DeployError(f"git push {p.remote} {p.branch} failed: see git's message above{hint}") \
            from None
    finally:
        os.chdir(old)
        os.environ.clear()
        os.environ.update(saved_env)
        shutil.rmtree(staging, ignore_errors=True)


def stage(summary: SiteSummary) -> Path:
    """A copy of exactly the files in ``summary`` (hard links where possible), next to the site
    folder; ghp-import commits a whole folder, and the builder's bookkeeping must stay out."""
    root = Path(summary.root).absolute()
    staging = root.with_name(f".{root.name}.deploy-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    for rel, _ in summary.files:
        src, dst = root / rel, staging / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)
    staging.mkdir(exist_ok=True)
    return staging
