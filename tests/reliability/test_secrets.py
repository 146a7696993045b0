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
            f.write({CRED_CONTENT!r})
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
                    OTHER_VAR="not-allowlisted-2")
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
