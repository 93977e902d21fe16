"""Unfinished crawls are found, told apart by endpoint and repo types, and discarded."""

from __future__ import annotations

import pytest

from hfexplore.errors import SnapshotError
from hfexplore.store.unfinished import (
    STATE,
    CrawlState,
    TypeState,
    discard_unfinished,
    not_resumed_by,
    unfinished_crawls,
)


def leave(data_dir, name: str, endpoint: str, repo_types: list[str], pages: int) -> None:
    work = data_dir / "snapshots" / f".partial-{name}"
    work.mkdir(parents=True)
    types = {t: TypeState(pages=pages, items=pages * 1000) for t in repo_types}
    CrawlState(name, endpoint, repo_types, f"{name[:10]}T00:00:00Z", types).save(work / STATE)


def test_which_crawls_a_new_crawl_leaves_alone(tmp_path) -> None:
    leave(tmp_path, "2026-01-01T000000Z", "https://a.example", ["model", "dataset"], 3)
    leave(tmp_path, "2026-01-02T000000Z", "https://b.example", ["model"], 2)
    found = unfinished_crawls(tmp_path)
    assert [(c.name, c.pages, c.repos) for c in found] == [
        ("2026-01-01T000000Z", 6, 6000), ("2026-01-02T000000Z", 2, 2000)]
    # Repo types given in any order mean the same crawl.
    others = not_resumed_by(tmp_path, "https://a.example", ["dataset", "model"])
    assert [c.endpoint for c in others] == ["https://b.example"]
    assert len(not_resumed_by(tmp_path, "https://a.example", ["model"])) == 2
    assert "https://b.example (model; 2 pages, 2,000 repos" in others[0].describe()


def test_discard_one_or_all(tmp_path) -> None:
    assert unfinished_crawls(tmp_path) == []  # no data directory yet: nothing, no error
    leave(tmp_path, "2026-01-01T000000Z", "https://a.example", ["model"], 1)
    leave(tmp_path, "2026-01-02T000000Z", "https://b.example", ["model"], 1)
    with pytest.raises(SnapshotError, match="no unfinished crawl named"):
        discard_unfinished(tmp_path, "2026-03-03T000000Z")
    assert [c.name for c in discard_unfinished(tmp_path, "2026-01-01T000000Z")] == [
        "2026-01-01T000000Z"]
    assert [c.endpoint for c in unfinished_crawls(tmp_path)] == ["https://b.example"]
    assert len(discard_unfinished(tmp_path)) == 1 and unfinished_crawls(tmp_path) == []
