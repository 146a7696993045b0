"""sitegen init --github-actions: the Pages workflow file."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(60)


def sitegen(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(cwd.parent), **(env or {})}
    env.pop("SITEGEN_STORE", None)
    return subprocess.run([sys.executable, "-m", "sitegen", *args], cwd=cwd, capture_output=True,
                          text=True, env=env, timeout=60)


def steps(text: str) -> list[str]:
    return [line.split("uses:", 1)[1].strip() for line in text.splitlines() if "uses:" in line]


def test_writes_workflow_with_official_actions(tmp_path: Path):
    (tmp_path / "sitegen.toml").write_text('store = "experiments/store"\nsite_dir = "public"\n')
    proc = sitegen("init", "--github-actions", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    path = tmp_path / ".github" / "workflows" / "sitegen-pages.yml"
    assert proc.stdout.splitlines()[0] == f"Wrote {path}"
    text = path.read_text()
    assert steps(text) == ["actions/checkout@v4", "actions/setup-python@v5",
                           "actions/configure-pages@v5", "actions/upload-pages-artifact@v3",
                           "actions/deploy-pages@v4"]
    assert install_line(text) == 'python -m pip install "sitegen-runs==0.1.0"'
    assert "run: sitegen build --clean --store experiments/store --site-dir public\n" in text
    assert "          path: public\n" in text
    assert "    branches: [main]\n" in text   # not a git repository: main
    assert "      pages: write" in text and "      id-token: write" in text
    assert "url: ${{ steps.deployment.outputs.page_url }}" in text
    # the deploy job alone gets the write scopes; the workflow default is read-only
    assert text.index("permissions:\n  contents: read") < text.index("jobs:")
    deploy_job = text[text.index("  deploy:\n"):]
    assert "    needs: build\n" in deploy_job and "      pages: write" in deploy_job
    assert "      name: github-pages\n" in deploy_job
    assert "{" not in text.replace("${{ steps.deployment.outputs.page_url }}", "")


def install_line(text: str) -> str:
    return next(line.split("run: ", 1)[1] for line in text.splitlines()
                if "run: python -m pip install" in line)


def test_installs_this_project_not_the_unrelated_sitegen_on_the_index(tmp_path: Path):
    """"sitegen" on the package index is another project: the workflow names this distribution at
    the version that wrote it, or the git commit it was installed from."""
    import sitegen as pkg
    proc = sitegen("init", "--github-actions", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    line = install_line((tmp_path / ".github/workflows/sitegen-pages.yml").read_text())
    assert line == f'python -m pip install "{pkg.DISTRIBUTION}=={pkg.__version__}"'
    assert pkg.DISTRIBUTION != "sitegen"
    # installed from a git URL (pip records PEP 610 direct_url.json): pinned to that commit
    meta = tmp_path / "site-packages" / f"sitegen_runs-{pkg.__version__}.dist-info"
    meta.mkdir(parents=True)
    (meta / "METADATA").write_text(f"Metadata-Version: 2.1\nName: sitegen-runs\n"
                                   f"Version: {pkg.__version__}\n")
    (meta / "direct_url.json").write_text(
        '{"url": "https://github.com/alice/sitegen", "vcs_info": {"vcs": "git", '
        '"commit_id": "0123456789abcdef0123456789abcdef01234567"}}')
    project = tmp_path / "p2"
    project.mkdir()
    repo = Path(__file__).resolve().parent.parent
    env = {"PYTHONPATH": os.pathsep.join([str(tmp_path / "site-packages"), str(repo)])}
    proc = sitegen("init", "--github-actions", cwd=project, env=env)
    assert proc.returncode == 0, proc.stderr
    line = install_line((project / ".github/workflows/sitegen-pages.yml").read_text())
    assert line == ('python -m pip install "sitegen-runs @ git+https://github.com/alice/sitegen'
                    '@0123456789abcdef0123456789abcdef01234567"')


def test_uses_current_branch(tmp_path: Path):
    subprocess.run(["git", "init", "-q", "-b", "trunk"], cwd=tmp_path, check=True)
    assert sitegen("init", "--github-actions", cwd=tmp_path).returncode == 0
    text = (tmp_path / ".github/workflows/sitegen-pages.yml").read_text()
    assert "    branches: [trunk]\n" in text


def test_refuses_to_overwrite_without_force(tmp_path: Path):
    path = tmp_path / ".github" / "workflows" / "sitegen-pages.yml"
    path.parent.mkdir(parents=True)
    path.write_text("mine\n")
    proc = sitegen("init", "--github-actions", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr == f"Error: {path} already exists: pass --force to overwrite it\n"
    assert path.read_text() == "mine\n"
    proc = sitegen("init", "--github-actions", "--force", "--branch", "release", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "    branches: [release]\n" in path.read_text()


def test_without_flag_says_what_to_do(tmp_path: Path):
    proc = sitegen("init", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith("Error: nothing to set up: pass --github-actions")
    assert not (tmp_path / ".github").exists()
