"""A claim's declarative metric, computed by the reports' own query engine and aggregation
path (`stats/engine.py`, `stats/query.py`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from hfexplore.claims.loader import Metric
from hfexplore.stats.query import NONE_LABEL, Scan, distinct, rank_rows, value_count_rows

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
