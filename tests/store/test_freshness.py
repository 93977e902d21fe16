"""How old a snapshot's contents are (store/freshness.py): recorded by the writer, read from
the files' statistics for snapshots written before, and a warning on every report."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from hfexplore.claims import check_claims, evaluator_for, load_claim_files
from hfexplore.cli import cli
from hfexplore.normalize.schema import SCHEMA
from hfexplore.store.freshness import newest_dates
from hfexplore.store.snapshot import build_manifest, demo_snapshot, open_snapshot
from hfexplore.store.writer import SnapshotWriter

DEMO_MODELS = demo_snapshot().file("model")


def models(rows: int = 200) -> pa.Table:
    """Real July 2024 models (the demo's first rows)."""
    return pq.read_table(DEMO_MODELS).slice(0, rows)


def write(root: Path, table: pa.Table, started_at: str, name: str = "snap") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    writer = SnapshotWriter.create(root, name, kind="import")
    with writer:
        writer.write("model", [table])
        return writer.publish(name, build_manifest(
            name=name, endpoint="test", started_at=started_at, finished_at=started_at,
            sort="downloads", repo_types={"model": writer.entry("model")}, requests=0,
            retries=0, rate_limited=0, anomalies={}, authenticated=False)).path


def newest(table: pa.Table, column: str) -> str:
    return pd.Series(table.column(column).to_pandas()).max().strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_writer_records_the_newest_repo_and_whether_it_is_stale(tmp_path) -> None:
    table = models()
    path = write(tmp_path / "snapshots", table, "2026-12-03T00:00:00Z")
    freshness = json.loads((path / "manifest.json").read_text())["freshness"]
    assert freshness["newest"]["model"] == {"created_at": newest(table, "created_at"),
                                            "last_modified": newest(table, "last_modified")}
    assert freshness["stale"] == ["model"] and freshness["stale_after_days"] == 30
    fresh = write(tmp_path / "snapshots", table, "2024-07-20T00:00:00Z", name="fresh")
    assert json.loads((fresh / "manifest.json").read_text())["freshness"]["stale"] == []


def test_an_older_snapshot_is_dated_from_its_files_statistics(tmp_path) -> None:
    path = write(tmp_path / "snapshots", models(), "2026-12-03T00:00:00Z")
    manifest = json.loads((path / "manifest.json").read_text())
    del manifest["freshness"]  # as written before the field existed
    (path / "manifest.json").write_text(json.dumps(manifest))
    snapshot = open_snapshot(path)
    assert snapshot.freshness().newest_repo("model") == pd.Series(
        models().column("created_at").to_pandas()).max().to_pydatetime()
    assert snapshot.freshness().stale_types == ["model"]
    # No statistics at all (another writer): the column itself is read.
    pq.write_table(models(), path / "models.parquet", write_statistics=False)
    assert newest_dates(path / "models.parquet")["created_at"] == \
        snapshot.freshness().newest_repo("model")


def test_a_file_of_nulls_has_no_newest_repo(tmp_path) -> None:
    table = models(3)
    empty = table.set_column(table.schema.get_field_index("created_at"), "created_at",
                             pa.nulls(3, SCHEMA.field("created_at").type))
    empty = empty.set_column(empty.schema.get_field_index("last_modified"), "last_modified",
                             pa.nulls(3, SCHEMA.field("last_modified").type))
    path = write(tmp_path / "snapshots", empty, "2026-12-03T00:00:00Z")
    snapshot = open_snapshot(path)
    assert snapshot.freshness().newest_repo("model") is None
    assert snapshot.freshness().stale_types == []


def test_the_demo_is_not_stale() -> None:
    assert demo_snapshot().freshness().warning("demo") == ""


@pytest.fixture
def stale(tmp_path) -> Path:
    return write(tmp_path / "data" / "snapshots", models(), "2026-12-03T00:00:00Z",
                 name="2026-12-03T000000Z")


@pytest.mark.parametrize("command", [["stats"], ["licenses"], ["authors"], ["lineage"],
                                     ["growth"], ["sql", "SELECT count(*) FROM models"]])
def test_every_report_on_stale_data_warns_once_with_both_dates(stale, command) -> None:
    result = CliRunner().invoke(cli, [*command, "--snapshot", str(stale)])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1
    assert "dated 2026-12-03" in warnings[0] and "are from 2024-07-11" in warnings[0]


def test_claims_on_stale_data_warn_and_take_its_date_as_a_range(stale, tmp_path) -> None:
    claims = tmp_path / "claims.toml"
    claims.write_text('[[claim]]\nid = "million"\ndate = 2026-01-25\n'
                      'metric = { kind = "count", repo_type = "model" }\n'
                      'expect = { op = ">", value = 1_000 }\n'
                      '[[claim]]\nid = "hundred"\ndate = 2026-01-25\n'
                      'metric = { kind = "count", repo_type = "model" }\n'
                      'expect = { op = ">=", value = 100 }\n')
    result = CliRunner().invoke(cli, ["claims", "--no-builtin", str(claims), "--snapshot",
                                      str(stale), "--format", "json"])
    assert "dated 2026-12-03" in result.stderr and "are from 2024-07-11" in result.stderr
    rows = {r["id"]: r for r in json.loads(result.stdout)["rows"]}
    # 200 models of July 2024: read as of 2026-12-03 they would refute "over 1,000" in
    # January 2026; of any day since July 2024, they only bound it from below.
    assert rows["million"]["verdict"] == "inconclusive"
    assert rows["million"]["at_claim_date"] == "at least 200"
    assert "newest repo is from 2024-07-11" in rows["million"]["caveat"]
    assert rows["hundred"]["verdict"] == "supported"
    # The same data dated on its newest day is simply older than the claim; dated after the
    # claim and fresh, it refutes.
    loaded = load_claim_files([claims]).claims
    fresh = open_snapshot(write(tmp_path / "other" / "snapshots", models(),
                                "2026-02-01T00:00:00Z", name="x"))
    fresh._freshness = None
    fresh.manifest["freshness"]["stale"] = []
    fresh.manifest["freshness"]["newest"]["model"] = {"created_at": "2026-01-31T00:00:00Z",
                                                      "last_modified": None}
    report = check_claims(loaded, evaluator_for(None, fresh, force_snapshot=True,
                                                now=lambda: datetime(2026, 2, 2, tzinfo=UTC)))
    assert report.rows.set_index("id").loc["million", "verdict"] == "refuted"
