from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hfexplore.claims.loader import Expectation
from hfexplore.claims.timing import (
    INFINITY,
    Range,
    Sample,
    count_band,
    days_apart,
    distinct_band,
    order_is_clear,
    relation,
    share_band,
    timing_caveat,
)


def test_relation_of_the_data_to_the_claim() -> None:
    claim = date(2026, 1, 25)
    assert relation(date(2026, 1, 25), claim) == "same day"
    assert relation(date(2026, 3, 1), claim) == "after"
    assert relation(date(2024, 7, 11), claim) == "before"
    assert relation(date(2024, 7, 11), None) == "claim date unknown"


def test_a_caveat_when_far_apart_or_undated() -> None:
    claim = date(2026, 1, 25)
    assert timing_caveat(datetime(2026, 3, 1, tzinfo=UTC), claim) == ""
    assert "563 days before" in timing_caveat(datetime(2024, 7, 11, tzinfo=UTC), claim)
    assert "91 days after" in timing_caveat(datetime(2026, 4, 26, tzinfo=UTC), claim)
    assert "unknown" in timing_caveat(datetime(2024, 7, 11, tzinfo=UTC), None)


def test_sample_counts_are_scaled_with_their_error() -> None:
    exact = count_band(20_000, None)
    assert (exact.low, exact.high) == (20_000, 20_000)
    band = count_band(20_000, Sample(1 / 38))
    assert band.low < 760_000 < band.high and band.high - band.low < 30_000
    zero = count_band(0, Sample(1 / 38))  # the rule of three: up to 114 may be missing
    assert (zero.low, zero.high) == (0, pytest.approx(114))
    with pytest.raises(ValueError):
        count_band(10, Sample(None))
    assert distinct_band(241, Sample(1 / 38)) == Range(241, INFINITY)


def test_share_band() -> None:
    assert share_band(0.2, 100, None) == Range(0.2, 0.2)
    band = share_band(0.2, 10_000, Sample(1 / 38))
    assert band.low == pytest.approx(0.192) and band.high == pytest.approx(0.208)


def test_order_is_clear_only_with_enough_margin() -> None:
    assert order_is_clear(9_180, 834, Sample(1 / 38))
    assert not order_is_clear(100, 90, Sample(1 / 38))
    assert order_is_clear(100, 99, None)


@pytest.mark.parametrize(("expect", "low", "high", "outcome"), [
    (Expectation(">", value=1_000_000), 0, 760_000, "none"),  # data after: at most 760k
    (Expectation(">", value=1_000_000), 749_000, INFINITY, "some"),  # data before, below
    (Expectation(">", value=1_000_000), 1_200_000, INFINITY, "all"),  # before, already over
    (Expectation(">", value=1_000_000), 1_500_000, 3_100_000, "all"),  # after, bound above it
    (Expectation("between", min=10_000, max=100_000), 150_000, 900_000, "none"),
    (Expectation("between", min=10_000, max=100_000), 5_000, 50_000, "some"),
    (Expectation("between", min=10_000, max=100_000), 20_000, 50_000, "all"),
    (Expectation("==", value=1), 1, 1, "all"),
    (Expectation("==", value=1), 2, 2, "none"),
])
def test_classify_a_range(expect, low, high, outcome) -> None:
    assert expect.classify(low, high) == outcome


def test_range_descriptions() -> None:
    assert Range(5, 5).describe() == "5"
    assert Range(749_394, INFINITY).describe() == "at least 749,394"
    assert Range(0.177, 0.195).describe(percent=True) == "between 17.7% and 19.5%"


def test_stale_data_is_of_any_day_in_its_range() -> None:
    claim = date(2026, 1, 25)
    newest, dated = date(2024, 7, 11), date(2026, 12, 3)
    assert relation(dated, claim, newest) == "around"  # before or after the claim: unknown
    assert relation(dated, date(2024, 1, 1), newest) == "after"  # the whole range is after
    assert relation(date(2025, 1, 1), claim, date(2024, 7, 11)) == "before"
    assert relation(dated, claim, dated) == "after"  # a range of one day is that day
    assert days_apart(dated, claim, newest) == 0
    assert days_apart(dated, date(2024, 7, 1), newest) == 10
    assert days_apart(date(2025, 1, 1), claim, newest) == 389


def test_the_caveat_of_stale_data_names_both_dates() -> None:
    said = timing_caveat(datetime(2026, 12, 3, tzinfo=UTC), date(2026, 1, 25), date(2024, 7, 11))
    assert "dated 2026-12-03 but its newest repo is from 2024-07-11" in said
    assert "days before" not in said and "days after" not in said  # the claim is in range
    far = timing_caveat(datetime(2026, 12, 3, tzinfo=UTC), date(2023, 1, 1), date(2024, 7, 11))
    assert "the data (2024-07-11 to 2026-12-03) is 557 days after the claim" in far
    undated = timing_caveat(datetime(2026, 12, 3, tzinfo=UTC), None, date(2024, 7, 11))
    assert "at the data's date (2024-07-11 to 2026-12-03)" in undated
