"""How old a snapshot's contents are, as opposed to when it was taken.

A snapshot is dated by when it was taken (`Snapshot.as_of`), but its contents can be older: a
stale mirror, a dump whose daily job stalled, a stand-in serving 2024 data crawled today. The
newest `created_at` and `last_modified` of each repo type tell: when the newest repo of a type
is more than `STALE_AFTER_DAYS` older than the snapshot, that type's data is taken to be of
some date between the two (`data_dates`), every report and claim on it warns, and the claims'
time reasoning uses the whole range (`claims/timing.py`).

The snapshot writer records this in the manifest (`freshness`); for older snapshots it is read
from the parquet files' column statistics (their footers: no data read), or, where a file has
none, from the one column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from hfexplore.repo_type import PLURAL

STALE_AFTER_DAYS = 30
DATE_COLUMNS = ("created_at", "last_modified")


@dataclass(frozen=True)
class Freshness:
    """The newest `created_at` and `last_modified` of each repo type, against the snapshot's
    date."""

    dated: datetime  # when the snapshot was taken
    newest: Mapping[str, Mapping[str, datetime | None]]  # repo type -> column -> newest value

    def newest_repo(self, repo_type: str) -> datetime | None:
        """The newest creation or modification among a repo type's repos."""
        found = [v for v in self.newest.get(repo_type, {}).values() if v is not None]
        return max(found) if found else None

    def is_stale(self, repo_type: str) -> bool:
        newest = self.newest_repo(repo_type)
        return newest is not None and _utc(self.dated) - newest > timedelta(
            days=STALE_AFTER_DAYS)

    @property
    def stale_types(self) -> list[str]:
        return [t for t in self.newest if self.is_stale(t)]

    def data_dates(self, repo_type: str) -> tuple[date, date]:
        """The days a repo type's data may be of: the snapshot's own day, or, when stale, any
        day from its newest repo's to the snapshot's."""
        day = _utc(self.dated).date()
        newest = self.newest_repo(repo_type)
        return (newest.date(), day) if newest is not None and self.is_stale(repo_type) \
            else (day, day)

    def record(self) -> dict[str, Any]:
        """As the manifest records it."""
        return {"stale_after_days": STALE_AFTER_DAYS,
                "newest": {str(t): {c: _iso(v) for c, v in columns.items()}
                           for t, columns in self.newest.items()},
                "stale": [str(t) for t in self.stale_types]}

    def warning(self, name: str) -> str:
        """One line naming both dates, or "" when the data is as new as its date."""
        stale = self.stale_types
        if not stale:
            return ""
        newest = max(n for t in stale if (n := self.newest_repo(t)) is not None)
        days = (_utc(self.dated) - newest).days
        kinds = " and ".join(PLURAL[t] for t in stale)
        return (f"snapshot {name} is dated {_utc(self.dated).date().isoformat()} but its newest "
                f"{kinds} are from {newest.date().isoformat()} ({days:,} days earlier): its "
                "data may be that old; claims take its date as any day between the two")


def freshness_of(dated: datetime, files: Mapping[str, Path],
                 recorded: Mapping[str, Any] | None = None) -> Freshness:
    """The freshness of the files (repo type -> parquet path): as `recorded` in a manifest
    when it is, else from the files."""
    newest = recorded.get("newest") if isinstance(recorded, Mapping) else None
    if isinstance(newest, Mapping) and set(newest) >= set(files):
        return Freshness(dated, {t: {c: _parse(v) for c, v in columns.items()}
                                 for t, columns in newest.items() if isinstance(columns, Mapping)})
    import duckdb

    found: dict[str, dict[str, datetime | None]] = {}
    for repo_type, path in files.items():
        try:
            found[repo_type] = newest_dates(path)
        except (OSError, duckdb.Error):  # damage is reported by the snapshot's checks
            continue
    return Freshness(dated, found)


def parse_dated(manifest: Mapping[str, Any]) -> datetime | None:
    """The date a manifest gives its snapshot (`Snapshot.as_of`), or None."""
    return _parse(manifest.get("started_at") or manifest.get("finished_at"))


def newest_dates(path: Path) -> dict[str, datetime | None]:
    """The newest value of each date column of a parquet file (DuckDB answers a bare max from
    the row groups' statistics where they have them)."""
    from hfexplore.store.footer import database

    connection = database().cursor()
    try:
        names = {row[0] for row in connection.execute(
            "SELECT name FROM parquet_schema($path)", {"path": str(path)}).fetchall()}
        present = [column for column in DATE_COLUMNS if column in names]
        found: dict[str, datetime | None] = dict.fromkeys(DATE_COLUMNS)
        if present:
            row = connection.execute(
                "SELECT " + ", ".join(f"epoch_ms(max({column}))" for column in present)
                + " FROM read_parquet($path)", {"path": str(path)}).fetchone() or ()
            for column, millis in zip(present, row, strict=False):
                found[column] = None if millis is None else \
                    datetime.fromtimestamp(millis / 1000, UTC)
        return found
    finally:
        connection.close()


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return _utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return None
