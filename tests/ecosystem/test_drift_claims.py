"""License drift as a claim metric (`drift_share`), on the hand-made graph of tree_data.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from hfexplore.claims.check import check_claim_files
from hfexplore.claims.loader import load_claim_files
from tests.ecosystem.tree_data import snapshot

CLAIM = """
[[claim]]
id = "drift"
source = "a study"
date = 2024-07-11
quote = "a fifth of derivatives loosen their base's license"
metric = {{ kind = "drift_share", outcome = "{outcome}", to = "{to}"{where} }}
expect = {{ op = "between", min = {low}, max = {high} }}
"""


def verdict(tmp_path: Path, outcome: str, to: str = "parent", where: str = "",
            low: float = 0.0, high: float = 1.0):
    claims = tmp_path / "claims.toml"
    claims.write_text(CLAIM.format(outcome=outcome, to=to, where=where, low=low, high=high))
    snap = snapshot(tmp_path / f"{outcome}-{to}-{len(where)}")
    return check_claim_files([claims], builtin=False, snapshot=snap.path).report.verdicts[0]


def test_a_share_of_the_compared_pairs(tmp_path: Path) -> None:
    # 5 compared edges (2 same, 2 more, 1 less): 1 in 5 is less restrictive
    found = verdict(tmp_path, "less_restrictive", low=0.19, high=0.21)
    assert found.verdict.value == "supported", found.note
    assert found.finding.measured.value == pytest.approx(0.2)


def test_other_outcomes_are_shares_of_every_pair(tmp_path: Path) -> None:
    found = verdict(tmp_path, "undeclared")  # 2 of 11 edges
    assert found.finding.measured.value == pytest.approx(2 / 11)


def test_to_the_roots_and_narrowed_by_where(tmp_path: Path) -> None:
    found = verdict(tmp_path, "less_restrictive", to="root")  # 2 of 5 compared root pairs
    assert found.finding.measured.value == pytest.approx(2 / 5)
    found = verdict(tmp_path, "more_restrictive", where=', where = { author = "c" }')
    assert found.finding.measured.value == pytest.approx(1.0)


def test_a_bad_outcome_is_a_definition_error(tmp_path: Path) -> None:
    claims = tmp_path / "claims.toml"
    claims.write_text(CLAIM.format(outcome="looser", to="parent", where="", low=0, high=1))
    loaded = load_claim_files([claims])
    assert loaded.claims == [] and len(loaded.errors) == 1
    assert "metric.outcome: must be one of same, more_restrictive" in loaded.errors[0]


COUNT = """
[[claim]]
id = "count"
source = "a study"
date = 2024-07-11
quote = "so many"
metric = {{ kind = "count", where = {{ {where} }} }}
expect = {{ op = ">", value = 0 }}
"""


@pytest.mark.parametrize(("where", "expected"), [
    # a direct base of Meta's: a/ft1, Base-GGUF and z/gguf (of Base), c/merge (of Base-GGUF)
    ('parent_family = "Meta"', 4),
    ('base_family = "Meta"', 8),  # any ancestor of Meta's
])
def test_where_keeps_the_lineage_filters(tmp_path: Path, where: str, expected: int) -> None:
    # regression: a claim's `where = { parent_family = ... }` was read, then dropped
    claims = tmp_path / "claims.toml"
    claims.write_text(COUNT.format(where=where))
    snap = snapshot(tmp_path)
    found = check_claim_files([claims], builtin=False, snapshot=snap.path).report.verdicts[0]
    assert found.finding.measured.value == expected
