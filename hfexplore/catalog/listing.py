"""Listing the snapshots of a data directory: what each holds, and what is wrong with it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from hfexplore.catalog.snapshot import SnapshotEntry, survey_snapshots
from hfexplore.catalog.unfinished import UnfinishedCrawl, unfinished_crawls
from hfexplore.repo_type import REPO_TYPES, RepoType
from hfexplore.report import iso

COLUMNS = ["name", "started_at", *(t.plural for t in REPO_TYPES), "size_bytes", "status"]


@dataclass(frozen=True)
class SnapshotListing:
    """One snapshot directory; the figures are None when its manifest cannot be read."""

    name: str
    path: Path
    started_at: datetime | None
    counts: dict[RepoType, int | None]
    size_bytes: int | None
    problems: list[str]

    @property
    def intact(self) -> bool:
        return not self.problems and self.started_at is not None

    @property
    def status(self) -> str:
        return "ok" if self.intact else "damaged: " + "; ".join(self.problems)


@dataclass
class SnapshotInventory:
    """Every snapshot in a data directory, oldest first, and the unfinished crawls."""

    data_dir: Path
    snapshots: list[SnapshotListing] = field(default_factory=list)
    unfinished: list[UnfinishedCrawl] = field(default_factory=list)

    def frame(self) -> pd.DataFrame:
        """One row per snapshot: name, started_at (ISO), models, datasets, spaces, size_bytes,
        status ("ok" or "damaged: ...")."""
        rows = [{"name": s.name, "started_at": iso(s.started_at) if s.started_at else None,
                 **{t.plural: s.counts.get(t) for t in REPO_TYPES},
                 "size_bytes": s.size_bytes, "status": s.status} for s in self.snapshots]
        frame = pd.DataFrame(rows, columns=COLUMNS)
        for column in [*(t.plural for t in REPO_TYPES), "size_bytes"]:
            frame[column] = frame[column].astype("Int64")
        return frame


def list_snapshot_inventory(data_dir: Path) -> SnapshotInventory:
    """The snapshots of `data_dir`, each checked for damage (missing, truncated or misplaced
    files; `Snapshot.verify` checks every checksum), and its unfinished crawls."""
    return SnapshotInventory(data_dir, [_listing(e) for e in survey_snapshots(data_dir)],
                             unfinished_crawls(data_dir))


def _listing(entry: SnapshotEntry) -> SnapshotListing:
    snap = entry.snapshot
    if snap is None:
        return SnapshotListing(entry.name, entry.path, None, dict.fromkeys(REPO_TYPES), None,
                               entry.problems)
    return SnapshotListing(entry.name, entry.path, snap.as_of,
                           {t: snap.count(t) for t in REPO_TYPES}, snap.size_bytes(),
                           entry.problems)
