"""A claim's declarative metric, computed by the reports' own query engine and aggregation
path (`stats/engine.py`, `stats/query.py`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hfexplore.claims.loader import CONCENTRATION_KINDS, Metric
from hfexplore.stats.query import NONE_LABEL, Scan, distinct, rank_rows, value_count_rows

if TYPE_CHECKING:
    from hfexplore.stats.concentration import Concentration

COMPARED = ("same", "more_restrictive", "less_restrictive")
# Claim column names -> snapshot columns (`family` is derived from `author`).
COLUMN_OF = {"library": "libraries", "author": "author", "license": "license",
             "license_name": "license_name", "task": "tasks", "family": "family"}


class Inconclusive(Exception):
    """The data needed to measure a metric is missing, or cannot decide it."""


@dataclass(frozen=True)
class Figure:
    value: float
    denominator: int = 0  # repos a share is taken of
    runner_up: float | None = None  # rank: the nearest competitor's score
    own_score: float | None = None  # rank: the ranked value's own score
    detail: str = ""


def compute(scan: Scan, metric: Metric) -> Figure:
    """The metric over the scan's rows (a share's `among` and the `where` filters narrow it)."""
    if metric.kind == "share":
        base = scan.narrowed(metric.among)
        selected = base.narrowed(metric.where)
        denominator = base.count()
        return Figure(selected.count() / max(denominator, 1), denominator)
    selected = scan.narrowed(metric.where)
    if metric.kind == "count":
        return Figure(float(selected.count()))
    if metric.kind == "drift_share":
        return _drift_share(selected, metric)
    if metric.kind in CONCENTRATION_KINDS:
        return _concentration(selected, metric)
    column = metric.column or ""
    if column == "license_name" and selected.rows(
            "SELECT count(*) > 0 AND count(license_name) = 0 FROM rows")[0][0]:
        raise Inconclusive("this data has no license names (the listing was not expanded "
                           "with cardData)")
    name = COLUMN_OF[column]
    if metric.kind == "distinct":
        return Figure(float(distinct(selected, name, min_repos=metric.min_repos)))
    if metric.kind == "top_share":
        return _top_share(selected, name, metric.n)
    return _rank(selected, name, metric)


def _drift_share(scan: Scan, metric: Metric) -> Figure:
    """License drift as a claim: the share of the (derivative, base) pairs of `hfexplore
    drift` (`ecosystem/drift.py`) with the metric's `outcome` (same, more_restrictive,
    less_restrictive, undeclared, base_undeclared, unclear, base_missing), `to` each direct
    base ("parent", the default) or each root ("root"); the derivatives are the repos matching
    `where`. The share is of the compared pairs (same, more or less restrictive) for those
    three outcomes, of all pairs for the others."""
    from hfexplore.ecosystem.drift import drift_pairs  # pandas: this kind only

    pairs, _ = drift_pairs(scan, "root" if metric.to == "root" else "parent")
    counts = pairs["outcome"].value_counts()
    compared = int(sum(counts.get(o, 0) for o in COMPARED))
    outcome = metric.outcome or ""
    denominator = compared if outcome in COMPARED else len(pairs)
    if not denominator:
        raise Inconclusive("no lineage pairs to compare in this data")
    found = int(counts.get(outcome, 0))
    which = "compared " if outcome in COMPARED else ""
    base = "root" if metric.to == "root" else "direct base"
    return Figure(found / denominator, denominator,
                  detail=f"{found:,} of {denominator:,} {which}pairs (derivative, {base}) are "
                         f"{outcome.replace('_', ' ')}")


def _concentration(scan: Scan, metric: Metric) -> Figure:
    found = _measured(scan, metric.of, metric.unit, metric.top)
    if found.units == 0:
        raise Inconclusive(f"no {metric.unit}s with {metric.of} in this data")
    top_count, top_share = next((count, share) for label, count, share in found.tops
                                if label == metric.top)
    value = {"top_value_share": top_share, "gini": found.gini,
             "zero_value_share": found.zero_share}[metric.kind]
    if value is None:
        raise Inconclusive(f"every {metric.unit} has 0 {metric.of}: nothing is concentrated")
    units = f"{found.units:,} {metric.unit}s"
    detail = {"top_value_share": f"the top {metric.top} ({top_count:,} of {units}) hold "
                                 f"{100 * (top_share or 0):.2f}% of {found.total:,} "
                                 f"{metric.of}",
              "gini": f"Gini {found.gini:.4f} over {units} ({found.total:,} {metric.of})",
              "zero_value_share": f"{found.zeros:,} of {units} have no {metric.of}"}[metric.kind]
    if found.missing:
        detail += f"; {found.missing:,} repos without {metric.of} left out"
    return Figure(float(value), found.units, detail=detail)


def _measured(scan: Scan, of: str, unit: str, top: str) -> Concentration:
    """The concentration figures of these rows, computed once for every claim, reading and
    piece of evidence that asks (the ranking is the costly part: one pass gives every top)."""
    from hfexplore.stats.concentration import TOPS, measure

    key = ("concentration", scan.fingerprint, of, unit)
    found = scan.derived.figures.get(key)
    if found is None or top not in {label for label, _, _ in found.tops}:
        before = tuple(label for label, _, _ in found.tops) if found is not None else ()
        tops = tuple(dict.fromkeys((*TOPS, *before, top)))
        found = scan.derived.figures[key] = measure(scan, of, unit, tops)
    return found


def _top_share(scan: Scan, column: str, n: int) -> Figure:
    total = scan.count()
    counts = value_count_rows(scan, column, "value", total=total)
    top = [(value, count) for value, count, _ in counts.data if value != NONE_LABEL][:n]
    shown = ", ".join(f"{v} {c:,}" for v, c in top)
    return Figure(float(sum(c for _, c in top)) / max(total, 1), total,
                  detail=f"top {n}: {shown}")


def _rank(scan: Scan, column: str, metric: Metric) -> Figure:
    value = metric.value or ""
    found = rank_rows(scan, column, value, by=metric.by)
    if found is None:
        raise Inconclusive(f"{value!r} does not appear among the {metric.column} values")
    rank, ranking = found
    score = "downloads" if metric.by == "downloads" else "count"
    at = ranking.columns.index(score)
    scores = [(row[0], _score(row[at])) for row in ranking.data]
    mine = next(s for v, s in scores if v == value)
    others = [(v, s) for v, s in scores if v != value]
    nearest = None
    if others:  # the first of equal gaps
        nearest = min(others, key=lambda item: abs(item[1] - mine)
                      if not math.isnan(item[1]) else math.inf)
    leader = scores[0]
    detail = (f"{value}: {mine:,.0f} {'downloads' if score == 'downloads' else 'repos'}"
              + (f"; first: {leader[0]} {leader[1]:,.0f}" if rank > 1 else
                 f"; next: {nearest[0]} {nearest[1]:,.0f}" if nearest is not None else ""))
    return Figure(float(rank), runner_up=None if nearest is None else nearest[1],
                  own_score=mine, detail=detail)


def _score(value: Any) -> float:
    return math.nan if value is None else float(value)
