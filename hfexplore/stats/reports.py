"""Reports over a snapshot. Each reads only the columns it needs and returns a `Report`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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


def value_counts(table: pa.Table, column: str, label: str, total: int | None = None,
                 top: int = 0) -> pd.DataFrame:
    """Count and share per value of `column` (missing values as "(none)"), largest first."""
    counts = table[column].to_pandas().fillna(NONE_LABEL).value_counts()
    frame = counts.rename_axis(label).reset_index(name="count")
    frame = frame.sort_values(["count", label], ascending=[False, True], kind="stable")
    frame["share"] = frame["count"] / (total if total else max(table.num_rows, 1))
    return _top(frame, top)


def licenses(snapshot: Snapshot, repo_type: RepoType = "model", *, open_weight: bool = False,
             by: Literal["license", "category", "family"] = "license", top: int = 20,
             filters: Filters = NO_FILTERS, license_table: LicenseTable | None = None,
             families: Families | None = None) -> Report:
    """Repos per license (or category, or license family), with shares of all repos."""
    table = _load(snapshot, repo_type, ["author", "license", "license_category"], filters)
    total = table.num_rows
    frame = table.to_pandas()
    if license_table is not None:  # re-categorise with the user's table
        frame["license_category"] = frame["license"].map(license_table.category)
    license_table = license_table or LicenseTable.load()
    if open_weight:
        frame = frame[frame["license_category"].isin(OPEN_WEIGHT_CATEGORIES)]
    frame["license"] = frame["license"].fillna(NONE_LABEL)
    if by == "license":
        grouped = frame.groupby(["license", "license_category"], dropna=False).size()
        rows = grouped.rename("count").reset_index().rename(
            columns={"license_category": "category"})
    elif by == "category":
        rows = frame.groupby("license_category").size().rename("count").reset_index().rename(
            columns={"license_category": "category"})
    else:
        family_of = {e.id: e.family for e in license_table.entries.values()}
        frame["family"] = frame["license"].map(family_of).fillna(
            frame["license"].where(frame["license"] == NONE_LABEL, "custom"))
        rows = frame.groupby("family").size().rename("count").reset_index()
    key = rows.columns[0]
    rows = rows.sort_values(["count", key], ascending=[False, True], kind="stable")
    rows["share"] = rows["count"] / max(total, 1)
    title = f"{'Open-weight ' if open_weight else ''}{PLURAL[repo_type].capitalize()} by {by}"
    report = _report(title, _top(rows, top), snapshot, filters, repo_type=repo_type,
                     total=total, matching=len(frame))
    if open_weight:
        families = families or Families.load()
        frame["family"] = families.map(frame["author"])
        publishers = frame.dropna(subset=["family"]).groupby(["family", "license"]).size()
        by_publisher = publishers.rename("count").reset_index().sort_values(
            ["family", "count"], ascending=[True, False], kind="stable")
        report.sections["by_publisher"] = by_publisher.reset_index(drop=True)
        report.extra["open_weight_share"] = len(frame) / max(total, 1)
    return report


def libraries(snapshot: Snapshot, *, top: int = 20, filters: Filters = NO_FILTERS) -> Report:
    table = _load(snapshot, "model", ["library_name"], filters)
    rows = value_counts(table, "library_name", "library", top=top)
    return _report("Models by library", rows, snapshot, filters, total=table.num_rows)


def tasks(snapshot: Snapshot, repo_type: RepoType = "model", *, top: int = 20,
          filters: Filters = NO_FILTERS) -> Report:
    table = _load(snapshot, repo_type, ["pipeline_tag"], filters)
    rows = value_counts(table, "pipeline_tag", "task", top=top)
    return _report(f"{PLURAL[repo_type].capitalize()} by task", rows, snapshot, filters,
                   repo_type=repo_type, total=table.num_rows)


def authors(snapshot: Snapshot, repo_type: RepoType = "model", *, by_family: bool = False,
            sort: Literal["count", "downloads", "likes"] = "count", top: int = 20,
            filters: Filters = NO_FILTERS, families: Families | None = None) -> Report:
    columns = ["author", "downloads", "likes"] if repo_type != "space" else ["author", "likes"]
    frame = _load(snapshot, repo_type, columns, filters).to_pandas()
    if "downloads" not in frame:
        frame["downloads"] = pd.NA
    key = "author"
    if by_family:
        families = families or Families.load()
        frame["family"] = families.map(frame["author"])
        frame = frame.dropna(subset=["family"])
        key = "family"
    grouped = frame.groupby(key).agg(count=("author", "size"),
                                     downloads=("downloads", lambda s: s.sum(min_count=1)),
                                     likes=("likes", "sum"))
    rows = grouped.reset_index().sort_values([sort, key], ascending=[False, True],
                                             kind="stable")
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
    edges = pd.DataFrame({
        "base_model": pc.list_flatten(bases).to_pandas(),
        "relation": pc.take(table["base_relation"], parents).to_pandas(),
        "author": pc.take(table["author"], parents).to_pandas(),
    })
    edges["base_family"] = families.map(edges["base_model"].str.split("/").str[0])
    if family:
        wanted = families.namespaces(family)  # raises on an unknown family
        edges = edges[edges["base_model"].str.split("/").str[0].str.lower().isin(
            [ns.lower() for ns in wanted])]
    if base:
        edges = edges[edges["base_model"].str.lower() == base.lower()]
    with_base = int(pc.sum(pc.greater(pc.list_value_length(bases), 0)).as_py() or 0) \
        if table.num_rows else 0
    per_base = _by_relation(edges, "base_model")
    per_base.insert(1, "base_family", families.map(
        per_base["base_model"].str.split("/").str[0]).fillna(""))
    report = _report("Derivatives per base model", _top(per_base, top), snapshot, filters,
                     models=table.num_rows, models_with_base=with_base,
                     base_share=with_base / max(table.num_rows, 1))
    report.sections["by_family"] = _by_relation(edges.dropna(subset=["base_family"]),
                                                "base_family")
    return report


def _by_relation(edges: pd.DataFrame, key: str) -> pd.DataFrame:
    relations = [*RELATIONS, "unspecified"]
    if edges.empty:
        return pd.DataFrame(columns=[key, "derivatives", *relations, "authors"])
    pivot = pd.crosstab(edges[key], edges["relation"]).reindex(columns=relations, fill_value=0)
    pivot.insert(0, "derivatives", pivot.sum(axis=1))
    pivot["authors"] = edges.groupby(key)["author"].nunique()
    rows = pivot.reset_index().rename_axis(None, axis=1)
    return rows.sort_values(["derivatives", key], ascending=[False, True], kind="stable")


def growth(snapshot: Snapshot, repo_type: RepoType = "model", *,
           by: Literal["month", "year"] = "month", filters: Filters = NO_FILTERS) -> Report:
    """Repos created per period, and the running total."""
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
        count = _load(snapshot, repo_type, ["id"], filters).num_rows
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
