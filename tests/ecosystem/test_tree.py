"""Model trees on the hand-made graph of tree_data.py: counts worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from hfexplore.ecosystem.tree import tree
from hfexplore.errors import HfExploreError
from tests.ecosystem.tree_data import snapshot


@pytest.fixture
def snap(tmp_path: Path):
    return snapshot(tmp_path)


def test_the_counts_down_a_tree_by_relation_and_depth(snap) -> None:
    doc = tree(snap, "META-LLAMA/base").document()
    assert doc["repo"] == "meta-llama/Base"
    assert doc["children"] == 3  # a/ft1, meta-llama/Base-GGUF, z/gguf (spelt otherwise)
    assert doc["descendants"] == 8  # + c/merge, d/adapter, e/deep, f/cyc1, f/cyc2
    assert doc["children_by_relation"] == {"finetune": 1, "adapter": 0, "quantized": 2,
                                           "merge": 0, "unspecified": 0}
    # finetune: a/ft1, e/deep, f/cyc1 (its edge to e/deep, one level up; not to f/cyc2);
    # adapter: d/adapter, f/cyc2; merge: c/merge (twice a merge, once counted)
    assert doc["descendants_by_relation"] == {"finetune": 3, "adapter": 2, "quantized": 2,
                                              "merge": 1, "unspecified": 0}
    assert doc["descendants_by_depth"] == {"1": 3, "2": 2, "3": 1, "4": 1, "5": 1}
    assert (doc["bases"], doc["ancestors"], doc["roots"]) == (0, 0, 0)
    assert [r["id"] for r in doc["rows"][:3]] == ["meta-llama/Base-GGUF", "a/ft1", "c/merge"]


def test_the_nested_tree_follows_each_edge_one_level_down(snap) -> None:
    down = tree(snap, "meta-llama/Base").document()["down"]
    assert [n["id"] for n in down] == ["a/ft1", "meta-llama/Base-GGUF", "z/gguf"]
    ft1 = down[0]
    assert [n["id"] for n in ft1["derivatives"]] == ["c/merge", "d/adapter"]
    # c/merge hangs under both its bases, each time with that edge's relation
    gguf = down[1]
    assert [(n["id"], n["relation"]) for n in gguf["derivatives"]] == [("c/merge", "merge")]
    cyc1 = ft1["derivatives"][0]["derivatives"][0]["derivatives"][0]
    assert (cyc1["id"], cyc1["depth"]) == ("f/cyc1", 4)
    assert [n["id"] for n in cyc1["derivatives"]] == ["f/cyc2"]  # and no further: a cycle


def test_ancestors_through_a_cycle_and_the_path_to_each_root(snap) -> None:
    doc = tree(snap, "f/cyc2", up=True, down=False).document()
    assert (doc["bases"], doc["ancestors"], doc["roots"]) == (1, 6, 1)
    assert doc["rows"] == [{"root": "meta-llama/Base", "depth": 5, "path": (
        "f/cyc2 > f/cyc1 > e/deep > c/merge > a/ft1 > meta-llama/Base")}]
    assert "down" not in doc and "descendants_by_depth" in doc


def test_depth_limits_both_walks(snap) -> None:
    doc = tree(snap, "meta-llama/Base", depth=1).document()
    assert (doc["children"], doc["descendants"]) == (3, 3)
    up = tree(snap, "f/cyc2", depth=2, down=False).document()
    assert (up["ancestors"], up["roots"]) == (2, 0)


def test_a_base_the_snapshot_does_not_hold_has_a_tree(snap) -> None:
    report = tree(snap, "gone/missing")
    assert report.extra["in_snapshot"] is False
    assert (report.extra["children"], report.extra["descendants"]) == (1, 1)
    assert any("not in the snapshot" in note for note in report.notes)


def test_a_model_naming_itself_is_its_own_root_only(snap) -> None:
    doc = tree(snap, "h/self").document()
    assert (doc["children"], doc["ancestors"]) == (0, 0)


def test_an_unknown_model_is_one_clear_error(snap) -> None:
    with pytest.raises(HfExploreError, match="no/such is not a model of snapshot"):
        tree(snap, "no/such")


def test_a_model_spelt_otherwise_by_everyone_is_still_found(tmp_path: Path) -> None:
    # neither the user nor its derivative spells the id as the source does: the rows are
    # looked up case-insensitively in the end
    snap = snapshot(tmp_path, [("Odd/CaSe", [], [], "mit", 4, []),
                               ("p/kid", ["odd/case"], ["finetune"], "mit", 1, [])])
    doc = tree(snap, "ODD/CASE").document()
    assert (doc["repo"], doc["in_snapshot"], doc["children"]) == ("Odd/CaSe", True, 1)
    up = tree(snap, "p/kid", down=False).document()
    assert up["up"][0]["id"] == "Odd/CaSe" and up["up"][0]["in_snapshot"] is True
