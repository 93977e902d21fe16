"""Files in Hub repos: HEAD (ETag, size, commit), tree listings, ranged reads, downloads.

URLs follow the Hub's conventions: `{endpoint}/datasets/{repo}/resolve/{revision}/{path}` for
bytes (the "resolvers" rate-limit bucket) and `{endpoint}/api/datasets/{repo}/tree/{revision}/
{path}` for listings (the "api" bucket). The token goes only to the endpoint's origin, never to
the CDN a resolve URL redirects to. Every read is checked against the ETag seen by `head()`: a
file that changes between two reads raises `HubFileChangedError` instead of mixing two versions.

`remote_file.RemoteFile` reads a file through these Range requests as a seekable file.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import requests

from hfexplore.errors import HubError, HubFileChangedError, HubServerError, HubUnreachableError
from hfexplore.hub.ratelimit import parse_ratelimit
from hfexplore.hub.retry import RETRYABLE_STATUS
from hfexplore.hub.transport import Transport, _is_connect_failure, _reason
from hfexplore.repo_type import PLURAL

log = logging.getLogger(__name__)

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


def _etag(headers: Any) -> str | None:
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
        response = self._request("HEAD", url, {}, allow_redirect_answer=True)
        headers = response.headers
        etag = _etag(headers)
        size_text = headers.get("X-Linked-Size") or headers.get("Content-Length")
        location = url
        if response.is_redirect and headers.get("Location"):
            location = urljoin(url, headers["Location"])
            if not size_text or not etag:  # the answer to follow has them
                final = self._request("HEAD", location, {})
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
        """Bytes [start, end) of the file `info` describes, verified against its ETag."""
        end = min(end, info.size)
        if start >= end:
            return b""
        response = self._request("GET", info.location, {"Range": f"bytes={start}-{end - 1}"},
                                 expected_length=end - start, info=info)
        if response.status_code == 200 and (start, end) != (0, info.size):
            raise RangeIgnored
        self.bytes_read += len(response.content)
        return response.content


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
            meta.write_text(json.dumps({"etag": info.etag, "size": info.size}))
        policy = self.transport.policy
        failures = 0
        while have < info.size:
            try:
                with part.open("ab") as handle:
                    have += self._stream_into(info, have, handle)
            except (requests.RequestException, _ShortRead) as exc:
                failures += 1
                if failures >= policy.max_attempts:
                    raise HubServerError(
                        f"the download of {info.path} from {info.repo} kept breaking ({exc}); "
                        f"{have:,} of {info.size:,} bytes are kept in {part}: run again to "
                        "resume", url=info.location) from exc
                self.transport.stats.retries += 1
                self.transport.sleep(policy.backoff(failures))
                have = part.stat().st_size
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

    def _stream_into(self, info: RemoteFileInfo, start: int, handle: io.BufferedWriter) -> int:
        assert self.transport.session is not None
        self.transport.pacer.before_request(self._bucket(info.location))
        self.transport.stats.requests += 1
        with self.transport.session.get(
                info.location, headers={**self.transport._headers_for(info.location),
                                        "Range": f"bytes={start}-"},
                timeout=self.transport.policy.timeout, stream=True) as response:
            self._check_status(response, info.location)
            self._check_etag(response, info)
            if response.status_code == 200 and start:
                handle.truncate(0)  # the server sent the whole file: start over
                start = 0
            wrote = 0
            try:
                for chunk in response.iter_content(DOWNLOAD_CHUNK):
                    handle.write(chunk)
                    wrote += len(chunk)
                    self.bytes_read += len(chunk)
            finally:
                handle.flush()
            if start + wrote < info.size:
                raise _ShortRead(f"{start + wrote:,} of {info.size:,} bytes")
            return wrote

    # -- one request, with retries -----------------------------------------------------------------
    def _bucket(self, url: str) -> str:
        return "resolvers" if "/resolve/" in urlsplit(url).path else "cdn"

    def _request(self, method: str, url: str, headers: dict[str, str], *,
                 allow_redirect_answer: bool = False, expected_length: int | None = None,
                 info: RemoteFileInfo | None = None) -> requests.Response:
        transport = self.transport
        assert transport.session is not None
        policy = transport.policy
        failures = connect_failures = 0
        while True:
            transport.stats.waited_seconds += transport.pacer.before_request(self._bucket(url))
            transport.stats.requests += 1
            try:
                response = transport.session.request(
                    method, url, headers={**transport._headers_for(url), **headers},
                    timeout=policy.timeout, allow_redirects=False)
                content = response.content
            except requests.ConnectionError as exc:
                if _is_connect_failure(exc):
                    connect_failures += 1
                    if connect_failures >= policy.connect_attempts:
                        raise HubUnreachableError(f"cannot reach {self.endpoint} "
                                                  f"({_reason(exc)})", url=url) from exc
                    transport.sleep(policy.backoff(connect_failures))
                    continue
                problem = f"connection broken ({_reason(exc)})"
            except requests.Timeout:
                problem = f"no answer within {policy.timeout:g}s"
            except requests.RequestException as exc:
                problem = f"broken response ({_reason(exc)})"
            else:
                state = parse_ratelimit(response.headers)
                transport.pacer.observe(state)
                status = response.status_code
                if response.is_redirect and not allow_redirect_answer:
                    url = urljoin(url, response.headers["Location"])
                    continue
                if status == 429:
                    transport.stats.rate_limited += 1
                    delay = transport._rate_limit_delay(response.headers, state, failures + 1,
                                                        policy)
                    transport.pacer.hold_until(self._bucket(url), delay)
                    failures += 1
                    if failures >= policy.max_attempts:
                        raise transport._client_error(url, status, content)
                    continue
                if status not in RETRYABLE_STATUS:
                    self._check_status(response, url)
                    if info is not None:
                        self._check_etag(response, info)
                    if expected_length is None or method == "HEAD" or status == 200 or \
                            len(content) == expected_length:
                        return response
                    problem = f"short body ({len(content):,} of {expected_length:,} bytes)"
                else:
                    problem = f"HTTP {status}"
            failures += 1
            if failures >= policy.max_attempts:
                raise HubServerError(f"{self.endpoint} kept failing ({problem}) for "
                                     f"{urlsplit(url).path} after {failures} attempts; try "
                                     "again later", url=url)
            log.info("%s on %s; retry %d", problem, urlsplit(url).path, failures)
            transport.stats.retries += 1
            transport.sleep(policy.backoff(failures))

    def _check_status(self, response: requests.Response, url: str) -> None:
        if response.status_code >= 400 or response.status_code < 200:
            raise self.transport._client_error(url, response.status_code, response.content)

    @staticmethod
    def _check_etag(response: requests.Response, info: RemoteFileInfo) -> None:
        etag = _etag(response.headers)
        total = response.headers.get("Content-Range", "").rpartition("/")[2]
        changed = (etag is not None and etag != info.etag) or \
            (total.isdigit() and int(total) != info.size)
        if changed:
            raise HubFileChangedError(
                f"{info.path} in {info.repo} changed on the Hub while it was being read (ETag "
                f"{info.etag} became {etag}); nothing was kept from it: run the same command "
                "again to read the new version", url=info.location)


class _ShortRead(Exception):
    pass


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
