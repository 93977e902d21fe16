"""Publishing a snapshot: crawl (or refresh incrementally), export, prune, as one call.

`hfexplore snapshot create` is this call plus printing; a scheduled job in Python is too:

    from hfexplore.ingest.publish import publish_snapshot
    from hfexplore.hub import connect
    done = publish_snapshot(connect(), data_dir, export_dir=Path("/srv/export"), keep=12)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hfexplore.errors import InvalidArgumentError
from hfexplore.hub import HubClient
from hfexplore.ingest.crawl import ProgressFactory, create_snapshot
from hfexplore.ingest.refresh import refresh_snapshot
from hfexplore.knowledge import LicenseTable
from hfexplore.repo_type import REPO_TYPES, RepoType, RepoTypeLike
from hfexplore.store.export import export_snapshot, prune_export
from hfexplore.store.inventory import prune_snapshots
from hfexplore.store.lock import data_dir_lock
from hfexplore.store.snapshot import Snapshot


@dataclass
class Published:
    """What `publish_snapshot` did."""

    snapshot: Snapshot
    incremental: bool
    exported_to: Path | None = None
    export_partitions: list[Path] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)  # snapshot names removed
    pruned_export_dates: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Repos per repo type in the new snapshot."""
        return {t: e["count"] for t, e in self.snapshot.manifest["repo_types"].items()}


def publish_snapshot(
    client: HubClient,
    data_dir: Path,
    repo_types: Sequence[RepoTypeLike] = REPO_TYPES,
    *,
    incremental: bool = False,
    fresh: bool = False,
    licenses: LicenseTable | None = None,
    progress: ProgressFactory | None = None,
    export_dir: Path | None = None,
    export_formats: Iterable[str] = ("parquet",),
    include_private: bool = False,
    keep: int | None = None,
) -> Published:
    """Crawl the Hub into a new snapshot (resuming an unfinished crawl of the same kind unless
    `fresh`), or with `incremental` fetch only what changed since the newest snapshot; then
    export it to `export_dir` and keep only the newest `keep` snapshots (and export dates).

    The crawl takes the data-dir lock itself; export and pruning take it again afterwards, so
    no other hfexplore run writes to the data directory while either happens."""
    if incremental and fresh:
        raise InvalidArgumentError("incremental and fresh cannot be combined: fresh restarts an "
                                   "unfinished full crawl, an incremental refresh has none")
    if keep is not None and keep < 1:
        raise InvalidArgumentError(f"keep must be at least 1, not {keep}")
    types = [RepoType.parse(t) for t in repo_types]
    licenses = licenses or LicenseTable.load()
    if incremental:
        snapshot = refresh_snapshot(client, data_dir, types, licenses=licenses)
    else:
        snapshot = create_snapshot(client, data_dir, types, licenses=licenses, fresh=fresh,
                                   progress=progress)
    done = Published(snapshot, incremental, exported_to=export_dir)
    if export_dir is None and not keep:
        return done
    with data_dir_lock(data_dir):
        if export_dir is not None:
            done.export_partitions = export_snapshot(snapshot, export_dir, export_formats,
                                                     include_private=include_private)
        if keep:
            done.pruned = prune_snapshots(data_dir, keep)
            if export_dir is not None:
                done.pruned_export_dates = prune_export(export_dir, keep)
    return done
