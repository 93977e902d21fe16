"""Incremental refresh: a new snapshot from the newest one plus what changed since.

Each listing is walked sorted by `lastModified` (newest first) and the walk stops at the first
page that reaches below the base snapshot's high-water mark (its newest `last_modified`).
Repos met on the way replace their old rows or are added; every other row is carried over.

What it cannot see, by construction: deletions (a deleted repo is simply absent from the
listing), and changes that do not touch `lastModified` (downloads, likes and trending score
move without a commit). The manifest names those stale fields and the last full crawl; run a
full `snapshot create` to refresh them and drop deleted repos.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from hfexplore.config import private_dir
from hfexplore.errors import SnapshotError
from hfexplore.hub import HubClient, ListQuery, RepoType, SeenIds
from hfexplore.ingest.progress import EVERY, CrawlLog, progress_lines
from hfexplore.knowledge import LicenseTable
from hfexplore.normalize.columns import normalize_page
from hfexplore.normalize.schema import EXPAND, SCHEMA, Anomalies
from hfexplore.report import iso
from hfexplore.store.inventory import resolve_snapshot
from hfexplore.store.lock import data_dir_lock
from hfexplore.store.snapshot import SNAPSHOTS, Snapshot, build_manifest, file_name, snapshot_name
from hfexplore.store.upgrade import conform
from hfexplore.store.writer import ROW_GROUP, SnapshotWriter

STALE_FIELDS = ["downloads", "downloads_all_time", "likes", "trending_score"]
REFRESH_SORT = "lastModified"


def refresh_snapshot(
    client: HubClient,
    data_dir: Path,
    repo_types: Sequence[RepoType] | None = None,
    *,
    base: Snapshot | None = None,
    licenses: LicenseTable | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    log_every: float = EVERY,
) -> Snapshot:
    """A new snapshot: `base` (the newest) plus what changed since. Progress goes to the log
    at INFO at least every `log_every` seconds, as a crawl's does."""
    licenses = licenses or LicenseTable.load()
    with data_dir_lock(data_dir):
        base = base or resolve_snapshot(None, data_dir)
        types = [t for t in (repo_types or base.repo_types()) if base.has(t)]
        if not types:
            raise SnapshotError(f"snapshot {base.name} has none of the repo types asked for; "
                                "an incremental refresh needs them in its base")
        started = clock()
        root = private_dir(data_dir / SNAPSHOTS)
        name = snapshot_name(started, root)
        with SnapshotWriter.create(root, name) as writer:
            entries: dict[str, dict[str, Any]] = {}
            changed: dict[str, int] = {}
            marks: dict[str, str | None] = {}
            stats = client.transport.stats
            before = (stats.requests, stats.retries, stats.rate_limited)
            anomalies = Anomalies()
            with progress_lines(client.transport, log_every) as monitor:
                for repo_type in types:
                    entry, changed[repo_type], marks[repo_type] = _refresh_type(
                        client, base, writer, repo_type, licenses, anomalies, monitor)
                    entries[repo_type] = entry
            previous = base.manifest.get("incremental") or {}
            return writer.publish(name, build_manifest(
                name=name, endpoint=client.endpoint, started_at=iso(started),
                finished_at=iso(clock()), sort=REFRESH_SORT, repo_types=entries,
                requests=stats.requests - before[0], retries=stats.retries - before[1],
                rate_limited=stats.rate_limited - before[2],
                anomalies={"count": anomalies.count, "examples": anomalies.examples or []},
                authenticated=client.transport.authenticated,
                incremental={
                    "base": base.name,
                    "last_full_crawl": previous.get("last_full_crawl") or
                    base.manifest.get("started_at"),
                    "high_water_mark": marks, "changed": changed,
                    "stale_fields": STALE_FIELDS,
                    "note": "repos deleted since the last full crawl are still listed, and the "
                            "stale fields are as of the last full crawl for unchanged repos; "
                            "run a full `snapshot create` to refresh them",
                }))


def _refresh_type(client: HubClient, base: Snapshot, writer: SnapshotWriter, repo_type: RepoType,
                  licenses: LicenseTable, anomalies: Anomalies, monitor: CrawlLog
                  ) -> tuple[dict[str, Any], int, str | None]:
    base_path = base.path / file_name(repo_type)
    mark = pq.read_table(base_path, columns=["last_modified"],
                         page_checksum_verification=True)["last_modified"]
    high_water = pc.max(mark)
    query = ListQuery(repo_type, expand=EXPAND[repo_type], sort=REFRESH_SORT)
    batches: list[pa.RecordBatch] = []
    pages = 0
    monitor.begin(repo_type, 0, 0)
    for page in client.iter_pages(query, seen=SeenIds(), use_cache=False, typed=True):
        pages += 1
        monitor.page(page)
        monitor.tick()
        batch = normalize_page(page.items, repo_type, licenses, anomalies)
        modified = batch.column("last_modified")
        if high_water.is_valid:
            recent = pc.fill_null(pc.greater_equal(modified, high_water), True)
            batches.append(batch.filter(recent))
            if not pc.all(recent).as_py():
                break  # sorted newest first: the rest is older than the base snapshot
        else:
            batches.append(batch)
    changed = pa.Table.from_batches(batches, schema=SCHEMA)
    changed_ids = changed["_id"].combine_chunks()
    merged = writer.file(repo_type)
    base_file = pq.ParquetFile(base_path, page_checksum_verification=True)
    for batch in base_file.iter_batches(batch_size=ROW_GROUP):
        kept = batch.filter(pc.invert(pc.is_in(batch.column("_id"), changed_ids)))
        merged.add(conform(pa.Table.from_batches([kept]), SCHEMA))
    merged.add(changed)
    merged.close()
    entry = writer.entry(repo_type, pages=pages, changed=changed.num_rows)
    return entry, changed.num_rows, (iso(high_water.as_py()) if high_water.is_valid else None)
