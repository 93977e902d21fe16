"""Concentration figures against a plain-Python computation from their definitions: the top p%
as the floor(n x p) largest values summed, the Gini coefficient by its pairwise-difference
definition, the HHI as the sum of squared shares, the zero share by counting."""

from __future__ import annotations

import math
import random
from fractions import Fraction

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hfexplore.knowledge import Families
from hfexplore.stats.concentration import concentration, fraction_of, lorenz, measure
from hfexplore.stats.query import Scan
from hfexplore.store.snapshot import demo_snapshot


def expected(values: list[int], fraction: Fraction) -> dict[str, float | int | None]:
    n = len(values)
    total = sum(values)
    k = math.floor(n * fraction)
    top = sorted(values, reverse=True)[:k]
    pairs = sum(abs(a - b) for a in values for b in values)
    return {"k": k, "top": sum(top) / total if total else None,
            "gini": pairs / (2 * n * n * (total / n)) if total else None,
            "hhi": sum((v / total) ** 2 for v in values) if total else None,
            "zero": values.count(0) / n if n else None}


def table(values: list[int | None], authors: list[str] | None = None) -> pa.Table:
    authors = authors or [f"user{i}" for i in range(len(values))]
    return pa.table({"downloads": pa.array(values, pa.int64()),
                     "likes": pa.array([1] * len(values), pa.int64()),
                     "author": pa.array(authors, pa.string())})


@settings(max_examples=60)
@given(st.lists(st.one_of(st.just(0), st.integers(0, 50), st.integers(0, 10**12)),
                min_size=1, max_size=60))
def test_figures_match_their_definitions(values: list[int]) -> None:
    found = measure(Scan(table(values)), "downloads", "repo", ("0.1%", "1%", "10%", "50%"))
    for label, count, share in found.tops:
        want = expected(values, fraction_of(label))
        assert count == want["k"]
        if want["top"] is None:
            assert share is None
        else:
            assert share == pytest.approx(want["top"], rel=1e-12, abs=1e-15)
    want = expected(values, Fraction(1, 100))
    for got, key in ((found.gini, "gini"), (found.hhi, "hhi"), (found.zero_share, "zero")):
        if want[key] is None:
            assert got is None
        else:
            assert got == pytest.approx(want[key], rel=1e-9, abs=1e-12)
    assert found.units == len(values) and found.total == sum(values)


def test_the_top_is_the_floor_of_n_times_p() -> None:
    values = list(range(1, 2000))  # n = 1,999: 1% is 19 repos, 0.1% is 1, 10% is 199
    found = measure(Scan(table(values)), "downloads", "repo")
    assert [count for _, count, _ in found.tops] == [1, 19, 199]
    assert found.top_share("1%") == pytest.approx(sum(range(1981, 2000)) / sum(values))
    few = measure(Scan(table([5] * 99)), "downloads", "repo")
    assert [(c, s) for _, c, s in few.tops][:2] == [(0, 0.0), (0, 0.0)]  # floor(0.99) = 0


def test_equal_values_have_no_concentration_and_one_holder_has_all() -> None:
    equal = measure(Scan(table([7] * 40)), "downloads", "repo")
    assert equal.gini == pytest.approx(0.0) and equal.hhi == pytest.approx(1 / 40)
    single = measure(Scan(table([0] * 9 + [100])), "downloads", "repo")
    assert single.gini == pytest.approx(0.9) and single.hhi == pytest.approx(1.0)
    assert single.zero_share == pytest.approx(0.9)


def test_all_zero_and_missing_values() -> None:
    zeros = measure(Scan(table([0, 0, 0])), "downloads", "repo")
    assert zeros.gini is None and zeros.hhi is None and zeros.zero_share == 1.0
    holes = measure(Scan(table([None, 4, None, 0])), "downloads", "repo")
    assert holes.units == 2 and holes.missing == 2 and holes.zero_share == 0.5


def test_authors_are_summed_case_insensitively() -> None:
    values = [10, 20, 0, 5, 5]
    authors = ["Alice", "alice", "bob", "carol", "CAROL"]
    found = measure(Scan(table(values, authors)), "downloads", "author", ("50%",))
    sums = [30, 0, 10]
    assert found.units == 3 and found.zero_share == pytest.approx(1 / 3)
    assert found.tops[0][1] == 1 and found.tops[0][2] == pytest.approx(30 / 40)
    assert found.gini == pytest.approx(expected(sums, Fraction(1, 2))["gini"])


def test_families_group_their_namespaces_and_others_stand_alone() -> None:
    families = Families.load()
    meta = [ns for ns, name in families.publisher_map().items() if name == "Meta"][:2]
    values, authors = [100, 50, 7, 7], [*meta, "someone", "Someone"]
    found = measure(Scan(table(values, authors), families=families), "downloads", "family",
                    ("50%",))
    assert found.units == 2  # Meta (two namespaces), someone (two spellings)
    assert found.tops[0][2] == pytest.approx(150 / 164)


def test_lorenz_runs_from_equality_corner_to_corner_and_matches_the_top_share() -> None:
    rng = random.Random(4)
    values = [int(rng.paretovariate(1.1) * 10) for _ in range(5_000)] + [0] * 1_000
    scan = Scan(table(values))
    curve = lorenz(scan, "downloads", "repo")
    assert curve.iloc[0].tolist() == [0.0, 0.0] and curve.iloc[-1].tolist() == [1.0, 1.0]
    assert curve["population_share"].is_monotonic_increasing
    assert curve["value_share"].is_monotonic_increasing
    n = len(values)
    ordered = np.sort(values)
    for x, y in curve.itertuples(index=False):  # each point from its definition
        poorest = round(x * n)
        assert y == pytest.approx(ordered[:poorest].sum() / ordered.sum(), abs=1e-9)
    top = measure(scan, "downloads", "repo").top_share("1%")
    at = curve[np.isclose(curve["population_share"], 0.99)]
    assert float(1 - at["value_share"].iloc[0]) == pytest.approx(top)


def test_the_report_on_the_demo() -> None:
    report = concentration(demo_snapshot(), by="author", with_lorenz=True)
    doc = report.document()
    assert {"gini", "hhi", "zero_share", "rows", "lorenz"} <= set(doc)
    assert [row["top"] for row in doc["rows"]] == ["0.1%", "1%", "10%"]
    frame = demo_snapshot().frame("model", ["author", "downloads"])
    sums = frame.groupby(frame["author"].str.lower())["downloads"].sum().sort_values(
        ascending=False)
    k = len(sums) // 100
    assert doc["rows"][1]["count"] == k
    assert doc["rows"][1]["share"] == pytest.approx(sums.iloc[:k].sum() / sums.sum())


def test_spaces_have_no_downloads_said_in_one_line() -> None:
    from hfexplore.errors import HfExploreError

    with pytest.raises(HfExploreError, match="no downloads of Spaces"):
        concentration(demo_snapshot(), "space")
    assert concentration(demo_snapshot(), "space", metric="likes").extra["units"] == 123
