"""An organisation's page on the hand-made graph of tree_data.py, worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from hfexplore.ecosystem.org import org
from hfexplore.errors import HfExploreError
from tests.ecosystem.tree_data import snapshot


@pytest.fixture
def snap(tmp_path: Path):
    return snapshot(tmp_path)


def test_a_family_its_models_and_its_footprint(snap) -> None:
    report = org(snap, "meta")
    summary = report.extra["summary"]
    assert (summary["organisation"], summary["kind"]) == ("Meta", "family")
    assert (summary["models"], summary["downloads"]) == (2, 1500)  # Base and Base-GGUF
    assert summary["open_weight_share"] == 1.0  # both llama3
    # descending from Meta's models: every model of the graph but g/orphan, h/self and Base
    assert summary["descendants"] == 8
    assert (summary["own_descendants"], summary["third_party_descendants"]) == (1, 7)
    # direct: a/ft1, Base-GGUF, z/gguf (of Base), c/merge (of Base-GGUF)
    assert summary["derivatives"] == 4
    assert (summary["gguf_descendants"], summary["gguf_own"]) == (2, 1)
    relation = report.sections["derivatives_by_relation"].set_index("relation")
    assert relation.loc["quantized", ["models", "own", "third_party", "gguf", "gguf_own"]
                        ].tolist() == [2, 1, 1, 2, 1]
    assert relation.loc["merge", "models"] == 1 and relation.loc["finetune", "models"] == 1
    assert relation.loc["any depth", "models"] == 8
    assert report.rows["id"].tolist() == ["meta-llama/Base", "meta-llama/Base-GGUF"]
    assert report.sections["license_mix"].values.tolist() == [["open-weight-restricted", 2, 1.0]]
    months = report.sections["releases_per_month"]
    assert months["models"].sum() == 2


def test_a_namespace_that_is_no_family(snap) -> None:
    summary = org(snap, "F").extra["summary"]
    assert (summary["kind"], summary["models"]) == ("namespace", 2)
    # f/cyc1 and f/cyc2 descend from each other: both are its own descendants
    assert (summary["descendants"], summary["own_descendants"]) == (2, 2)


def test_a_name_that_is_neither_is_one_clear_error(snap) -> None:
    with pytest.raises(HfExploreError, match="neither an organisation family nor"):
        org(snap, "nobody-here")
