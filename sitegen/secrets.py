"""Keeping secrets home: masked argument values, credential-looking files."""
from __future__ import annotations

import fnmatch
import re

MASK = "*****"
_SECRET_WORDS = r"(?:password|passwd|passphrase|pwd|secret|token|api[-_]?key|apikey|access[-_]?key|private[-_]?key|credentials?|auth)"
_FLAG = re.compile(rf"^--?[\w.-]*{_SECRET_WORDS}[\w.-]*$", re.IGNORECASE)
_FLAG_EQ = re.compile(rf"^(--?[\w.-]*{_SECRET_WORDS}[\w.-]*=)(.*)$", re.IGNORECASE | re.DOTALL)
_ASSIGN = re.compile(rf"^([A-Za-z_][\w.-]*{_SECRET_WORDS}[\w.-]*=)(.*)$", re.IGNORECASE | re.DOTALL)
_URL_PASSWORD = re.compile(r"(://[^/@:\s]*:)([^/@\s]+)(@)")  # scheme://user:PASSWORD@host
CREDENTIAL_GLOBS = (".env", ".env.*", "*.env", "id_rsa", "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*",
                    "*.pem", "*.key", "*.p12", "*.pfx", "*.keystore", "*.jks", ".netrc", ".pgpass",
                    ".npmrc", ".pypirc", "credentials", "credentials.json", "*secret*", "*.kdbx",
                    ".htpasswd", "service-account*.json")


def mask_arguments(args: list[str]) -> list[str]:
    """Mask values of secret-looking arguments: ``--password X``, ``--token=X``, ``API_SECRET=X``,
    and the password in a URL (``postgres://user:X@host``)."""
    out: list[str] = []
    mask_next = False
    for arg in args:
        arg = str(arg)
        if mask_next and not arg.startswith("-"):
            out.append(MASK)
            mask_next = False
            continue
        mask_next = False
        m = _FLAG_EQ.match(arg) or _ASSIGN.match(arg)
        if m:
            out.append(m.group(1) + MASK)
        elif _FLAG.match(arg):
            out.append(arg)
            mask_next = True
        else:
            out.append(_URL_PASSWORD.sub(lambda u: u.group(1) + MASK + u.group(3), arg))
    return out


def is_credential_file(name: str) -> bool:
    """True for file names that look like credentials (``.env``, ``id_rsa``, ``*.pem``, …)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return any(fnmatch.fnmatchcase(base, g) for g in CREDENTIAL_GLOBS)
