"""A damaged snapshot harms nothing but itself: a bit flipped inside a page (same size, manifest
unchanged) is found where the page is read, a damaged newest snapshot falls back with one
warning, a damaged snapshot named explicitly is an error, and other snapshots' damage never
stops a query of a good one."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from hfexplore.cli import cli
from hfexplore.errors import SnapshotError
from hfexplore.store.inventory import resolve_snapshot
from hfexplore.store.snapshot import open_snapshot
from tests.store.damage import checksummed_snapshot, flip_bit_in_page
from tests.store.test_inventory_resolve import NAMES, add_snapshot

OLDEST, MIDDLE, NEWEST = NAMES
QUERY = "SELECT license, count(*) AS n FROM models GROUP BY ALL ORDER BY n DESC, license LIMIT 3"


@pytest.fixture
def flipped(tmp_path: Path) -> Path:
    """Three snapshots written with page checksums; one bit flipped in a page of the newest
    one's `license` column."""
    for name in NAMES:
        checksummed_snapshot(tmp_path, name)
    flip_bit_in_page(tmp_path / "snapshots" / NEWEST / "models.parquet", "license")
    return tmp_path


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


def damage_of(data_dir: Path, column: str = "license") -> str:
    """What the damage is called, from pyarrow's metadata: the column's first data page
    (after its dictionary page) fails its checksum."""
    meta = pq.ParquetFile(data_dir / "snapshots" / NEWEST / "models.parquet").metadata
    chunk = next(meta.row_group(0).column(i) for i in range(meta.num_columns)
                 if meta.row_group(0).column(i).path_in_schema == column)
    return (f"models.parquet: column {column}, row group 0: the page at byte "
            f"{chunk.data_page_offset:,} does not match its checksum")


def licenses_of(path: Path) -> list[list[object]]:
    """The top 3 licenses of a snapshot's models, read with pandas."""
    counts = pd.read_parquet(path / "models.parquet", columns=["license"])["license"] \
        .fillna("(none)").value_counts()
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:3]
    return [[name, int(n)] for name, n in ranked]


@pytest.mark.parametrize("command", [
    ["licenses", "--top", "3"],
    ["stats", "--top", "3"],
    ["sql", QUERY],
])
def test_a_flipped_bit_in_the_newest_snapshot_falls_back_with_one_warning(
        flipped: Path, command: list[str]) -> None:
    result = run(*command, "--data-dir", str(flipped), "-f", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["as_of"] == "2024-07-01T08:00:00Z"  # the middle snapshot, the newest intact
    assert result.stderr.splitlines() == [
        f"WARNING hfexplore.store.inventory: snapshot {NEWEST} is damaged "
        f"({damage_of(flipped)}); using {MIDDLE}"]
    if command[0] == "sql":
        expected = licenses_of(flipped / "snapshots" / MIDDLE)
        assert [[row["license"] or "(none)", row["n"]] for row in doc["rows"]] == expected


def test_a_flipped_bit_in_a_snapshot_named_is_an_error_on_one_line(flipped: Path) -> None:
    for command in (["licenses"], ["stats"], ["sql", QUERY]):
        result = run(*command, "--data-dir", str(flipped), "--snapshot", NEWEST, "-f", "json")
        assert result.exit_code == 1, (command, result.output)
        assert result.stdout == ""
        assert result.stderr.splitlines() == [
            f"error: snapshot {NEWEST} is damaged ({damage_of(flipped)})"], command


def test_latest_and_previous_count_intact_snapshots_only(flipped: Path) -> None:
    run("licenses", "--data-dir", str(flipped), "-f", "json")  # finds the damage
    for ref, expected in (("latest", MIDDLE), ("previous", OLDEST)):
        result = run("licenses", "--data-dir", str(flipped), "--snapshot", ref, "-f", "json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["source"].endswith(expected)


def test_claims_measure_on_the_next_snapshot_and_say_which_was_damaged(
        flipped: Path, tmp_path: Path) -> None:
    """An undated claim is measured on the newest data first: the damaged snapshot, then the
    newest intact one."""
    claims = tmp_path / "claims.toml"
    claims.write_text('''
[[claim]]
id = "apache-share"
source = "a test"
date = "unknown"
quote = "about one in six models is Apache-2.0"
metric = { kind = "share", repo_type = "model", where = { license = "apache-2.0" } }
expect = { op = "between", min = 0.1, max = 0.2 }
''')
    result = run("claims", "--no-builtin", str(claims), "--data-dir", str(flipped),
                 "--offline", "-f", "json")
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)["rows"]
    assert row["verdict"] == "supported" and row["source"] == MIDDLE
    assert f"warning: skipped damaged snapshot {NEWEST} ({damage_of(flipped)})" \
        in result.stderr.splitlines()


def test_history_leaves_out_a_snapshot_whose_pages_fail(flipped: Path) -> None:
    history = ["history", "--metric", "license", "--data-dir", str(flipped), "-f", "json"]
    doc = json.loads(run(*history).stdout)  # it reads license_category only: not damaged
    assert sorted({row["snapshot"] for row in doc["rows"]}) == NAMES and "notes" not in doc
    flip_bit_in_page(flipped / "snapshots" / NEWEST / "models.parquet", "license_category")
    doc = json.loads(run(*history).stdout)
    assert sorted({row["snapshot"] for row in doc["rows"]}) == [OLDEST, MIDDLE]
    damage = damage_of(flipped, "license_category")
    assert doc["notes"] == [f"skipped damaged snapshot {NEWEST} ({damage})"]


def test_show_verify_gives_its_verdict_first_on_one_line(flipped: Path) -> None:
    result = run("snapshot", "show", NEWEST, "--verify", "--data-dir", str(flipped))
    assert result.exit_code == 1
    verdict = (f"error: snapshot {NEWEST} is damaged: models.parquet does not match its "
               f"sha256 in the manifest; {damage_of(flipped)}")
    assert result.output.splitlines()[0] == verdict
    assert result.stderr.splitlines() == [verdict]
    assert json.loads(result.stdout)["problems"] == verdict.split(": ", 2)[2].split("; ")
    intact = run("snapshot", "show", MIDDLE, "--verify", "--data-dir", str(flipped))
    assert intact.exit_code == 0
    assert intact.output.splitlines()[0] == (
        f"snapshot {MIDDLE} is intact: every file matches its sha256 and every page its "
        "checksum")
    assert json.loads(intact.stdout)["problems"] == []


def test_a_python_read_of_a_flipped_page_names_the_snapshot(flipped: Path) -> None:
    snapshot = open_snapshot(flipped / "snapshots" / NEWEST)
    with pytest.raises(SnapshotError, match=rf"snapshot {NEWEST} is damaged \(models"
                                                   r"\.parquet cannot be read \(.*CRC"):
        snapshot.frame("model", ["license"])
    assert snapshot.frame("model", ["id"]).shape == (20_000, 1)  # other columns read fine


def test_a_damaged_snapshot_named_explicitly_is_an_error(tmp_path: Path) -> None:
    for name in NAMES:
        add_snapshot(tmp_path, name)
    (tmp_path / "snapshots" / NEWEST / "spaces.parquet").unlink()
    with pytest.raises(SnapshotError, match=r"spaces\.parquet is missing"):
        resolve_snapshot(NEWEST, tmp_path)
    with pytest.raises(SnapshotError):
        resolve_snapshot(str(tmp_path / "snapshots" / NEWEST), tmp_path)  # by path
    assert resolve_snapshot("latest", tmp_path).name == MIDDLE
    for command in (["snapshot", "show", NEWEST], ["licenses", "--snapshot", "2024-07-01T2"]):
        result = run(*command, "--data-dir", str(tmp_path))
        assert result.exit_code == 1
        assert result.stderr.splitlines()[0].startswith(
            f"error: snapshot {NEWEST} is damaged (spaces.parquet is missing)"), command


def _unreadable(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """chmod 000; as root (who reads it anyway) the footer read is refused as it would be."""
    path.chmod(0)
    if os.geteuid() == 0:
        import hfexplore.store.snapshot as snapshot_module

        real = snapshot_module.pq.ParquetFile

        def refuse(source, *args, **kwargs):
            if Path(source) == path:
                raise PermissionError(13, "Permission denied", str(path))
            return real(source, *args, **kwargs)

        monkeypatch.setattr(snapshot_module.pq, "ParquetFile", refuse)


@pytest.mark.parametrize("damage", ["truncated", "unreadable", "manifest", "missing"])
def test_sql_on_a_good_snapshot_ignores_the_damage_of_others(
        tmp_path: Path, damage: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in NAMES:
        add_snapshot(tmp_path, name)
    other = tmp_path / "snapshots" / MIDDLE
    models = other / "models.parquet"
    if damage == "truncated":
        models.write_bytes(models.read_bytes()[:1000])
    elif damage == "unreadable":
        _unreadable(models, monkeypatch)
    elif damage == "manifest":
        (other / "manifest.json").write_text("{not json")
    else:
        models.unlink()
    try:
        plain = run("sql", "--snapshot", OLDEST, "--data-dir", str(tmp_path), "-f", "json",
                    QUERY)
        assert plain.exit_code == 0, plain.output
        assert plain.stderr == ""  # the history views are not read: nothing to warn about
        history = run("sql", "--snapshot", OLDEST, "--data-dir", str(tmp_path), "-f", "json",
                      "SELECT snapshot, count(*) AS n FROM history_models GROUP BY ALL "
                      "ORDER BY snapshot")
        assert history.exit_code == 0, history.output
        assert [row["snapshot"] for row in json.loads(history.stdout)["rows"]] == \
            [OLDEST, NEWEST]
        if damage != "manifest":  # an unreadable manifest is no snapshot to the views
            [warning] = history.stderr.splitlines()
            assert warning.startswith(f"WARNING hfexplore.stats.sql: snapshot {MIDDLE} is "
                                      "damaged (models.parquet ")
            assert warning.endswith("; the history views leave it out")
        if damage == "unreadable":
            assert "models.parquet cannot be read (permission denied)" in history.stderr
    finally:
        models.chmod(0o644) if models.exists() else None
        shutil.rmtree(tmp_path / "snapshots", ignore_errors=True)
