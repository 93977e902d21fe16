"""A disk cache of raw Hub responses, keyed by URL.

The key is the request URL plus whether the request was authenticated (an authenticated
listing may include the caller's private repos, which an anonymous run must not be served).
The token itself never reaches a key, a value or a file name.
"""

from __future__ import annotations

import logging
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


@dataclass(frozen=True)
class CacheInfo:
    directory: str
    entries: int
    size_bytes: int


class PageCache:
    def __init__(self, directory: Path, now: Callable[[], float] = time.time):
        self.now = now
        self.directory = private_dir(directory, role="cache")
        try:
            self._cache: diskcache.Cache | None = diskcache.Cache(str(self.directory))
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
            value = self._cache.get(self.key(url, authenticated))
        except (sqlite3.DatabaseError, OSError) as exc:
            log.warning("cache read failed (%s); fetching instead", exc)
            return None
        if not isinstance(value, CachedResponse):
            return None
        if max_age is not None and self.age(value) > max_age:
            return None
        return value

    def age(self, entry: CachedResponse) -> float:
        return max(0.0, self.now() - entry.stored_at)

    def set(self, url: str, authenticated: bool, content: bytes, next_url: str | None,
            ttl: float) -> None:
        if self._cache is None:
            return
        entry = CachedResponse(content, next_url, self.now())
        try:
            self._cache.set(self.key(url, authenticated), entry, expire=max(ttl, RETENTION))
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
        self._cache = diskcache.Cache(str(self.directory))
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
