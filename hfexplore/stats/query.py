"""The one filter and aggregation path shared by reports, claims and diffs.

Everything here works on Arrow tables, row by row in position (never by a pandas index), so a
filter, a family mapping and a ranking cannot be misaligned. Rules used everywhere:
- authors and base-model ids are grouped case-insensitively (the Hub's namespaces are), and
  shown in their most frequent spelling;
- a multi-valued column (`libraries`, `tasks`, `base_models`) counts a repo once under each of
  its values, so shares of repos can sum to more than 100%;
- `family` is the publisher family of the repo's author; `base_family` the origin family of
  any of its base models (mirrors and legacy ids included: see `catalog/families.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hfexplore.catalog.knowledge import OPEN_WEIGHT_CATEGORIES, Families, LicenseTable

NONE_LABEL = "(none)"
Values = str | tuple[str, ...] | None


def as_values(value: Values | Sequence[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


@dataclass(frozen=True)
class Filters:
    """Row filters shared by reports and claims (all optional; all must hold). Each text
    filter takes one value or several (any of them matches)."""

    author: Values = None
    library: Values = None
    task: Values = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    license: Values = None
    license_category: Values = None  # a category, or "open-weight" for the three open ones
    family: Values = None  # publisher family of the author
    base_family: Values = None  # origin family of any base model
    not_family: Values = None  # not published by these families
    not_family_kind: Values = None  # not published by a family of these kinds ("company")
    # True: every declared license is a reusable standard one (see the license table);
    # False: at least one declared license is not (custom, unknown, or written for one model).
    # Repos declaring no license match neither.
    standard_license: bool | None = None

    def columns(self) -> list[str]:
        wanted = {"author": self.author or self.family or self.not_family
                  or self.not_family_kind,
                  "libraries": self.library, "tasks": self.task,
                  "created_at": self.created_after or self.created_before,
                  "license": self.license, "license_category": self.license_category,
                  "base_models": self.base_family,
                  "licenses": self.standard_license is not None}
        return [column for column, value in wanted.items() if value]

    def apply(self, table: pa.Table, families: Families | None = None,
              license_table: LicenseTable | None = None) -> pa.Table:
        mask = self.mask(table, families, license_table)
        return table if mask is None else table.filter(mask)

    def mask(self, table: pa.Table, families: Families | None = None,
             license_table: LicenseTable | None = None) -> pa.Array | None:
        """A boolean per row (None when there is no filter)."""
        mask = None
        for condition in self._conditions(table, families, license_table):
            condition = pc.fill_null(condition, False)
            mask = condition if mask is None else pc.and_(mask, condition)
        return mask

    def _conditions(self, table: pa.Table, families: Families | None,
                    license_table: LicenseTable | None) -> list[Any]:
        out: list[Any] = []
        if self.standard_license is not None:
            out.append(_standard(table["licenses"], license_table or LicenseTable.load(),
                                 self.standard_license))
        if self.author:
            out.append(pc.is_in(pc.utf8_lower(table["author"]),
                                _strings([v.lower() for v in as_values(self.author)])))
        if self.library:
            out.append(any_of(table["libraries"], as_values(self.library)))
        if self.task:
            out.append(any_of(table["tasks"], as_values(self.task)))
        if self.license:
            out.append(pc.is_in(table["license"], _strings(as_values(self.license))))
        if self.license_category:
            wanted = [c for v in as_values(self.license_category)
                      for c in (OPEN_WEIGHT_CATEGORIES if v == "open-weight" else (v,))]
            out.append(pc.is_in(table["license_category"], _strings(wanted)))
        if self.created_after:
            out.append(pc.greater_equal(table["created_at"], _moment(self.created_after, table)))
        if self.created_before:
            out.append(pc.less(table["created_at"], _moment(self.created_before, table)))
        if self.family or self.not_family or self.base_family or self.not_family_kind:
            families = families or Families.load()
        if self.not_family_kind and families:
            kinds = as_values(self.not_family_kind)
            names = [f.name for f in families.families.values() if f.kind in kinds]
            out.append(pc.invert(pc.fill_null(
                pc.is_in(families.map_arrow(table["author"]), _strings(names)), False)))
        if self.family and families:
            names = families.canonical(as_values(self.family))
            out.append(pc.is_in(families.map_arrow(table["author"]), _strings(names)))
        if self.not_family and families:
            names = families.canonical(as_values(self.not_family))
            out.append(pc.invert(pc.fill_null(
                pc.is_in(families.map_arrow(table["author"]), _strings(names)), False)))
        if self.base_family and families:
            names = families.canonical(as_values(self.base_family))
            bases = _chunk(table["base_models"])
            hit = pc.is_in(families.origin_arrow(pc.list_flatten(bases)), _strings(names))
            out.append(_rows_with(bases, hit, table.num_rows))
        return out

    def describe(self) -> str:
        parts = []
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool):
                parts.append(f"{item.name}={str(value).lower()}")
            elif value:
                shown = value.date().isoformat() if isinstance(value, datetime) else \
                    ",".join(as_values(value))
                parts.append(f"{item.name}={shown}")
        return ", ".join(parts)


NO_FILTERS = Filters()


def _strings(values: Sequence[str]) -> pa.Array:
    return pa.array(list(values), pa.string())


def _standard(licenses: pa.ChunkedArray, table: LicenseTable, wanted: bool) -> pa.Array:
    lists = _chunk(licenses)
    standard = [key for key, entry in table.entries.items() if entry.standard]
    flat = pc.list_flatten(lists)
    nonstandard = _rows_with(lists, pc.invert(pc.is_in(flat, _strings(standard))), len(lists))
    declared = pc.greater(pc.fill_null(pc.list_value_length(lists), 0), 0)
    return nonstandard if not wanted else pc.and_(declared, pc.invert(nonstandard))


def _moment(moment: datetime, table: pa.Table) -> pa.Scalar:
    return pa.scalar(pd.Timestamp(moment), type=table["created_at"].type)


def _chunk(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        return column.combine_chunks() if column.num_chunks else pa.array([], column.type)
    return column


def _rows_with(lists: pa.Array, hit: pa.Array, num_rows: int) -> pa.Array:
    """True for each row of `lists` with at least one element where `hit` (flattened) is true."""
    parents = pc.list_parent_indices(lists)
    rows = pc.filter(parents, pc.fill_null(hit, False))
    return pc.is_in(pa.array(np.arange(num_rows)), value_set=pc.unique(rows))


def any_of(column: pa.ChunkedArray | pa.Array, values: Sequence[str]) -> pa.Array:
    """True where a list column holds any of `values`."""
    lists = _chunk(column)
    return _rows_with(lists, pc.is_in(pc.list_flatten(lists), _strings(values)), len(lists))


# -- aggregation ----------------------------------------------------------------------------
def count_by(table: pa.Table, keys: list[str], **sums: str) -> pd.DataFrame:
    """Rows per distinct key (nulls as "(none)"), with optional sums, aggregated by Arrow."""
    aggregations: list[tuple] = [([], "count_all")]
    aggregations += [(column, "sum") for column in sums.values()]
    grouped = table.group_by(keys, use_threads=True).aggregate(aggregations)
    frame = grouped.to_pandas().rename(columns={"count_all": "count"})
    frame = frame.rename(columns={f"{column}_sum": name for name, column in sums.items()})
    for key in keys:
        frame[key] = frame[key].astype(object).where(frame[key].notna(), NONE_LABEL)
    return frame


def explode(table: pa.Table, column: str, keep: Sequence[str] = ()) -> pa.Table:
    """One row per (repo, value) of a list column; repos without values get one null row."""
    lists = _chunk(table[column])
    empty = pc.equal(pc.fill_null(pc.list_value_length(lists), 0), 0)
    padded = pc.if_else(empty, pa.scalar([None], lists.type), lists) if len(lists) else lists
    parents = pc.list_parent_indices(padded)
    out = {column: pc.list_flatten(padded)}
    out.update({name: pc.take(table[name], parents) for name in keep})
    return pa.table(out)


def value_counts(table: pa.Table, column: str, label: str, total: int | None = None,
                 top: int = 0, sum_of: str | None = None) -> pd.DataFrame:
    """Repos and share per value of `column` (a list column counts a repo under each value;
    missing values as "(none)"), largest first. `sum_of` adds that column's sum per value."""
    num_rows = table.num_rows
    if pa.types.is_list(table.schema.field(column).type):
        if sum_of is None:  # values are unique within a repo (the normaliser sees to it)
            frame = _list_value_counts(table[column]).rename(columns={"value": label})
            return _finish_counts(frame, label, total or num_rows, top, [])
        table = explode(table, column, [sum_of])
    sums = {sum_of: sum_of} if sum_of else {}
    frame = count_by(table, [column], **sums).rename(columns={column: label})
    return _finish_counts(frame, label, total or num_rows, top, list(sums))


def _finish_counts(frame: pd.DataFrame, label: str, total: int, top: int,
                   sums: list[str]) -> pd.DataFrame:
    frame = frame[[label, "count", *sums]]
    frame = frame.sort_values(["count", label], ascending=[False, True], kind="stable")
    frame["share"] = frame["count"] / max(total, 1)
    return top_rows(frame, top)


def _list_value_counts(column: pa.ChunkedArray) -> pd.DataFrame:
    """Repos per value of a list column, and "(none)" for repos without any value."""
    lists = _chunk(column)
    counts = pc.value_counts(pc.drop_null(pc.list_flatten(lists)))
    values = counts.field("values").to_pylist()
    numbers = counts.field("counts").to_pylist()
    empty = int(pc.sum(pc.equal(pc.fill_null(pc.list_value_length(lists), 0), 0)).as_py() or 0)
    if empty:
        values.append(NONE_LABEL)
        numbers.append(empty)
    return pd.DataFrame({"value": pd.Series(values, dtype=object),
                         "count": pd.Series(numbers, dtype="int64")})


def top_rows(frame: pd.DataFrame, top: int) -> pd.DataFrame:
    return (frame.head(top) if top and top > 0 else frame).reset_index(drop=True)


def fold_case(table: pa.Table, column: str) -> pa.Table:
    """Replace `column` by its most frequent spelling among values equal but for case."""
    values = table[column]
    key = pc.utf8_lower(values)
    spellings = pa.table({"key": key, "value": values}).group_by(
        ["key", "value"], use_threads=False).aggregate([([], "count_all")])
    order = pc.sort_indices(spellings, sort_keys=[("key", "ascending"),
                                                  ("count_all", "descending"),
                                                  ("value", "ascending")])
    spellings = spellings.take(order)
    keys = spellings["key"].to_pylist()
    first = [i for i in range(len(keys)) if i == 0 or keys[i] != keys[i - 1]]
    canonical = spellings.take(pa.array(first, pa.int64()))
    index = pc.index_in(key, value_set=canonical["key"])
    folded = pc.take(canonical["value"], index)
    return table.set_column(table.schema.get_field_index(column), column, folded)


def fold_counts(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """`count_by` rows whose keys differ only by case merged into one, named by the spelling
    with the most repos (then the first in code order), like `fold_case`: cheaper, as it works
    on the grouped rows rather than on every repo."""
    lowered = frame[key].str.lower()
    spelling = frame.assign(_key=lowered).sort_values(
        ["_key", "count", key], ascending=[True, False, True], kind="stable").drop_duplicates(
        "_key").set_index("_key")[key]
    numbers = [c for c in frame.columns if c != key]
    merged = frame[numbers].groupby(lowered.to_numpy()).sum(min_count=1)
    merged.insert(0, key, spelling.reindex(merged.index).to_numpy())
    return merged.reset_index(drop=True)


def distinct(table: pa.Table, column: str, *, min_repos: int = 1,
             families: Families | None = None) -> int:
    """Distinct values (case-insensitive for authors) held by at least `min_repos` repos."""
    values = column_values(table, column, families)
    if pa.types.is_list(values.type):
        values = pc.list_flatten(_chunk(values))
    if column in ("author", "base_models"):
        values = pc.utf8_lower(values)
    counts = pc.value_counts(pc.drop_null(values))
    if min_repos <= 1:
        return len(counts)
    return int(pc.sum(pc.greater_equal(counts.field("counts"), min_repos)).as_py() or 0)


def column_values(table: pa.Table, column: str, families: Families | None = None
                  ) -> pa.ChunkedArray | pa.Array:
    """A column by name, `family` being the publisher family of each author."""
    if column == "family":
        return (families or Families.load()).map_arrow(table["author"])
    return table[column]


def rank_of(table: pa.Table, column: str, value: str, *, by: str = "count",
            families: Families | None = None) -> tuple[int, pd.DataFrame] | None:
    """The rank of `value` among `column`'s values (1 = most repos, or most downloads), and the
    ranking; None when `value` does not occur. Ties share the better rank."""
    work = pa.table({column: column_values(table, column, families)}
                    | ({"downloads": table["downloads"]} if by == "downloads" else {}))
    ranking = value_counts(work, column, "value", sum_of="downloads" if by == "downloads"
                           else None)
    ranking = ranking[ranking["value"] != NONE_LABEL]
    score = ranking["downloads" if by == "downloads" else "count"]
    hit = ranking["value"] == value
    if not hit.any():
        return None
    mine = score[hit.to_numpy()].iloc[0]
    return int((score > mine).sum()) + 1, ranking.reset_index(drop=True)


def base_edges(table: pa.Table, families: Families | None = None) -> pa.Table:
    """One row per lineage edge: `row` (the derivative's position), `base_model` (most frequent
    spelling), `base_key` (lower-cased), `relation`, `author`, `base_family` (origin family).
    Needs the columns base_models and base_relations (and author when present)."""
    families = families or Families.load()
    bases = _chunk(table["base_models"])
    parents = pc.list_parent_indices(bases)
    flat = pc.utf8_trim_whitespace(pc.list_flatten(bases))
    relations = pc.list_flatten(_chunk(table["base_relations"]))
    columns: dict[str, Any] = {
        "row": parents, "base_model": flat, "base_key": pc.utf8_lower(flat),
        "relation": pc.fill_null(relations, "unspecified"),
        "base_family": families.origin_arrow(flat)}
    if "author" in table.column_names:
        columns["author"] = pc.take(table["author"], parents)
    return fold_case(pa.table(columns), "base_model")
