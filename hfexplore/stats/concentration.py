"""How concentrated attention is: the share of downloads (or likes) held by the top repos,
authors or organisation families, the Gini coefficient, the HHI and the share with none.

Definitions (the same in the report, the claims and the history):
- a unit is a repo, an author (namespaces equal but for case are one), or a publisher family
  (an author that no family claims is a unit of its own); its value is the sum of the metric
  over its repos. Repos without a value of the metric (not in the data) are left out, and said.
- the top p% is the floor(n x p) units with the most (ties at the edge do not matter: the sum
  of the k largest values is the same whichever tied unit is taken); its share is their sum
  over the sum of all n.
- Gini: sum_ij |x_i - x_j| / (2 n^2 mean), 0 when all are equal, (n-1)/n when one holds all;
  computed from the ranks: (n+1)/n - 2 sum_r r x_(r) / (n total), with r = 1 the largest.
- HHI: the sum of squared shares, from 1/n (all equal) to 1 (one holds all); as a fraction,
  not on the 0-10,000 scale.
- zero share: units whose value is 0, over n.
All sums are exact integers (DuckDB HUGEINT); the ratios are taken in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Literal

from hfexplore.arguments import check_arguments
from hfexplore.errors import HfExploreError
from hfexplore.knowledge import Families
from hfexplore.repo_type import PLURAL, RepoTypeLike
from hfexplore.report import Report
from hfexplore.stats.query import NO_FILTERS, Filters, Scan
from hfexplore.stats.sizes import parameter_note
from hfexplore.store.snapshot import Snapshot

if TYPE_CHECKING:  # numpy and pandas load for the curve and the report, not for a claim
    import pandas as pd

UNITS = ("repo", "author", "family")
METRICS = ("downloads", "downloads_all_time", "likes")
TOPS = ("0.1%", "1%", "10%")
Unit = Literal["repo", "author", "family"]
Metric = Literal["downloads", "downloads_all_time", "likes"]


@dataclass(frozen=True)
class Concentration:
    """The figures of one metric over one set of units."""

    units: int  # units with a value
    total: int  # the metric's sum over them
    zeros: int
    gini: float | None  # None without units or when every value is 0
    hhi: float | None
    tops: tuple[tuple[str, int, float | None], ...]  # (label, units in the top, their share)
    missing: int  # repos left out: no value of the metric

    @property
    def zero_share(self) -> float | None:
        return self.zeros / self.units if self.units else None

    def top_share(self, label: str) -> float | None:
        return next(share for name, _, share in self.tops if name == label)


def fraction_of(label: str) -> Fraction:
    """"1%" -> 1/100, "0.1%" -> 1/1000, "1.5%" -> 3/200 (exact: floor(n x p) is exact)."""
    return Fraction(label.rstrip("%").strip()) / 100


def _units_sql(scan: Scan, metric: str, by: str) -> str:
    """`SELECT v FROM ...`: one row per unit with its value (BIGINT)."""
    present = f"rows.{metric} IS NOT NULL"
    if by == "repo":
        return f"SELECT rows.{metric}::BIGINT AS v FROM rows WHERE {present}"
    if by == "author":
        return (f"SELECT sum(rows.{metric})::BIGINT AS v FROM rows WHERE {present} "
                "GROUP BY lower(rows.author)")
    join = scan.with_publishers()
    return (f"SELECT sum(rows.{metric})::BIGINT AS v FROM rows {join} WHERE {present} "
            "GROUP BY coalesce(publishers.family, '/' || lower(rows.author))")


def measure(scan: Scan, metric: str = "downloads", by: str = "repo",
            tops: tuple[str, ...] = TOPS) -> Concentration:
    """The figures over the scan's rows, in one pass over the units' distinct values.

    The units are counted per value (most are tied: a zero, a small count), and the ranks
    worked out per value: a value held by `c` units after `before` larger ones takes ranks
    before+1 .. before+c, whose sum is c x before + c(c+1)/2; the top k units hold the values
    of the ranks up to k, a tied value partly. Exact integers, as a full ranking would give,
    with a sort of the distinct values only."""
    check_arguments(metric=(metric, METRICS), by=(by, UNITS))
    fractions = [fraction_of(label) for label in tops]
    top_sums = "".join(
        f", sum(h * greatest(0, least(c, n * {f.numerator} // {f.denominator} - before))) "
        f"AS t{i}, least(any_value(n), any_value(n) * {f.numerator} // {f.denominator}) "
        f"AS k{i}" for i, f in enumerate(fractions))
    row = scan.rows(
        f"WITH units AS ({_units_sql(scan, metric, by)}), "
        "counted AS (SELECT v, count(*)::HUGEINT AS c FROM units GROUP BY v), "
        "ranked AS (SELECT v::HUGEINT AS h, c, coalesce(sum(c) OVER (ORDER BY v DESC ROWS "
        "BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before, sum(c) OVER () AS n "
        "FROM counted) "
        "SELECT sum(c), sum(c * h), sum(c) FILTER (WHERE h = 0), sum(c * h * h), "
        f"sum(h * (c * before + c * (c + 1) // 2)){top_sums}, "
        f"(SELECT count(*) FROM rows WHERE {metric} IS NULL) FROM ranked")[0]
    n, total, zeros, squares, weighted = (int(x or 0) for x in row[:5])
    found = []
    for i, label in enumerate(tops):
        top_sum, count = int(row[5 + 2 * i] or 0), int(row[6 + 2 * i] or 0)
        found.append((label, count, top_sum / total if total else None))
    gini = (n + 1) / n - 2 * weighted / (n * total) if total else None
    hhi = squares / total ** 2 if total else None
    return Concentration(n, total, zeros, gini, hhi, tuple(found), int(row[-1] or 0))


def lorenz(scan: Scan, metric: str = "downloads", by: str = "repo",
           points: int = 200) -> pd.DataFrame:
    """The Lorenz curve: `population_share` (the poorest units first) against the share of the
    metric they hold, at about `points` evenly spread ranks plus finer steps within the top 1%
    (where most of a skewed total sits); from (0, 0) to (1, 1)."""
    import numpy as np
    import pandas as pd

    check_arguments(metric=(metric, METRICS), by=(by, UNITS))
    units = _units_sql(scan, metric, by)
    n = int(scan.scalar(f"SELECT count(*) FROM ({units})") or 0)
    if n == 0:
        return pd.DataFrame({"population_share": [0.0, 1.0], "value_share": [0.0, 1.0]})
    ranks = np.unique(np.concatenate([
        np.ceil(np.linspace(0, n, points + 1)[1:]),
        np.ceil(np.geomspace(1, max(n / 100, 1), points // 4))]).astype(np.int64))
    frame = scan.frame(
        f"WITH units AS ({units}), ranked AS (SELECT r, sum(v::HUGEINT) OVER (ORDER BY r ROWS "
        "UNBOUNDED PRECEDING) AS c, sum(v::HUGEINT) OVER () AS total FROM (SELECT v, "
        "row_number() OVER (ORDER BY v DESC) AS r FROM units)) "
        "SELECT r, c::DOUBLE AS c, total::DOUBLE AS total FROM ranked "
        "WHERE list_contains($ranks, r) ORDER BY r", {"ranks": ranks.tolist()})
    total = float(frame["total"].iloc[0]) if len(frame) else 0.0
    held = frame["c"] / total if total else frame["r"] / n
    curve = pd.DataFrame({"population_share": 1 - frame["r"] / n, "value_share": 1 - held})
    ends = pd.DataFrame({"population_share": [1.0], "value_share": [1.0]})
    return pd.concat([curve.iloc[::-1], ends], ignore_index=True).clip(lower=0.0)


def concentration(snapshot: Snapshot, repo_type: RepoTypeLike = "model", *,
                  by: Unit = "repo", metric: Metric = "downloads",
                  filters: Filters = NO_FILTERS, with_lorenz: bool = False,
                  families: Families | None = None) -> Report:
    """The share of `metric` held by the top 0.1%, 1% and 10% of repos (or authors, or
    families), with the Gini coefficient, the HHI and the share of units with zero."""
    import pandas as pd

    check_arguments(repo_type=repo_type, by=(by, UNITS), metric=(metric, METRICS))
    scan = Scan(snapshot, repo_type, filters, families=families)
    found = measure(scan, metric, by)
    plural = PLURAL[repo_type]
    units = {"repo": plural, "author": "authors", "family": "families and other authors"}[by]
    if found.units == 0 and found.missing:
        how = ("the Hub records no downloads of Spaces" if repo_type == "space" else
               "a crawl (`hfexplore snapshot create`) or a hub-stats import records it")
        raise HfExploreError(f"none of the {found.missing:,} {plural} of snapshot "
                             f"{snapshot.name} has {metric}: {how}")
    rows = pd.DataFrame([{"top": label, "count": count, "share": share}
                         for label, count, share in found.tops])
    notes = [f"filters: {filters.describe()}"] if filters.describe() else []
    notes += parameter_note(snapshot, filters)
    if found.units:
        notes.append(
            f"{found.units:,} {units}; Gini {_ratio(found.gini)}, HHI {_ratio(found.hhi)}; "
            f"{100 * (found.zero_share or 0):.2f}% have no {metric.replace('_', ' ')}")
    if found.missing:
        notes.append(f"{found.missing:,} {plural} have no {metric} in this snapshot and are "
                     "left out")
    if by == "family":
        notes.append("a family counts all its publishing namespaces; an author no family "
                     "claims is a unit of its own")
    report = Report(
        title=f"Share of {metric.replace('_', ' ')} held by the top {units}",
        rows=rows, source=snapshot.source, as_of=snapshot.as_of, notes=notes,
        extra={"gini": found.gini, "hhi": found.hhi, "zero_share": found.zero_share,
               "units": found.units, "total": found.total, "missing": found.missing,
               "repo_type": repo_type, "by": by, "metric": metric})
    if with_lorenz:  # in the JSON; the table shows the figures, a plot draws the curve
        report.extra["lorenz"] = lorenz(scan, metric, by).to_dict("records")
    return report


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"
