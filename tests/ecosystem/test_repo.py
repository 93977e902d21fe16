"""One repo's page: the snapshot's view, worked out by hand on tree_data.py, and the live
view beside it from the stand-in Hub."""

from __future__ import annotations

from pathlib import Path

import pytest

from hfexplore.ecosystem.repo import repo
from hfexplore.errors import HfExploreError
from hfexplore.hub import HubClient, Transport
from tests.ecosystem.tree_data import snapshot


def test_everything_the_snapshot_knows_of_a_model(tmp_path: Path) -> None:
    report = repo(snapshot(tmp_path), "A/FT1")
    doc = report.document()
    assert doc["repo"] == "a/ft1"
    assert doc["snapshot"]["license"] == "apache-2.0"
    assert doc["license_facts"]["license_osi_approved"] is True
    assert doc["origin_family"] == "Meta" and doc["publisher_family"] is None
    assert doc["lineage"] == {"bases": 1, "ancestors": 1, "roots": 1, "children": 2,
                              "descendants": 5}
    # 300 downloads: behind meta-llama/Base (1,000) and Base-GGUF (500)
    assert doc["ranks"] == {"downloads_rank": 3, "likes_rank": 3, "models": 11}
    assert "live" not in doc


def test_ties_share_the_better_rank(tmp_path: Path) -> None:
    snap = snapshot(tmp_path, [("x/tie", [], [], "mit", 300, [])])
    assert repo(snap, "x/tie").extra["ranks"]["downloads_rank"] == 3
    assert repo(snap, "a/ft1").extra["ranks"]["downloads_rank"] == 3


def test_an_unknown_model_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(HfExploreError, match="gone/missing is not a model of snapshot"):
        repo(snapshot(tmp_path), "gone/missing")  # a base only: no row


def test_the_live_view_beside_the_snapshot(tmp_path: Path, make_hub) -> None:
    sim = make_hub(models=50, datasets=1, spaces=1)
    catalog = sim.catalogs["model"]
    item = catalog.item(0)
    snap = snapshot(tmp_path, [(item["id"], [], [], "mit", 7, [])])
    client = HubClient(Transport(sim.url))
    report = repo(snap, item["id"], client=client)
    live = report.extra["live"]
    assert live["id"] == item["id"]
    assert live["downloads"] == item.get("downloads")
    rows = report.rows.set_index("field")
    assert rows.loc["downloads", "snapshot"] == "7"
    assert rows.loc["downloads", "live"] == f"{item['downloads']:,}"
    assert rows.loc["downloads_rank", "live"] == ""  # the snapshot's own figure


def test_a_model_gone_from_the_hub_is_said_so(tmp_path: Path, make_hub) -> None:
    sim = make_hub(models=50, datasets=1, spaces=1)
    report = repo(snapshot(tmp_path), "a/ft1", client=HubClient(Transport(sim.url)))
    assert report.extra["live"] is None
    assert any("has no model a/ft1" in note for note in report.notes)
