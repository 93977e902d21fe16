"""`python -m benchmarks.compare`: the order of the rounds and the summary of their figures."""

from __future__ import annotations

from collections import Counter

import pytest

from benchmarks.compare import render_table, rounds_order, summarise


def test_each_side_goes_first_in_half_the_rounds() -> None:
    orders = [order for _, order in rounds_order(4)]
    assert orders == [("before", "after"), ("after", "before"), ("before", "after"),
                      ("after", "before")]
    assert Counter(order[0] for order in orders) == {"before": 2, "after": 2}


def test_summary_is_medians_their_ratio_and_the_paired_rounds_ratios() -> None:
    runs = {"before": [{"crawl_s": 10.0}, {"crawl_s": 30.0}, {"crawl_s": 20.0}],
            "after": [{"crawl_s": 12.0}, {"crawl_s": 15.0}, {"crawl_s": 22.0}]}
    entry = summarise(runs)["crawl_s"]
    # medians 20 and 15; rounds pair in order: 12/10, 15/30, 22/20
    assert entry["before"] == 20.0 and entry["after"] == 15.0
    assert entry["ratio"] == pytest.approx(0.75)
    assert entry["ratio_range"] == pytest.approx([0.5, 1.2])
    assert entry["before_range"] == [10.0, 30.0] and entry["after_range"] == [12.0, 22.0]


def _figures(before: list[float], after: list[float]) -> dict:
    from benchmarks.compare import ROWS

    keys = [key for key, _, _ in ROWS] + ["crawl_pages"]
    runs = {"before": [dict.fromkeys(keys, b) for b in before],
            "after": [dict.fromkeys(keys, a) for a in after]}
    return {"summary": summarise(runs), "dump_models": 1000}


def test_a_difference_is_read_only_when_every_round_agrees() -> None:
    agreeing = render_table(_figures([2.0, 2.0, 2.0], [3.0, 2.5, 2.2]))
    crawl_row = next(line for line in agreeing if line.startswith("| `snapshot create` (crawl)"))
    assert crawl_row.endswith("| after higher in every round |")
    mixed = render_table(_figures([2.0, 2.0, 2.0], [3.0, 1.5, 2.2]))
    crawl_row = next(line for line in mixed if line.startswith("| `snapshot create` (crawl)"))
    assert crawl_row.endswith("| inconclusive (rounds disagree) |")
