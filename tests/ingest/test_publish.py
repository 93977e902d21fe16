"""Publishing a snapshot as one library call: crawl or refresh, export, prune, under the lock."""

from __future__ import annotations

from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from hfexplore.errors import InvalidArgumentError, LockedError
from hfexplore.hub import HubClient, Transport
from hfexplore.ingest.publish import publish_snapshot
from hfexplore.repo_type import RepoType
from hfexplore.store.inventory import list_snapshots
from hfexplore.store.lock import data_dir_lock


def test_crawl_export_and_prune_in_one_call(make_hub, client_for, tmp_path: Path) -> None:
    sim = make_hub(models=300, datasets=40, spaces=20)
    client, data, export = client_for(sim), tmp_path / "data", tmp_path / "export"
    runs = [publish_snapshot(client, data, ["model", RepoType.DATASET], export_dir=export,
                             keep=2) for _ in range(3)]

    last = runs[-1]
    assert not last.incremental and last.exported_to == export
    assert [r.pruned for r in runs] == [[], [], [runs[0].snapshot.name]]
    assert [s.name for s in list_snapshots(data)[0]] == [r.snapshot.name for r in runs[1:]]
    rows = {t: pq.ParquetFile(last.snapshot.path / f"{t}s.parquet").metadata.num_rows
            for t in ("model", "dataset")}
    assert last.counts() == rows and not (last.snapshot.path / "spaces.parquet").exists()
    exported = ds.dataset(export, format="parquet", partitioning="hive")
    day = last.snapshot.as_of.strftime("%Y-%m-%d")
    assert exported.count_rows(filter=(ds.field("repo_type") == "model") &
                               (ds.field("date") == day)) == rows["model"]
    assert last.export_partitions and all(p.is_dir() for p in last.export_partitions)


def test_an_incremental_refresh_starts_from_the_newest(make_hub, client_for,
                                                       tmp_path: Path) -> None:
    client = client_for(make_hub(models=200, datasets=10, spaces=10))
    first = publish_snapshot(client, tmp_path, ["model"])
    again = publish_snapshot(client, tmp_path, ["model"], incremental=True)
    assert again.incremental and again.snapshot.name != first.snapshot.name
    assert again.counts() == first.counts() and again.pruned == []


@pytest.mark.parametrize("options", [{"incremental": True, "fresh": True}, {"keep": 0},
                                     {"repo_types": ["models"]}])
def test_contradictory_or_unknown_arguments_are_refused_before_any_request(
        tmp_path: Path, options: dict) -> None:
    unreachable = HubClient(Transport("http://127.0.0.1:9"))  # any request would fail otherwise
    with pytest.raises(InvalidArgumentError):
        publish_snapshot(unreachable, tmp_path, **options)
    assert not (tmp_path / "snapshots").exists()


def test_another_run_holding_the_data_dir_stops_it_at_once(make_hub, client_for,
                                                           tmp_path: Path) -> None:
    client = client_for(make_hub(models=50, datasets=5, spaces=5))
    with data_dir_lock(tmp_path), pytest.raises(LockedError):
        publish_snapshot(client, tmp_path, ["model"])
    assert list_snapshots(tmp_path)[0] == []
