"""Reports over a snapshot. Each reads only the columns it needs and returns a `Report`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hfexplore.arguments import check_arguments
from hfexplore.catalog.knowledge import OPEN_WEIGHT_CATEGORIES, Families, LicenseTable
from hfexplore.catalog.normalize import RELATIONS
from hfexplore.catalog.snapshot import Snapshot
from hfexplore.hub import PLURAL, RepoType
from hfexplore.report import Report

NONE_LABEL = "(none)"


@dataclass(frozen=True)
class Filters:
    """Row filters shared by the reports (all optional; all must hold)."""

    author: str | None = None
    library: str | None = None
    task: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None

    def columns(self) -> list[str]:
        wanted = {"author": self.author, "library_name": self.library, "pipeline_tag": self.task,
                  "created_at": self.created_after or self.created_before}
        return [column for column, value in wanted.items() if value]

    def apply(self, table: pa.Table) -> pa.Table:
        mask = None
        for condition in self._conditions(table):
            mask = condition if mask is None else pc.and_(mask, condition)
        return table if mask is None else table.filter(mask)

    def _conditions(self, table: pa.Table) -> list[pa.ChunkedArray]:
        out = []
        if self.author:
            out.append(pc.equal(pc.utf8_lower(table["author"]), self.author.lower()))
        if self.library:
            out.append(pc.equal(table["library_name"], self.library))
        if self.task:
            out.append(pc.equal(table["pipeline_tag"], self.task))
        if self.created_after:
            out.append(pc.greater_equal(table["created_at"], pa.scalar(
                pd.Timestamp(self.created_after), type=table["created_at"].type)))
        if self.created_before:
            out.append(pc.less(table["created_at"], pa.scalar(
                pd.Timestamp(self.created_before), type=table["created_at"].type)))
        return [pc.fill_null(c, False) for c in out]

    def describe(self) -> str:
        parts = [f"{k}={v}" for k, v in vars(self).items() if v]
        return ", ".join(parts)


NO_FILTERS = Filters()


def _load(snapshot: Snapshot, repo_type: RepoType, columns: list[str],
          filters: Filters) -> pa.Table:
    needed = list(dict.fromkeys(columns + filters.columns()))
    return filters.apply(snapshot.table(repo_type, needed))


def _report(title: str, rows: pd.DataFrame, snapshot: Snapshot, filters: Filters,
            **extra: object) -> Report:
    notes = [f"filters: {filters.describe()}"] if filters.describe() else []
    return Report(title=title, rows=rows.reset_index(drop=True), source=snapshot.source,
                  as_of=snapshot.as_of, extra=dict(extra), notes=notes)


def _top(frame: pd.DataFrame, top: int) -> pd.DataFrame:
    return frame.head(top) if top and top > 0 else frame


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


def value_counts(table: pa.Table, column: str, label: str, total: int | None = None,
                 top: int = 0) -> pd.DataFrame:
    """Count and share per value of `column` (missing values as "(none)"), largest first."""
    frame = count_by(table, [column]).rename(columns={column: label})[[label, "count"]]
    frame = frame.sort_values(["count", label], ascending=[False, True], kind="stable")
    frame["share"] = frame["count"] / (total if total else max(table.num_rows, 1))
    return _top(frame, top)


def licenses(snapshot: Snapshot, repo_type: RepoType = "model", *, open_weight: bool = False,
             by: Literal["license", "category", "family"] = "license", top: int = 20,
             filters: Filters = NO_FILTERS, license_table: LicenseTable | None = None,
             families: Families | None = None) -> Report:
    """Repos per license (or category, or license family), with shares of all repos."""
    check_arguments(repo_type=repo_type, by=(by, ("license", "category", "family")))
    table = _load(snapshot, repo_type, ["author", "license", "license_category"], filters)
    total = table.num_rows
    if license_table is not None:  # re-categorise with the user's table
        categories = [license_table.category(v) for v in table["license"].to_pylist()]
        table = table.set_column(table.schema.get_field_index("license_category"),
                                 "license_category", pa.array(categories, pa.string()))
    license_table = license_table or LicenseTable.load()
    if open_weight:
        table = table.filter(pc.is_in(table["license_category"],
                                      pa.array(OPEN_WEIGHT_CATEGORIES, pa.string())))
    grouped = count_by(table, ["license", "license_category"]).rename(
        columns={"license_category": "category"})
    if by == "license":
        rows = grouped[["license", "category", "count"]]
    elif by == "category":
        rows = grouped.groupby("category")["count"].sum().reset_index()
    else:
        family_of = {e.id: e.family for e in license_table.entries.values()}
        grouped["family"] = grouped["license"].map(family_of).fillna(
            grouped["license"].where(grouped["license"] == NONE_LABEL, "custom"))
        rows = grouped.groupby("family")["count"].sum().reset_index()
    key = rows.columns[0]
    rows = rows.sort_values(["count", key], ascending=[False, True], kind="stable")
    rows["share"] = rows["count"] / max(total, 1)
    title = f"{'Open-weight ' if open_weight else ''}{PLURAL[repo_type].capitalize()} by {by}"
    report = _report(title, _top(rows, top), snapshot, filters, repo_type=repo_type,
                     total=total, matching=table.num_rows)
    if open_weight:
        families = families or Families.load()
        published = table.append_column("family", families.map_arrow(table["author"]))
        published = published.filter(pc.is_valid(published["family"]))
        by_publisher = count_by(published, ["family", "license"]).sort_values(
            ["family", "count", "license"], ascending=[True, False, True], kind="stable")
        report.sections["by_publisher"] = by_publisher[["family", "license", "count"]] \
            .reset_index(drop=True)
        report.extra["open_weight_share"] = table.num_rows / max(total, 1)
    return report


def libraries(snapshot: Snapshot, *, top: int = 20, filters: Filters = NO_FILTERS) -> Report:
    table = _load(snapshot, "model", ["library_name"], filters)
    rows = value_counts(table, "library_name", "library", top=top)
    return _report("Models by library", rows, snapshot, filters, total=table.num_rows)


def tasks(snapshot: Snapshot, repo_type: RepoType = "model", *, top: int = 20,
          filters: Filters = NO_FILTERS) -> Report:
    check_arguments(repo_type=repo_type)
    table = _load(snapshot, repo_type, ["pipeline_tag"], filters)
    rows = value_counts(table, "pipeline_tag", "task", top=top)
    return _report(f"{PLURAL[repo_type].capitalize()} by task", rows, snapshot, filters,
                   repo_type=repo_type, total=table.num_rows)


def authors(snapshot: Snapshot, repo_type: RepoType = "model", *, by_family: bool = False,
            sort: Literal["count", "downloads", "likes"] = "count", top: int = 20,
            filters: Filters = NO_FILTERS, families: Families | None = None) -> Report:
    check_arguments(repo_type=repo_type, sort=(sort, ("count", "downloads", "likes")))
    columns = ["author", "downloads", "likes"] if repo_type != "space" else ["author", "likes"]
    table = _load(snapshot, repo_type, columns, filters)
    if "downloads" not in table.column_names:
        table = table.append_column("downloads", pa.nulls(table.num_rows, pa.int64()))
    key = "author"
    if by_family:
        families = families or Families.load()
        table = table.append_column("family", families.map_arrow(table["author"]))
        table = table.filter(pc.is_valid(table["family"]))
        key = "family"
    grouped = count_by(table, [key], downloads="downloads", likes="likes")
    rows = grouped[[key, "count", "downloads", "likes"]].sort_values(
        [sort, key], ascending=[False, True], kind="stable")
    rows["downloads"] = rows["downloads"].astype("Int64")
    rows["likes"] = rows["likes"].astype("Int64")
    title = f"{PLURAL[repo_type].capitalize()} by {'organisation family' if by_family else key}"
    return _report(title, _top(rows, top), snapshot, filters, repo_type=repo_type,
                   distinct=len(grouped))


def lineage(snapshot: Snapshot, *, family: str | None = None, base: str | None = None,
            top: int = 20, filters: Filters = NO_FILTERS,
            families: Families | None = None) -> Report:
    """Derivatives per base model and per base family, by relation, with distinct authors."""
    families = families or Families.load()
    table = _load(snapshot, "model", ["author", "base_models", "base_relation"], filters)
    bases = table["base_models"].combine_chunks() if table.num_rows else pa.array(
        [], pa.list_(pa.string()))
    parents = pc.list_parent_indices(bases)
    flat = pc.list_flatten(bases)
    namespace = pc.list_element(pc.split_pattern(flat, "/", max_splits=1), 0)
    edges = pa.table({"base_model": flat,
                      "relation": pc.take(table["base_relation"], parents),
                      "author": pc.take(table["author"], parents),
                      "base_family": families.map_arrow(namespace)})
    if family:
        wanted = pa.array([ns.lower() for ns in families.namespaces(family)], pa.string())
        edges = edges.filter(pc.is_in(pc.utf8_lower(namespace), wanted))
    if base:
        edges = edges.filter(pc.equal(pc.utf8_lower(edges["base_model"]), base.lower()))
    with_base = int(pc.sum(pc.greater(pc.list_value_length(bases), 0)).as_py() or 0) \
        if table.num_rows else 0
    per_base = _by_relation(edges, "base_model")
    per_base.insert(1, "base_family", per_base["base_model"].map(
        _family_lookup(edges)).fillna(""))
    report = _report("Derivatives per base model", _top(per_base, top), snapshot, filters,
                     models=table.num_rows, models_with_base=with_base,
                     base_share=with_base / max(table.num_rows, 1))
    report.sections["by_family"] = _by_relation(
        edges.filter(pc.is_valid(edges["base_family"])), "base_family")
    return report


def _family_lookup(edges: pa.Table) -> dict[str, str]:
    known = edges.filter(pc.is_valid(edges["base_family"])).group_by(
        ["base_model", "base_family"]).aggregate([])
    return dict(zip(known["base_model"].to_pylist(), known["base_family"].to_pylist(),
                    strict=True))


def _by_relation(edges: pa.Table, key: str) -> pd.DataFrame:
    relations = [*RELATIONS, "unspecified"]
    if edges.num_rows == 0:
        return pd.DataFrame(columns=[key, "derivatives", *relations, "authors"])
    counts = count_by(edges, [key, "relation"])
    pivot = counts.pivot_table(index=key, columns="relation", values="count", aggfunc="sum",
                               fill_value=0).reindex(columns=relations, fill_value=0)
    pivot.insert(0, "derivatives", pivot.sum(axis=1))
    distinct = edges.group_by(key).aggregate([("author", "count_distinct")]).to_pandas()
    pivot["authors"] = distinct.set_index(key)["author_count_distinct"]
    rows = pivot.reset_index().rename_axis(None, axis=1)
    for column in [*relations, "derivatives", "authors"]:
        rows[column] = rows[column].astype("int64")
    return rows.sort_values(["derivatives", key], ascending=[False, True], kind="stable")


def growth(snapshot: Snapshot, repo_type: RepoType = "model", *,
           by: Literal["month", "year"] = "month", filters: Filters = NO_FILTERS) -> Report:
    """Repos created per period, and the running total."""
    check_arguments(repo_type=repo_type, by=(by, ("month", "year")))
    table = _load(snapshot, repo_type, ["created_at"], filters)
    created = table["created_at"].to_pandas().dropna()
    unknown = table.num_rows - len(created)
    period = created.dt.tz_convert(None).dt.to_period("M" if by == "month" else "Y")
    counts = period.value_counts().sort_index()
    if len(counts):
        counts = counts.reindex(pd.period_range(counts.index.min(), counts.index.max(),
                                                freq=counts.index.freq), fill_value=0)
    rows = pd.DataFrame({by: counts.index.astype(str), "created": counts.to_numpy()})
    rows["cumulative"] = rows["created"].cumsum()
    report = _report(f"{PLURAL[repo_type].capitalize()} created per {by}", rows, snapshot,
                     filters, repo_type=repo_type, undated=unknown)
    placeholder = int(((created >= pd.Timestamp("2022-03-02T23:29:00Z")) &
                       (created < pd.Timestamp("2022-03-02T23:30:00Z"))).sum())
    if placeholder:
        report.notes.append(f"{placeholder:,} repos carry the Hub's placeholder creation time "
                            "2022-03-02T23:29 (repos older than its date tracking)")
    return report


def summary(snapshot: Snapshot, *, top: int = 10, filters: Filters = NO_FILTERS) -> Report:
    """Totals per repo type and the top of each breakdown."""
    totals: dict[str, int] = {}
    rows = []
    for repo_type in snapshot.repo_types():
        count = snapshot.num_rows(repo_type) if not filters.columns() else \
            _load(snapshot, repo_type, [], filters).num_rows
        totals[PLURAL[repo_type]] = count
        rows.append({"repo_type": repo_type, "count": count})
    report = _report("Hub catalogue", pd.DataFrame(rows, columns=["repo_type", "count"]),
                     snapshot, filters, totals=totals, snapshot_name=snapshot.name)
    if snapshot.has("model"):
        sections = {
            "top_licenses": licenses(snapshot, top=top, filters=filters).rows,
            "license_categories": licenses(snapshot, by="category", top=0, filters=filters).rows,
            "top_libraries": libraries(snapshot, top=top, filters=filters).rows,
            "top_authors": authors(snapshot, top=top, filters=filters).rows,
            "top_tasks": tasks(snapshot, top=top, filters=filters).rows,
        }
        report.sections.update(sections)
    return report
