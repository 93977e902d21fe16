"""Naming snapshots (prefix, latest, previous) and finding damaged ones, on copies of the demo."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from hfexplore.cli import cli
from hfexplore.errors import (
    AmbiguousSnapshotError,
    DamagedSnapshotsError,
    NoSnapshotError,
    UnknownSnapshotError,
)
from hfexplore.store.inventory import resolve_snapshot, survey_snapshots
from hfexplore.store.snapshot import demo_snapshot

NAMES = ["2024-06-30T120000Z", "2024-07-01T080000Z", "2024-07-01T200000Z"]


def add_snapshot(data_dir: Path, name: str) -> Path:
    """A copy of the bundled demo snapshot under `name`, started at the time the name says."""
    target = data_dir / "snapshots" / name
    shutil.copytree(demo_snapshot().path, target)
    manifest = json.loads((target / "manifest.json").read_text())
    manifest.pop("source_label", None)
    manifest["started_at"] = f"{name[:13]}:{name[13:15]}:{name[15:17]}Z"
    (target / "manifest.json").write_text(json.dumps(manifest))
    return target


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    for name in NAMES:
        add_snapshot(tmp_path, name)
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_names_prefixes_latest_and_previous(data_dir: Path) -> None:
    assert resolve_snapshot(None, data_dir).name == NAMES[-1]
    assert resolve_snapshot("latest", data_dir).name == NAMES[-1]
    assert resolve_snapshot("previous", data_dir).name == NAMES[-2]
    assert resolve_snapshot("2024-06", data_dir).name == NAMES[0]
    assert resolve_snapshot("2024-07-01T08", data_dir).name == NAMES[1]
    assert resolve_snapshot(NAMES[2], data_dir).name == NAMES[2]
    with pytest.raises(AmbiguousSnapshotError) as ambiguous:
        resolve_snapshot("2024-07", data_dir)
    assert ambiguous.value.matches == NAMES[1:]
    with pytest.raises(UnknownSnapshotError, match="no snapshot named '2023'"):
        resolve_snapshot("2023", data_dir)


def test_ambiguous_prefix_is_a_usage_error_listing_the_matches(data_dir: Path) -> None:
    result = run("libraries", "--data-dir", str(data_dir), "--snapshot", "2024-07", "-f", "json")
    assert result.exit_code == 2
    assert f"'2024-07' matches 2 snapshots: {NAMES[1]}, {NAMES[2]}" in result.stderr
    assert "Traceback" not in result.output
    doc = json.loads(run("libraries", "--data-dir", str(data_dir), "--snapshot", "2024-06",
                         "-f", "json").stdout)
    assert doc["as_of"] == "2024-06-30T12:00:00Z"


def test_only_one_snapshot_has_no_previous(tmp_path: Path) -> None:
    add_snapshot(tmp_path, NAMES[0])
    with pytest.raises(UnknownSnapshotError, match="no previous snapshot"):
        resolve_snapshot("previous", tmp_path)


def test_a_damaged_newest_snapshot_is_skipped_with_a_warning(data_dir: Path, caplog) -> None:
    models = data_dir / "snapshots" / NAMES[-1] / "models.parquet"
    models.write_bytes(models.read_bytes()[:5000])
    with caplog.at_level(logging.WARNING):
        assert resolve_snapshot(None, data_dir).name == NAMES[1]
    assert f"snapshot {NAMES[2]} is damaged (models.parquet is truncated" in caplog.text
    assert f"using {NAMES[1]}" in caplog.text
    result = run("libraries", "--data-dir", str(data_dir), "-f", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["as_of"] == "2024-07-01T08:00:00Z"
    assert NAMES[2] in result.stderr and f"using {NAMES[1]}" in result.stderr


def test_snapshot_list_flags_missing_truncated_and_misplaced_files(data_dir: Path) -> None:
    first, second, third = (data_dir / "snapshots" / name for name in NAMES)
    (first / "spaces.parquet").unlink()
    data = (second / "datasets.parquet").read_bytes()
    (second / "datasets.parquet").write_bytes(data[: len(data) // 2])
    shutil.copy(third / "spaces.parquet", third / "models.parquet")
    statuses = [entry.problems for entry in survey_snapshots(data_dir)]
    assert statuses == [["spaces.parquet is missing"],
                        [f"datasets.parquet is truncated ({len(data) // 2:,} of "
                         f"{len(data):,} bytes)"],
                        ["models.parquet holds spaces, not models"]]
    listed = json.loads(run("snapshot", "list", "--data-dir", str(data_dir), "-f", "json").stdout)
    assert [row["status"] for row in listed["rows"]] == [
        "damaged: " + "; ".join(problems) for problems in statuses]
    table = run("snapshot", "list", "--data-dir", str(data_dir), "-f", "table").stdout
    assert "damaged: models.parquet holds spaces, not models" in table


def test_a_file_of_the_wrong_repo_type_is_found_even_with_a_matching_manifest(
        data_dir: Path) -> None:
    snap = data_dir / "snapshots" / NAMES[0]
    shutil.copy(snap / "datasets.parquet", snap / "spaces.parquet")
    manifest = json.loads((snap / "manifest.json").read_text())
    size = (snap / "spaces.parquet").stat().st_size
    manifest["repo_types"]["space"].update(count=5000, bytes=size)
    (snap / "manifest.json").write_text(json.dumps(manifest))
    assert survey_snapshots(data_dir)[0].problems == ["spaces.parquet holds datasets, not spaces"]
    assert [e.problems for e in survey_snapshots(data_dir)[1:]] == [[], []]


def test_when_every_snapshot_is_damaged_it_says_so(data_dir: Path) -> None:
    for name in NAMES:
        (data_dir / "snapshots" / name / "models.parquet").unlink()
    with pytest.raises(DamagedSnapshotsError, match=r"every snapshot in .* is damaged") as err:
        resolve_snapshot(None, data_dir)
    assert err.value.names == NAMES[::-1]
    result = run("licenses", "--data-dir", str(data_dir))
    assert result.exit_code == 1
    assert "every snapshot in" in result.stderr and "models.parquet is missing" in result.stderr
    assert "no snapshot in" not in result.stderr
    history = run("history", "--data-dir", str(data_dir))
    assert history.exit_code == 1 and "every snapshot in" in history.stderr


def test_history_skips_damaged_snapshots_and_says_so(data_dir: Path) -> None:
    (data_dir / "snapshots" / NAMES[1] / "models.parquet").unlink()
    doc = json.loads(run("history", "--data-dir", str(data_dir), "-f", "json").stdout)
    assert [row["snapshot"] for row in doc["rows"]] == [NAMES[0], NAMES[2]]
    assert doc["notes"] == [f"skipped damaged snapshot {NAMES[1]} (models.parquet is missing)"]


def test_no_snapshot_error_has_no_cli_wording_and_the_cli_adds_the_fix(tmp_path: Path) -> None:
    with pytest.raises(NoSnapshotError) as err:
        resolve_snapshot(None, tmp_path)
    assert "hfexplore" not in str(err.value) and "--" not in str(err.value)
    result = run("licenses", "--data-dir", str(tmp_path))
    assert result.exit_code == 1
    assert "no snapshot in" in result.stderr and "`hfexplore snapshot create`" in result.stderr
    assert "--demo" in result.stderr


@pytest.mark.parametrize(("field", "value", "text"), [
    ("count", "lots", "repo_types.model.count is 'lots', not a number of repos"),
    ("count", None, "repo_types.model.count is None"),
])
def test_a_bad_manifest_field_is_named_with_its_fix(data_dir: Path, field: str, value: object,
                                                    text: str) -> None:
    manifest_path = data_dir / "snapshots" / NAMES[0] / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["repo_types"]["model"][field] = value
    manifest_path.write_text(json.dumps(manifest))
    result = run("snapshot", "show", NAMES[0], "--data-dir", str(data_dir))
    assert result.exit_code == 1
    assert text in result.stderr and "unexpected" not in result.stderr
    assert "create a new one with `hfexplore snapshot create`" in result.stderr
    listed = json.loads(run("snapshot", "list", "--data-dir", str(data_dir), "-f", "json").stdout)
    assert text in listed["rows"][0]["status"]


def test_a_manifest_entry_that_is_not_an_object_is_named(data_dir: Path) -> None:
    manifest_path = data_dir / "snapshots" / NAMES[0] / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["repo_types"]["model"] = 20000
    manifest_path.write_text(json.dumps(manifest))
    result = run("snapshot", "show", NAMES[0], "--data-dir", str(data_dir))
    assert result.exit_code == 1
    assert "repo_types.model is 20000, not an object with a count" in result.stderr


def test_snapshot_diff_takes_prefixes_and_keywords(data_dir: Path) -> None:
    result = run("snapshot", "diff", "2024-06", "latest", "--data-dir", str(data_dir), "-f",
                 "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["from"], doc["to"]) == (NAMES[0], NAMES[2])
    default = json.loads(run("snapshot", "diff", "--data-dir", str(data_dir), "-f",
                             "json").stdout)
    assert (default["from"], default["to"]) == (NAMES[1], NAMES[2])
    shown = json.loads(run("snapshot", "show", "2024-07-01T08", "--data-dir",
                           str(data_dir)).stdout)
    assert shown["path"].endswith(NAMES[1])


def test_snapshot_list_formats_counts_and_sizes_for_people(data_dir: Path) -> None:
    table = run("snapshot", "list", "--data-dir", str(data_dir), "-f", "table").stdout
    size = sum(p.stat().st_size for p in (data_dir / "snapshots" / NAMES[0]).iterdir())
    line = next(line for line in table.splitlines() if line.startswith(NAMES[0]))
    assert "20,000" in line and "5,000" in line and f"{size / 1e6:.3g} MB" in line
    assert line.rstrip().endswith("ok")
    doc = json.loads(run("snapshot", "list", "--data-dir", str(data_dir), "-f", "json").stdout)
    assert doc["rows"][0]["size_bytes"] == size and doc["rows"][0]["models"] == 20_000
