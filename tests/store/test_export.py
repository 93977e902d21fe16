from __future__ import annotations

import csv
import json

import duckdb
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from hfexplore.cli import cli
from hfexplore.errors import HfExploreError
from hfexplore.hub import HubClient, Transport
from hfexplore.ingest.crawl import create_snapshot
from hfexplore.store.export import export_dates, export_snapshot, prune_export
from hfexplore.store.inventory import list_snapshots, prune_snapshots
from tests.hubsim import RecordedCatalog, SyntheticCatalog


@pytest.fixture
def snapshot(make_hub, tmp_path):
    sim = make_hub(models=2_500, datasets=700, spaces=300)
    return create_snapshot(HubClient(Transport(sim.url)), tmp_path / "data")


def test_the_export_is_one_table_for_pyarrow_and_duckdb(snapshot, tmp_path) -> None:
    dest = tmp_path / "export"
    export_snapshot(snapshot, dest, ["parquet", "csv", "jsonl"])
    day = snapshot.as_of.strftime("%Y-%m-%d")
    assert (dest / "repo_type=model" / f"date={day}" / "part-0.parquet").exists()
    table = ds.dataset(dest, format="parquet", partitioning="hive").to_table()
    counts = table.group_by("repo_type").aggregate([("id", "count")]).to_pydict()
    assert dict(zip(counts["repo_type"], counts["id_count"], strict=True)) == {
        "model": 2_500, "dataset": 700, "space": 300}
    rows = duckdb.sql(f"select repo_type, count(*) as n from read_parquet('{dest}/**/*.parquet', "
                      "hive_partitioning=true) group by 1 order by 1").fetchall()
    assert rows == [("dataset", 700), ("model", 2_500), ("space", 300)]
    manifest = json.loads((dest / "_manifests" / f"{day}.json").read_text())
    assert manifest["snapshot"] == snapshot.name
    with (dest / "_csv" / "repo_type=model" / f"date={day}" / "part-0.csv").open() as handle:
        assert sum(1 for _ in csv.DictReader(handle)) == 2_500
    jsonl = dest / "_jsonl" / "repo_type=space" / f"date={day}" / "part-0.jsonl"
    assert len(jsonl.read_text().splitlines()) == 300


def test_private_repos_and_formulas(make_hub, tmp_path) -> None:
    items = [{"_id": f"{i:024x}", "id": f"org/m{i}", "private": i == 0, "tags": [],
              "likes": 0, "downloads": 1, "createdAt": "2024-01-01T00:00:00.000Z"}
             for i in range(3)]
    items[1]["author"] = "=HYPERLINK(\"http://x\")"  # a repo-provided field, formula-like
    catalogs = {"model": RecordedCatalog.from_items("model", items),
                "dataset": SyntheticCatalog("dataset", 1), "space": SyntheticCatalog("space", 1)}
    sim = make_hub(catalogs=catalogs)
    snap = create_snapshot(HubClient(Transport(sim.url)), tmp_path / "d", ["model"])
    day = snap.as_of.strftime("%Y-%m-%d")
    export_snapshot(snap, tmp_path / "e", ["parquet", "csv"])
    table = pq.read_table(tmp_path / "e" / "repo_type=model" / f"date={day}" / "part-0.parquet")
    assert sorted(table["id"].to_pylist()) == sorted(i["id"] for i in items[1:])
    text = (tmp_path / "e" / "_csv" / "repo_type=model" / f"date={day}" / "part-0.csv").read_text()
    rows = list(csv.DictReader(text.splitlines()))
    assert [r["author"] for r in rows if r["id"] == "org/m1"] == ["'=HYPERLINK(\"http://x\")"]
    assert not any(v.startswith(("=", "+", "@")) for r in rows for v in r.values())
    export_snapshot(snap, tmp_path / "p", ["parquet"], include_private=True)
    assert pq.read_table(next((tmp_path / "p").rglob("*.parquet"))).num_rows == 3


def test_a_crash_mid_export_leaves_the_previous_export_whole(snapshot, tmp_path,
                                                            monkeypatch) -> None:
    dest = tmp_path / "export"
    export_snapshot(snapshot, dest)
    before = {p.relative_to(dest): p.read_bytes() for p in dest.rglob("*.parquet")}
    import hfexplore.store.export as export_module

    calls = {"n": 0}
    real_write = export_module.pq.write_table

    def failing_write(table, where, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        return real_write(table, where, **kwargs)

    monkeypatch.setattr(export_module.pq, "write_table", failing_write)
    with pytest.raises(HfExploreError, match="No space left on device"):
        export_snapshot(snapshot, dest)
    after = {p.relative_to(dest): p.read_bytes() for p in dest.rglob("*.parquet")}
    assert after == before  # each partition is the old one or the new one, whole
    assert not [p for p in dest.rglob(".staging-*")]
    assert ds.dataset(dest, format="parquet", partitioning="hive").count_rows() == 3_500


def test_prune_keeps_the_newest(make_hub, tmp_path) -> None:
    sim = make_hub(models=100, datasets=10, spaces=10)
    client = HubClient(Transport(sim.url))
    names = [create_snapshot(client, tmp_path, ["model"]).name for _ in range(3)]
    assert prune_snapshots(tmp_path, 2) == names[:1]
    assert [s.name for s in list_snapshots(tmp_path)[0]] == names[1:]
    dest = tmp_path / "export"
    for index, day in enumerate(["2026-01-01", "2026-01-02", "2026-01-03"]):
        partition = dest / "repo_type=model" / f"date={day}"
        partition.mkdir(parents=True)
        (partition / "part-0.parquet").write_bytes(b"x" * index)
    assert prune_export(dest, 1) == ["2026-01-01", "2026-01-02"]
    assert export_dates(dest) == ["2026-01-03"]


def test_cli_create_with_export_keep_and_history(make_hub, tmp_path) -> None:
    sim = make_hub(models=1_000, datasets=100, spaces=50)
    runner = CliRunner()
    args = ["snapshot", "create", "--endpoint", sim.url, "--no-cache", "--data-dir",
            str(tmp_path / "d"), "--export", str(tmp_path / "e"), "--export-format",
            "parquet,csv", "--keep", "2"]
    for _ in range(3):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
    assert "exported to" in result.stdout and "pruned 1 old" in result.stdout
    assert len(list_snapshots(tmp_path / "d")[0]) == 2
    history = json.loads(runner.invoke(cli, ["history", "--data-dir", str(tmp_path / "d"),
                                             "-f", "json"]).stdout)
    assert [r["model"] for r in history["rows"]] == [1_000, 1_000]
    from_export = json.loads(runner.invoke(cli, ["history", "--export-dir", str(tmp_path / "e"),
                                                 "--metric", "license", "-f", "json"]).stdout)
    assert {"date", "category", "count"} <= set(from_export["rows"][0])
    bad = runner.invoke(cli, [*args[:-4], "--export-format", "xml"])
    assert bad.exit_code == 2 and "parquet, csv, jsonl" in bad.stderr


def test_cli_second_run_while_locked_exits_75(tmp_path) -> None:
    from hfexplore.store.lock import data_dir_lock

    with data_dir_lock(tmp_path):
        result = CliRunner().invoke(cli, ["snapshot", "prune", "--keep", "1", "--data-dir",
                                          str(tmp_path)])
    assert result.exit_code == 75 and "is writing to" in result.stderr
