"""Import public catalogue dumps into snapshots, instead of crawling the listing API.

Sources:
- `hub-stats[@REVISION]`: `cfahlgren1/hub-stats`, one `{models,datasets,spaces}.parquet` per
  repo type, overwritten daily (its history lives in the repo's commits: name one to go back).
- `hub-weekly`: `hfmlsoc/hub_weekly_snapshots`, `{models,datasets,spaces}/<YYYY-MM-DD>/*.parquet`;
  `date` picks the nearest dated folder, `since` a series (every folder, or the first of each
  month), one snapshot per date.
- a local parquet file or directory in the same schema.

Remote files are read through the Hub's own conventions (HF_ENDPOINT, token, resolve URLs,
tree listings): the footer first, then only the column chunks the snapshot needs, each range
checked against the file's ETag. Each snapshot is written like a crawl's (same columns, same
manifest fields, by the same writer: `store/writer.py`), with its provenance in the manifest.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from hfexplore.config import private_dir
from hfexplore.errors import HfExploreError, HubNotFoundError, SnapshotError
from hfexplore.hub import PLURAL, REPO_TYPES
from hfexplore.hub.files import HubFiles, RemoteFileInfo
from hfexplore.hub.remote_file import open_remote
from hfexplore.ingest.dump_reader import ColumnMap, DumpReader
from hfexplore.knowledge import LicenseTable
from hfexplore.normalize.schema import SCHEMA, Anomalies
from hfexplore.report import iso
from hfexplore.store.lock import data_dir_lock
from hfexplore.store.snapshot import SNAPSHOTS, Snapshot, build_manifest, snapshot_name
from hfexplore.store.writer import SnapshotWriter

HUB_STATS = "cfahlgren1/hub-stats"
HUB_WEEKLY = "hfmlsoc/hub_weekly_snapshots"
NEAREST_DAYS = 7  # `--date` accepts the nearest weekly folder within this many days


class ImportUsageError(ValueError):
    """The import was asked for in a way that cannot work (a usage error, not a failure)."""


@dataclass
class DumpFile:
    """One file to read: local, or remote (with what its HEAD said)."""

    repo_type: str
    label: str
    local: Path | None = None
    remote: RemoteFileInfo | None = None

    @property
    def size(self) -> int:
        return self.remote.size if self.remote else self.local.stat().st_size  # type: ignore[union-attr]


@dataclass
class Observation:
    """When the imported catalogue was observed, and how that was worked out."""

    at: datetime | None  # None: derive from the data (the newest timestamp in it)
    derived_from: str


@dataclass
class ImportJob:
    """Everything one snapshot is made of."""

    kind: str  # hub-stats, hub-weekly, local
    files: list[DumpFile]
    observation: Observation
    repo: str | None = None
    revision: str | None = None
    folder_date: str | None = None


@dataclass
class ImportResult:
    """The snapshots written (oldest first) and what reading them cost."""

    snapshots: list[Snapshot]
    bytes_read: int
    file_bytes: int
    requests: int
    notes: list[str] = field(default_factory=list)

    @property
    def fraction_read(self) -> float | None:
        return self.bytes_read / self.file_bytes if self.file_bytes else None


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f"{text!r} is not a date; use YYYY-MM-DD") from None


# -- planning: which files make which snapshot ----------
def plan_hub_stats(files: HubFiles, revision: str, repo_types: Sequence[str]) -> list[ImportJob]:
    dump_files = []
    for repo_type in repo_types:
        path = f"{PLURAL[repo_type]}.parquet"
        try:
            info = files.head(HUB_STATS, path, revision)
        except HubNotFoundError as exc:
            raise SnapshotError(f"{HUB_STATS} has no {path} at revision {revision!r} on "
                                f"{files.endpoint} ({exc}); it may have been taken down or "
                                "renamed: try an earlier revision, or hub-weekly") from exc
        dump_files.append(DumpFile(repo_type, f"{HUB_STATS}/{path}@{revision}", remote=info))
    observation = Observation(None, "the newest createdAt/lastModified in the data: the dump "
                                    "was taken at or after that time (hub-stats records no "
                                    "crawl time)")
    return [ImportJob("hub-stats", dump_files, observation, HUB_STATS, revision)]


def weekly_dates(files: HubFiles, repo_type: str = "model") -> list[date]:
    dates = []
    for entry in files.tree(HUB_WEEKLY, PLURAL[repo_type]):
        name = entry.path.rsplit("/", 1)[-1]
        if entry.type == "directory":
            with contextlib.suppress(ValueError):
                dates.append(date.fromisoformat(name))
    return sorted(dates)


def choose_dates(available: Sequence[date], *, on: date | None = None,
                 since: date | None = None, every: str = "week") -> list[date]:
    if not available:
        raise SnapshotError(f"{HUB_WEEKLY} lists no dated folders")
    span = f"the weekly folders run from {available[0]} to {available[-1]}"
    if on is not None:
        nearest = min(available, key=lambda d: (abs((d - on).days), d))
        if abs((nearest - on).days) > NEAREST_DAYS:
            raise SnapshotError(f"no weekly folder within {NEAREST_DAYS} days of {on}: {span}")
        return [nearest]
    assert since is not None
    chosen = [d for d in available if d >= since]
    if every == "month":
        firsts: dict[tuple[int, int], date] = {}
        for day in chosen:
            firsts.setdefault((day.year, day.month), day)
        chosen = list(firsts.values())
    elif every != "week":
        raise ImportUsageError(f"unknown interval {every!r}; expected week or month")
    if not chosen:
        raise SnapshotError(f"no weekly folder on or after {since}: {span}")
    return chosen


def plan_weekly(files: HubFiles, days: Sequence[date],
                repo_types: Sequence[str]) -> list[ImportJob]:
    jobs = []
    for day in days:
        dump_files = []
        for repo_type in repo_types:
            folder = f"{PLURAL[repo_type]}/{day.isoformat()}"
            try:
                entries = files.tree(HUB_WEEKLY, folder)
            except HubNotFoundError as exc:
                raise SnapshotError(f"{HUB_WEEKLY} has no {folder} folder; choose the repo "
                                    "types that exist on that date with --repo-type") from exc
            parquet = sorted(e.path for e in entries
                             if e.type == "file" and e.path.endswith(".parquet"))
            if not parquet:
                raise SnapshotError(f"{HUB_WEEKLY}/{folder} holds no parquet file")
            for path in parquet:
                dump_files.append(DumpFile(repo_type, f"{HUB_WEEKLY}/{path}",
                                           remote=files.head(HUB_WEEKLY, path)))
        observation = Observation(
            datetime(day.year, day.month, day.day, tzinfo=UTC),
            f"the weekly folder's date ({day}); the folder holds a copy of hub-stats taken "
            "from its latest commit before that date, so the catalogue itself may be older "
            "(see data_newest for the newest timestamp in the data)")
        jobs.append(ImportJob("hub-weekly", dump_files, observation, HUB_WEEKLY, "main",
                              day.isoformat()))
    return jobs


def plan_local(path: Path, repo_types: Sequence[str] | None,
               as_of: datetime | None) -> list[ImportJob]:
    by_name = {f"{PLURAL[t]}.parquet": t for t in REPO_TYPES}
    if path.is_file():
        repo_type = by_name.get(path.name) if not repo_types else repo_types[0]
        if repo_type is None or (repo_types and len(repo_types) > 1):
            raise ImportUsageError(f"say which repo type {path.name} holds with --repo-type "
                             "(one of model, dataset, space)")
        dump_files = [DumpFile(repo_type, str(path), local=path)]
    elif path.is_dir():
        wanted = repo_types or REPO_TYPES
        dump_files = [DumpFile(t, str(path / f"{PLURAL[t]}.parquet"),
                               local=path / f"{PLURAL[t]}.parquet")
                      for t in wanted if (path / f"{PLURAL[t]}.parquet").is_file()]
        if not dump_files:
            raise SnapshotError(f"{path} holds none of "
                                f"{', '.join(PLURAL[t] + '.parquet' for t in wanted)}")
    else:
        raise SnapshotError(f"{path} does not exist")
    observation = Observation(as_of, "given with --as-of") if as_of else Observation(
        None, "the newest createdAt/lastModified in the data (a lower bound of when the dump "
              "was taken; give --as-of to set it)")
    return [ImportJob("local", dump_files, observation)]


# -- running a job ----------
def run_jobs(jobs: Sequence[ImportJob], data_dir: Path, *, files: HubFiles | None,
             licenses: LicenseTable | None = None, spool_dir: Path | None = None,
             clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> ImportResult:
    """Write one snapshot per job, each atomically; earlier snapshots are never touched."""
    licenses = licenses or LicenseTable.load()
    column_map = ColumnMap.load()
    written: list[Snapshot] = []
    start_bytes = files.bytes_read if files else 0
    start_requests = files.transport.stats.requests if files else 0
    total = 0
    with data_dir_lock(data_dir):
        root = private_dir(data_dir / SNAPSHOTS)
        for job in jobs:
            total += sum(f.size for f in job.files)
            try:
                written.append(_run_job(job, root, files, licenses, column_map, spool_dir,
                                        clock))
            except HfExploreError as exc:
                if not written:
                    raise
                raise SnapshotError(f"{exc} (the {len(written)} snapshot(s) imported before "
                                    "this one are complete and kept)") from exc
    return ImportResult(written, (files.bytes_read - start_bytes) if files else
                        sum(f.size for j in jobs for f in j.files), total,
                        (files.transport.stats.requests - start_requests) if files else 0)


def _run_job(job: ImportJob, root: Path, files: HubFiles | None, licenses: LicenseTable,
             column_map: ColumnMap, spool_dir: Path | None,
             clock: Callable[[], datetime]) -> Snapshot:
    try:
        with SnapshotWriter.create(root, uuid.uuid4().hex[:12], kind="import") as writer:
            return _import_into(writer, job, files, licenses, column_map,
                                spool_dir or writer.work / "download", clock)
    except OSError as exc:
        raise SnapshotError(f"cannot write the imported snapshot under {root}: "
                            f"{exc.strerror or exc}; nothing was kept") from exc


def _import_into(writer: SnapshotWriter, job: ImportJob, files: HubFiles | None,
                 licenses: LicenseTable, column_map: ColumnMap, spool_dir: Path,
                 clock: Callable[[], datetime]) -> Snapshot:
    anomalies = Anomalies()
    stats = files.transport.stats if files else None
    counted = (stats.requests, stats.retries, stats.rate_limited) if stats else (0, 0, 0)
    entries: dict[str, dict[str, Any]] = {}
    columns: dict[str, Any] = {}
    provenance: list[dict[str, Any]] = []
    newest = None
    cards_unparsed = 0
    for repo_type in [t for t in REPO_TYPES if any(f.repo_type == t for f in job.files)]:
        rows = 0
        merged = writer.file(repo_type)
        for dump in (f for f in job.files if f.repo_type == repo_type):
            before = files.bytes_read if files else 0
            with _opened(dump, files, spool_dir) as handle:
                reader = DumpReader(handle, repo_type, dump.label, licenses=licenses,
                                    column_map=column_map, anomalies=anomalies)
                columns[repo_type] = reader.plan.describe()
                for batch in reader.batches():
                    merged.add(pa.Table.from_batches([batch], SCHEMA))
                rows += reader.stats.rows
                cards_unparsed += reader.stats.cards_unparsed
                if reader.stats.newest is not None:
                    newest = max(newest, reader.stats.newest) if newest else \
                        reader.stats.newest
            provenance.append(_describe_source(dump, files, before))
        merged.close()
        entries[repo_type] = writer.entry(repo_type, pages=0, received=rows,
                                          duplicates_dropped=0)
    observed = job.observation.at or (newest.to_pydatetime() if newest is not None else None)
    if observed is None:
        raise SnapshotError("the dump has no createdAt or lastModified to date it by; give the "
                            "observation date with --as-of")
    name = snapshot_name(observed, writer.root)
    commit = next((f.remote.commit for f in job.files if f.remote and f.remote.commit), None)
    label = {"hub-stats": f"import of {job.repo}@{(commit or job.revision or '')[:12]}",
             "hub-weekly": f"import of {job.repo} {job.folder_date}",
             "local": "import of local files"}[job.kind]
    return writer.publish(name, build_manifest(
        name=name, endpoint=files.endpoint if files else "local files",
        started_at=iso(observed), finished_at=iso(observed), sort="none (imported dump)",
        repo_types=entries, requests=stats.requests - counted[0] if stats else 0,
        retries=stats.retries - counted[1] if stats else 0,
        rate_limited=stats.rate_limited - counted[2] if stats else 0,
        anomalies={"count": anomalies.count, "examples": anomalies.examples or [],
                   "card_data_unparsed": cards_unparsed},
        authenticated=bool(files and files.transport.authenticated),
        expand={}, source_label=f"{label} (observed {iso(observed)})",
        imported={
            "source": job.kind, "repo": job.repo, "revision": job.revision, "commit": commit,
            "folder_date": job.folder_date, "files": provenance, "columns": columns,
            "observed_at": iso(observed), "observed_how": job.observation.derived_from,
            "data_newest": iso(newest.to_pydatetime()) if newest is not None else None,
            "imported_at": iso(clock()),
        }))


@contextlib.contextmanager
def _opened(dump: DumpFile, files: HubFiles | None, spool_dir: Path) -> Iterator[Any]:
    if dump.local is not None:
        with dump.local.open("rb") as handle:
            yield handle
        return
    assert files is not None and dump.remote is not None
    spool_dir.mkdir(parents=True, exist_ok=True)
    with open_remote(files, dump.remote, spool_dir=spool_dir) as handle:
        yield handle


def _describe_source(dump: DumpFile, files: HubFiles | None, before: int) -> dict[str, Any]:
    if dump.remote is None:
        return {"repo_type": dump.repo_type, "path": dump.label, "bytes": dump.size}
    info = dump.remote
    read = (files.bytes_read - before) if files else 0
    return {"repo_type": dump.repo_type, "path": info.path, "url": info.url, "etag": info.etag,
            "commit": info.commit, "bytes": info.size, "bytes_read": read,
            "fraction_read": round(read / info.size, 4) if info.size else None}


# -- the one call the CLI makes ----------
def import_snapshots(source: str, data_dir: Path, *, files: HubFiles | None = None,
                     repo_types: Sequence[str] | None = None, on: date | None = None,
                     since: date | None = None, every: str = "week",
                     as_of: datetime | None = None, licenses: LicenseTable | None = None,
                     clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> ImportResult:
    """Import SOURCE (`hub-stats[@REVISION]`, `hub-weekly`, or a local path) into snapshots."""
    name, _, revision = source.partition("@")
    types = list(repo_types) if repo_types else None
    if name in ("hub-stats", "hub-weekly") and as_of is not None:
        raise ImportUsageError("--as-of applies to local files only (a Hub dump is dated by "
                         "its data or its folder)")
    if name == "hub-stats":
        if on or since:
            raise ImportUsageError("--date and --since apply to hub-weekly; name a revision of "
                             "hub-stats as hub-stats@REVISION")
        jobs = plan_hub_stats(_hub_files(files, name), revision or "main", types or REPO_TYPES)
    elif name == "hub-weekly":
        if revision:
            raise ImportUsageError("hub-weekly takes --date or --since, not @REVISION")
        if (on is None) == (since is None):
            raise ImportUsageError("hub-weekly needs exactly one of --date or --since")
        hub = _hub_files(files, name)
        available = weekly_dates(hub, (types or ["model"])[0])
        days = choose_dates(available, on=on, since=since, every=every)
        jobs = plan_weekly(hub, days, types or REPO_TYPES)
    else:
        if on or since:
            raise ImportUsageError("--date and --since apply to hub-weekly only")
        jobs = plan_local(Path(source).expanduser(), types, as_of)
        files = None
    return run_jobs(jobs, data_dir, files=files, licenses=licenses, clock=clock)


def _hub_files(files: HubFiles | None, name: str) -> HubFiles:
    if files is None:
        raise ImportUsageError(f"{name} is read from the Hub: a files client is needed")
    return files
