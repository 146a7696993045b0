"""sitegen deploy: real git repositories (a local bare repo as `origin`), real ghp-import pushes."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sitegen.formatting import format_size

from sitegen.deploy import DeployError, SiteSummary, check_limits, pages_url

pytestmark = pytest.mark.timeout(120)

GIT_ENV = {"GIT_AUTHOR_NAME": "Tester", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "Tester", "GIT_COMMITTER_EMAIL": "t@example.com"}


def git(*args: str, cwd: Path) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def sitegen(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **GIT_ENV, "GIT_CEILING_DIRECTORIES": str(cwd.parent),
                "PYTHONWARNINGS": "ignore", **(env or {})}
    full_env.pop("SITEGEN_STORE", None)
    return subprocess.run([sys.executable, "-m", "sitegen", *args], cwd=cwd, capture_output=True,
                          text=True, env=full_env, timeout=100)


def make_site(site: Path) -> None:
    (site / "runs").mkdir(parents=True)
    (site / "assets").mkdir()
    (site / "index.html").write_text("<!doctype html><title>runs</title><a href='runs/a.html'>a</a>")
    (site / "runs" / "a.html").write_text("<!doctype html><title>a</title>")
    (site / "runs" / "b.html").write_text("<!doctype html><title>b</title>")
    (site / "assets" / "app.js").write_text("console.log(1)\n" * 100)
    (site / ".sitegen-build.json").write_text('{"runs": "build bookkeeping, never published"}')
    (site / ".sitegen-build.shards").mkdir()  # the build cache's shards: never published either
    (site / ".sitegen-build.shards" / "0.runs.0123456789abcdef0123").write_bytes(b"\0cache")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project repository on branch `work` with one commit, a bare `origin`, and a built site."""
    origin = tmp_path / "origin.git"
    git("init", "--bare", "-q", str(origin), cwd=tmp_path)
    proj = tmp_path / "proj"
    proj.mkdir()
    git("init", "-q", "-b", "work", cwd=proj)
    git("config", "user.name", "Tester", cwd=proj)
    git("config", "user.email", "t@example.com", cwd=proj)
    (proj / "train.py").write_text("print('hi')\n")
    (proj / ".gitignore").write_text("/site/\n/runs/\n")
    git("add", "train.py", ".gitignore", cwd=proj)
    git("commit", "-q", "-m", "first", cwd=proj)
    git("remote", "add", "origin", str(origin), cwd=proj)
    make_site(proj / "site")
    return proj


def user_state(proj: Path) -> dict:
    return {
        "head": git("rev-parse", "HEAD", cwd=proj),
        "branch": git("symbolic-ref", "HEAD", cwd=proj),
        "status": git("status", "--porcelain", "--untracked-files=all", cwd=proj),
        "index": git("ls-files", "--stage", cwd=proj),
        "diff": git("diff", cwd=proj),
        # ghp-import writes the local gh-pages ref (never checked out); every other branch stays
        "branches": "".join(line + "\n" for line in git(
            "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads", cwd=proj).splitlines()
            if not line.startswith("refs/heads/gh-pages ")),
    }


def remote_branches(origin: Path) -> str:
    return git("for-each-ref", "--format=%(refname)", "refs/heads", cwd=origin)


def clone_pages(tmp_path: Path, name: str = "clone") -> Path:
    dest = tmp_path / name
    git("clone", "-q", "--branch", "gh-pages", str(tmp_path / "origin.git"), str(dest), cwd=tmp_path)
    return dest


def one_error_line(proc: subprocess.CompletedProcess, built: bool = False) -> str:
    """The refusal: exit 1 and one `Error:` line (after the build's summary line, if it built)."""
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    if built:
        assert lines[0].startswith("Built "), proc.stderr
        lines = lines[1:]
    assert len(lines) == 1 and lines[0].startswith("Error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


# ---------------------------------------------------------------- publishing

def test_deploy_commits_site_to_gh_pages_and_leaves_user_state_alone(project: Path, tmp_path: Path):
    # a modified tracked file, a staged change and an untracked file: all must survive untouched
    (project / "train.py").write_text("print('changed, not committed')\n")
    (project / "staged.txt").write_text("staged\n")
    git("add", "staged.txt", cwd=project)
    (project / "notes.txt").write_text("untracked\n")
    before = user_state(project)

    proc = sitegen("deploy", "--no-build", "-m", "Publish one", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert "Published 4 files" in proc.stdout
    assert "Can't tell the GitHub Pages URL" in proc.stdout  # a local path is not a github remote

    assert user_state(project) == before
    assert (project / "train.py").read_text() == "print('changed, not committed')\n"
    assert remote_branches(tmp_path / "origin.git") == "refs/heads/gh-pages\n"
    assert git("rev-parse", "gh-pages", cwd=project) == git("rev-parse", "gh-pages",
                                                            cwd=tmp_path / "origin.git")

    clone = clone_pages(tmp_path)
    files = sorted(p.relative_to(clone).as_posix() for p in clone.rglob("*")
                   if p.is_file() and ".git" not in p.relative_to(clone).parts)
    assert files == [".nojekyll", "assets/app.js", "index.html", "runs/a.html", "runs/b.html"]
    assert (clone / ".nojekyll").read_bytes() == b""
    assert not list(tmp_path.glob("proj/.site.deploy-*"))  # the staging copy is gone
    assert (clone / "runs" / "a.html").read_text() == "<!doctype html><title>a</title>"
    assert git("log", "--format=%s", cwd=clone) == "Publish one\n"

    # a second deploy adds a commit on top; a removed page disappears from the branch
    (project / "site" / "runs" / "b.html").unlink()
    (project / "site" / "runs" / "c.html").write_text("<!doctype html><title>c</title>")
    proc = sitegen("deploy", "--no-build", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert user_state(project) == before
    clone2 = clone_pages(tmp_path, "clone2")
    log = git("log", "--format=%s", cwd=clone2).splitlines()
    assert len(log) == 2 and log[1] == "Publish one"
    sha = git("rev-parse", "--short", "HEAD", cwd=project).strip()
    assert log[0] == f"Deployed {sha} with sitegen {__import__('sitegen').__version__}"
    assert (clone2 / "runs" / "c.html").is_file() and not (clone2 / "runs" / "b.html").exists()


def test_deploy_prints_pages_url_from_cname(project: Path, tmp_path: Path):
    (project / "site" / "CNAME").write_text("runs.example.org\n")
    proc = sitegen("deploy", "--no-build", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert "Your site will be at https://runs.example.org/ " in proc.stdout
    assert (clone_pages(tmp_path) / "CNAME").read_text() == "runs.example.org\n"


def test_dry_run_lists_and_pushes_nothing(project: Path, tmp_path: Path):
    before = user_state(project)
    proc = sitegen("deploy", "--no-build", "--dry-run", cwd=project)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    assert out[0].startswith("4 files, 1.6 KB in ")  # 1500 + 3 small pages
    assert out[1] == "biggest files:"
    assert out[2].split() == ["1.5", "KB", "assets/app.js"]
    assert "dry run: nothing committed or pushed" in proc.stdout
    assert remote_branches(tmp_path / "origin.git") == ""
    assert git("for-each-ref", "refs/heads/gh-pages", cwd=project) == ""
    assert user_state(project) == before


# ---------------------------------------------------------------- refusals

def test_refuses_outside_a_git_repository(tmp_path: Path):
    folder = tmp_path / "plain"
    make_site(folder / "site")
    line = one_error_line(sitegen("deploy", "--no-build", cwd=folder))
    assert "is not in a git repository" in line and "git init" in line


def test_refuses_a_missing_remote(project: Path, tmp_path: Path):
    line = one_error_line(sitegen("deploy", "--no-build", "--remote", "upstream", cwd=project))
    assert line == ("Error: no git remote named 'upstream' (remotes here: origin): add it with "
                    "`git remote add upstream <url>`, or pass --remote NAME")
    assert remote_branches(tmp_path / "origin.git") == ""


def test_refuses_deploying_onto_the_checked_out_branch(project: Path):
    line = one_error_line(sitegen("deploy", "--no-build", "--branch", "work", cwd=project))
    assert "'work' is the branch checked out here" in line


def test_refuses_a_file_over_100_mb(project: Path, tmp_path: Path):
    big = project / "site" / "runs" / "r1" / "outputs" / "model.bin"
    big.parent.mkdir(parents=True)
    subprocess.run(["truncate", "-s", "101M", str(big)], check=True)  # sparse: costs no disk
    for args in (["--no-build"], ["--no-build", "--dry-run"]):
        line = one_error_line(sitegen("deploy", *args, cwd=project))
        assert line == ("Error: runs/r1/outputs/model.bin is 101.0 MB: GitHub refuses files over "
                        "100.0 MB; leave such outputs out with `unpublished = [\"*.bin\"]` in "
                        "sitegen.toml, then deploy again")
    assert remote_branches(tmp_path / "origin.git") == ""
    assert git("for-each-ref", "refs/heads/gh-pages", cwd=project) == ""


def test_refuses_a_site_over_1_gb(project: Path, tmp_path: Path):
    for i in range(11):  # 11 sparse files of 99 MB: each under the file limit, 1.06 GB in all
        subprocess.run(["truncate", "-s", "99M", str(project / "site" / f"part{i}.bin")], check=True)
    line = one_error_line(sitegen("deploy", "--no-build", cwd=project))
    assert line.startswith("Error: the site is 1.1 GB: GitHub Pages sites are limited to 1.0 GB"), line
    assert remote_branches(tmp_path / "origin.git") == ""


def test_check_limits_boundaries(tmp_path: Path):
    mb = 1024 * 1024
    check_limits(SiteSummary(tmp_path, [("a", 100 * mb), ("b", 10)]))  # exactly 100 MB is allowed
    with pytest.raises(DeployError, match=r"^b is 100\.0 MB \(and 1 more\): .*; make it smaller"):
        check_limits(SiteSummary(tmp_path, [("a", 100 * mb + 1), ("b", 100 * mb + 2)]))
    with pytest.raises(DeployError, match=r"^files/r/outputs/m\.pt is 100\.0 MB \(and 1 more\)"):
        check_limits(SiteSummary(tmp_path, [("files/r/outputs/m.pt", 100 * mb + 1),
                                            ("files/r/r.zip", 100 * mb + 2)]))
    check_limits(SiteSummary(tmp_path, [(str(i), 100 * mb) for i in range(10)] + [("x", 24 * mb)]))
    with pytest.raises(DeployError, match=r"^the site is 1\.0 GB"):
        check_limits(SiteSummary(tmp_path, [(str(i), 100 * mb) for i in range(10)]
                                 + [("x", 24 * mb + 1)]))


def test_no_site_folder_with_no_build(project: Path):
    import shutil
    shutil.rmtree(project / "site")
    line = one_error_line(sitegen("deploy", "--no-build", cwd=project))
    assert line == (f"Error: no site at {project / 'site'}: run `sitegen build` first, "
                    "or drop --no-build")


# ---------------------------------------------------------------- the URL

@pytest.mark.parametrize("remote, url", [
    ("git@github.com:alice/experiments.git", "https://alice.github.io/experiments/"),
    ("git@github.com:alice/experiments", "https://alice.github.io/experiments/"),
    ("https://github.com/alice/experiments.git", "https://alice.github.io/experiments/"),
    ("https://github.com/alice/experiments", "https://alice.github.io/experiments/"),
    ("https://github.com/alice/experiments/", "https://alice.github.io/experiments/"),
    ("https://x-access-token:abc@github.com/Alice/My.Runs.git", "https://alice.github.io/My.Runs/"),
    ("ssh://git@github.com/alice/experiments.git", "https://alice.github.io/experiments/"),
    ("git@github.com:alice/alice.github.io.git", "https://alice.github.io/"),
    ("https://github.com/Alice/alice.github.io", "https://alice.github.io/"),
    ("git@gitlab.com:alice/experiments.git", None),
    ("/srv/git/experiments.git", None),
    ("https://github.com/alice", None),
])
def test_pages_url_from_remote(remote: str, url: str | None):
    assert pages_url(None, remote) == url


def test_pages_url_prefers_cname(tmp_path: Path):
    (tmp_path / "CNAME").write_text("docs.example.com\n")
    assert pages_url(tmp_path, "git@github.com:alice/experiments.git") == "https://docs.example.com/"
    (tmp_path / "CNAME").write_text("")
    assert pages_url(tmp_path, "git@github.com:alice/experiments.git") == \
        "https://alice.github.io/experiments/"


def test_format_size():
    assert [format_size(n) for n in (0, 1023, 1024, 1536, 101 * 1024 ** 2, 3 * 1024 ** 3)] == \
        ["0 B", "1023 B", "1.0 KB", "1.5 KB", "101.0 MB", "3.0 GB"]


# ---------------------------------------------------------------- with the real builder

def log_runs(proj: Path, code: str) -> list[str]:
    """Runs made by real logger calls in a subprocess; ``code`` prints their ids."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITEGEN_")}
    proc = subprocess.run([sys.executable, "-c", code], cwd=proj, capture_output=True, text=True,
                          env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


RUNS_CODE = """
from sitegen import start_run
for name, acc in (("kept", 0.7), ("secret-hidden", 0.9), ("also-kept", 0.8)):
    with start_run(name=name) as run:
        run.log("Accuracy", acc)
        (run.outputs / "cm.png").write_bytes(b"\\x89PNG\\r\\n\\x1a\\n" + b"0" * 64)
        (run.outputs / "model.ckpt").write_bytes(b"weights" * 10)
        print(run.run_id)
"""


def test_build_and_deploy_leaves_out_hidden_runs_and_unpublished_outputs(project: Path,
                                                                          tmp_path: Path):
    import shutil
    shutil.rmtree(project / "site")
    (project / "sitegen.toml").write_text('title = "Deploy test"\nunpublished = ["*.ckpt"]\n')
    kept, hidden, also_kept = log_runs(project, RUNS_CODE)
    from sitegen.store import Store
    Store(project / "runs").update_meta(hidden, {"hidden": True})
    before = user_state(project)

    proc = sitegen("deploy", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert user_state(project) == before
    clone = clone_pages(tmp_path)
    files = [p.relative_to(clone).as_posix() for p in clone.rglob("*")
             if p.is_file() and ".git" not in p.relative_to(clone).parts]
    assert {"index.html", ".nojekyll", f"runs/{kept}.html", f"runs/{also_kept}.html"} <= set(files)
    assert f"runs/{hidden}.html" not in files
    assert not [f for f in files if f.endswith(".ckpt")]
    assert not [f for f in files if f.startswith(".sitegen")]
    pngs = sorted(f for f in files if f.endswith("/cm.png"))
    assert len(pngs) == 2 and all(kept in f or also_kept in f for f in pngs)
    # the hidden run is nowhere in the published site: no page, no data file, no mention
    leaks = [f for f in files if hidden in f or "secret-hidden" in f
             or hidden.encode() in (clone / f).read_bytes()]
    assert leaks == []


def test_big_output_published_by_the_builder_is_refused(project: Path, tmp_path: Path):
    import shutil
    shutil.rmtree(project / "site")
    code = ("from sitegen import start_run\nimport subprocess\n"
            "with start_run(name='big') as run:\n"
            "    run.log('Accuracy', 0.5)\n"
            "    subprocess.run(['truncate', '-s', '101M', str(run.outputs / 'weights.bin')],"
            " check=True)\n"
            "    print(run.run_id)\n")
    (run_id,) = log_runs(project, code)
    line = one_error_line(sitegen("deploy", cwd=project), built=True)
    # the output is named (not the run's download-all zip, which is big because of it)
    more = " (and 1 more)" if (project / "site" / "files" / run_id / f"{run_id}.zip").exists() else ""
    assert line == (f"Error: files/{run_id}/outputs/weights.bin is 101.0 MB{more}: GitHub refuses files "
                    f"over 100.0 MB; leave such outputs out with `unpublished = [\"*.bin\"]` in "
                    f"sitegen.toml, then deploy again")
    assert remote_branches(tmp_path / "origin.git") == ""
    # the suggested fix works: the output is left out and the deploy goes through
    (project / "sitegen.toml").write_text('unpublished = ["*.bin"]\n')
    proc = sitegen("deploy", cwd=project)
    assert proc.returncode == 0, proc.stderr
    files = [p.name for p in clone_pages(tmp_path).rglob("*") if p.is_file()]
    assert "index.html" in files and "weights.bin" not in files


def test_commit_identity_falls_back_when_git_has_none(project: Path, tmp_path: Path):
    git("config", "--unset", "user.name", cwd=project)
    git("config", "--unset", "user.email", cwd=project)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "SITEGEN_"))}
    env.update(HOME=str(tmp_path), GIT_CONFIG_NOSYSTEM="1", GIT_CEILING_DIRECTORIES=str(tmp_path))
    proc = subprocess.run([sys.executable, "-m", "sitegen", "deploy", "--no-build"], cwd=project,
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert git("log", "-1", "--format=%cn <%ce>", "gh-pages", cwd=tmp_path / "origin.git") == \
        "sitegen deploy <sitegen@localhost>\n"
