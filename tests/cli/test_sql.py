from __future__ import annotations

import csv
import io
import json

import pandas as pd
from click.testing import CliRunner

from hfexplore.cli import cli
from hfexplore.store.snapshot import demo_snapshot
from tests.stats.dated import dated_export, dated_snapshots

QUERY = ("select license_category, count(*) as n from models group by all "
         "order by n desc, license_category")


def _expected() -> list[tuple[str, int]]:
    raw = pd.read_parquet(demo_snapshot().path / "models.parquet", columns=["license_category"])
    counts = raw["license_category"].value_counts()
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def test_sql_in_every_format() -> None:
    runner = CliRunner()
    expected = _expected()
    doc = json.loads(runner.invoke(cli, ["sql", "--demo", "-f", "json", QUERY]).stdout)
    assert [(r["license_category"], r["n"]) for r in doc["rows"]] == expected
    assert doc["query"] == QUERY and doc["as_of"] == "2024-07-11T00:00:00Z"
    text = runner.invoke(cli, ["sql", "--demo", "-f", "csv", QUERY]).stdout
    assert [(r["license_category"], int(r["n"])) for r in csv.DictReader(io.StringIO(text))] \
        == expected
    table = runner.invoke(cli, ["sql", "--demo", "-f", "table", QUERY]).stdout
    assert table.startswith("Query result\n") and "as of 2024-07-11T00:00:00Z" in table
    assert f"{expected[0][1]:,}" in table
    markdown = runner.invoke(cli, ["sql", "--demo", "-f", "markdown", QUERY]).stdout
    assert markdown.startswith("### Query result") and "| license_category" in markdown
    plan = runner.invoke(cli, ["sql", "--demo", "--explain", "-f", "json", QUERY])
    assert any("READ_PARQUET" in r["plan"] for r in json.loads(plan.stdout)["rows"])


def test_bad_sql_is_one_line_and_exit_2() -> None:
    for query in ("select * frm models", "delete from models",
                  "select * from read_csv('/etc/passwd')"):
        result = CliRunner().invoke(cli, ["sql", "--demo", query])
        assert result.exit_code == 2, result.output
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ")
        assert "Traceback" not in result.stderr


def test_newest_snapshot_history_and_export(tmp_path) -> None:
    days = ["2026-01-05", "2026-02-10"]
    snapshots = dated_snapshots(tmp_path / "data", days)
    runner = CliRunner()
    base = ["--data-dir", str(tmp_path / "data"), "-f", "json"]
    newest = json.loads(runner.invoke(cli, ["sql", *base, "select count(*) as n from models"])
                        .stdout)
    assert newest["rows"] == [{"n": snapshots[-1].count("model")}]
    per_date = json.loads(runner.invoke(cli, [
        "sql", *base, "select snapshot, count(*) as n from history_models group by all "
        "order by snapshot"]).stdout)
    assert per_date["rows"] == [{"snapshot": s.name, "n": s.count("model")} for s in snapshots]
    dest = dated_export(snapshots, tmp_path / "export")
    exported = json.loads(runner.invoke(cli, [
        "sql", "--export-dir", str(dest), "--data-dir", str(tmp_path / "none"), "-f", "json",
        "select cast(date as varchar) as day, count(*) as n from history_spaces group by all "
        "order by day"]).stdout)
    assert exported["rows"] == [{"day": d, "n": s.count("space")}
                                for d, s in zip(days, snapshots, strict=True)]
    missing = runner.invoke(cli, ["sql", "--data-dir", str(tmp_path / "none"), "select 1"])
    assert missing.exit_code == 1 and "no snapshot" in missing.stderr
