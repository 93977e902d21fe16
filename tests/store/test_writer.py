"""The snapshot file written while the crawl goes (store/writer.py): the same rows and row
groups as a merge of the parts at the end, around every kind of interruption."""

from __future__ import annotations

import random

import pandas as pd
import pyarrow.parquet as pq
import pytest

import hfexplore.ingest.crawl as crawl
from hfexplore.errors import HubServerError, SnapshotError
from hfexplore.hub import HubClient, RetryPolicy, Transport
from hfexplore.ingest.crawl import PARTS, create_snapshot
from tests.hubsim.faults import Fault, FaultPlan

FAST = RetryPolicy(base_delay=0.01, max_delay=0.05, timeout=5.0, rng=random.Random(3))
MODELS = 14_000  # 14 pages of 1,000: checkpoint parts of 4,000, 4,000, 4,000 and 2,000 rows


@pytest.fixture(autouse=True)
def small_row_groups(monkeypatch) -> None:
    # 6,000 rows a group: parts are coalesced until they reach it, then cut at 6,000.
    monkeypatch.setattr("hfexplore.store.writer.ROW_GROUP", 6_000)


def client_for(sim, policy: RetryPolicy = FAST) -> HubClient:
    return HubClient(Transport(sim.url, policy=policy))


def groups(snapshot) -> list[int]:
    meta = pq.ParquetFile(snapshot.path / "models.parquet").metadata
    return [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]


def rows(snapshot) -> pd.DataFrame:
    return pq.read_table(snapshot.path / "models.parquet").to_pandas()


def full_crawl(make_hub, tmp_path):
    return create_snapshot(client_for(make_hub(models=MODELS, seed=7)), tmp_path / "full",
                           ["model"])


def test_an_uninterrupted_crawl_cuts_row_groups_as_the_end_merge_did(make_hub,
                                                                     tmp_path) -> None:
    snap = full_crawl(make_hub, tmp_path)
    # 4,000 + 4,000 reach 6,000: written as 6,000 + 2,000; then 4,000 + 2,000 at the end.
    assert groups(snap) == [6_000, 2_000, 6_000]
    assert rows(snap)["id"].is_unique and len(rows(snap)) == MODELS
    assert snap.verify() == []


def test_a_walk_stopped_midway_drops_the_unfinished_file_and_a_resume_rebuilds_it(
        make_hub, tmp_path) -> None:
    full = full_crawl(make_hub, tmp_path)
    sim = make_hub(models=MODELS, seed=7, faults=FaultPlan([Fault("503", at=frozenset({6}))]))
    with pytest.raises(HubServerError):
        create_snapshot(client_for(sim, RetryPolicy(max_attempts=1)), tmp_path / "resumed",
                        ["model"])
    partial = next((tmp_path / "resumed" / "snapshots").glob(".partial-*"))
    assert sorted(p.name for p in partial.iterdir()) == [PARTS, crawl.STATE]
    # What a kill -9 leaves: the unfinished file, without its footer.
    (partial / ".models.parquet.tmp").write_bytes(b"PAR1 half a row group")
    resumed = create_snapshot(client_for(sim), tmp_path / "resumed", ["model"])
    assert sim.stats["listing"] == 6 + 9  # pages 1-5, the failure, then pages 6-14 only
    pd.testing.assert_frame_equal(rows(resumed).sort_values("_id").reset_index(drop=True),
                                  rows(full).sort_values("_id").reset_index(drop=True))
    # Parts of 4,000 and 1,000 rows before the stop, then 4,000, 4,000 and 1,000: the groups a
    # merge of these parts at the end writes.
    assert groups(resumed) == [6_000, 3_000, 5_000]
    assert resumed.verify() == []


class Killed(BaseException):
    """Stands for a kill between the end of the walk and the manifest."""


@pytest.mark.parametrize("file_kept", [True, False])
def test_a_crawl_killed_after_its_walk_publishes_the_same_file_on_resume(
        make_hub, tmp_path, monkeypatch, file_kept) -> None:
    full = full_crawl(make_hub, tmp_path)
    sim = make_hub(models=MODELS, seed=7)
    finish = crawl._merge_and_describe

    def killed(*args, **kwargs):
        raise Killed

    monkeypatch.setattr(crawl, "_merge_and_describe", killed)
    with pytest.raises(Killed):
        create_snapshot(client_for(sim), tmp_path / "resumed", ["model"])
    partial = next((tmp_path / "resumed" / "snapshots").glob(".partial-*"))
    assert (partial / "models.parquet").exists()  # complete once renamed
    if not file_kept:  # e.g. a kill before the rename: the parts are merged instead
        (partial / "models.parquet").unlink()
    monkeypatch.setattr(crawl, "_merge_and_describe", finish)
    resumed = create_snapshot(client_for(sim), tmp_path / "resumed", ["model"])
    assert sim.stats["listing"] == 14  # the resume made no request
    assert groups(resumed) == groups(full) == [6_000, 2_000, 6_000]
    pd.testing.assert_frame_equal(rows(resumed), rows(full))
    assert resumed.manifest["repo_types"]["model"]["count"] == MODELS
    assert resumed.verify() == []


def test_a_full_disk_while_a_group_is_encoded_stops_the_crawl_which_then_resumes(
        make_hub, tmp_path, monkeypatch) -> None:
    full = full_crawl(make_hub, tmp_path)
    sim = make_hub(models=MODELS, seed=7)

    class FullDisk(pq.ParquetWriter):
        def write_table(self, *args, **kwargs):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr("hfexplore.store.writer.pq.ParquetWriter", FullDisk)
    with pytest.raises(SnapshotError, match="No space left"):
        create_snapshot(client_for(sim), tmp_path / "resumed", ["model"])
    partial = next((tmp_path / "resumed" / "snapshots").glob(".partial-*"))
    assert not (partial / ".models.parquet.tmp").exists()
    monkeypatch.undo()
    monkeypatch.setattr("hfexplore.store.writer.ROW_GROUP", 6_000)
    resumed = create_snapshot(client_for(sim), tmp_path / "resumed", ["model"])
    assert groups(resumed) == [6_000, 2_000, 6_000]  # whatever the pages fetched before
    pd.testing.assert_frame_equal(rows(resumed), rows(full))
