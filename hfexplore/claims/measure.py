"""A claim's declarative metric, computed on a snapshot table through the reports' own filter
and aggregation path (`stats/query.py`)."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from hfexplore.catalog.knowledge import Families, LicenseTable
from hfexplore.claims.loader import Metric, Where
from hfexplore.stats.query import NONE_LABEL, Filters, distinct, rank_of, value_counts

# Claim column names -> snapshot columns (`family` is derived from `author`).
COLUMN_OF = {"library": "libraries", "author": "author", "license": "license",
             "license_name": "license_name", "task": "tasks", "family": "author"}


class Inconclusive(Exception):
    """The data needed to measure a metric is missing, or cannot decide it."""


@dataclass(frozen=True)
class Figure:
    value: float
    denominator: int = 0  # repos a share is taken of
    runner_up: float | None = None  # rank: the nearest competitor's score
    own_score: float | None = None  # rank: the ranked value's own score
    detail: str = ""


def filters_of(where: Where) -> Filters:
    options: dict[str, object] = {}
    for key, values in where:
        options[key] = (values[0] == "true") if key == "standard_license" else values
    return Filters(**options)  # type: ignore[arg-type]


def columns_for(metric: Metric) -> list[str]:
    columns = filters_of(metric.where).columns() + filters_of(metric.among).columns()
    if metric.column:
        columns.append(COLUMN_OF[metric.column])
    if metric.kind == "rank" and metric.by == "downloads":
        columns.append("downloads")
    return list(dict.fromkeys(columns))


def compute(table: pa.Table, metric: Metric, families: Families,
            license_table: LicenseTable) -> Figure:
    if metric.kind == "share":
        base = filters_of(metric.among).apply(table, families, license_table)
        selected = filters_of(metric.where).apply(base, families, license_table)
        return Figure(selected.num_rows / max(base.num_rows, 1), base.num_rows)
    selected = filters_of(metric.where).apply(table, families, license_table)
    if metric.kind == "count":
        return Figure(float(selected.num_rows))
    column = metric.column or ""
    if column == "license_name" and selected.num_rows and \
            selected["license_name"].null_count == selected.num_rows:
        raise Inconclusive("this data has no license names (the listing was not expanded "
                           "with cardData)")
    name = "family" if column == "family" else COLUMN_OF[column]
    if metric.kind == "distinct":
        return Figure(float(distinct(selected, name, min_repos=metric.min_repos,
                                     families=families)))
    if metric.kind == "top_share":
        return _top_share(selected, name, metric.n, families)
    return _rank(selected, name, metric, families)


def _top_share(table: pa.Table, column: str, n: int, families: Families) -> Figure:
    if column == "family":
        table = pa.table({"family": families.map_arrow(table["author"])})
    counts = value_counts(table, column, "value")
    counts = counts[counts["value"] != NONE_LABEL]
    top = counts.head(n)
    shown = ", ".join(f"{v} {c:,}" for v, c in zip(top["value"], top["count"], strict=True))
    return Figure(float(top["count"].sum()) / max(table.num_rows, 1), table.num_rows,
                  detail=f"top {n}: {shown}")


def _rank(table: pa.Table, column: str, metric: Metric, families: Families) -> Figure:
    value = metric.value or ""
    found = rank_of(table, column, value, by=metric.by, families=families)
    if found is None:
        raise Inconclusive(f"{value!r} does not appear among the {metric.column} values")
    rank, ranking = found
    score = "downloads" if metric.by == "downloads" else "count"
    mine = float(ranking.loc[ranking["value"] == value, score].iloc[0])
    others = ranking.loc[ranking["value"] != value, [score, "value"]]
    nearest = None
    if len(others):
        gaps = (others[score].astype(float) - mine).abs()
        nearest = others.loc[gaps.idxmin()]
    leader = ranking.iloc[0]
    detail = (f"{value}: {mine:,.0f} {'downloads' if score == 'downloads' else 'repos'}"
              + (f"; first: {leader['value']} {float(leader[score]):,.0f}" if rank > 1 else
                 f"; next: {nearest['value']} {float(nearest[score]):,.0f}"
                 if nearest is not None else ""))
    return Figure(float(rank), runner_up=None if nearest is None else float(nearest[score]),
                  own_score=mine, detail=detail)


def created_by(table: pa.Table, day_after_claim: pa.Scalar) -> pa.Table:
    """Repos created before the day after the claim (undated repos are left out)."""
    return table.filter(pc.fill_null(pc.less(table["created_at"], day_after_claim), False))
