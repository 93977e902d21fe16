"""`snapshot import`: dumps of each schema era, served by the stand-in, against a crawl of the
same catalogue; faults and bad input."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hfexplore.errors import (
    HubFileChangedError,
    HubUnreachableError,
    SnapshotError,
)
from hfexplore.hub import HubClient, RetryPolicy, Transport
from hfexplore.hub.files import HubFiles
from hfexplore.ingest.crawl import create_snapshot
from hfexplore.ingest.dump_import import HUB_STATS, HUB_WEEKLY, ImportUsageError, import_snapshots
from hfexplore.stats.diff import diff_snapshots
from hfexplore.store.inventory import list_snapshots
from tests.hubsim import SyntheticCatalog
from tests.hubsim.dumps import ERAS, dump_table, hub_stats_repo, weekly_repo, write_dump
from tests.hubsim.files import FileFault, FileStore

FAST = RetryPolicy(base_delay=0.001, max_delay=0.01, timeout=5.0, rng=random.Random(2))
SIZES = {"model": 3_000, "dataset": 900, "space": 400}


def catalogs(seed: int = 0, generation: int = 0) -> dict[str, SyntheticCatalog]:
    return {t: SyntheticCatalog(t, n, seed=seed, generation=generation)
            for t, n in SIZES.items()}


def files_for(sim, policy: RetryPolicy = FAST) -> HubFiles:
    return HubFiles(Transport(sim.url, policy=policy, sleep=lambda s: None))


def ordered(snapshot, repo_type: str) -> pd.DataFrame:
    return snapshot.frame(repo_type).sort_values("id").reset_index(drop=True)


def nothing_half_written(data_dir: Path, before: list[str]) -> None:
    root = data_dir / "snapshots"
    names = sorted(p.name for p in root.iterdir()) if root.exists() else []
    assert names == before
    for snapshot in list_snapshots(data_dir)[0]:
        assert snapshot.verify() == []


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """A crawl of the synthetic catalogue, and the stand-in serving it (for comparisons)."""
    from tests.hubsim.server import HubSim

    cats = catalogs()
    with HubSim(cats) as sim:
        yield create_snapshot(HubClient(Transport(sim.url)), tmp_path_factory.mktemp("crawl"))


@pytest.mark.parametrize("era", ERAS)
def test_each_era_agrees_with_a_crawl_on_every_column_the_dump_has(make_hub, tmp_path, crawled,
                                                                   era) -> None:
    store = FileStore(redirect=era == "2026-10")
    cats = catalogs()
    hub_stats_repo(store, cats, era, tmp_path / "dump", row_group_size=700)
    sim = make_hub(catalogs=cats, files=store)
    result = import_snapshots("hub-stats", tmp_path / "data", files=files_for(sim))
    [snap] = result.snapshots
    imported = snap.manifest["imported"]
    assert imported["commit"] == store.revision(HUB_STATS, "main").commit
    assert [f["etag"] for f in imported["files"]] == [
        store.repos[HUB_STATS]["main"].files[f"{p}.parquet"].etag
        for p in ("models", "datasets", "spaces")]
    assert "newest createdAt/lastModified" in imported["observed_how"]
    for repo_type in SIZES:
        plan = imported["columns"][repo_type]
        got, want = ordered(snap, repo_type), ordered(crawled, repo_type)
        assert len(got) == len(want) == SIZES[repo_type]
        compared = 0
        for column in got.columns:
            if column in plan["null_columns"]:
                assert got[column].isna().all(), column
            elif column == "_id" and "_id" in plan["derived"]:
                assert got["_id"].equals(got["id"])
            elif column in plan["incomplete_columns"]:  # named, and checked in era 2025+
                assert era == "2024-07" and "cardData" in plan["missing_fields"]
            else:
                pd.testing.assert_series_equal(got[column], want[column], obj=column)
                compared += 1
        assert compared >= 12 if repo_type != "space" else compared >= 8
    model_plan = imported["columns"]["model"]
    assert set(model_plan["null_columns"]) >= {"gated", "private", "disabled"}
    if era == "2024-07":
        assert "downloads_all_time" in model_plan["null_columns"]
        assert "modelId" in model_plan["read"]
    assert "config" in model_plan["ignored_columns"] and "config" not in model_plan["read"]
    assert 0 < result.bytes_read <= result.file_bytes  # small files are read in one go


def test_unknown_and_missing_columns_are_named_not_fatal(tmp_path) -> None:
    cat = SyntheticCatalog("model", 500, seed=3)
    items = [cat.item(i) for i in range(500)]
    table = dump_table(items, "model", "2025-02", drop=("tags", "likes"))
    table = table.append_column("shinyNewField", pa.array(["x"] * 500))
    pq.write_table(table, tmp_path / "models.parquet")
    [snap] = import_snapshots(str(tmp_path / "models.parquet"), tmp_path / "data",
                              as_of=pd.Timestamp("2026-01-02", tz="UTC").to_pydatetime()
                              ).snapshots
    plan = snap.manifest["imported"]["columns"]["model"]
    assert plan["unknown_columns"] == ["shinyNewField"]
    assert {"tags", "likes"} <= set(plan["missing_fields"])
    assert {"tags", "likes"} <= set(plan["null_columns"])
    frame = snap.frame("model")
    assert frame["likes"].isna().all() and frame["id"].notna().all()
    assert snap.manifest["started_at"] == "2026-01-02T00:00:00Z"
    assert snap.manifest["imported"]["observed_how"] == "given with --as-of"


def bad_inputs(tmp_path: Path) -> dict[str, tuple[bytes, str]]:
    good = write_dump(SyntheticCatalog("model", 2_000, seed=1), "2025-02", tmp_path / "g.pq",
                      row_group_size=500).read_bytes()
    no_id = pa.table({"downloads": [1, 2], "tags": [["a"], ["b"]]})
    sink = pa.BufferOutputStream()
    pq.write_table(no_id, sink)
    return {
        "not parquet": (b"<html><body>502 Bad Gateway</body></html>",
                        "is not a readable parquet file"),
        "truncated": (good[: len(good) // 2], "is not a readable parquet file"),
        "corrupt chunk": (good[:40] + bytes(4000) + good[4040:], "corrupt or truncated|not a "
                          "readable parquet"),
        "no id column": (sink.getvalue().to_pybytes(), "has no repo id column"),
    }


@pytest.mark.parametrize("case", ["not parquet", "truncated", "corrupt chunk", "no id column"])
def test_bad_files_fail_clearly_and_leave_earlier_snapshots_alone(make_hub, tmp_path,
                                                                  case) -> None:
    content, message = bad_inputs(tmp_path)[case]
    store = FileStore()
    hub_stats_repo(store, {"model": SyntheticCatalog("model", 800)}, "2025-02", tmp_path / "ok")
    sim = make_hub(models=10, datasets=10, spaces=10, files=store)
    data = tmp_path / "data"
    earlier = import_snapshots("hub-stats", data, files=files_for(sim), repo_types=["model"])
    before = [s.name for s in earlier.snapshots]
    store.add(HUB_STATS, "models.parquet", content)
    with pytest.raises(SnapshotError, match=message):
        import_snapshots("hub-stats", data, files=files_for(sim), repo_types=["model"])
    nothing_half_written(data, before)
    (tmp_path / "local.parquet").write_bytes(content)
    with pytest.raises(SnapshotError, match=message):
        import_snapshots(str(tmp_path / "local.parquet"), data, repo_types=["model"])
    nothing_half_written(data, before)


def test_a_dump_changed_mid_read_is_an_error_and_nothing_is_kept(make_hub, tmp_path) -> None:
    # Read through the resolve URL (no CDN redirect: a content-addressed CDN URL keeps serving
    # the version first seen, so it cannot change under the reader).
    store = FileStore(redirect=False)
    hub_stats_repo(store, {"model": SyntheticCatalog("model", 30_000)}, "2025-02",
                   tmp_path / "dump", row_group_size=5_000)
    newer = write_dump(SyntheticCatalog("model", 30_000, generation=1), "2025-02",
                       tmp_path / "newer.parquet", row_group_size=5_000)
    store.swap(3, HUB_STATS, "models.parquet", newer)
    sim = make_hub(models=10, datasets=10, spaces=10, files=store)
    with pytest.raises(HubFileChangedError, match="changed on the Hub while it was being read"):
        import_snapshots("hub-stats", tmp_path / "data", files=files_for(sim),
                         repo_types=["model"])
    nothing_half_written(tmp_path / "data", [])


def test_broken_ranges_are_retried_and_the_import_is_exact(make_hub, tmp_path) -> None:
    cats = {"model": SyntheticCatalog("model", 30_000)}
    store = FileStore()
    written = hub_stats_repo(store, cats, "2025-02", tmp_path / "dump", row_group_size=5_000)
    store.faults += [FileFault("reset", at=frozenset({2})), FileFault("short",
                                                                       at=frozenset({5}))]
    sim = make_hub(models=10, datasets=10, spaces=10, files=store)
    [snap] = import_snapshots("hub-stats", tmp_path / "a", files=files_for(sim),
                              repo_types=["model"]).snapshots
    [local] = import_snapshots(str(written["model"]), tmp_path / "b",
                               repo_types=["model"]).snapshots
    assert store.stats["faults"] == 2 and snap.manifest["retries"] == 2
    read = snap.manifest["imported"]["files"][0]
    assert read["bytes_read"] < 0.8 * read["bytes"]  # the unneeded columns stay on the Hub
    pd.testing.assert_frame_equal(ordered(snap, "model"), ordered(local, "model"))


def test_unreachable_hub_and_missing_dump_are_clear(make_hub, tmp_path) -> None:
    dead = HubFiles(Transport("http://127.0.0.1:9", policy=FAST, sleep=lambda s: None))
    with pytest.raises(HubUnreachableError, match="cannot reach"):
        import_snapshots("hub-stats", tmp_path / "data", files=dead)
    sim = make_hub(models=10, datasets=10, spaces=10, files=FileStore())
    with pytest.raises(SnapshotError, match="may have been taken down"):
        import_snapshots("hub-stats", tmp_path / "data", files=files_for(sim))
    nothing_half_written(tmp_path / "data", [])
    with pytest.raises(ImportUsageError, match="exactly one of --date or --since"):
        import_snapshots("hub-weekly", tmp_path / "data", files=files_for(sim))


@pytest.fixture
def weekly(make_hub, tmp_path):
    weeks = {"2024-07-24": 0, "2024-07-31": 7, "2024-08-07": 14, "2024-09-04": 42}
    served = {day: catalogs(generation=g) for day, g in weeks.items()}
    store = FileStore(page_size=2)
    weekly_repo(store, served, "2024-07", tmp_path / "weekly", row_group_size=1_000)
    return make_hub(models=10, datasets=10, spaces=10, files=store), served


def test_weekly_series_make_one_dated_snapshot_per_folder(weekly, tmp_path) -> None:
    sim, served = weekly
    data = tmp_path / "data"
    result = import_snapshots("hub-weekly", data, files=files_for(sim),
                              since=date(2024, 7, 25), every="week")
    assert [s.name for s in result.snapshots] == [
        "2024-07-31T000000Z", "2024-08-07T000000Z", "2024-09-04T000000Z"]
    first, second = result.snapshots[:2]
    assert "not necessarily" in first.manifest["imported"]["observed_how"] or \
        "may be older" in first.manifest["imported"]["observed_how"]
    assert first.manifest["imported"]["folder_date"] == "2024-07-31"
    for snap, day in zip(result.snapshots, ("2024-07-31", "2024-08-07", "2024-09-04"),
                         strict=True):
        for repo_type, catalog in served[day].items():
            assert snap.count(repo_type) == len(catalog)
    old_ids = {served["2024-07-31"]["model"].repo_id(i) for i in range(len(
        served["2024-07-31"]["model"].ids)) if served["2024-07-31"]["model"].alive[i]}
    new_ids = {served["2024-08-07"]["model"].repo_id(i) for i in range(len(
        served["2024-08-07"]["model"].ids)) if served["2024-08-07"]["model"].alive[i]}
    summary = diff_snapshots(first, second, ["model"]).extra["summary"]["model"]
    assert summary["added"] == len(new_ids - old_ids) > 0
    assert summary["removed"] == len(old_ids - new_ids) > 0
    monthly = import_snapshots("hub-weekly", tmp_path / "monthly", files=files_for(sim),
                               since=date(2024, 7, 1), every="month")
    assert [s.name[:10] for s in monthly.snapshots] == ["2024-07-24", "2024-08-07",
                                                       "2024-09-04"]


def test_weekly_date_picks_the_nearest_folder_or_says_what_exists(weekly, tmp_path) -> None:
    sim, _served = weekly
    [snap] = import_snapshots("hub-weekly", tmp_path / "data", files=files_for(sim),
                              on=date(2024, 8, 5), repo_types=["model"]).snapshots
    assert snap.name == "2024-08-07T000000Z" and snap.repo_types() == ["model"]
    with pytest.raises(SnapshotError, match="run from 2024-07-24 to 2024-09-04"):
        import_snapshots("hub-weekly", tmp_path / "data", files=files_for(sim),
                         on=date(2023, 1, 1))
    nothing_half_written(tmp_path / "data", [snap.name])
    assert HUB_WEEKLY.startswith("hfmlsoc/")


def test_a_diff_between_a_crawl_and_an_import_matches_repos_by_id(make_hub, tmp_path,
                                                                   crawled) -> None:
    # hub-stats models have no _id column: the importer fills it with the repo id, so the diff
    # matches such snapshots by (case-insensitive) repo id instead of reporting every repo as
    # removed and added again.
    store = FileStore()
    cats = catalogs()
    hub_stats_repo(store, cats, "2026-10", tmp_path / "dump", row_group_size=700)
    sim = make_hub(catalogs=cats, files=store)
    [imported] = import_snapshots("hub-stats", tmp_path / "data", files=files_for(sim)).snapshots
    assert "_id" in imported.manifest["imported"]["columns"]["model"]["derived"]
    report = diff_snapshots(crawled, imported, ["model"])
    assert report.extra["summary"]["model"]["added"] == 0
    assert report.extra["summary"]["model"]["removed"] == 0
