"""Checking claim files against a chosen source, as one library call."""

from __future__ import annotations

from pathlib import Path

import pytest

from hfexplore.claims.check import check_claim_files
from hfexplore.errors import InvalidArgumentError, NoSnapshotError
from hfexplore.hub import HubClient
from tests.store.test_inventory_resolve import NAMES, add_snapshot

RANK = ('[[claim]]\nid = "transformers-leads"\ndate = 2024-07-11\n'
        'metric = { kind = "rank", column = "library", value = "transformers" }\n'
        'expect = { op = "==", value = 1 }\n')


def never_connect() -> HubClient:
    raise AssertionError("no live count was wanted")


def test_the_demo_measures_every_claim_and_never_goes_live(tmp_path: Path) -> None:
    claim_file = tmp_path / "rank.toml"
    claim_file.write_text(RANK)
    checked = check_claim_files([claim_file], builtin=False, demo=True, client=never_connect)
    rows = checked.report.rows.to_dict("records")
    assert [(r["id"], r["verdict"]) for r in rows] == [("transformers-leads", "supported")]
    assert checked.exit_status == 0 and checked.load_errors == [] and checked.warnings == []
    assert checked.snapshot_problem is None


def test_a_broken_claim_file_is_an_error_beside_the_verdicts(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text(RANK)
    bad.write_text('[[claim]]\nid = "x"\nmetric = { kind = "count", repo_type = "models" }\n')
    checked = check_claim_files([good, bad], builtin=False, demo=True)
    assert len(checked.load_errors) == 1 and "repo_type" in checked.load_errors[0]
    assert checked.exit_status == 1 and len(checked.report.rows) == 1


def test_without_snapshots_the_problem_is_typed_and_the_hub_is_asked(tmp_path: Path) -> None:
    claim_file = tmp_path / "rank.toml"
    claim_file.write_text(RANK)
    asked: list[bool] = []

    def connect() -> None:
        asked.append(True)
        return None

    checked = check_claim_files([claim_file], builtin=False, data_dir=tmp_path / "empty",
                                client=connect)  # type: ignore[arg-type]
    assert asked == [True]
    assert isinstance(checked.snapshot_problem, NoSnapshotError)
    assert "hfexplore" not in str(checked.snapshot_problem)  # no CLI wording in the library
    [row] = checked.report.rows.to_dict("records")
    assert row["verdict"] == "inconclusive" and "no snapshot" in row["note"]
    assert checked.exit_status == 3


def test_damaged_snapshots_are_skipped_with_a_warning(tmp_path: Path) -> None:
    add_snapshot(tmp_path, NAMES[0])
    broken = add_snapshot(tmp_path, NAMES[1]) / "models.parquet"
    broken.write_bytes(broken.read_bytes()[:100])
    claim_file = tmp_path / "rank.toml"
    claim_file.write_text(RANK)
    checked = check_claim_files([claim_file], builtin=False, data_dir=tmp_path)
    assert len(checked.warnings) == 1 and checked.warnings[0].startswith(
        f"skipped damaged snapshot {NAMES[1]}")
    assert checked.report.rows.loc[0, "verdict"] == "supported"


def test_a_named_snapshot_and_the_demo_cannot_both_be_chosen() -> None:
    with pytest.raises(InvalidArgumentError, match="demo and snapshot"):
        check_claim_files(demo=True, snapshot="latest")
