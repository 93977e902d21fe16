"""Every report command, in every format, offline over the bundled demo snapshot."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from hfexplore.cli import cli

REPORTS = [
    ["stats"], ["licenses"], ["licenses", "--open-weight"], ["licenses", "--by", "category"],
    ["licenses", "--by", "license_family", "--repo-type", "dataset"], ["libraries"], ["tasks"],
    ["tasks", "--repo-type", "dataset"], ["authors"], ["authors", "--by-family"],
    ["authors", "--sort", "downloads", "--repo-type", "space"], ["lineage"],
    ["lineage", "--family", "Meta"], ["lineage", "--parent-family", "Meta"],
    ["growth", "--by", "year"],
]


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize("command", REPORTS, ids=lambda c: " ".join(c))
@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_every_report_in_every_format_offline(command: list[str], fmt: str) -> None:
    result = run(*command, "--demo", "--format", fmt)
    assert result.exit_code == 0, result.output
    out = result.stdout
    if fmt == "json":
        doc = json.loads(out)
        assert doc["as_of"] == "2024-07-11T00:00:00Z" and doc["source"].startswith("demo")
        assert doc["rows"] and all(isinstance(row, dict) for row in doc["rows"])
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert rows
    elif fmt == "markdown":
        assert out.startswith("### ") and "|" in out
    else:
        assert "as of 2024-07-11" in out


def test_licenses_json_contract() -> None:
    doc = json.loads(run("licenses", "--demo", "-f", "json", "--top", "3").stdout)
    assert [set(r) for r in doc["rows"]] == [{"license", "category", "count", "share"}] * 3
    assert doc["rows"][0]["license"] == "(none)"


def test_stats_json_keeps_totals() -> None:
    doc = json.loads(run("stats", "--demo", "-f", "json").stdout)
    assert doc["totals"] == {"models": 20_000, "datasets": 5_000, "spaces": 123}
    assert {"top_licenses", "license_categories", "top_libraries", "top_authors",
            "top_tasks"} <= set(doc)


def test_filters_narrow_the_rows() -> None:
    all_rows = json.loads(run("libraries", "--demo", "-f", "json", "--top", "0").stdout)
    since = json.loads(run("libraries", "--demo", "-f", "json", "--top", "0",
                           "--created-after", "2024-01-01").stdout)
    assert sum(r["count"] for r in since["rows"]) < sum(r["count"] for r in all_rows["rows"])
    one = json.loads(run("authors", "--demo", "-f", "json", "--author", "TheBloke").stdout)
    assert [r["author"] for r in one["rows"]] == ["TheBloke"]


def test_top_zero_shows_every_row() -> None:
    doc = json.loads(run("libraries", "--demo", "-f", "json", "--top", "0").stdout)
    assert sum(r["count"] for r in doc["rows"]) == 20_000


def test_growth_plot(tmp_path) -> None:
    target = tmp_path / "growth.png"
    result = run("growth", "--demo", "--plot", str(target), "-f", "json")
    assert result.exit_code == 0, result.output
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(("args", "status", "text"), [
    (["licenses", "--data-dir", "EMPTY"], 1, "no snapshot in"),
    (["licenses", "--demo", "--created-after", "yesterday"], 2, "is not a date"),
    (["licenses", "--demo", "--top", "-1"], 2, "--top"),
    (["lineage", "--demo", "--family", "Nobody"], 1, "unknown family"),
    (["licenses", "--snapshot", "nope", "--data-dir", "EMPTY"], 1, "no snapshot named"),
    (["licenses", "--demo", "--snapshot", "x"], 2, "cannot be combined"),
])
def test_bad_input_is_one_clear_line(tmp_path, args: list[str], status: int, text: str) -> None:
    args = [str(tmp_path / "d") if a == "EMPTY" else a for a in args]
    result = run(*args)
    assert result.exit_code == status
    assert text in result.stderr and "Traceback" not in result.output


def test_snapshot_list_and_show(make_hub, tmp_path) -> None:
    sim = make_hub(models=1_200, datasets=300, spaces=100)
    created = run("snapshot", "create", "--data-dir", str(tmp_path), "--endpoint", sim.url,
                  "--no-cache")
    assert created.exit_code == 0, created.output
    assert "1,200 models, 300 datasets, 100 spaces" in created.stdout
    listed = json.loads(run("snapshot", "list", "--data-dir", str(tmp_path), "-f", "json").stdout)
    assert [r["models"] for r in listed["rows"]] == [1_200]
    shown = json.loads(run("snapshot", "show", "--data-dir", str(tmp_path), "--verify").stdout)
    assert shown["problems"] == [] and shown["repo_types"]["dataset"]["count"] == 300
    stats = json.loads(run("stats", "--data-dir", str(tmp_path), "-f", "json").stdout)
    assert stats["totals"] == {"models": 1_200, "datasets": 300, "spaces": 100}


def test_families_is_a_file_everywhere_and_by_family_groups(tmp_path) -> None:
    families = tmp_path / "fam.toml"
    families.write_text('[families]\n"Bloke Inc" = ["TheBloke"]\n')
    grouped = json.loads(run("authors", "--demo", "--by-family", "--families", str(families),
                             "-f", "json", "--top", "0").stdout)
    rows = {r["family"]: r["count"] for r in grouped["rows"]}
    plain = json.loads(run("authors", "--demo", "-f", "json", "--author", "TheBloke").stdout)
    assert rows["Bloke Inc"] == plain["rows"][0]["count"]
    for command in (["licenses", "--open-weight"], ["lineage"], ["authors"]):
        assert run(*command, "--demo", "--families", str(families), "-f", "json").exit_code == 0
    old_flag = run("authors", "--demo", "--families")
    assert old_flag.exit_code == 2 and "requires an argument" in old_flag.stderr
    assert run("authors", "--demo", "--families-file", str(families)).exit_code == 2


@pytest.mark.parametrize(("args", "text"), [
    (["lineage", "--demo", "--license-table", "TABLE"], "No such option '--license-table'"),
    (["snapshot", "create", "--incremental", "--fresh"], "--incremental and --fresh cannot be"),
    (["snapshot", "create", "--incremental", "--progress"], "--incremental shows no progress"),
])
def test_options_that_would_be_ignored_are_refused(tmp_path, args: list[str], text: str) -> None:
    table = tmp_path / "licenses.csv"
    table.write_text("id,category\nmine,permissive\n")
    result = run(*[str(table) if a == "TABLE" else a for a in args],
                 *(["--data-dir", str(tmp_path / "d")] if args[0] == "snapshot" else []))
    assert result.exit_code == 2 and text in result.stderr


def test_license_family_is_the_license_grouping_and_family_its_old_spelling() -> None:
    new = json.loads(run("licenses", "--demo", "--by", "license_family", "-f", "json").stdout)
    old = json.loads(run("licenses", "--demo", "--by", "family", "-f", "json").stdout)
    assert new == old
    assert set(new["rows"][0]) == {"license_family", "count", "share"}
    assert {row["license_family"] for row in new["rows"]} >= {"apache", "mit", "(none)"}
    table = run("licenses", "--demo", "--by", "license_family", "--top", "3", "-f", "table").stdout
    assert table.startswith("Models by license family\n")
    assert "license_family" in run("licenses", "--help").stdout


def test_growth_flags_a_partial_period_in_every_format() -> None:
    """The demo ends on 2024-07-11: July 2024 holds 11 days; --created-after cuts the first."""
    doc = json.loads(run("growth", "--demo", "-f", "json").stdout)
    partial = [row["month"] for row in doc["rows"] if row["partial"] is True]
    assert partial == ["2024-07"] and doc["rows"][-1]["month"] == "2024-07"
    assert all(row["partial"] is False for row in doc["rows"][:-1])
    assert "2024-07 is partial: the data ends on 2024-07-11" in doc["notes"]
    cut = json.loads(run("growth", "--demo", "--created-after", "2023-03-15",
                         "--created-before", "2023-06-01", "-f", "json").stdout)
    assert [(r["month"], r["partial"]) for r in cut["rows"]] == [
        ("2023-03", True), ("2023-04", False), ("2023-05", False)]
    rows = list(csv.DictReader(io.StringIO(run("growth", "--demo", "--by", "year",
                                               "-f", "csv").stdout)))
    assert [(r["year"], r["partial"]) for r in rows] == [("2022", "false"), ("2023", "false"),
                                                         ("2024", "true")]
    table = run("growth", "--demo", "--by", "year", "-f", "table").stdout
    assert "partial" in table.splitlines()[2] and "2024 is partial" in table


def test_lineage_family_help_says_what_it_does() -> None:
    text = " ".join(run("lineage", "--help").stdout.split())
    assert "Only bases of this family's tree" in text and "descending from one at any depth" \
        in text
    assert "--parent-family" in text and "published by this family" not in text


def test_what_a_family_publishes_leaves_its_test_fixtures_out_with_a_note() -> None:
    """"Hugging Face publishes N models": N leaves out the models of its test-fixture
    namespaces, and a note says how many were left out where (pandas over the demo's file and
    the families file read with tomllib)."""
    import tomllib
    from importlib import resources

    import pandas as pd

    from hfexplore.store.snapshot import demo_snapshot

    text = resources.files("hfexplore.data").joinpath("families.toml").read_text("utf-8")
    families = tomllib.loads(text)["families"]
    publishers = {ns.lower() for ns in families["Hugging Face"]["publishers"]}
    fixtures = {ns.lower() for ns in families["Hugging Face"]["fixtures"]}
    authors = pd.read_parquet(demo_snapshot().file("model"), columns=["author"])["author"]
    held = authors.str.lower()[authors.str.lower().isin(fixtures)].value_counts()
    assert held.sum() > 0
    doc = json.loads(run("authors", "--demo", "--by-family", "--top", "0", "-f", "json").stdout)
    count = {row["family"]: row["count"] for row in doc["rows"]}["Hugging Face"]
    assert count == int(authors.str.lower().isin(publishers).sum())
    listed = ", ".join(f"{ns} {n:,}" for ns, n in sorted(held.items(), key=lambda p: (-p[1],
                                                                                   p[0])))
    assert (f"Hugging Face: {held.sum():,} models in its test-fixture namespaces ({listed}) "
            "are not counted: a test fixture is not a release (families.toml)") in doc["notes"]
    table = run("authors", "--demo", "--by-family", "-f", "table").stdout
    assert "test-fixture namespaces" in table
