"""Unfinished crawls: the `.partial-*` work directories a stopped crawl leaves to resume from.

A crawl resumes only the work of the same endpoint and repo types. Any other one (a crawl of
another endpoint, of other repo types, a stopped incremental refresh) would otherwise sit in
the data directory forever: these functions find them, so they can be reported and discarded.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hfexplore.atomic_files import write_atomic
from hfexplore.errors import SnapshotError
from hfexplore.repo_type import REPO_TYPES
from hfexplore.store.snapshot import SNAPSHOTS

PREFIX = ".partial-"
STATE = "state.json"

log = logging.getLogger(__name__)


@dataclass
class TypeState:
    next_url: str | None = None
    pages: int = 0
    items: int = 0
    received: int = 0
    duplicates: int = 0
    done: bool = False


@dataclass
class CrawlState:
    name: str
    endpoint: str
    repo_types: list[str]
    started_at: str
    types: dict[str, TypeState] = field(default_factory=dict)
    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    anomalies: int = 0
    anomaly_examples: list[str] = field(default_factory=list)
    resumed: int = 0

    @classmethod
    def load(cls, path: Path) -> CrawlState:
        data = json.loads(path.read_text("utf-8"))
        data["types"] = {k: TypeState(**v) for k, v in data["types"].items()}
        return cls(**data)

    def save(self, path: Path) -> None:
        data = {**vars(self), "types": {k: vars(v) for k, v in self.types.items()}}
        write_atomic(path, json.dumps(data, indent=1).encode())


def find_partial(root: Path, endpoint: str, repo_types: Sequence[str]) -> Path | None:
    """The unfinished crawl of the same endpoint and repo types, if any."""
    for path in sorted(root.glob(".partial-*"), reverse=True):
        try:
            state = CrawlState.load(path / STATE)
        except (OSError, ValueError, TypeError, KeyError):
            log.warning("ignoring unreadable unfinished crawl %s", path)
            continue
        if state.endpoint == endpoint and state.repo_types == list(repo_types):
            return path
    return None


@dataclass(frozen=True)
class UnfinishedCrawl:
    """One leftover work directory; `endpoint` is None when its state cannot be read."""

    path: Path
    endpoint: str | None = None
    repo_types: tuple[str, ...] = ()
    started_at: str | None = None
    pages: int = 0
    repos: int = 0

    @property
    def name(self) -> str:
        return self.path.name.removeprefix(PREFIX)

    def resumed_by(self, endpoint: str, repo_types: Sequence[str]) -> bool:
        """Whether a crawl of `endpoint` and `repo_types` would pick this one up."""
        ordered = tuple(t for t in REPO_TYPES if t in repo_types)
        return self.endpoint == endpoint and self.repo_types == ordered

    def describe(self) -> str:
        if self.endpoint is None:
            return (f"an unfinished crawl or refresh in {self.path} whose state cannot be read "
                    "(nothing will resume it)")
        return (f"an unfinished crawl of {self.endpoint} ({', '.join(self.repo_types)}; "
                f"{self.pages:,} pages, {self.repos:,} repos; started {self.started_at}) "
                f"in {self.path}")


def unfinished_crawls(data_dir: Path) -> list[UnfinishedCrawl]:
    """Every unfinished crawl under `data_dir`, oldest first."""
    root = data_dir / SNAPSHOTS
    if not root.is_dir():
        return []
    found = []
    for path in sorted(p for p in root.glob(f"{PREFIX}*") if p.is_dir()):
        try:
            state = CrawlState.load(path / STATE)
        except (OSError, ValueError, TypeError, KeyError):
            found.append(UnfinishedCrawl(path))
            continue
        found.append(UnfinishedCrawl(
            path, state.endpoint, tuple(state.repo_types), state.started_at,
            sum(t.pages for t in state.types.values()),
            sum(t.items for t in state.types.values())))
    return found


def not_resumed_by(data_dir: Path, endpoint: str,
                   repo_types: Sequence[str]) -> list[UnfinishedCrawl]:
    """The unfinished crawls a crawl of `endpoint` and `repo_types` leaves alone."""
    return [c for c in unfinished_crawls(data_dir) if not c.resumed_by(endpoint, repo_types)]


def discard_unfinished(data_dir: Path, name: str | None = None) -> list[UnfinishedCrawl]:
    """Delete the unfinished crawl `name` (every one when None); return what was deleted."""
    from hfexplore.store.lock import data_dir_lock  # filelock: loaded by the writers only

    with data_dir_lock(data_dir):
        crawls = unfinished_crawls(data_dir)
        if name is not None:
            crawls = [c for c in crawls if name in (c.name, c.path.name)]
            if not crawls:
                raise SnapshotError(f"no unfinished crawl named {name!r} in {data_dir}")
        for crawl in crawls:
            shutil.rmtree(crawl.path)
    return crawls
