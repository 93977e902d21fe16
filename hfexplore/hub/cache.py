"""A disk cache of raw Hub responses, keyed by URL.

The key is the request URL plus whether the request was authenticated (an authenticated
listing may include the caller's private repos, which an anonymous run must not be served).
The token itself never reaches a key, a value or a file name.

An entry is bytes only: a marker, one line of JSON (next URL, time stored), then the body as
received. Nothing is pickled, and nothing read is ever unpickled: an entry in any other form
(one written by an older version, or planted in `cache.db`) is a miss, with a warning.
"""

from __future__ import annotations

import json
import logging
import math
import re
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import diskcache

from hfexplore.config import private_dir
from hfexplore.errors import HfExploreError

log = logging.getLogger(__name__)

# How long an answer counts as fresh. A count is a figure people quote: after a few minutes it
# is no longer "live", and only --offline may serve it (labelled with its age).
LISTING_TTL = 3600.0
COUNT_TTL = 300.0
# A count by walking the listing (no count endpoint answered) takes up to an hour at the
# anonymous quota: its pages serve for that long, so a walk stopped by Ctrl-C resumes from them
# (the count then says it was answered partly from the cache, with the oldest page's age).
COUNT_WALK_TTL = 3600.0
REPO_TTL = 3600.0
# How long an answer is kept at all: what --offline can still serve.
RETENTION = 7 * 24 * 3600.0


class CacheMode(StrEnum):
    USE = "use"  # read fresh entries, write new ones
    REFRESH = "refresh"  # never read, write new ones
    OFF = "off"  # neither read nor write
    OFFLINE = "offline"  # read only; a miss is an error, the network is never used

    @property
    def reads(self) -> bool:
        return self in (CacheMode.USE, CacheMode.OFFLINE)

    @property
    def writes(self) -> bool:
        return self in (CacheMode.USE, CacheMode.REFRESH)


@dataclass(frozen=True)
class CachedResponse:
    content: bytes
    next_url: str | None
    stored_at: float


# What starts every entry this version writes; a later format changes the number.
ENTRY_MARKER = b"hfexplore-page-1\n"
# The only file names diskcache gives values it keeps outside cache.db (xx/yy/<28 hex>.val).
_VALUE_FILE = re.compile(r"[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{28}\.val")


class ForeignEntryError(Exception):
    """A cache row in a form this version never writes (a pickle, a non-bytes value)."""


class BytesOnlyDisk(diskcache.Disk):
    """diskcache storage that keeps bytes as they are and refuses everything else.

    diskcache pickles any value that is not bytes, str or a number, and unpickles rows stored
    that way when reading them, whatever Disk wrote them (JSONDisk included). Here a pickled
    row (key or value) is never loaded: reading one raises ForeignEntryError. Value files are
    only read or deleted under the names diskcache makes, inside the cache directory, so a
    crafted row cannot make `cache clear` delete a file elsewhere.
    """

    def put(self, key: object) -> tuple[object, bool]:
        if type(key) is not str:
            raise TypeError(f"cache keys are strings, not {type(key).__name__}")
        return super().put(key)

    def get(self, key: object, raw: bool) -> object:
        if not raw:
            raise ForeignEntryError("a pickled key")
        return super().get(key, raw)

    def store(self, value: object, read: bool, key: object = diskcache.core.UNKNOWN) -> object:
        if type(value) is not bytes:
            raise TypeError(f"cache values are bytes, not {type(value).__name__}")
        return super().store(value, read, key=key)

    def fetch(self, mode: int, filename: str | None, value: object, read: bool) -> bytes:
        if mode == diskcache.core.MODE_RAW and type(value) is bytes:
            return value
        if (mode == diskcache.core.MODE_BINARY and not read and filename is not None
                and _VALUE_FILE.fullmatch(filename)):
            return super().fetch(mode, filename, value, read)
        raise ForeignEntryError(f"a value stored in mode {mode}")

    def remove(self, file_path: str) -> None:
        if _VALUE_FILE.fullmatch(file_path):
            super().remove(file_path)
        else:
            log.warning("the cache named %r as one of its files; left alone", file_path)


def encode_entry(entry: CachedResponse) -> bytes:
    meta = json.dumps({"next_url": entry.next_url, "stored_at": entry.stored_at})
    return ENTRY_MARKER + meta.encode() + b"\n" + entry.content


def decode_entry(value: bytes) -> CachedResponse | None:
    """The entry `encode_entry` wrote, or None for bytes in any other form."""
    end = value.find(b"\n", len(ENTRY_MARKER))  # found, not split: the body is copied once
    if not value.startswith(ENTRY_MARKER) or end < 0:
        return None
    try:
        meta = json.loads(value[len(ENTRY_MARKER):end])
    except ValueError:
        return None
    if not isinstance(meta, dict):
        return None
    next_url, stored_at = meta.get("next_url"), meta.get("stored_at")
    if not (next_url is None or isinstance(next_url, str)):
        return None
    if not isinstance(stored_at, int | float) or not math.isfinite(stored_at):
        return None
    return CachedResponse(value[end + 1:], next_url, float(stored_at))


def _open(directory: Path) -> diskcache.Cache:
    return diskcache.Cache(str(directory), disk=BytesOnlyDisk)


@dataclass(frozen=True)
class CacheInfo:
    directory: str
    entries: int
    size_bytes: int


class PageCache:
    def __init__(self, directory: Path, now: Callable[[], float] = time.time):
        self.now = now
        self.directory = private_dir(directory, role="cache")
        self._warned_foreign = False
        try:
            self._cache: diskcache.Cache | None = _open(self.directory)
        except (sqlite3.DatabaseError, OSError) as exc:
            log.warning(
                "the cache at %s is unreadable (%s); continuing without it. "
                "Run `hfexplore cache clear` to reset it.",
                self.directory,
                exc,
            )
            self._cache = None

    @staticmethod
    def key(url: str, authenticated: bool) -> str:
        return f"{'auth' if authenticated else 'anon'} {url}"

    def get(self, url: str, authenticated: bool,
            max_age: float | None = None) -> CachedResponse | None:
        """The stored answer, if any and (given `max_age`) no older than that many seconds."""
        if self._cache is None:
            return None
        try:
            stored = self._cache.get(self.key(url, authenticated))
        except (sqlite3.DatabaseError, OSError) as exc:
            log.warning("cache read failed (%s); fetching instead", exc)
            return None
        except ForeignEntryError:  # a pickle, or a value of another type: never loaded
            self._warn_foreign()
            return None
        if stored is None:
            return None
        value = decode_entry(stored)
        if value is None:  # bytes, but not an entry this version wrote
            self._warn_foreign()
            return None
        if max_age is not None and self.age(value) > max_age:
            return None
        return value

    def _warn_foreign(self) -> None:
        if not self._warned_foreign:  # once: an old cache holds thousands of such entries
            log.warning("the cache at %s holds entries in a form this version does not read "
                        "(written by an older hfexplore, or not by hfexplore); they count as "
                        "misses and are replaced as pages are fetched again. "
                        "`hfexplore cache clear` removes them.", self.directory)
            self._warned_foreign = True

    def age(self, entry: CachedResponse) -> float:
        return max(0.0, self.now() - entry.stored_at)

    def set(self, url: str, authenticated: bool, content: bytes, next_url: str | None,
            ttl: float) -> None:
        if self._cache is None:
            return
        entry = CachedResponse(content, next_url, self.now())
        try:
            self._cache.set(self.key(url, authenticated), encode_entry(entry),
                            expire=max(ttl, RETENTION))
        except (sqlite3.DatabaseError, OSError) as exc:
            log.warning("cache write failed (%s); continuing without caching", exc)

    def info(self) -> CacheInfo:
        if self._cache is None:
            return CacheInfo(str(self.directory), 0, _tree_size(self.directory))
        self._cache.expire()
        return CacheInfo(str(self.directory), len(self._cache), int(self._cache.volume()))

    def clear(self) -> int:
        """Remove every entry; a corrupt cache is deleted and recreated. Returns entries removed."""
        if self._cache is not None:
            try:
                return int(self._cache.clear())
            except (sqlite3.DatabaseError, OSError):
                self._cache.close()
        for child in self.directory.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
        self._cache = _open(self.directory)
        return 0

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()


def open_cache(directory: Path) -> PageCache:
    try:
        return PageCache(directory)
    except OSError as exc:
        raise HfExploreError(f"cannot use the cache directory {directory}: {exc.strerror}") from exc


def _tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
