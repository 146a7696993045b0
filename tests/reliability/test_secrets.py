"""Scenario 5: secrets stay home (environment, secret-looking arguments, credential files)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sitegen.secrets import MASK, is_credential_file, mask_arguments

from .conftest import clean_env, py, sg, write_script

SECRETS = {
    "pw": "hunter2-Pw-7781", "tok": "tok-ZZ-99812", "key": "apikey-QQ-4471", "dbs": "dbsecret-RR-3319",
    "aws": "AKIA-aws-secret-55521", "pp": "passphrase-PP-1212", "auth": "authtok-AA-9090",
    "priv": "privkey-KK-6060", "url": "urlpass-UU-4242",
}
ARGS = ["--lr", "0.1", "--password", SECRETS["pw"], f"--token={SECRETS['tok']}", "--api-key", SECRETS["key"],
        f"DB_SECRET={SECRETS['dbs']}", "--passphrase", SECRETS["pp"], f"--auth-token={SECRETS['auth']}",
        "--private-key", SECRETS["priv"], f"--db-url=postgres://bob:{SECRETS['url']}@db.example/x",
        "--epochs", "3"]
CRED_FILES = [".env", "id_rsa", "server.pem", "tls.key", "credentials.json", ".netrc"]
CRED_CONTENT = "CREDENTIAL-FILE-CONTENT-8841"

TRAIN = f"""
    import os, sys
    from sitegen import get_logger
    log = get_logger()
    log.log("Accuracy", 0.5 + 0.01 * len(sys.argv))
    os.makedirs("outputs", exist_ok=True)
    for name in {CRED_FILES!r}:
        with open(os.path.join("outputs", name), "w") as f:
            f.write(os.environ.get("CRED_FILE_TEXT", "x"))  # not a literal: the script's code is published
    with open("outputs/model.txt", "w") as f:
        f.write("weights")
    print("done")
"""


@pytest.mark.parametrize("args, expected", [
    (["--password", "X"], ["--password", MASK]),
    (["--password=X"], ["--password=" + MASK]),
    (["--token=X"], ["--token=" + MASK]),
    (["--api-key", "X"], ["--api-key", MASK]),
    (["--api_key", "X"], ["--api_key", MASK]),
    (["--apikey=X"], ["--apikey=" + MASK]),
    (["DB_SECRET=X"], ["DB_SECRET=" + MASK]),
    (["AWS_SECRET_ACCESS_KEY=X"], ["AWS_SECRET_ACCESS_KEY=" + MASK]),
    (["--db-password", "X", "--lr", "1"], ["--db-password", MASK, "--lr", "1"]),
    (["--auth-token", "X"], ["--auth-token", MASK]),
    (["--passphrase", "X"], ["--passphrase", MASK]),
    (["--client-secret=X"], ["--client-secret=" + MASK]),
    (["--private-key", "X"], ["--private-key", MASK]),
    (["--url=postgres://u:X@h/db"], ["--url=postgres://u:" + MASK + "@h/db"]),
    (["https://u:X@example.com/x"], ["https://u:" + MASK + "@example.com/x"]),
    (["--lr", "0.1", "--epochs=3", "plain"], ["--lr", "0.1", "--epochs=3", "plain"]),
])
def test_mask_arguments_cases(args, expected):
    assert mask_arguments(args) == expected


@pytest.mark.parametrize("name, cred", [
    (".env", True), (".env.local", True), ("prod.env", True), ("id_rsa", True), ("id_rsa.pub", True),
    ("id_ed25519", True), ("server.pem", True), ("tls.key", True), ("keystore.p12", True),
    ("credentials.json", True), (".netrc", True), ("sub/dir/.env", True),
    ("model.pkl", False), ("cm.png", False), ("metrics.csv", False), ("environment.yml", False),
])
def test_credential_file_names(name, cred):
    assert is_credential_file(name) is cred


def _grep(root: Path, needles: list[str], skip_dirs: tuple[str, ...] = ()) -> list[str]:
    hits = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in skip_dirs]
        for name in filenames:
            data = Path(dirpath, name).read_bytes()
            for n in needles:
                if n.encode() in data:
                    hits.append(f"{Path(dirpath, name)}: {n}")
    return hits


def test_secrets_stay_home(proj: Path):
    """A tracked and an untracked run given secret arguments, a secret environment and credential
    files: nothing secret in the store's metadata, any CLI output or any file of the built site."""
    write_script(proj / "train.py", TRAIN)
    (proj / "sitegen.toml").write_text('env = ["MY_VAR"]\n', "utf-8")
    (proj / ".env").write_text("PROJECT_TOKEN=projenv-SS-777\n", "utf-8")  # goes into the code snapshot
    env = clean_env(MY_VAR="visible-value-1", AWS_SECRET_ACCESS_KEY=SECRETS["aws"],
                    OTHER_VAR="not-allowlisted-2", CRED_FILE_TEXT=CRED_CONTENT)
    tracked = sg("run", "train.py", *ARGS, cwd=proj, env=env)
    assert tracked.returncode == 0, tracked.stderr
    py(proj / "train.py", *ARGS, cwd=proj, env=env)  # untracked: the logger records sys.argv
    secret_values = list(SECRETS.values())

    store = proj / "runs"
    runs = sorted(p for p in store.iterdir() if not p.name.startswith("."))
    assert len(runs) == 2
    metas = {json.loads((r / "run.json").read_text())["run_number"]: json.loads((r / "run.json").read_text())
             for r in runs}
    assert metas[1]["env"] == {"MY_VAR": "visible-value-1"}  # allow-listed only
    assert metas[2]["env"] == {"MY_VAR": "visible-value-1"}  # untracked runs too
    for meta in metas.values():
        assert sum(MASK in a for a in meta["arguments"]) == 8, meta["arguments"]
        assert "--lr" in meta["arguments"] and "0.1" in meta["arguments"]
    # The store: no secret value and no unlisted variable outside the run's own outputs.
    assert _grep(store, secret_values + ["not-allowlisted-2"], skip_dirs=("outputs",)) == []
    # Credential files stay in the store (they are the run's outputs) ...
    for r in runs:
        assert sorted(p.name for p in (r / "outputs").iterdir()) == sorted(CRED_FILES + ["model.txt"])

    # Every CLI output.
    outputs = []
    for args in (["history", "list"], ["history", "list", "-o", "json"], ["history", "list", "-o", "csv"],
                 ["history", "info", "1"], ["history", "info", "2"], ["history", "last"],
                 ["history", "compare", "1", "2"], ["history", "compare", "1", "2", "-o", "json"],
                 ["jobs"], ["jobs", "--all"]):
        p = sg(*args, cwd=proj, env=env)
        assert p.returncode == 0, (args, p.stderr)
        outputs.append(p.stdout + p.stderr)
        for s in secret_values + ["projenv-SS-777"]:
            assert s not in p.stdout + p.stderr, (args, s)
    info1 = json.loads(outputs[3])
    assert MASK in json.dumps(info1["arguments"])

    # The site: no secret, no credential file, the harmless output published.
    b = sg("build", cwd=proj, env=env)
    assert b.returncode == 0, b.stderr
    site = proj / "site"
    assert _grep(site, secret_values + [CRED_CONTENT, "not-allowlisted-2", "projenv-SS-777"]) == []
    published = sorted(str(p.relative_to(site)) for p in site.rglob("*") if p.is_file() and "outputs" in p.parts)
    assert len(published) == 2 and all(p.endswith("/outputs/model.txt") for p in published), published
    for z in site.rglob("*.zip"):
        import zipfile
        assert zipfile.ZipFile(z).namelist() == ["outputs/model.txt"]

    # publish_credentials = true publishes them (the user asked for it).
    (proj / "sitegen.toml").write_text('env = ["MY_VAR"]\npublish_credentials = true\n', "utf-8")
    b = sg("build", cwd=proj, env=env)
    assert b.returncode == 0, b.stderr
    published = sorted(p.name for p in site.rglob("*") if p.is_file() and "outputs" in p.parts)
    assert published == sorted((CRED_FILES + ["model.txt"]) * 2)
    # ... but argument secrets stay masked regardless.
    assert _grep(site, secret_values) == []


def test_env_not_recorded_without_allow_list(proj: Path):
    write_script(proj / "train.py", TRAIN)
    env = clean_env(MY_VAR="visible-value-1", AWS_SECRET_ACCESS_KEY=SECRETS["aws"])
    assert sg("run", "train.py", cwd=proj, env=env).returncode == 0
    (run,) = [p for p in (proj / "runs").iterdir() if not p.name.startswith(".")]
    meta = json.loads((run / "run.json").read_text())
    assert meta.get("env", {}) == {}
    assert _grep(proj / "runs", ["visible-value-1", SECRETS["aws"]], skip_dirs=("outputs",)) == []


# ---------------------------------------------------------------- issue 16.3

GH_TOKEN = "ghp_" + "aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"
AWS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEX16AMPLE"
SLACK = "xoxb-1234567890-0987654321-" + "AbCdEfGhIjKlMnOpQrStUvWx"
PEM_BODY = "MIIEowIBAAKCAQEA7bq4Ux9sEcretKeyBody0123456789"
# the credential files of the issue, with realistic content (each also published under a neutral name)
CRED_BY_ISSUE = {
    "aws_credentials": f"[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = {AWS_KEY}\n",
    "gcloud/application_default_credentials.json":
        '{"client_id": "7640-x.apps.googleusercontent.com", "client_secret": "d-FL95Q19q7MQmFpd7hHD0Ty",'
        ' "refresh_token": "1//0gLkCzD8xkYjpCgYIARAAGBASNwF", "type": "authorized_user"}\n',
    "gcp-key.json": '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\n'
                    f'{PEM_BODY}\\n-----END PRIVATE KEY-----\\n"}}\n',
    ".git-credentials": f"https://alice:{GH_TOKEN}@github.com\n",
    ".docker/config.json": '{"auths": {"https://index.docker.io/v1/": {"auth": "YWxpY2U6czNjcjN0LXB3"}}}\n',
    "kubeconfig": "apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: "
                  "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJrdWJlcm5ldGVzIn0.c2lnbmF0dXJlLXh5\n",
    ".s3cfg": f"[default]\naccess_key = AKIAIOSFODNN7EXAMPLE\nsecret_key = {AWS_KEY}\n",
    ".boto": f"[Credentials]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = {AWS_KEY}\n",
    "private.ppk": "PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nPrivate-Lines: 1\nAAAAgQC7\n",
    "ssh_host_rsa_key": f"-----BEGIN OPENSSH PRIVATE KEY-----\n{PEM_BODY}\n-----END OPENSSH PRIVATE KEY-----\n",
    "terraform.tfstate": '{"version": 4, "terraform_version": "1.5.0", "resources": [{"instances": '
                         '[{"attributes": {"password": "Sup3rS3cretDbPass!"}}]}]}\n',
    "htpasswd": "alice:$apr1$9Cv/OMGj$ZomWQzuQbL.3TRCS81A1g/\n",
    "wandb/settings": "[default]\nbase_url = https://api.wandb.ai\napi_key = 0123456789abcdef0123456789abcdef01234567\n",
}
CRED_MARKERS = [AWS_KEY, "d-FL95Q19q7MQmFpd7hHD0Ty", PEM_BODY, GH_TOKEN, "YWxpY2U6czNjcjN0LXB3",
                "c2lnbmF0dXJlLXh5", "AAAAgQC7", "Sup3rS3cretDbPass!", "ZomWQzuQbL", "0123456789abcdef0123"]


@pytest.mark.parametrize("args, expected", [
    (["--key", "X"], ["--key", MASK]), (["--pass", "X"], ["--pass", MASK]), (["-t", "X"], ["-t", MASK]),
    (["--github-pat", "X"], ["--github-pat", MASK]), (["--bearer", "X"], ["--bearer", MASK]),
    (["--password", "123"], ["--password", MASK]),
    ([GH_TOKEN], [MASK]), (["push", SLACK], ["push", MASK]),
    (["--max-tokens", "512", "--keyframes", "3", "--tokenizer", "bert"],
     ["--max-tokens", "512", "--keyframes", "3", "--tokenizer", "bert"]),
])
def test_mask_arguments_issue_16_cases(args, expected):
    assert mask_arguments(args, tokens=True) == expected


def test_an_untracked_run_masks_token_formats_in_its_arguments(proj: Path):
    """A script run as ``python train.py <token>`` (no `sitegen run`): its run.json has no token."""
    write_script(proj / "train.py", TRAIN)
    py(proj / "train.py", "push", GH_TOKEN, SLACK, "--epochs", "3", cwd=proj)
    (run,) = [p for p in (proj / "runs").iterdir() if not p.name.startswith(".")]
    meta = json.loads((run / "run.json").read_text("utf-8"))
    assert meta["arguments"] == ["push", MASK, MASK, "--epochs", "3"]
    assert _grep(proj / "runs", [GH_TOKEN, SLACK], skip_dirs=("outputs",)) == []


def test_an_existing_path_as_argument_does_not_import_detect_secrets(proj: Path):
    """A long argument that is a path which exists holds no token: the untracked run's start skips
    detect-secrets (~0.1 s); a long argument that is not one still has it looked for tokens."""
    write_script(proj / "train.py", """
        import sys
        from sitegen import get_logger
        get_logger().log("x", 1)
        print("detect_secrets" in sys.modules)
    """)
    data = proj / "datasets" / "imagenet-subset" / "train"
    data.mkdir(parents=True)
    for args, imported in (([str(data), f"--data={data}", "--epochs", "3"], "False"),
                           ([str(data), "not-a-path-but-long-enough-0123"], "True")):
        assert py(proj / "train.py", *args, cwd=proj).stdout.strip() == imported, args


def test_positional_secret_from_the_environment_is_masked():
    assert mask_arguments(["upload", "hunter2-from-env"], ["hunter2-from-env"], tokens=False) == ["upload", MASK]


@pytest.mark.parametrize("name", sorted(CRED_BY_ISSUE))
def test_credential_files_by_name_and_by_content(name):
    from sitegen.secrets import credential_content
    assert is_credential_file(name), name
    assert credential_content(CRED_BY_ISSUE[name].encode()), name


@pytest.mark.parametrize("text", ["epoch,loss,acc\n" + "".join(f"{i},{1 / (i + 1):.6f},0.9\n" for i in range(500)),
                                  '{"lr": 0.01, "model": "bert-base-uncased", "commit": "3349128a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e"}',
                                  "# Results\n\nAccuracy 0.93 with `--lr 0.1`, see https://example.org/paper.\n"])
def test_ordinary_outputs_are_not_credentials(text):
    from sitegen.secrets import credential_content
    assert credential_content(text.encode()) is None


def test_printed_secrets_and_credential_files_stay_home(proj: Path):
    """Issue 16.3: a tracked script prints its environment's secrets, a token and a private key;
    writes the issue's 13 credential files (and the same contents under neutral names); the project
    holds an untracked .env. Nothing of it reaches driver.log, run.json, the snapshot objects or
    the site."""
    import subprocess
    import zipfile
    write_script(proj / "train.py", """
        import os
        from sitegen import get_logger
        log = get_logger()
        log.log("Accuracy", 0.5)
        print("aws", os.environ["AWS_SECRET_ACCESS_KEY"], "gh", os.environ["GITHUB_TOKEN"])
        print("env dump:", dict(os.environ))
        print("slack token", os.environ["SLACK_HOOK_TEXT"], "in a line")
        print("-----BEGIN RSA PRIVATE KEY-----\\n" + os.environ["PRIVATE_KEY_PEM"] + "\\n-----END RSA PRIVATE KEY-----")
        import json
        creds = json.load(open(os.environ["CREDS_JSON"]))  # outside the project: not in its code
        for i, (name, text) in enumerate(sorted(creds.items())):
            for path in (name, f"plain/output{i}.txt"):
                os.makedirs(os.path.dirname(os.path.join("outputs", path)), exist_ok=True)
                open(os.path.join("outputs", path), "w").write(text)
        open("outputs/model.txt", "w").write("weights")
        print("done")
    """)
    subprocess.run(["git", "init", "-q"], cwd=proj, check=True)
    (proj / ".env").write_text("PROJECT_TOKEN=projenv-SS-777\n", "utf-8")  # untracked, not ignored
    (proj / ".git-credentials").write_text(CRED_BY_ISSUE[".git-credentials"], "utf-8")
    creds = proj.parent / "creds.json"
    creds.write_text(json.dumps(CRED_BY_ISSUE), "utf-8")
    env = clean_env(AWS_SECRET_ACCESS_KEY=AWS_KEY, GITHUB_TOKEN=GH_TOKEN, HF_TOKEN="hf-secret-Q1w2E3r4",
                    CREDS_JSON=str(creds), SLACK_HOOK_TEXT=SLACK, PRIVATE_KEY_PEM=PEM_BODY)
    tracked = sg("run", "train.py", "--lr", "0.1", GH_TOKEN, cwd=proj, env=env)
    assert tracked.returncode == 0, tracked.stderr
    assert AWS_KEY in tracked.stdout  # the terminal is the user's own: shown as printed
    (run,) = [p for p in (proj / "runs").iterdir() if not p.name.startswith(".")]
    log = (run / "driver.log").read_text()
    assert "done" in log and "slack token ***** in a line" in log and "-----BEGIN RSA PRIVATE KEY-----" in log
    everything = [AWS_KEY, GH_TOKEN, SLACK, PEM_BODY, "hf-secret-Q1w2E3r4"]
    for s in everything:
        assert s not in log, s
    meta = json.loads((run / "run.json").read_text())
    assert meta["arguments"] == ["--lr", "0.1", MASK] and GH_TOKEN not in json.dumps(meta)
    objects = proj / "runs" / ".sitegen" / "objects"
    assert _grep(objects, ["projenv-SS-777"]) == []  # no .env (train.py itself holds the test's tokens)
    assert sorted(json.loads((run / "snapshot.json").read_text())) == ["train.py"]  # no .git-credentials

    b = sg("build", cwd=proj, env=env)
    assert b.returncode == 0, b.stderr
    site = proj / "site"
    assert _grep(site, everything + CRED_MARKERS + ["projenv-SS-777"]) == []
    published = sorted(p.relative_to(site / "files" / run.name / "outputs").as_posix()
                       for p in (site / "files" / run.name / "outputs").rglob("*") if p.is_file())
    assert published == ["model.txt"], published
    (z,) = site.rglob("*.zip")
    assert zipfile.ZipFile(z).namelist() == ["outputs/model.txt"]
