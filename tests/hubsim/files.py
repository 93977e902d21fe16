"""Dataset files as the Hub serves them, for the stand-in Hub.

- `GET/HEAD /datasets/{owner}/{name}/resolve/{revision}/{path}`: the file's bytes, in the
  "resolvers" bucket. Every answer carries `ETag` and `X-Repo-Commit`; an LFS file also carries
  `X-Linked-Etag` and `X-Linked-Size` (the ETag is its sha256, quoted). `Range: bytes=a-b`
  gets a 206 with `Content-Range` (one range per request; several requests read several).
  With `redirect=True` an LFS file answers 302 to `/_cdn/{sha256}` on the same server (outside
  every quota), which serves the same bytes with the same ETag, as the Hub's CDN does.
- `GET /api/datasets/{owner}/{name}/tree/{revision}/{path}`: the directory's immediate children,
  `[{type, oid, size, path, lfs?}]`, `page_size` entries a page, `Link: <...>; rel="next"`.
- Revisions: a branch name (`main`), the commit sha it points at, or another ref such as
  `refs/convert/parquet` (URL-encoded in the path, as the Hub requires).

Faults on GETs of file bytes, resolve or CDN (numbered from 1, HEADs not counted),
`FileFault(kind, at=...)`:
`reset` (headers and half the body, then the connection is cut), `short` (the body ends early
though Content-Length promised more), `500`, and `ignore_range` (a 200 with the whole file
where a range was asked). `swap(...)` replaces a file's content (and so its ETag) after the
n-th GET of file bytes, as a new commit would between two requests of a client.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import orjson

CHUNK = 1 << 20
FILE_FAULT_KINDS = ("reset", "short", "500", "ignore_range")


@dataclass
class RepoFile:
    path: str
    data: bytes | None = None
    disk: Path | None = None
    lfs: bool = True
    size: int = 0
    sha256: str = ""
    git_oid: str = ""

    @classmethod
    def make(cls, path: str, content: bytes | Path, lfs: bool = True) -> RepoFile:
        digest = hashlib.sha256()
        if isinstance(content, Path):
            size = content.stat().st_size
            with content.open("rb") as handle:
                for chunk in iter(lambda: handle.read(CHUNK), b""):
                    digest.update(chunk)
            data, disk = None, content
        else:
            size, data, disk = len(content), content, None
            digest.update(content)
        sha = digest.hexdigest()
        git_oid = hashlib.sha1(f"blob {size}\0".encode() + sha.encode()).hexdigest()
        return cls(path, data, disk, lfs, size, sha, git_oid)

    @property
    def etag(self) -> str:
        return f'"{self.sha256 if self.lfs else self.git_oid}"'

    def read(self, start: int, end: int) -> bytes:
        """Bytes [start, end) of the file."""
        if self.data is not None:
            return self.data[start:end]
        assert self.disk is not None
        with self.disk.open("rb") as handle:
            handle.seek(start)
            return handle.read(end - start)


@dataclass
class Revision:
    commit: str
    files: dict[str, RepoFile] = field(default_factory=dict)


@dataclass
class FileFault:
    kind: str
    at: frozenset[int] = frozenset()
    path: str | None = None  # only requests for this file path (any when None)
    times: int | None = None
    fired: int = 0

    def __post_init__(self) -> None:
        if self.kind not in FILE_FAULT_KINDS:
            raise ValueError(f"unknown file fault {self.kind!r}; expected {FILE_FAULT_KINDS}")
        self.at = frozenset(self.at)


@dataclass
class _Swap:
    after: int
    repo: str
    path: str
    content: bytes | Path
    done: bool = False


class FileStore:
    """Dataset repos, their revisions and files; the stand-in serves them when given one."""

    def __init__(self, *, redirect: bool = False, page_size: int = 1000,
                 cdn_host: str | None = None):
        self.repos: dict[str, dict[str, Revision]] = {}
        self.redirect = redirect
        self.cdn_host = cdn_host  # e.g. "localhost": the CDN on another origin, same server
        self.page_size = page_size
        self.faults: list[FileFault] = []
        self.swaps: list[_Swap] = []
        self.stats: dict[str, int] = {"resolve": 0, "head": 0, "tree": 0, "cdn": 0,
                                      "ranges": 0, "bytes_sent": 0, "faults": 0,
                                      "resolve_with_token": 0, "cdn_with_token": 0}
        self._lock = threading.Lock()
        self._file_gets = 0

    # -- building the repos --------------------------------------------------------------------
    def add(self, repo: str, path: str, content: bytes | Path, *, revision: str = "main",
            lfs: bool | None = None) -> RepoFile:
        """Add a file to a revision (a new revision gets a commit sha derived from its name)."""
        revisions = self.repos.setdefault(repo, {})
        rev = revisions.get(revision)
        if rev is None:
            rev = Revision(hashlib.sha1(f"{repo}@{revision}".encode()).hexdigest())
            revisions[revision] = rev
        size = content.stat().st_size if isinstance(content, Path) else len(content)
        entry = RepoFile.make(path, content, lfs=size > 1024 if lfs is None else lfs)
        rev.files[path] = entry
        return entry

    def swap(self, after: int, repo: str, path: str, content: bytes | Path) -> None:
        """Once `after` GETs of file bytes were answered, `path` on every revision holds
        `content` (a new ETag) and its revisions point at new commits."""
        self.swaps.append(_Swap(after, repo, path, content))

    def revision(self, repo: str, ref: str) -> Revision | None:
        revisions = self.repos.get(repo, {})
        if ref in revisions:
            return revisions[ref]
        return next((r for r in revisions.values() if r.commit == ref), None)

    # -- routing ---------------------------------------------------------------------------------
    @staticmethod
    def serves(path: str) -> bool:
        parts = path.strip("/").split("/")
        return (len(parts) >= 5 and parts[0] == "datasets" and parts[3] == "resolve") or \
            (len(parts) >= 6 and parts[:2] == ["api", "datasets"] and parts[4] == "tree") or \
            (len(parts) == 2 and parts[0] == "_cdn")

    def handle(self, handler: Any, method: str) -> None:
        url = urlsplit(handler.path)
        parts = url.path.strip("/").split("/")
        if handler.headers.get("Authorization"):
            key = "cdn_with_token" if parts[0] == "_cdn" else "resolve_with_token"
            with self._lock:
                self.stats[key] += 1
        if parts[0] == "_cdn":
            self._cdn(handler, method, parts[1])
        elif parts[0] == "datasets":
            self._resolve(handler, method, f"{parts[1]}/{parts[2]}", unquote(parts[4]),
                          "/".join(parts[5:]))
        else:
            self._tree(handler, f"{parts[2]}/{parts[3]}", unquote(parts[5]),
                       "/".join(parts[6:]), dict(parse_qsl(url.query)))

    # -- endpoints -------------------------------------------------------------------------------
    def _resolve(self, handler: Any, method: str, repo: str, ref: str, path: str) -> None:
        allowed, headers = handler.sim.quotas.take("resolvers")
        if not allowed:
            handler._rate_limited("resolvers", headers)
            return
        if method == "GET":
            with self._lock:
                self.stats["resolve"] += 1
        else:
            with self._lock:
                self.stats["head"] += 1
        rev = self.revision(repo, ref)
        entry = rev.files.get(path) if rev else None
        if rev is None or entry is None:
            what = "Revision" if rev is None and repo in self.repos else "Entry" if rev else \
                "Repository"
            self._send(handler, method, 404, orjson.dumps({"error": f"{what} not found"}),
                       {**headers, "X-Error-Code": f"{what}NotFound"})
            return
        headers = {**headers, "X-Repo-Commit": rev.commit, "ETag": entry.etag,
                   "Accept-Ranges": "bytes"}
        if entry.lfs:
            headers["X-Linked-Etag"] = entry.etag
            headers["X-Linked-Size"] = str(entry.size)
        if entry.lfs and self.redirect:
            origin = f"http://{self.cdn_host}:{handler.server.server_address[1]}" \
                if self.cdn_host else ""
            headers["Location"] = f"{origin}/_cdn/{entry.sha256}"
            self._send(handler, method, 302, b"", headers)
        else:
            self._body(handler, method, entry, headers)

    def _take_faults(self, path: str) -> set[str]:
        """Number this GET of file bytes; the kinds of the faults that hit it."""
        with self._lock:
            self._file_gets += 1
            number = self._file_gets
            hit = [f for f in self.faults if number in f.at and f.path in (None, path)
                   and (f.times is None or f.fired < f.times)]
            for fault in hit:
                fault.fired += 1
                self.stats["faults"] += 1
        return {f.kind for f in hit}

    def _cdn(self, handler: Any, method: str, sha256: str) -> None:
        with self._lock:
            self.stats["cdn"] += 1
        entry = next((f for revs in self.repos.values() for rev in revs.values()
                      for f in rev.files.values() if f.sha256 == sha256), None)
        if entry is None:
            self._send(handler, method, 404, b"NoSuchKey", {})
            return
        self._body(handler, method, entry, {"ETag": entry.etag, "Accept-Ranges": "bytes"})

    def _tree(self, handler: Any, repo: str, ref: str, path: str, query: dict[str, str]) -> None:
        allowed, headers = handler.sim.quotas.take("api")
        if not allowed:
            handler._rate_limited("api", headers)
            return
        with self._lock:
            self.stats["tree"] += 1
        rev = self.revision(repo, ref)
        if rev is None:
            what = "Revision" if repo in self.repos else "Repository"
            self._send(handler, "GET", 404, orjson.dumps({"error": f"{what} not found"}),
                       headers)
            return
        prefix = f"{path.strip('/')}/" if path.strip("/") else ""
        children: dict[str, dict[str, Any]] = {}
        for name, entry in sorted(rev.files.items()):
            if not name.startswith(prefix):
                continue
            head, sep, _rest = name[len(prefix):].partition("/")
            if sep:  # inside a sub-directory: list the directory once
                folder = prefix + head
                children.setdefault(folder, {"type": "directory", "oid": hashlib.sha1(
                    folder.encode()).hexdigest(), "size": 0, "path": folder})
            else:
                item: dict[str, Any] = {"type": "file", "oid": entry.git_oid,
                                        "size": entry.size, "path": name}
                if entry.lfs:
                    item["lfs"] = {"oid": entry.sha256, "size": entry.size, "pointerSize": 134}
                children[name] = item
        if prefix and not children:
            self._send(handler, "GET", 404, orjson.dumps({"error": "Entry not found"}), headers)
            return
        listing = list(children.values())
        cursor = query.get("cursor")
        start = int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))) if cursor else 0
        page = listing[start:start + self.page_size]
        if start + self.page_size < len(listing):
            host = handler.headers.get("Host")
            token = base64.urlsafe_b64encode(str(start + self.page_size).encode()).decode()
            next_url = (f"http://{host}/api/datasets/{repo}/tree/{quote(ref, safe='')}/"
                        f"{path}?{urlencode({'cursor': token.rstrip('=')})}")
            headers = {**headers, "Link": f'<{next_url}>; rel="next"'}
        self._send(handler, "GET", 200, orjson.dumps(page), headers)

    # -- bodies ----------------------------------------------------------------------------------
    def _body(self, handler: Any, method: str, entry: RepoFile,
              headers: dict[str, str]) -> None:
        kinds = self._take_faults(entry.path) if method == "GET" else set()
        if "500" in kinds:
            self._send(handler, method, 500, b"Internal Error", headers)
            return
        start, end = 0, entry.size
        status = 200
        requested = handler.headers.get("Range")
        if requested and "ignore_range" not in kinds:
            parsed = _parse_range(requested, entry.size)
            if parsed is None:
                self._send(handler, method, 416, b"", {
                    **headers, "Content-Range": f"bytes */{entry.size}"})
                return
            start, end = parsed
            status = 206
            headers = {**headers, "Content-Range": f"bytes {start}-{end - 1}/{entry.size}"}
            with self._lock:
                self.stats["ranges"] += 1
        handler.send_response(status)
        handler.send_header("Content-Type", "application/octet-stream")
        handler.send_header("Content-Length", str(end - start))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        if method == "HEAD":
            return
        self._apply_swaps()
        cut = start + (end - start) // 2 if kinds & {"reset", "short"} else end
        position = start
        while position < cut:
            chunk = entry.read(position, min(cut, position + CHUNK))
            handler.wfile.write(chunk)
            position += len(chunk)
        with self._lock:
            self.stats["bytes_sent"] += position - start
        if cut < end:
            handler.wfile.flush()
            handler.close_connection = True
            with contextlib.suppress(OSError):
                handler.connection.shutdown(2)

    @staticmethod
    def _send(handler: Any, method: str, status: int, body: bytes,
              headers: dict[str, str]) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        if method != "HEAD":
            handler.wfile.write(body)

    def _apply_swaps(self) -> None:
        with self._lock:
            due = [s for s in self.swaps if not s.done and self._file_gets >= s.after]
            for swap in due:
                swap.done = True
                for rev in self.repos.get(swap.repo, {}).values():
                    if swap.path in rev.files:
                        old = rev.files[swap.path]
                        rev.files[swap.path] = RepoFile.make(swap.path, swap.content, old.lfs)
                        rev.commit = hashlib.sha1((rev.commit + swap.path).encode()).hexdigest()


def _parse_range(text: str, size: int) -> tuple[int, int] | None:
    """`bytes=a-b`, `bytes=a-` or `bytes=-n` -> [start, end); None when unsatisfiable."""
    unit, _, spec = text.partition("=")
    if unit.strip() != "bytes" or "," in spec:
        return None
    first, _, last = spec.strip().partition("-")
    try:
        if not first:
            start, end = max(0, size - int(last)), size
        else:
            start = int(first)
            end = min(size, int(last) + 1) if last else size
    except ValueError:
        return None
    return (start, end) if 0 <= start < end else None


def write_temp(directory: Path, name: str, content: bytes) -> Path:
    """A file for the store to serve from disk (large dumps are not kept in memory)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    tmp = path.with_name(f".{name}.tmp")
    tmp.write_bytes(content)
    os.replace(tmp, path)
    return path
