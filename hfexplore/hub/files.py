"""Files in Hub repos: HEAD (ETag, size, commit), tree listings, ranged reads, downloads.

URLs follow the Hub's conventions: `{endpoint}/datasets/{repo}/resolve/{revision}/{path}` for
bytes (the "resolvers" rate-limit bucket) and `{endpoint}/api/datasets/{repo}/tree/{revision}/
{path}` for listings (the "api" bucket). The token goes only to the endpoint's origin, never to
the CDN a resolve URL redirects to. Every read is checked against the ETag seen by `head()`: a
file that changes between two reads raises `HubFileChangedError` instead of mixing two versions.
Every request goes through the transport's one loop (`Transport.request`: pacing, retries,
waits, redirects, errors); this module only says what each answer must hold.

`remote_file.RemoteFile` reads a file through these Range requests as a seekable file.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import requests

from hfexplore.errors import (
    HubError,
    HubFileChangedError,
    HubRateLimitError,
    HubServerError,
    HubUnreachableError,
)
from hfexplore.hub.failures import broken_exchange
from hfexplore.hub.transport import Reply, Retry, Transport
from hfexplore.repo_type import PLURAL

DOWNLOAD_CHUNK = 1 << 16  # small enough that a broken download keeps most of what came


@dataclass(frozen=True)
class RemoteFileInfo:
    """What a HEAD on a resolve URL says about one file."""

    repo: str
    path: str
    revision: str
    url: str  # the resolve URL
    location: str  # where the bytes are read from (the redirect target, if any)
    size: int
    etag: str
    commit: str | None


@dataclass(frozen=True)
class TreeEntry:
    type: str  # "file" or "directory"
    path: str
    size: int
    lfs: bool


def _etag(headers: Mapping[str, str]) -> str | None:
    value = headers.get("X-Linked-Etag") or headers.get("ETag")
    if not value:
        return None
    value = value.strip()
    return value[2:] if value.startswith("W/") else value


class RangeIgnored(Exception):
    """The server answered a Range request with the whole file."""


class HubFiles:
    """Files of Hub repos over one `Transport` (its session, pacing, retry policy and stats)."""

    def __init__(self, transport: Transport, repo_type: str = "dataset"):
        self.transport = transport
        self.repo_type = repo_type
        self.bytes_read = 0  # file bytes received (HEADs and listings not included)

    @property
    def endpoint(self) -> str:
        return self.transport.endpoint

    # -- URLs ------------------------------------------------------------------------------------
    def _repo_prefix(self, repo: str) -> str:
        return "" if self.repo_type == "model" else f"{PLURAL[self.repo_type]}/"

    def resolve_url(self, repo: str, path: str, revision: str = "main") -> str:
        return (f"{self.endpoint}/{self._repo_prefix(repo)}{repo}/resolve/"
                f"{quote(revision, safe='')}/{quote(path)}")

    # -- metadata --------------------------------------------------------------------------------
    def head(self, repo: str, path: str, revision: str = "main") -> RemoteFileInfo:
        """Size, ETag and commit of a file, and where its bytes are served from."""
        url = self.resolve_url(repo, path, revision)
        reply = self.transport.request("HEAD", url, _as_is, bucket=_bucket,
                                       follow_redirects=False)
        headers = reply.headers
        etag = _etag(headers)
        size_text = headers.get("X-Linked-Size") or headers.get("Content-Length")
        location = url
        if reply.response.is_redirect and headers.get("Location"):
            location = urljoin(url, headers["Location"])
            if not size_text or not etag:  # the answer to follow has them
                final = self.transport.request("HEAD", location, _as_is, bucket=_bucket)
                etag = etag or _etag(final.headers)
                size_text = size_text or final.headers.get("Content-Length")
        if not etag or not size_text or not size_text.isdigit():
            raise HubError(f"{self.endpoint} sent no ETag or size for {path} in {repo}; "
                           "cannot verify what would be read", url=url)
        return RemoteFileInfo(repo, path, revision, url, location, int(size_text), etag,
                              headers.get("X-Repo-Commit"))

    def tree(self, repo: str, path: str = "", revision: str = "main") -> list[TreeEntry]:
        """The immediate children of a folder, every page of the listing."""
        url: str | None = (f"{self.endpoint}/api/{PLURAL[self.repo_type]}/{repo}/tree/"
                           f"{quote(revision, safe='')}/{quote(path.strip('/'))}")
        entries: list[TreeEntry] = []
        while url is not None:
            response = self.transport.get(url, bucket="api")
            if not isinstance(response.data, list):
                raise HubError(f"expected a JSON list of files from {url}", url=url)
            for item in response.data:
                if isinstance(item, dict) and isinstance(item.get("path"), str):
                    size = item.get("size")
                    entries.append(TreeEntry(
                        str(item.get("type")), item["path"],
                        size if isinstance(size, int) else 0,
                        isinstance(item.get("lfs"), dict)))
            url = response.next_url
        return entries

    # -- bytes -----------------------------------------------------------------------------------
    def read_range(self, info: RemoteFileInfo, start: int, end: int) -> bytes:
        """Bytes [start, end) of the file `info` describes, verified against its ETag.
        `RangeIgnored` (before the body is read) if the server sends the whole file instead."""
        end = min(end, info.size)
        if start >= end:
            return b""

        def receive(reply: Reply) -> bytes:
            _check_etag(reply.headers, info)
            if reply.status == 200 and (start, end) != (0, info.size):
                raise RangeIgnored
            content = reply.read()
            if len(content) != end - start:
                raise Retry(f"short body ({len(content):,} of {end - start:,} bytes)")
            return content

        content = self.transport.request("GET", info.location, receive, bucket=_bucket,
                                         headers={"Range": f"bytes={start}-{end - 1}"})
        self.bytes_read += len(content)
        return content

    def download(self, info: RemoteFileInfo, dest: Path) -> Path:
        """The whole file to `dest`, resuming a `.part` left by an earlier, interrupted call
        for the same ETag. The result is checked against the size (and the sha256, for LFS
        files, whose ETag is it) before it is renamed into place."""
        part = dest.with_name(dest.name + ".part")
        meta = dest.with_name(dest.name + ".part.json")
        have = 0
        if part.exists() and meta.exists():
            try:
                if json.loads(meta.read_text()).get("etag") == info.etag:
                    have = part.stat().st_size
            except (OSError, ValueError):
                have = 0
        if have == 0:
            part.unlink(missing_ok=True)
            part.touch()
            meta.write_text(json.dumps({"etag": info.etag, "size": info.size}))

        def receive(reply: Reply) -> None:
            """Append what comes to the part; a break is retried from where it stopped."""
            _check_etag(reply.headers, info)
            wrote = 0
            with part.open("ab") as handle:
                if reply.status == 200:  # the server sent the whole file: start over
                    handle.truncate(0)
                try:
                    for chunk in reply.chunks(DOWNLOAD_CHUNK):
                        handle.write(chunk)
                        wrote += len(chunk)
                        self.bytes_read += len(chunk)
                except requests.RequestException as exc:
                    raise Retry(broken_exchange(exc, self.transport.policy.timeout),
                                progressed=wrote > 0) from exc
            kept = part.stat().st_size
            if kept < info.size:
                raise Retry(f"short body ({kept:,} of {info.size:,} bytes)", progressed=wrote > 0)

        if have < info.size:
            try:
                self.transport.request(
                    "GET", info.location, receive, bucket=_bucket,
                    headers=lambda: {"Range": f"bytes={part.stat().st_size}-"})
            except (HubServerError, HubRateLimitError, HubUnreachableError) as exc:
                kept = part.stat().st_size
                if not kept:
                    raise
                raise type(exc)(f"{exc}; the {kept:,} of {info.size:,} bytes received are kept "
                                f"in {part}: run again to resume",
                                url=exc.url, status=exc.status) from exc
        if part.stat().st_size != info.size:
            raise HubError(f"{info.path}: downloaded {part.stat().st_size:,} bytes, expected "
                           f"{info.size:,}", url=info.location)
        digest = info.etag.strip('"')
        if len(digest) == 64 and _sha256(part) != digest:
            part.unlink(missing_ok=True)
            raise HubFileChangedError(f"{info.path} from {info.repo} does not match its sha256 "
                                      "(ETag) after download; it was discarded",
                                      url=info.location)
        os.replace(part, dest)
        meta.unlink(missing_ok=True)
        return dest


def _bucket(url: str) -> str:
    """The rate-limit bucket of a file URL: the Hub's resolvers, or the CDN they redirect to."""
    return "resolvers" if "/resolve/" in urlsplit(url).path else "cdn"


def _as_is(reply: Reply) -> Reply:
    return reply


def _check_etag(headers: Mapping[str, str], info: RemoteFileInfo) -> None:
    etag = _etag(headers)
    total = headers.get("Content-Range", "").rpartition("/")[2]
    changed = (etag is not None and etag != info.etag) or \
        (total.isdigit() and int(total) != info.size)
    if changed:
        raise HubFileChangedError(
            f"{info.path} in {info.repo} changed on the Hub while it was being read (ETag "
            f"{info.etag} became {etag}); nothing was kept from it: run the same command "
            "again to read the new version", url=info.location)


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
