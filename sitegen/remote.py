"""Run stores on object storage (``s3://``, ``gs://``, ``az://``, ``file://``) through fsspec.

A remote store is never read or written in place. Each machine keeps two local stores per URL,
under ``$SITEGEN_CACHE_DIR`` (default ``~/.cache/sitegen``) ``/stores/<hash of the URL>/``:

- ``spool/``: the runs this machine records. The training process writes there (locally, at the
  logger's usual cost); a background uploader (`sitegen.sync.Uploader`, in the supervisor of a
  tracked run or in the logging process otherwise) ships them to the bucket, and `sitegen sync`
  uploads whatever a killed process left behind.
- ``mirror/``: the bucket as last seen. ``history``, ``jobs``, ``build`` and ``serve`` bring it up to
  date (one listing, then only new or changed objects, in parallel) and read it like any store.

The bucket's layout (objects cannot be appended to) is the local one except that a run's points are
immutable segments ``<run>/metrics/<byte offset, 12 digits>.tsv`` whose concatenation is the run's
``metrics.tsv``, and run numbers are claimed with conditional writes (see `claim_run_number`).
This module opens filesystems and turns their failures into one-line errors; ``sitegen.sync``
moves the data.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sitegen.errors import UserError

URL_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")
# protocol -> (extra to install, package)
EXTRAS = {"s3": ("s3", "s3fs"), "s3a": ("s3", "s3fs"), "gs": ("gcs", "gcsfs"),
          "gcs": ("gcs", "gcsfs"), "az": ("azure", "adlfs"), "abfs": ("azure", "adlfs"),
          "abfss": ("azure", "adlfs")}
# what to set when a protocol's credentials or endpoint are missing
SETTINGS = {"s3": "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), and "
                  "AWS_ENDPOINT_URL for an S3-compatible server",
            "gs": "GOOGLE_APPLICATION_CREDENTIALS", "az": "AZURE_STORAGE_CONNECTION_STRING "
                  "(or AZURE_STORAGE_ACCOUNT_NAME and AZURE_STORAGE_ACCOUNT_KEY)"}


class RemoteError(UserError):
    """A remote store cannot be reached or used; the message says what to set or install."""


def is_url(location: Any) -> bool:
    """True for ``scheme://…`` locations (a remote store), False for local paths."""
    return isinstance(location, str) and bool(URL_RE.match(location))


def protocol(url: str) -> str:
    return URL_RE.match(url).group(1).lower()


def cache_dir() -> Path:
    """Where spools and mirrors live: $SITEGEN_CACHE_DIR, else ~/.cache/sitegen."""
    env = os.environ.get("SITEGEN_CACHE_DIR")
    if env:
        return Path(env).absolute()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "sitegen"


def url_key(url: str) -> str:
    return hashlib.sha256(url.rstrip("/").encode("utf-8")).hexdigest()[:16]


def spool_dir(url: str) -> Path:
    return cache_dir() / "stores" / url_key(url) / "spool"


def mirror_dir(url: str) -> Path:
    return cache_dir() / "stores" / url_key(url) / "mirror"


def describe_error(url: str, e: BaseException) -> str:
    """One line for a failed remote operation: what went wrong and what to set."""
    name = type(e).__name__
    text = str(e).strip().splitlines()[0] if str(e).strip() else name
    proto = protocol(url)
    settings = SETTINGS.get({"s3a": "s3", "gcs": "gs", "abfs": "az", "abfss": "az"}.get(proto, proto))
    if "Credentials" in name or "credentials" in text.lower():
        return f"no credentials for {url}: set {settings or 'the storage credentials'}"
    if isinstance(e, FileNotFoundError) or "NoSuchBucket" in text or "does not exist" in text:
        return f"{url}: not found ({text}); create the bucket first, or check the URL"
    if isinstance(e, PermissionError) or "AccessDenied" in text or "Forbidden" in text:
        return f"{url}: access denied ({text}); check the credentials' permissions"
    hint = f"; check the network and {settings}" if settings else "; check the network"
    return f"cannot reach {url} ({name}: {text}){hint}"


@dataclass
class Remote:
    """An fsspec filesystem and the store's root path in it (no protocol, no trailing slash)."""
    url: str
    fs: Any
    root: str

    def path(self, *parts: str) -> str:
        return "/".join([self.root, *parts]) if self.root else "/".join(parts)

    def rel(self, path: str) -> str:
        """``path`` relative to the root ('' for the root)."""
        path = path.rstrip("/")
        prefix = self.root + "/" if self.root else ""
        return path[len(prefix):] if path.startswith(prefix) else path


def _storage_options(proto: str) -> dict:
    """No listings cache (other machines write too); bounded waits: an unreachable endpoint fails
    in seconds, not after minutes of retries."""
    options: dict = {"use_listings_cache": False}
    if proto in ("file", "local"):
        return {**options, "auto_mkdir": True}
    if proto in ("s3", "s3a"):
        return {"config_kwargs": {"connect_timeout": 5, "read_timeout": 30,
                                  "retries": {"max_attempts": 2, "mode": "standard"}},
                **options}
    return options


def open_remote(url: str) -> Remote:
    """The filesystem for ``url``; RemoteError naming the extra to install when it is missing."""
    proto = protocol(url)
    try:
        import fsspec
    except ImportError:
        raise RemoteError(f"the store {url} needs fsspec: pip install 'sitegen-runs[s3]' "
                          f"(or [gcs], [azure])") from None
    try:
        fs, root = fsspec.core.url_to_fs(url.rstrip("/"), **_storage_options(proto))
    except ImportError:
        extra, package = EXTRAS.get(proto, (None, None))
        if extra:
            raise RemoteError(f"the store {url} needs the {package} package: "
                              f"pip install 'sitegen-runs[{extra}]'") from None
        raise RemoteError(f"no fsspec filesystem for {proto}:// is installed") from None
    except ValueError as e:
        if "Protocol not known" in str(e):
            raise RemoteError(f"{url}: unknown storage protocol {proto}://") from None
        raise RemoteError(f"{url}: {e}") from None
    return Remote(url.rstrip("/"), fs, root.rstrip("/"))


def create_exclusive(remote: Remote, path: str, data: bytes) -> bool:
    """Write ``path`` only if it does not exist yet (a conditional write); False if it existed.

    S3 (AWS, and S3-compatible servers that honour ``If-None-Match``) and local filesystems do this
    atomically. Other back-ends fall back to check-then-write, which two machines racing on the same
    name in the same instant could both pass (the limit documented in README, *Scaling out*)."""
    fs = remote.fs
    if is_local_fs(fs):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        return True
    try:
        fs.pipe_file(path, data, mode="create")
        return True
    except FileExistsError:
        return False
    except (TypeError, NotImplementedError):  # a back-end without conditional writes
        if fs.exists(path):
            return False
        fs.pipe_file(path, data)
        return True


def is_local_fs(fs: Any) -> bool:
    proto = getattr(fs, "protocol", ())
    return bool({"file", "local"} & set((proto,) if isinstance(proto, str) else proto))


def claim_run_number(remote: Remote, experiment: str, run_id: str) -> int:
    """The next free run number of ``experiment`` in the bucket, claimed for ``run_id``.

    Each number is an object ``.sitegen/numbers/<experiment>/<n>`` created with a conditional
    write, so two machines can never get the same number; a number is never reused (a claim whose
    run never arrives leaves a gap) and never changes once it is in the run's run.json."""
    folder = remote.path(".sitegen", "numbers", experiment)
    try:
        taken = [int(p.rsplit("/", 1)[-1]) for p in remote.fs.ls(folder, detail=False)
                 if p.rsplit("/", 1)[-1].isdigit()]
    except FileNotFoundError:
        taken = []
    n = max(taken, default=0) + 1
    while not create_exclusive(remote, f"{folder}/{n}", run_id.encode("utf-8")):
        n += 1
    return n
