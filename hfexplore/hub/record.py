"""`--record DIR`: every answer the Hub sends, as received, for a bug report or a test fixture.

The transport's one request loop hands each exchange here (`Recorder.record`), so every request
of any command is in the recording: retries, 429s, redirects and failures included. Answers the
page cache serves were not received, and are not recorded (`--refresh` records them all).

The layout of DIR (one recording; a later run with the same DIR appends to it):

    recording.json        {"format": "hfexplore-recording-1", "hfexplore": version,
                           "endpoint": ..., "started_at": ISO 8601 UTC}
    exchanges.jsonl       one JSON object a line, in the order the requests went out:
                          {"n", "at", "method", "url", "status", "headers" (the answer's),
                           "request_headers" (what hfexplore added, such as Range),
                           "authenticated" (whether a token was sent), "body" (a file under
                           bodies/, or null when the answer had none), "body_bytes" (received),
                           "body_complete" (false when cut at MAX_BODY or broken off),
                           "error" (what went wrong when no usable answer came, else null)}
    bodies/000001.bin     the body of exchange 1, byte for byte as received

Never recorded: the token, the Authorization header (no request header but those hfexplore
adds itself), cookies (`Set-Cookie` is dropped from every answer). Should the token appear in
anything received, it is replaced by `[token]` before anything is written. Each body file is
written whole before its line is added, so a crash leaves no line without its body.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hfexplore import __version__
from hfexplore.atomic_files import write_atomic
from hfexplore.config import private_dir
from hfexplore.errors import DirectoryError, HfExploreError

FORMAT = "hfexplore-recording-1"
MAX_BODY = 8 << 20  # bytes kept of one body: a listing page whole, a dump download's start
DROPPED_HEADERS = frozenset({"set-cookie", "authorization", "cookie", "proxy-authorization"})
TOKEN_MARK = b"[token]"


class Recorder:
    """Writes the exchanges of one or more transports into a recording directory."""

    def __init__(self, directory: str | os.PathLike[str], *, endpoint: str,
                 token: str | None = None):
        self.directory = Path(directory).expanduser()
        self._secrets = [token.encode()] if token else []
        self._lock = threading.Lock()
        try:
            private_dir(self.directory / "bodies", role="recording")
        except DirectoryError as exc:  # not its hint: that one is about the data directory
            raise HfExploreError(str(exc)) from exc
        self.index = self.directory / "exchanges.jsonl"
        self.count = _lines(self.index)
        meta = self.directory / "recording.json"
        if not meta.exists():
            self._write(meta, json.dumps({"format": FORMAT, "hfexplore": __version__,
                                          "endpoint": endpoint, "started_at": _now()},
                                         indent=2).encode() + b"\n")

    def add_secret(self, secret: str | None) -> None:
        """Another value never to be written (a second transport's token)."""
        if secret and secret.encode() not in self._secrets:
            self._secrets.append(secret.encode())

    def record(self, method: str, url: str, *, status: int | None = None,
               headers: Any = None, request_headers: dict[str, str] | None = None,
               authenticated: bool = False, body: bytes | None = None, body_bytes: int = 0,
               body_complete: bool = True, error: str | None = None) -> None:
        """Add one exchange (`body`: what was kept of it, at most `MAX_BODY` bytes)."""
        with self._lock:
            self.count += 1
            number = self.count
            name = None
            if body:
                name = f"bodies/{number:06d}.bin"
                self._write(self.directory / name, self._scrub(body))
            entry = {
                "n": number, "at": _now(), "method": method, "url": self._text(url),
                "status": status,
                "headers": {self._text(k): self._text(v) for k, v in (headers or {}).items()
                            if k.lower() not in DROPPED_HEADERS},
                "request_headers": {k: self._text(v) for k, v in (request_headers or {}).items()
                                    if k.lower() not in DROPPED_HEADERS},
                "authenticated": authenticated, "body": name, "body_bytes": body_bytes,
                "body_complete": body_complete,
                "error": self._text(error) if error is not None else None,
            }
            line = json.dumps(entry, ensure_ascii=False) + "\n"
            try:
                with self.index.open("a", encoding="utf-8") as handle:
                    handle.write(line)
            except OSError as exc:
                raise HfExploreError(f"cannot record to {self.index}: "
                                     f"{exc.strerror or exc}") from exc

    def _scrub(self, data: bytes) -> bytes:
        for secret in self._secrets:
            data = data.replace(secret, TOKEN_MARK)
        return data

    def _text(self, value: object) -> str:
        return self._scrub(str(value).encode("utf-8", "surrogateescape")).decode(
            "utf-8", "replace")

    def _write(self, path: Path, data: bytes) -> None:
        try:
            write_atomic(path, data)
        except OSError as exc:
            raise HfExploreError(f"cannot record to {path}: {exc.strerror or exc}") from exc


def _lines(path: Path) -> int:
    """Exchanges already in a recording (a later run appends after them)."""
    try:
        with path.open("rb") as handle:
            return sum(1 for line in handle if line.endswith(b"\n"))
    except FileNotFoundError:
        return 0


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
