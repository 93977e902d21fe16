"""License drift on the hand-made graph of tree_data.py, every pair worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from hfexplore.ecosystem.drift import drift
from hfexplore.errors import HfExploreError
from hfexplore.knowledge import DriftOrder
from hfexplore.stats.filters import Filters
from tests.ecosystem.tree_data import snapshot

# (derivative, base): outcome, for every lineage edge
EDGES = {
    ("meta-llama/Base-GGUF", "meta-llama/Base"): "same",  # llama3 / llama3
    ("z/gguf", "meta-llama/Base"): "same",
    ("a/ft1", "meta-llama/Base"): "less_restrictive",  # apache-2.0 under llama3
    ("c/merge", "a/ft1"): "more_restrictive",  # cc-by-nc under apache-2.0
    ("c/merge", "meta-llama/Base-GGUF"): "more_restrictive",  # cc-by-nc under llama3
    ("d/adapter", "a/ft1"): "undeclared",
    ("e/deep", "c/merge"): "unclear",  # custom terms
    ("f/cyc1", "e/deep"): "unclear",
    ("f/cyc1", "f/cyc2"): "base_undeclared",
    ("f/cyc2", "f/cyc1"): "undeclared",
    ("g/orphan", "gone/missing"): "base_missing",
}


@pytest.fixture
def snap(tmp_path: Path):
    return snapshot(tmp_path)


def counted(outcomes: list[str]) -> dict[str, int]:
    return {o: outcomes.count(o) for o in ("same", "more_restrictive", "less_restrictive",
                                           "undeclared", "base_undeclared", "unclear",
                                           "base_missing")}


def test_each_edge_gets_its_outcome(snap) -> None:
    report = drift(snap)
    totals = report.extra["totals"]
    assert totals["pairs"] == len(EDGES)
    assert {k: totals[k] for k in counted([])} == counted(list(EDGES.values()))
    assert totals["compared"] == 5 and totals["less_restrictive_share"] == pytest.approx(1 / 5)
    evidence = report.sections["evidence"]
    assert evidence[["outcome", "id", "base_model"]].values.tolist() == [
        ["less_restrictive", "a/ft1", "meta-llama/Base"],
        ["more_restrictive", "c/merge", "a/ft1"]]  # one pair per derivative: the first base


def test_per_origin_family_and_per_base(snap) -> None:
    report = drift(snap)
    families = report.rows.set_index("origin_family")
    # every base but gone/missing descends from Meta's model
    meta = [o for (_, base), o in EDGES.items() if base != "gone/missing"]
    assert families.loc["Meta", "pairs"] == len(meta)
    assert families.loc["Meta", "more_restrictive"] == 2
    assert families.loc["(none)", "base_missing"] == 1
    per_base = report.sections["by_base"].set_index("base")
    assert per_base.loc["meta-llama/Base", ["pairs", "same", "less_restrictive"]].tolist() == [
        3, 2, 1]
    assert per_base.loc["gone/missing", "base_missing"] == 1


def test_to_the_roots(snap) -> None:
    # each model against each root among its ancestors: meta-llama/Base (llama3) for all but
    # g/orphan, whose root gone/missing is not held
    totals = drift(snap, to="root").extra["totals"]
    expected = counted(["same", "same", "less_restrictive", "more_restrictive", "undeclared",
                        "unclear", "less_restrictive", "undeclared", "base_missing"])
    assert {k: totals[k] for k in expected} == expected  # f/cyc1 is mit under llama3


def test_filters_narrow_the_derivatives_not_the_bases(snap) -> None:
    totals = drift(snap, filters=Filters(author="c")).extra["totals"]
    assert (totals["pairs"], totals["more_restrictive"]) == (2, 2)


def test_a_family_keeps_the_pairs_of_its_tree(snap) -> None:
    assert drift(snap, family="meta").extra["totals"]["pairs"] == len(EDGES) - 1
    with pytest.raises(HfExploreError, match="unknown family"):
        drift(snap, family="Nobody")


def test_the_order_is_data_a_user_can_change(tmp_path: Path, snap) -> None:
    mine = tmp_path / "order.toml"
    mine.write_text('[[level]]\ncategory = "non-commercial"\nlevel = 0\nreason = "x"\n'
                    '[[unranked]]\ncategory = "permissive"\nreason = "y"\n')
    order = DriftOrder.load(mine)
    assert order.outcome("permissive", "non-commercial") == "unclear"
    assert order.outcome("open-weight-restricted", "non-commercial") == "less_restrictive"
    totals = drift(snap, order=order).extra["totals"]
    assert totals["less_restrictive"] == 1  # c/merge under Base-GGUF (llama3)


def test_every_category_has_a_reason() -> None:
    order = DriftOrder.load()
    assert set(order.reasons) == {"permissive", "copyleft", "open-weight-restricted",
                                  "non-commercial", "other", "unknown"}
    assert all(order.reasons.values())
    assert order.outcome(None, "mit") == "base_missing"
    assert order.outcome("none", "none") == "undeclared"


def test_a_bad_order_file_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[level]]\ncategory = "permissive"\nlevel = "high"\n')
    with pytest.raises(HfExploreError, match="integer level"):
        DriftOrder.load(bad)
