"""Snapshots on disk: `<data dir>/snapshots/<UTC timestamp>/{models,datasets,spaces}.parquet`
plus `manifest.json`. A directory whose name starts with `.` is work in progress, never a
snapshot; a finished one appears by an atomic rename, so readers never see half of one.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hfexplore import __version__
from hfexplore.errors import (
    DamagedSnapshotError,
    ManifestError,
    MissingRepoTypeError,
    SnapshotError,
)
from hfexplore.normalize.schema import EXPAND, SCHEMA_VERSION
from hfexplore.repo_type import PLURAL, REPO_TYPES, RepoType
from hfexplore.store.footer import Footer, FooterError, read_footer
from hfexplore.store.freshness import Freshness, freshness_of
from hfexplore.store.pages import known_problems, page_problems, read_error

if TYPE_CHECKING:  # imported where used: reports and `snapshot list` need neither
    import pandas as pd
    import pyarrow as pa

log = logging.getLogger(__name__)

SNAPSHOTS = "snapshots"
MANIFEST = "manifest.json"


def file_name(repo_type: str) -> str:
    return f"{PLURAL[repo_type]}.parquet"


def snapshot_name(moment: datetime, root: Path | None = None) -> str:
    """The UTC time to the second; `-2`, `-3`... if `root` already has a snapshot so named."""
    base = moment.astimezone(UTC).strftime("%Y-%m-%dT%H%M%SZ")
    name, number = base, 1
    while root is not None and ((root / name).exists() or (root / f".partial-{name}").exists()):
        number += 1
        name = f"{base}-{number}"
    return name


@dataclass
class Snapshot:
    path: Path
    manifest: dict[str, Any]
    _freshness: Freshness | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def as_of(self) -> datetime:
        """When the crawl started: the catalogue is as it was then (or later)."""
        text = self.manifest.get("started_at") or self.manifest.get("finished_at")
        try:
            return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
        except ValueError:
            return datetime.fromtimestamp(self.path.stat().st_mtime, UTC)

    def freshness(self) -> Freshness:
        """How old the contents are against `as_of` (`store/freshness.py`): as the manifest
        records it, or, for a snapshot written before it did, from the files' statistics."""
        if self._freshness is None:
            files = {str(t): self.path / file_name(t) for t in self.repo_types()}
            self._freshness = freshness_of(self.as_of, files, self.manifest.get("freshness"))
        return self._freshness

    @property
    def schema_version(self) -> int:
        version = self.manifest.get("schema_version", 1)
        return version if isinstance(version, int) else 1

    @property
    def source(self) -> str:
        return self.manifest.get("source_label") or str(self.path)

    def repo_types(self) -> list[RepoType]:
        return [t for t in REPO_TYPES if t in self.manifest.get("repo_types", {})]

    def count(self, repo_type: str) -> int | None:
        entry = self.manifest.get("repo_types", {}).get(repo_type)
        return int(entry["count"]) if entry else None

    def has(self, repo_type: str) -> bool:
        return repo_type in self.manifest.get("repo_types", {})

    def file(self, repo_type: str) -> Path:
        """The parquet file of a repo type (MissingRepoTypeError when the snapshot has none)."""
        if not self.has(repo_type):
            have = ", ".join(PLURAL[t] for t in self.repo_types()) or "nothing"
            raise MissingRepoTypeError(f"snapshot {self.name} has no {PLURAL[repo_type]} (it "
                                       f"has {have})", repo_type=repo_type)
        return self.path / file_name(repo_type)

    def table(self, repo_type: str, columns: list[str] | None = None) -> pa.Table:
        """Columns of a repo type's file, each page checked against its checksum as it is
        read (DamagedSnapshotError naming the snapshot when one fails)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        from hfexplore.store.upgrade import upgrade_columns

        path = self.file(repo_type)
        try:
            if columns is None or self.schema_version >= SCHEMA_VERSION:
                return pq.read_table(path, columns=columns, page_checksum_verification=True)
            return upgrade_columns(path, columns, repo_type, self.schema_version)
        except (OSError, pa.ArrowException) as exc:
            raise DamagedSnapshotError(self.name, [f"{path.name} cannot be read "
                                                   f"({read_error(exc)})"]) from exc

    def column_names(self, repo_type: str) -> list[str]:
        """The columns of a repo type's file, from its footer."""
        return self._footer(repo_type).columns()

    def _footer(self, repo_type: str) -> Footer:
        """A repo type's footer (parsed once per process: `store.footer`), or
        DamagedSnapshotError."""
        path = self.file(repo_type)
        try:
            return read_footer(path)
        except (OSError, FooterError) as exc:
            raise DamagedSnapshotError(self.name, [f"{path.name} cannot be read "
                                                   f"({read_error(exc)})"]) from exc

    def check_pages(self, repo_type: str, columns: list[str] | None = None) -> None:
        """Check the pages of a repo type's file (of `columns`, or all) against their
        checksums, for readers that do not (DuckDB): DamagedSnapshotError when one fails."""
        problems = page_problems(self.file(repo_type), columns)
        if problems:
            raise DamagedSnapshotError(self.name, problems)

    def num_rows(self, repo_type: str) -> int:
        """Rows in a repo type's file, from the parquet footer (no data read)."""
        return self._footer(repo_type).num_rows

    def frame(self, repo_type: str, columns: list[str] | None = None) -> pd.DataFrame:
        return self.table(repo_type, columns).to_pandas()

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.path.iterdir() if p.is_file())

    def verify(self) -> list[str]:
        """Problems found by reading every byte: each file against the manifest's sha256,
        and its pages against their checksums (which say where the damage is)."""
        problems = []
        for repo_type, entry in self.manifest.get("repo_types", {}).items():
            path = self.path / file_name(repo_type)
            if not path.exists():
                problems.append(f"{path.name} is missing")
                continue
            try:
                matches = not entry.get("sha256") or sha256_of(path) == entry["sha256"]
            except OSError as exc:
                problems.append(f"{path.name} cannot be read ({read_error(exc)})")
                continue
            if not matches:
                problems.append(f"{path.name} does not match its sha256 in the manifest")
            if not _file_problems(path, repo_type, entry):  # pages to read: which one fails
                problems.extend(page_problems(path))
        return problems

    def problems(self) -> list[str]:
        """Damage found cheaply (sizes and parquet footers, no data read): missing, truncated
        or unreadable files, row counts that differ from the manifest, a file holding another
        repo type; and pages this process has already found failing their checksums. `verify`
        is the thorough check."""
        problems = []
        for repo_type, entry in self.manifest.get("repo_types", {}).items():
            path = self.path / file_name(repo_type)
            problems.extend(_file_problems(path, repo_type, entry) or known_problems(path))
        return problems


def _file_problems(path: Path, repo_type: str, entry: dict[str, Any]) -> list[str]:
    if not path.is_file():
        return [f"{path.name} is missing"]
    size, expected = path.stat().st_size, entry.get("bytes")
    try:
        meta = read_footer(path)
    except PermissionError:
        return [f"{path.name} cannot be read (permission denied)"]
    except (OSError, FooterError):
        if isinstance(expected, int) and size < expected:
            return [f"{path.name} is truncated ({size:,} of {expected:,} bytes)"]
        return [f"{path.name} is not a readable parquet file"]
    held = _held_repo_type(meta)
    if held is not None and held != repo_type and not (repo_type == "model" and held == "dataset"):
        return [f"{path.name} holds {PLURAL[held]}, not {PLURAL[repo_type]}"]
    if meta.num_rows != entry["count"]:
        return [f"{path.name} holds {meta.num_rows:,} rows, the manifest counts "
                f"{entry['count']:,}"]
    if isinstance(expected, int) and size != expected:
        return [f"{path.name} is {size:,} bytes, the manifest says {expected:,}"]
    return []


def _held_repo_type(meta: Footer) -> str | None:
    """Which repo type a file's column statistics point to, where they tell: only Spaces have
    an `sdk` and lack `downloads`; only models have a `library_name`."""
    if meta.num_rows == 0:
        return None
    filled: dict[str, int] = {}
    for chunk in meta.chunks:
        if chunk.column not in ("sdk", "downloads", "library_name"):
            continue
        if chunk.null_count is None:
            return None
        filled[chunk.column] = filled.get(chunk.column, 0) + chunk.group_rows - chunk.null_count
    if len(filled) < 3:
        return None
    if filled["sdk"] or not filled["downloads"]:
        return "space"
    return "model" if filled["library_name"] else "dataset"


def sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def describe_file(path: Path) -> dict[str, Any]:
    """How the manifest records a data file: name, size and sha256."""
    return {"file": path.name, "bytes": path.stat().st_size, "sha256": sha256_of(path)}


def build_manifest(*, name: str, endpoint: str, started_at: str, finished_at: str, sort: str,
                   repo_types: dict[str, dict[str, Any]], requests: int, retries: int,
                   rate_limited: int, anomalies: dict[str, Any], authenticated: bool,
                   **extra: Any) -> dict[str, Any]:
    """The fields every snapshot's manifest.json carries, plus `extra` (e.g. `incremental`)."""
    return {
        "name": name, "schema_version": SCHEMA_VERSION, "hfexplore_version": __version__,
        "endpoint": endpoint, "started_at": started_at, "finished_at": finished_at,
        "sort": sort, "expand": {t: list(EXPAND[t]) for t in repo_types},
        "repo_types": repo_types, "requests": requests, "retries": retries,
        "rate_limited": rate_limited, "anomalies": anomalies, "authenticated": authenticated,
        **extra,
    }


def open_snapshot(path: Path) -> Snapshot:
    manifest_path = path / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise SnapshotError(f"{path} is not a snapshot (no {MANIFEST})") from exc
    except (OSError, ValueError) as exc:
        raise ManifestError(f"{path}: unreadable {MANIFEST} ({exc})") from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("repo_types"), dict):
        raise ManifestError(f"{path}: {MANIFEST} has no repo_types; the snapshot is damaged")
    for repo_type, entry in manifest["repo_types"].items():
        where = f"{path}: {MANIFEST} field repo_types.{repo_type}"
        if repo_type not in REPO_TYPES:
            raise ManifestError(f"{where} is not a repo type ({', '.join(REPO_TYPES)}); the "
                                "snapshot is damaged")
        if not isinstance(entry, dict):
            raise ManifestError(f"{where} is {entry!r}, not an object with a count; the "
                                "snapshot is damaged")
        count = entry.get("count")
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise ManifestError(f"{where}.count is {count!r}, not a number of repos; the "
                                "snapshot is damaged")
    return Snapshot(path, manifest)


def demo_snapshot() -> Snapshot:
    """The small snapshot of real 2024 Hub data shipped inside the package."""
    path = Path(str(resources.files("hfexplore.data").joinpath("demo")))
    snapshot = open_snapshot(path)
    snapshot.manifest.setdefault("source_label", "demo (real Hub data, July 2024 sample)")
    return snapshot
