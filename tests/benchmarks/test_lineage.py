"""The closure workload of `nox -s bench` (`benchmarks/lineage.py`), on the demo snapshot: its
figures against a breadth-first walk in plain Python over the same file, and its section."""

from __future__ import annotations

import pandas as pd
import pytest

from benchmarks.lineage import closure, closure_lines
from hfexplore.store.snapshot import demo_snapshot
from tests.reference import ancestors_of


@pytest.mark.parametrize("depth", [False, True])
def test_the_closure_workload_counts_what_a_plain_walk_finds(depth: bool) -> None:
    path = demo_snapshot().path
    raw = pd.read_parquet(path / "models.parquet", columns=["id", "base_models"])
    bases: dict[str, set[str]] = {}
    for repo_id, listed in zip(raw["id"], raw["base_models"], strict=True):
        for base in listed if listed is not None else []:
            if base.strip() and base.strip().lower() != repo_id.strip().lower():
                bases.setdefault(repo_id.strip().lower(), set()).add(base.strip().lower())
    found = ancestors_of(bases)
    figures = closure(str(path), depth)
    assert figures["edges"] == sum(len(b) for b in bases.values())
    assert figures["pairs"] == sum(len(a) for a in found.values())
    assert figures["models"] == len(raw)
    assert figures["models_with_base"] == int(raw["base_models"].map(
        lambda b: b is not None and len(b) > 0).sum())
    if depth:
        assert figures["max_depth"] == max(d for a in found.values() for d in a.values())
    else:
        assert figures["models_with_ancestors"] == sum(1 for a in found.values() if a)


def test_the_section_says_whether_the_target_was_met_and_under_what_load() -> None:
    run = {"pairs": 10, "models_with_ancestors": 5, "seconds": 2.5, "cpu_seconds": 2.0,
           "edges": 8, "nodes": 9, "attributed": 3, "models": 20, "models_with_base": 6}
    text = "\n".join(closure_lines({"closure": run, "closure_rss": 600.0,
                                    "closure_load": 0.5}))
    assert "| 2.50 | 2.00 | 600 MB |" in text and "closure 3 s: met; 1 GB: met." in text
    slow = "\n".join(closure_lines({"closure": {**run, "seconds": 5.0}, "closure_rss": 2000.0,
                                    "closure_load": 40.0}))
    assert "3 s: **not met** (the 1-minute load average was 40.0" in slow
    assert "; 1 GB: **not met**." in slow
    assert closure_lines({}) == []
