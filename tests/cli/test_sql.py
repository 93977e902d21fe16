from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest
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


def test_the_query_from_standard_input_or_a_file(tmp_path) -> None:
    """For a query longer than one command-line argument allows (a list of 20,000 ids)."""
    ids = pd.read_parquet(demo_snapshot().path / "models.parquet", columns=["id"])["id"]
    chosen = list(ids[::2])
    listed = ", ".join("'" + i.replace("'", "''") + "'" for i in chosen)
    query = f"SELECT count(*) AS n FROM models WHERE id IN ({listed})"
    assert len(query.encode()) > 131_072  # longer than Linux lets one argument be
    runner = CliRunner()
    piped = runner.invoke(cli, ["sql", "--demo", "-f", "json", "-"], input=query)
    assert piped.exit_code == 0, piped.output
    assert json.loads(piped.stdout)["rows"] == [{"n": len(set(chosen))}]
    path = tmp_path / "query.sql"
    path.write_text(query)
    from_file = runner.invoke(cli, ["sql", "--demo", "-f", "json", "--file", str(path)])
    assert json.loads(from_file.stdout)["rows"] == [{"n": len(set(chosen))}]
    both = runner.invoke(cli, ["sql", "--demo", "SELECT 1", "--file", str(path)])
    assert both.exit_code == 2 and "one of them" in both.stderr
    empty = runner.invoke(cli, ["sql", "--demo", "-"], input="  \n")
    assert empty.exit_code == 2 and "the query is empty" in empty.stderr


def test_blobs_are_base64_in_json_and_csv_and_booleans_lower_case() -> None:
    query = ("SELECT 'hub'::BLOB AS raw, '\\x00\\xFF'::BLOB AS binary, true AS yes, "
             "[true, false] AS flags")
    runner = CliRunner()
    doc = json.loads(runner.invoke(cli, ["sql", "--demo", "-f", "json", query]).stdout)
    assert doc["rows"] == [{"raw": "aHVi", "binary": "AP8=", "yes": True,
                            "flags": [True, False]}]
    text = runner.invoke(cli, ["sql", "--demo", "-f", "csv", query]).stdout
    assert list(csv.reader(io.StringIO(text))) == [["raw", "binary", "yes", "flags"],
                                                   ["aHVi", "AP8=", "true", "[true, false]"]]


def test_csv_writes_booleans_one_way_in_every_column() -> None:
    """`gated` is text ("false", "auto", "manual"), `private` a boolean: both read false."""
    text = CliRunner().invoke(cli, ["sql", "--demo", "-f", "csv", "SELECT gated, private, "
                                    "disabled FROM models WHERE gated = 'false' LIMIT 1"]).stdout
    assert text.splitlines() == ["gated,private,disabled", "false,false,false"]


@pytest.mark.parametrize(("query", "message"), [
    ("INSTALL httpfs", "error: only SELECT queries are allowed, the data is read-only (this is "
                       "an INSTALL statement)"),
    ("LOAD httpfs", "error: only SELECT queries are allowed, the data is read-only (this is "
                    "a LOAD statement)"),
    ("SELECT * FROM sqlite_scan('x.db', 't')",
     "error: refused: the query needs DuckDB's sqlite_scanner extension, and queries here may "
     "not install or load extensions (they read only the snapshot's files)"),
    ("SELECT " + "(" * 1200 + "1" + ")" * 1200,
     "error: bad SQL: the query nests expressions more than 1000 levels deep, DuckDB's limit "
     "(which queries here cannot raise); write it with fewer nested parts"),
])
def test_refusals_say_what_happened_without_advice_that_cannot_be_followed(
        query: str, message: str) -> None:
    result = CliRunner().invoke(cli, ["sql", "--demo", query])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [message]


def test_an_export_dir_that_is_a_data_dir_is_named_as_such(tmp_path) -> None:
    dated_snapshots(tmp_path, ["2026-11-22"])
    result = CliRunner().invoke(cli, ["sql", "--export-dir", str(tmp_path),
                                      "SELECT count(*) FROM history_models"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: {tmp_path} is a data directory (it holds snapshots/), not an export directory: "
        "an export holds repo_type=<type>/date=<YYYY-MM-DD>/part-0.parquet, as `hfexplore "
        "snapshot create --export DIR` writes it; a data directory is read with --data-dir"]
    (tmp_path / "other").mkdir()
    empty = CliRunner().invoke(cli, ["sql", "--export-dir", str(tmp_path / "other"), "SELECT 1"])
    assert empty.exit_code == 1 and "holds no export: expected repo_type=" in empty.stderr


def test_the_help_lists_the_tables_columns_as_they_are() -> None:
    help_text = " ".join(CliRunner().invoke(cli, ["sql", "--help"]).stdout.split())
    for table in ("licenses", "families"):
        columns = json.loads(CliRunner().invoke(
            cli, ["sql", "--demo", "-f", "json", f"DESCRIBE {table}"]).stdout)["rows"]
        assert f"{table} ({', '.join(c['column_name'] for c in columns)})" in help_text
