"""Keeping secrets home: masked argument values, environment secrets and token formats masked in
driver.log and metadata, credential files recognised by name and by content.

Well-known token formats and credential content are recognised by Yelp's ``detect-secrets`` (its
plugins know AWS, GitHub, GitLab, Slack, Stripe, OpenAI, PyPI, JWTs, private keys, secret keywords,
…), imported only where needed (the runner's supervisor, the build): never by ``import sitegen`` or
the logger's hot path.
"""
from __future__ import annotations

import fnmatch
import os
import re
from functools import lru_cache
from typing import Iterable, Mapping

MASK = "*****"
_MASK_B = MASK.encode()
# words of a flag or variable name (split at - _ .) that make its value a secret
_SECRET_WORDS = frozenset({
    "password", "passwd", "passphrase", "pwd", "pass", "pw", "secret", "secrets", "token", "tokens",
    "key", "apikey", "pat", "bearer", "auth", "credential", "credentials", "privatekey", "accesskey",
    "sessionkey", "cookie", "jwt", "otp",
})
_SECRET_ENDINGS = ("password", "passwd", "secret", "token", "apikey", "passphrase", "credentials",
                   "credential", "privatekey", "accesskey")
_NOT_SECRET_WORDS = frozenset({"tokens"})  # --max-tokens 512 is a size, not a secret
_NOT_SECRET_NAMES = frozenset({"pwd", "oldpwd"})  # the shell's working folder
_SHORT_FLAGS = frozenset({"-t"})  # -t TOKEN
_FLAG = re.compile(r"^--?([A-Za-z][\w.-]*)$")
_FLAG_EQ = re.compile(r"^(--?([A-Za-z][\w.-]*)=)(.*)$", re.DOTALL)
_ASSIGN = re.compile(r"^(([A-Za-z_][\w.-]*)=)(.*)$", re.DOTALL)
_URL_PASSWORD = re.compile(r"(://[^/@:\s]*:)([^/@\s]+)(@)")  # scheme://user:PASSWORD@host
_TRIVIAL_VALUES = frozenset({"true", "false", "yes", "no", "on", "off", "none", "null", "0", "1"})
MIN_SECRET_LENGTH = 6  # shorter environment values are not masked in logs (they would hit everywhere)

CREDENTIAL_GLOBS = (
    ".env", ".env.*", "*.env", "id_rsa", "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*", "*.pem",
    "*.key", "*.p12", "*.pfx", "*.keystore", "*.jks", ".netrc", "_netrc", ".pgpass", ".npmrc",
    ".pypirc", "credentials", "*credentials*", "*secret*", "*.kdbx", ".htpasswd", "htpasswd",
    "service-account*.json", "*-key.json", "*_key.json", "*.ppk", "ssh_host_*_key", ".git-credentials",
    "kubeconfig", "*.kubeconfig", ".s3cfg", ".boto", "*.tfstate", "*.tfstate.backup", ".dockercfg",
    "*.gpg", "*.asc", ".vault-token", ".terraformrc", "terraform.rc",
)
CREDENTIAL_PATHS = ("*.docker/config.json", "*gcloud/*", "*wandb/settings", "*.kube/config",
                    "*.aws/config", "*.azure/*", "*.ssh/*")
CONTENT_LIMIT = 64 << 10  # files up to this size are read to look for credentials


def secret_name(name: str) -> bool:
    """True for a flag or variable name that holds a secret: ``--password``, ``GITHUB_TOKEN``,
    ``--github-pat``, ``AWS_SECRET_ACCESS_KEY``, ``--bearer`` (not ``--max-tokens``, ``--keyframes``)."""
    if name.lower() in _NOT_SECRET_NAMES:
        return False
    words = [w for w in re.split(r"[-_.]+", name.lower()) if w]
    for w in words:
        if w in _NOT_SECRET_WORDS:
            continue
        if w in _SECRET_WORDS or w.endswith(_SECRET_ENDINGS):
            return True
    return False


def secret_env_values(environ: Mapping[str, str] | None = None) -> list[str]:
    """Values of the secret-looking variables of ``environ`` (default: this process's), long
    enough to be masked wherever they appear."""
    env = os.environ if environ is None else environ
    return sorted({v for k, v in env.items() if secret_name(k) and _maskable(v)}, key=len, reverse=True)


def _maskable(value: str) -> bool:
    v = value.strip()
    return len(v) >= MIN_SECRET_LENGTH and v.lower() not in _TRIVIAL_VALUES and not _is_number(v)


def _is_number(v: str) -> bool:
    try:
        float(v)
        return True
    except ValueError:
        return False


def mask_env(env: Mapping[str, str]) -> dict[str, str]:
    """Recorded environment variables, secret-looking ones masked."""
    return {k: MASK if secret_name(k) else v for k, v in env.items()}


# ---------------------------------------------------------------- well-known token formats

# detect-secrets plugins whose patterns match a token by its own format (the whole match is the
# secret): masked in logs and arguments wherever they appear
_FORMAT_PLUGINS = ("AWSKeyDetector", "AzureStorageKeyDetector", "DiscordBotTokenDetector",
                   "GitHubTokenDetector", "GitLabTokenDetector", "JwtTokenDetector",
                   "MailchimpDetector", "OpenAIDetector", "PypiTokenDetector", "SendGridDetector",
                   "SlackDetector", "SquareOAuthDetector", "StripeDetector", "TelegramBotTokenDetector",
                   "TwilioKeyDetector")
_IGNORED_TYPES = frozenset({"Base64 High Entropy String", "Hex High Entropy String",
                            "Public IP (ipv4)"})  # too many false positives in logs and data files


def _import_detect_secrets() -> None:
    """Import detect-secrets without its side effect on the process: its logger turns on
    ``logging.captureWarnings(True)`` at import, which would send every later warning (sitegen's own
    "cannot write to the run store" in a training script) to a logger that prints nothing."""
    import warnings
    shown = warnings.showwarning
    try:
        import detect_secrets.core.plugins.util  # noqa: F401
        import detect_secrets.core.scan  # noqa: F401
        import detect_secrets.settings  # noqa: F401
    finally:
        if warnings.showwarning is not shown:
            import logging
            logging.captureWarnings(False)  # puts back the showwarning it replaced (``shown``)


@lru_cache(maxsize=1)
def token_pattern() -> str:
    """One regular expression (text) matching every well-known token format detect-secrets knows."""
    _import_detect_secrets()
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    parts = []
    for cls in get_mapping_from_secret_type_to_class().values():
        if cls.__name__ in _FORMAT_PLUGINS:
            for rx in cls.denylist:
                if rx.groups and cls.__name__ == "AWSKeyDetector":
                    continue  # its second pattern is a keyword context, not a format
                flags = "i" if rx.flags & re.IGNORECASE else ""
                parts.append(f"(?{flags}:{rx.pattern})" if flags else f"(?:{rx.pattern})")
    return "|".join(parts)


_TOKEN_WORDS = re.compile(rb"[A-Za-z0-9_+/=.:-]{16,}")  # every token format is a word of these
_PEM_BEGIN = re.compile(rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
_PEM_END = re.compile(rb"-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")


class Masker:
    """Masks secret values (literal strings) and well-known token formats in text.

    ``feed(data)`` masks a stream such as driver.log: it returns the masked complete lines (a line
    ends at ``\\n`` or ``\\r``) and keeps an incomplete last line until more arrives or ``flush()``;
    the body of a private key block (``-----BEGIN … PRIVATE KEY-----`` … ``END``) is masked line by
    line, also across writes."""

    MAX_PENDING = 64 << 10  # an endless line is masked in pieces this big

    def __init__(self, values: Iterable[str] = (), tokens: bool = True) -> None:
        literals = [re.escape(v.encode("utf-8", "surrogateescape"))
                    for v in sorted(set(values), key=len, reverse=True) if v]
        self._literals = re.compile(b"|".join(literals)) if literals else None
        self._tokens = re.compile(token_pattern().encode()) if tokens else None
        self._pending = b""
        self._in_key = False

    def _mask_words(self, m: re.Match) -> bytes:
        return self._tokens.sub(_MASK_B, m.group())

    def mask(self, data: bytes) -> bytes:
        """``data`` (complete lines) with every secret replaced by ``*****``."""
        if self._literals is not None:
            data = self._literals.sub(_MASK_B, data)
        if self._tokens is not None:
            # token formats are only looked for inside long words: one cheap scan of the text,
            # the ~20 formats tried on the few candidates (6x faster than on every position)
            data = _TOKEN_WORDS.sub(self._mask_words, data)
        if self._in_key or b"PRIVATE KEY" in data:
            data = self._mask_keys(data)
        return data

    def _mask_keys(self, data: bytes) -> bytes:
        out = []
        for line in data.splitlines(keepends=True):
            if self._in_key:
                if _PEM_END.search(line):
                    self._in_key = False
                    out.append(line)
                else:
                    out.append(_MASK_B + line[len(line.rstrip(b"\r\n")):])
            else:
                out.append(line)
                if _PEM_BEGIN.search(line) and not _PEM_END.search(line):
                    self._in_key = True
        return b"".join(out)

    def feed(self, data: bytes) -> bytes:
        data = self._pending + data
        cut = max(data.rfind(b"\n"), data.rfind(b"\r")) + 1
        if cut == 0 and len(data) < self.MAX_PENDING:
            self._pending = data
            return b""
        if cut == 0:
            cut = len(data)
        self._pending = data[cut:]
        return self.mask(data[:cut])

    def flush(self) -> bytes:
        data, self._pending = self._pending, b""
        return self.mask(data) if data else b""

    def text(self, text: str) -> str:
        return self.mask(text.encode("utf-8", "surrogateescape")).decode("utf-8", "surrogateescape")


# ---------------------------------------------------------------- arguments

def mask_arguments(args: list[str], secret_values: Iterable[str] = (), tokens: bool | None = None) -> list[str]:
    """Mask values of secret-looking arguments: ``--password X``, ``--key X``, ``-t X``,
    ``--token=X``, ``API_SECRET=X``, the password in a URL (``postgres://user:X@host``), any
    argument holding one of ``secret_values`` (the environment's secrets), and, with ``tokens``, any
    well-known token format (a GitHub token given as a positional argument). ``tokens=None``: only
    when an argument may be one (:func:`_may_hold_token`; detect-secrets is then imported)."""
    args = [str(a) for a in args]
    if tokens is None:
        tokens = any(map(_may_hold_token, args))
    values = [v for v in secret_values if v]
    masker = Masker(values, tokens=tokens) if (values or tokens) else None
    out: list[str] = []
    mask_next = False
    for arg in args:
        if mask_next and (not arg.startswith("-") or _is_number(arg)):
            out.append(MASK)
            mask_next = False
            continue
        mask_next = False
        m = _FLAG_EQ.match(arg) or _ASSIGN.match(arg)
        f = _FLAG.match(arg)
        if m and secret_name(m.group(2)):
            out.append(m.group(1) + MASK)
            continue
        if (f and secret_name(f.group(1))) or arg in _SHORT_FLAGS:
            out.append(arg)
            mask_next = True
            continue
        arg = _URL_PASSWORD.sub(lambda u: u.group(1) + MASK + u.group(3), arg)
        if masker is not None:
            arg = masker.text(arg)
        out.append(arg)
    return out


def _may_hold_token(arg: str) -> bool:
    """Whether ``arg`` is long enough to hold a token and is not a path that exists (``--data=/x/y``
    or ``/x/y``: a training script's usual long argument, which no token format is)."""
    if len(arg) < 20 or any(c.isspace() for c in arg):
        return False
    value = arg.split("=", 1)[-1]
    return not (value and os.path.exists(value))


# ---------------------------------------------------------------- credential files

def is_credential_file(name: str) -> bool:
    """True for file names that look like credentials (``.env``, ``id_rsa``, ``*.pem``,
    ``.git-credentials``, ``kubeconfig``, ``gcloud/…``, …)."""
    path = name.replace("\\", "/").lower()
    base = path.rsplit("/", 1)[-1]
    return (any(fnmatch.fnmatchcase(base, g) for g in CREDENTIAL_GLOBS)
            or any(fnmatch.fnmatchcase(path, g) or fnmatch.fnmatchcase("/" + path, g)
                   for g in CREDENTIAL_PATHS))


# content that detect-secrets does not know as such: Docker auths, htpasswd hashes, INI-style keys
_CONTENT_MARKERS = re.compile(
    r'"auths"\s*:\s*\{|^[^:\s#]+:(?:\$apr1\$|\$2[aby]\$|\$[156]\$|\{SHA\})'
    r'|^\s*(?:aws_secret_access_key|secret_key|api_key|access_token|refresh_token|client_secret|password)'
    r'\s*[=:]\s*\S{6,}|client-key-data:|PuTTY-User-Key-File-'
    r'|"(?:client_secret|refresh_token|private_key|aws_secret_access_key|password|api_key|access_token)"'
    r'\s*:\s*"[^"]{6,}"',
    re.MULTILINE | re.IGNORECASE)


# a line detect-secrets could flag: a long word (every token format is one), a keyword, a key block
_SUSPECT_LINE = re.compile(r"[A-Za-z0-9_+/=.:-]{16,}|pass|secret|token|key|auth|cred|://",
                           re.IGNORECASE)


def credential_content(data: bytes) -> str | None:
    """What makes ``data`` (a file's first bytes) look like credentials ("AWS Access Key",
    "Private Key", "Secret Keyword", …), or None. Binary data is not looked at."""
    if b"\0" in data[:8192]:
        return None
    text = data.decode("utf-8", errors="replace")
    m = _CONTENT_MARKERS.search(text)
    if m:
        return "credential content"
    lines = [line for line in text.splitlines() if len(line) <= 4000 and _SUSPECT_LINE.search(line)]
    if not lines:  # most data files (numbers, short words): detect-secrets is not even imported
        return None
    _import_detect_secrets()
    from detect_secrets.core.scan import scan_line
    from detect_secrets.settings import default_settings
    with default_settings():
        for line in lines:
            for found in scan_line(line):
                if found.type not in _IGNORED_TYPES:
                    return found.type
    return None


def credential_file_reason(path: str) -> str | None:
    """``credential_content`` of a file of the store (read through the store's safe reader, at most
    :data:`CONTENT_LIMIT` bytes); None when it does not look like credentials or cannot be read."""
    from sitegen.store import open_run_file
    try:
        with open_run_file(path) as f:
            data = f.read(CONTENT_LIMIT + 1)
    except OSError:
        return None
    if len(data) > CONTENT_LIMIT:
        return None
    return credential_content(data)
