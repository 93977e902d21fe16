"""The snapshot file written while the crawl goes (store/writer.py): the same rows and row
groups as a merge of the parts at the end, around every kind of interruption."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import hfexplore.ingest.crawl as crawl
from hfexplore.errors import HubServerError, SnapshotError
from hfexplore.hub import HubClient, RetryPolicy, Transport
from hfexplore.ingest.crawl import PARTS, create_snapshot
from hfexplore.ingest.dump_import import import_snapshots
from hfexplore.ingest.refresh import refresh_snapshot
from hfexplore.normalize.schema import SCHEMA
from hfexplore.store.snapshot import build_manifest
from hfexplore.store.writer import SnapshotWriter
from tests.hubsim import SyntheticCatalog
from tests.hubsim.dumps import write_dump
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


def flipped_bit_error(path: Path) -> str:
    """What a read verifying page checksums says of `path` with one bit flipped in the last
    page of its `_id` column ("" if it reads)."""
    data = bytearray(path.read_bytes())
    meta = pq.ParquetFile(path).metadata
    column = meta.schema.names.index("_id")
    chunk = meta.row_group(meta.num_row_groups - 1).column(column)
    start = chunk.dictionary_page_offset or chunk.data_page_offset
    data[start + chunk.total_compressed_size - 1] ^= 0x01  # in the page's data, not its header
    try:
        pq.read_table(pa.BufferReader(bytes(data)), page_checksum_verification=True)
    except OSError as exc:
        return str(exc)
    return ""


def test_every_file_the_writer_makes_carries_page_checksums(make_hub, tmp_path) -> None:
    """Crawl, incremental refresh and import: a flipped bit is found by its page's CRC."""
    data = tmp_path / "data"
    crawled = create_snapshot(client_for(make_hub(models=3_000, datasets=300, spaces=200,
                                                  seed=4)), data)
    later = make_hub(models=3_000, datasets=300, spaces=200, seed=4, generation=1)
    refreshed = refresh_snapshot(client_for(later), data, base=crawled)
    dump = write_dump(SyntheticCatalog("model", 2_000, seed=1), "2025-02",
                      tmp_path / "dump" / "models.parquet")
    [imported] = import_snapshots(str(dump), data, as_of=datetime(2026, 1, 2, tzinfo=UTC)
                                  ).snapshots
    for snapshot in (crawled, refreshed, imported):
        for repo_type in snapshot.repo_types():
            assert "CRC checksum verification failed" in flipped_bit_error(
                snapshot.file(repo_type)), (snapshot.name, repo_type)


def manifest_of(name: str, entries: dict) -> dict:
    return build_manifest(name=name, endpoint="http://hub.test", started_at="2026-01-01T00:00:00Z",
                          finished_at="2026-01-01T00:00:00Z", sort="none", repo_types=entries,
                          requests=0, retries=0, rate_limited=0, anomalies={}, authenticated=False)


@pytest.mark.parametrize("resumable", [False, True])
def test_a_writer_stopped_by_any_error_drops_its_unfinished_files(tmp_path, resumable) -> None:
    """Ctrl-C with a file half-written: an import's or a refresh's directory goes; a crawl's
    (resumable) stays with its state, without the unfinished file."""
    state = "state.json" if resumable else None
    with pytest.raises(KeyboardInterrupt), SnapshotWriter.create(
            tmp_path, "2026-01-01T000000Z", resume_state=state) as writer:
        (writer.work / "state.json").write_text("{}")
        writer.file("model").add(SCHEMA.empty_table())
        assert (writer.work / ".models.parquet.tmp").exists()
        raise KeyboardInterrupt
    left = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert left == ([".partial-2026-01-01T000000Z", ".partial-2026-01-01T000000Z/state.json"]
                    if resumable else [])


def test_publishing_drops_the_scratch_and_then_the_resume_state(tmp_path) -> None:
    with SnapshotWriter.create(tmp_path, "x", resume_state="state.json") as writer:
        (writer.work / PARTS).mkdir()
        (writer.work / PARTS / "model-0000000.arrow").write_bytes(b"part")
        (writer.work / "state.json").write_text("{}")
        writer.write("model", [SCHEMA.empty_table()])
        snapshot = writer.publish("2026-01-01T000000Z",
                                  manifest_of("2026-01-01T000000Z",
                                              {"model": writer.entry("model", pages=0)}))
    assert [p.name for p in tmp_path.iterdir()] == ["2026-01-01T000000Z"]
    assert sorted(p.name for p in snapshot.path.iterdir()) == ["manifest.json",
                                                                "models.parquet"]
    assert snapshot.problems() == [] and snapshot.verify() == [] and snapshot.count("model") == 0


def test_a_snapshot_of_the_same_name_is_never_replaced(tmp_path) -> None:
    (tmp_path / "2026-01-01T000000Z").mkdir()
    with pytest.raises(SnapshotError, match="already exists"), SnapshotWriter.create(
            tmp_path, "y") as writer:
        writer.write("model", [SCHEMA.empty_table()])
        writer.publish("2026-01-01T000000Z", manifest_of("2026-01-01T000000Z", {}))
    assert [p.name for p in tmp_path.iterdir()] == ["2026-01-01T000000Z"]
