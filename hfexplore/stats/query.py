"""The one aggregation path shared by reports, claims and diffs, on the query engine.

Rules used everywhere (the filters' own rules are in `stats/filters.py`):
- authors and base-model ids are grouped case-insensitively (the Hub's namespaces are), and
  shown in their most frequent spelling (ties: the first in code-point order);
- a multi-valued column (`libraries`, `tasks`, `base_models`) counts a repo once under each of
  its values, and a repo without any under "(none)", so shares can sum to more than 100%;
- `family` is the publisher family of the repo's author; a lineage edge's `base_family` is the
  origin family of its base model (mirrors and legacy ids included).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hfexplore.rows import Rows
from hfexplore.stats.engine import Scan
from hfexplore.stats.filters import NO_FILTERS, Filters, Knowledge, Values, as_values

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["NONE_LABEL", "NO_FILTERS", "Filters", "Knowledge", "Scan", "Values", "as_values",
           "count_folded", "count_folded_rows", "distinct", "rank_of", "rank_rows", "top_rows",
           "value_count_rows", "value_counts", "value_expression"]
NONE_LABEL = "(none)"
# A model has at most one library and one task, so its list equals its single column, which
# is cheaper to count (see `normalize/schema.py`); Spaces' tasks likewise.
# What "library" means per repo type, as the `libraries` report counts it.
LIBRARY_COLUMN = {"model": "libraries", "dataset": "libraries", "space": "sdk"}
SINGLE_VALUED = {("model", "libraries"): "library_name", ("model", "tasks"): "pipeline_tag",
                 ("space", "tasks"): "pipeline_tag"}
LIST_COLUMNS = ("libraries", "tasks", "base_models", "licenses", "base_relations", "formats",
                "tags")


def count_folded_rows(scan: Scan, key: str, *, order: str = "count", top: int = 0,
                      **sums: str) -> tuple[Rows, int]:
    """Rows per value of `key` (nulls as "(none)") with optional sums (name=column), values
    equal but for case merged under their most frequent
    spelling; the `top` rows by `order` (largest first, then by key; 0 for all), and how many
    distinct keys there are."""
    summed = "".join(f", sum({column}) AS {name}" for name, column in sums.items())
    resummed = "".join(f", sum({name})::BIGINT AS {name}" for name in sums)
    limit = f"LIMIT {int(top)}" if top and top > 0 else ""
    found = scan.fetch(
        f"WITH spelt AS (SELECT {key}, count(*) AS count{summed} FROM rows GROUP BY ALL), "
        f"folded AS (SELECT first({key} ORDER BY count DESC, {key}) AS {key}, "
        f"sum(count)::BIGINT AS count{resummed} FROM spelt GROUP BY lower({key})) "
        f"SELECT coalesce({key}, '{NONE_LABEL}') AS {key}, * EXCLUDE ({key}) FROM (SELECT * "
        f"FROM folded ORDER BY {order} DESC NULLS LAST, coalesce({key}, '{NONE_LABEL}') "
        f"{limit}) CROSS JOIN (SELECT count(*) AS groups FROM folded)")
    groups = int(found.data[0][-1]) if found.data else 0
    return found.select(found.columns[:-1]), groups


def count_folded(scan: Scan, key: str, *, order: str = "count", top: int = 0,
                 **sums: str) -> tuple[pd.DataFrame, int]:
    """`count_folded_rows` as a DataFrame."""
    found, groups = count_folded_rows(scan, key, order=order, top=top, **sums)
    return found.frame(), groups


def value_expression(repo_type: str, column: str) -> str:
    """The SELECT expression giving one value per (repo, value) of a column: a list column
    gives one per value and a null for a repo without any."""
    column = SINGLE_VALUED.get((repo_type, column), column)
    if column in LIST_COLUMNS:
        return (f"unnest(CASE WHEN coalesce(len({column}), 0) = 0 THEN [NULL::VARCHAR] "
                f"ELSE {column} END)")
    return column


def _values(scan: Scan, column: str) -> tuple[str, str]:
    """`value_expression` for a scan (`family`, the publisher family, included), and the FROM
    it needs."""
    if column == "family":
        return "publishers.family", f"rows {scan.with_publishers()}"
    return value_expression(scan.repo_type, column), "rows"


def value_count_rows(scan: Scan, column: str, label: str, total: int | None = None,
                     top: int = 0, sum_of: str | None = None) -> Rows:
    """Repos and share per value of `column` (missing values as "(none)"), largest first.
    `sum_of` adds that column's sum per value."""
    found = _counts(scan, column, label, sum_of)
    whole = max(total if total is not None else scan.count(), 1)
    at = found.columns.index("count")
    return Rows((*found.columns, "share"), [(*row, row[at] / whole) for row in found.data],
                (*found.kinds, "float")).head(top)


def value_counts(scan: Scan, column: str, label: str, total: int | None = None,
                 top: int = 0, sum_of: str | None = None) -> pd.DataFrame:
    """`value_count_rows` as a DataFrame."""
    return value_count_rows(scan, column, label, total, top, sum_of).frame()


def _counts(scan: Scan, column: str, label: str, sum_of: str | None = None,
            order: str = "count") -> Rows:
    """Repos (and `sum_of`'s sum) per value of `column`, largest `order` first, then by value."""
    value, source = _values(scan, column)
    summed = f", sum(rows.{sum_of})::BIGINT AS {sum_of}" if sum_of else ""
    return scan.fetch(
        f"SELECT coalesce(value, '{NONE_LABEL}') AS \"{label}\", count(*) AS count{summed} "
        f"FROM (SELECT {value} AS value{', rows.' + sum_of if sum_of else ''} FROM {source}) "
        f"AS rows GROUP BY value ORDER BY {order} DESC NULLS LAST, "
        f"coalesce(value, '{NONE_LABEL}')")


def top_rows(frame: pd.DataFrame, top: int) -> pd.DataFrame:
    return (frame.head(top) if top and top > 0 else frame).reset_index(drop=True)


def distinct(scan: Scan, column: str, *, min_repos: int = 1) -> int:
    """Distinct values (case-insensitive for authors and base models) held by at least
    `min_repos` repos."""
    value, source = _values(scan, column)
    if column in ("author", "base_models"):
        value = f"lower({value})"
    return int(scan.scalar(
        f"SELECT count(*) FROM (SELECT value FROM (SELECT {value} AS value FROM {source}) "
        "WHERE value IS NOT NULL GROUP BY value HAVING count(*) >= $min_repos)",
        {"min_repos": max(min_repos, 1)}))


def rank_rows(scan: Scan, column: str, value: str, *, by: str = "count"
              ) -> tuple[int, Rows] | None:
    """The rank of `value` among `column`'s values (1 = most repos, or most downloads), and the
    ranking (value, count[, downloads]), best first by the same score; None when `value` does
    not occur. Ties share the better rank."""
    sum_of = "downloads" if by == "downloads" else None
    ranking = _counts(scan, column, "value", sum_of, order=sum_of or "count")
    at = ranking.columns.index(sum_of or "count")
    ranking = Rows(ranking.columns, [row for row in ranking.data if row[0] != NONE_LABEL],
                   ranking.kinds)
    mine: list[Any] = [row[at] for row in ranking.data if row[0] == value]
    if not mine:
        return None
    own = mine[0]  # a missing score ranks first, as nothing compares greater than it
    better = 0 if own is None else sum(1 for row in ranking.data
                                       if row[at] is not None and row[at] > own)
    return better + 1, ranking


def rank_of(scan: Scan, column: str, value: str, *, by: str = "count"
            ) -> tuple[int, pd.DataFrame] | None:
    """`rank_rows` with the ranking as a DataFrame."""
    found = rank_rows(scan, column, value, by=by)
    return None if found is None else (found[0], found[1].frame())
