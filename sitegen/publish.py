"""``sitegen deploy --to URL``: publish the site to object storage (any fsspec URL).

Only changed files are uploaded (a file's MD5 against the object's ETag, or against what the last
deploy uploaded where ETags are not MD5s), each with its ``Content-Type`` and a ``Cache-Control``
header (pages and data revalidate on every visit, so a permanent URL always shows the latest
build; the versioned Vega bundle and theme assets are cached for a day); files no longer in the
site are removed. The bucket is never written outside its prefix.
"""
from __future__ import annotations

import hashlib
import json
import mimetypes
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sitegen import remote as _remote
from sitegen.deploy import scan_site
from sitegen.store import write_bytes_atomic

BIG_FILE = 32 * 1024 * 1024
REVALIDATE = "no-cache"
ONE_DAY = "public, max-age=86400"


@dataclass
class BucketPlan:
    """What a deploy to a bucket changes."""
    url: str
    upload: list[str] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)
    unchanged: int = 0
    upload_bytes: int = 0


def content_type(rel: str) -> str:
    kind, _ = mimetypes.guess_type(rel)
    if rel.endswith(".js"):
        kind = "text/javascript"
    if kind and (kind.startswith("text/") or kind in ("application/json", "image/svg+xml")):
        return f"{kind}; charset=utf-8"
    return kind or "application/octet-stream"


def cache_control(rel: str) -> str:
    return ONE_DAY if rel.startswith("assets/") else REVALIDATE


def md5_of(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _state_path(url: str) -> Path:
    return _remote.cache_dir() / "deploy" / f"{_remote.url_key(url)}.json"


def plan_bucket(site_dir: Path, url: str) -> tuple[BucketPlan, dict[str, str], _remote.Remote]:
    """Compare the site with the bucket: what to upload, what to delete; and each file's MD5."""
    site_dir = Path(site_dir)
    summary = scan_site(site_dir)
    rem = _remote.open_remote(url)
    try:
        found = rem.fs.find(rem.root, detail=True)
    except FileNotFoundError:
        found = {}
    objects = {rem.rel(p): info for p, info in found.items() if info.get("type") != "directory"}
    try:
        last = json.loads(_state_path(url).read_text("utf-8"))
    except (OSError, ValueError):
        last = {}
    out = BucketPlan(rem.url)
    hashes = {}
    for rel, size in summary.files:
        md5 = hashes[rel] = md5_of(site_dir / rel)
        info = objects.get(rel)
        etag = str((info or {}).get("ETag") or "").strip('"')
        same = info is not None and int(info.get("size") or 0) == size and (
            etag == md5 or last.get(rel) == md5)
        if same:
            out.unchanged += 1
        else:
            out.upload.append(rel)
            out.upload_bytes += size
    local = {rel for rel, _ in summary.files}
    out.delete = sorted(rel for rel in objects if rel not in local)
    return out, hashes, rem


def apply_bucket(site_dir: Path, p: BucketPlan, hashes: dict[str, str], rem: _remote.Remote,
                 progress=None) -> None:
    """Upload, then delete; headers where the back-end takes them (S3)."""
    site_dir = Path(site_dir)
    headers = getattr(rem.fs, "protocol", None) in ("s3", ("s3", "s3a"))
    groups: dict[tuple[str, str], dict[str, bytes]] = defaultdict(dict)
    done = 0
    for rel in p.upload:
        path = site_dir / rel
        extra = {"ContentType": content_type(rel), "CacheControl": cache_control(rel)} \
            if headers else {}
        if path.stat().st_size > BIG_FILE:
            rem.fs.put_file(str(path), rem.path(rel), **extra)
            done += 1
            continue
        groups[(extra.get("ContentType", ""), extra.get("CacheControl", ""))][rem.path(rel)] = \
            path.read_bytes()
    for (ctype, cache), items in groups.items():
        extra = {"ContentType": ctype, "CacheControl": cache} if headers else {}
        paths = list(items)
        for i in range(0, len(paths), 200):
            rem.fs.pipe({k: items[k] for k in paths[i:i + 200]}, **extra)
            done += len(paths[i:i + 200])
            if progress:
                progress(done, len(p.upload))
    if p.delete:
        rem.fs.rm([rem.path(rel) for rel in p.delete])
    state = _state_path(p.url)
    state.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(state, json.dumps(hashes, sort_keys=True).encode())


def website_url(rem: _remote.Remote) -> str | None:
    """The address the bucket serves the site at, when it is configured as a website (S3)."""
    if getattr(rem.fs, "protocol", None) not in ("s3", ("s3", "s3a")):
        return None
    bucket, _, prefix = rem.root.partition("/")
    try:
        rem.fs.call_s3("get_bucket_website", Bucket=bucket)
    except Exception:
        return None
    page = f"{prefix}/index.html" if prefix else "index.html"
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        return f"{endpoint.rstrip('/')}/{bucket}/{page}"
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return f"http://{bucket}.s3-website-{region}.amazonaws.com/{page}"
