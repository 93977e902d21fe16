"""The snapshots of a data directory: which exist, which are intact, which one a name means
(`resolve_snapshot`), the inventory `snapshot list` shows, and pruning."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from hfexplore.arguments import LATEST, PREVIOUS
from hfexplore.atomic_files import remove_tree
from hfexplore.errors import (
    AmbiguousSnapshotError,
    DamagedSnapshotError,
    DamagedSnapshotsError,
    InvalidArgumentError,
    NoSnapshotError,
    SnapshotError,
    UnknownSnapshotError,
)
from hfexplore.repo_type import REPO_TYPES, RepoType
from hfexplore.report import iso
from hfexplore.store.snapshot import MANIFEST, SNAPSHOTS, Snapshot, open_snapshot
from hfexplore.store.unfinished import UnfinishedCrawl, unfinished_crawls

log = logging.getLogger(__name__)


def list_snapshots(data_dir: Path) -> tuple[list[Snapshot], list[str]]:
    """Finished snapshots, oldest first, and one line per directory that is not readable."""
    root = data_dir / SNAPSHOTS
    snapshots: list[Snapshot] = []
    problems: list[str] = []
    if not root.is_dir():
        return snapshots, problems
    for path in sorted(root.iterdir()):
        if not path.is_dir() or path.name.startswith("."):
            continue
        try:
            snapshots.append(open_snapshot(path))
        except SnapshotError as exc:
            problems.append(str(exc))
    return snapshots, problems


@dataclass
class SnapshotEntry:
    """A directory in `<data dir>/snapshots`, readable or not, and what is wrong with it."""

    path: Path
    snapshot: Snapshot | None
    problems: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def intact(self) -> bool:
        return self.snapshot is not None and not self.problems


def survey_snapshots(data_dir: Path) -> list[SnapshotEntry]:
    """Every snapshot directory, oldest first, each checked for damage (`Snapshot.problems`)."""
    return [_checked(entry) for entry in _entries(data_dir)]


def intact_snapshots(data_dir: Path, *, required: bool = True) -> tuple[list[Snapshot], list[str]]:
    """The intact snapshots, oldest first, and one line per damaged one; an error when there
    is none at all, or only damaged ones (unless not `required`: then no snapshot is an empty
    list)."""
    entries = survey_snapshots(data_dir)
    intact = [e.snapshot for e in entries if e.intact and e.snapshot is not None]
    damaged = [f"skipped damaged snapshot {e.name} ({', '.join(e.problems)})"
               for e in entries if not e.intact]
    root = data_dir / SNAPSHOTS
    if not required:
        return intact, damaged
    if not entries:
        raise NoSnapshotError(f"no snapshot in {root}", data_dir=str(data_dir))
    if not intact:
        raise DamagedSnapshotsError(
            f"every snapshot in {root} is damaged: " +
            "; ".join(f"{e.name} ({', '.join(e.problems)})" for e in entries),
            names=[e.name for e in entries])
    return intact, damaged


def _entries(data_dir: Path) -> list[SnapshotEntry]:
    root = data_dir / SNAPSHOTS
    if not root.is_dir():
        return []
    entries = []
    for path in sorted(root.iterdir()):
        if not path.is_dir() or path.name.startswith("."):
            continue
        try:
            entries.append(SnapshotEntry(path, open_snapshot(path)))
        except SnapshotError as exc:
            entries.append(SnapshotEntry(path, None, [str(exc)]))
    return entries


def _checked(entry: SnapshotEntry) -> SnapshotEntry:
    if entry.snapshot is not None:
        entry.problems = entry.snapshot.problems()
    return entry


def resolve_snapshot(ref: str | None, data_dir: Path) -> Snapshot:
    """A snapshot by path, name, unique name prefix (`2024-07`), `latest` or `previous`; the
    newest intact one when `ref` is None. `latest` and `previous` count intact snapshots only:
    damaged snapshots newer than the one chosen are skipped with a warning. A snapshot named
    explicitly (name, prefix or path) that is damaged is an error, never replaced by another."""
    root = data_dir / SNAPSHOTS
    if ref is None or ref == LATEST:
        return _newest_intact(data_dir, skip=0)
    if ref == PREVIOUS:
        return _newest_intact(data_dir, skip=1)
    if not ref.strip():
        raise InvalidArgumentError("a snapshot name must not be empty")
    candidate = Path(ref).expanduser()
    if candidate.is_dir():
        return _intact(open_snapshot(candidate))
    if (root / ref).is_dir():
        return _intact(open_snapshot(root / ref))
    matches = [e.name for e in _entries(data_dir) if e.name.startswith(ref)]
    if len(matches) == 1:
        return _intact(open_snapshot(root / matches[0]))
    if matches:
        raise AmbiguousSnapshotError(f"{ref!r} matches {len(matches)} snapshots: "
                                     f"{', '.join(matches)}", matches=matches)
    raise UnknownSnapshotError(f"no snapshot named {ref!r} (or starting so) in {root}, and "
                               "no such directory")


def _intact(snapshot: Snapshot) -> Snapshot:
    problems = snapshot.problems()
    if problems:
        raise DamagedSnapshotError(snapshot.name, problems)
    return snapshot


def _newest_intact(data_dir: Path, *, skip: int) -> Snapshot:
    entries = _entries(data_dir)
    root = data_dir / SNAPSHOTS
    if not entries:
        raise NoSnapshotError(f"no snapshot in {root}", data_dir=str(data_dir))
    damaged: list[SnapshotEntry] = []
    intact: list[Snapshot] = []
    for entry in reversed(entries):
        _checked(entry)
        if entry.intact and entry.snapshot is not None:
            intact.append(entry.snapshot)
            if len(intact) > skip:
                break
        else:
            damaged.append(entry)
    if not intact:
        raise DamagedSnapshotsError(
            f"every snapshot in {root} is damaged: " +
            "; ".join(f"{e.name} ({', '.join(e.problems)})" for e in damaged),
            names=[e.name for e in damaged])
    if len(intact) <= skip:
        raise UnknownSnapshotError(f"there is no previous snapshot: {root} holds one intact "
                                   f"snapshot ({intact[0].name})")
    chosen = intact[skip]
    for entry in damaged:
        log.warning("snapshot %s is damaged (%s); using %s", entry.name,
                    ", ".join(entry.problems), chosen.name)
    return chosen


def prune_snapshots(data_dir: Path, keep: int | None, *, damaged: bool = False) -> list[str]:
    """Delete all but the newest `keep` intact snapshots (none when `keep` is None), and the
    damaged ones only when `damaged` is True, whatever their damage; return the names removed,
    oldest first. A damaged snapshot never counts towards `keep`: the newest intact ones stay."""
    entries = survey_snapshots(data_dir)
    intact = [e for e in entries if e.intact]
    doomed = [] if keep is None else intact[:-keep] if keep > 0 else intact
    if damaged:  # a directory without a manifest is no snapshot: not ours to delete
        doomed += [e for e in entries if not e.intact and (e.path / MANIFEST).exists()]
    doomed.sort(key=lambda e: e.name)
    for entry in doomed:
        remove_tree(entry.path)
    return [e.name for e in doomed]


def damaged_snapshots(data_dir: Path) -> list[SnapshotEntry]:
    """The damaged snapshots of `data_dir` (directories with a manifest), oldest first, with
    their problems."""
    return [e for e in survey_snapshots(data_dir)
            if not e.intact and (e.path / MANIFEST).exists()]


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
