"""Reports over a snapshot. Each reads only the columns it needs and returns a `Report`.

Filtering, family mapping, case folding and lineage edges come from `stats/query.py`, the
path the claims and diffs use too.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hfexplore.arguments import check_arguments
from hfexplore.catalog.knowledge import (
    OPEN_WEIGHT_CATEGORIES,
    Families,
    LicenseTable,
    categories_by_policy,
)
from hfexplore.catalog.normalize import RELATIONS
from hfexplore.catalog.snapshot import Snapshot
from hfexplore.repo_type import PLURAL, RepoTypeLike
from hfexplore.report import Report
from hfexplore.stats.query import (
    NO_FILTERS,
    NONE_LABEL,
    Filters,
    base_edges,
    count_by,
    fold_counts,
    top_rows,
    value_counts,
)

__all__ = ["NONE_LABEL", "NO_FILTERS", "Filters", "authors", "growth", "libraries", "licenses",
           "lineage", "summary", "tasks"]
MULTI_VALUE_NOTE = ("a repo with several {what} counts once under each, so shares can add up "
                    "to more than 100%")


def _load(snapshot: Snapshot, repo_type: RepoTypeLike, columns: list[str], filters: Filters,
          families: Families | None = None) -> pa.Table:
    needed = list(dict.fromkeys(columns + filters.columns()))
    return filters.apply(snapshot.table(repo_type, needed), families).select(columns)


def _report(title: str, rows: pd.DataFrame, snapshot: Snapshot, filters: Filters,
            **extra: object) -> Report:
    notes = [f"filters: {filters.describe()}"] if filters.describe() else []
    return Report(title=title, rows=rows.reset_index(drop=True), source=snapshot.source,
                  as_of=snapshot.as_of, extra=dict(extra), notes=notes)


def _recategorise(table: pa.Table, license_table: LicenseTable) -> pa.Table:
    index = table.schema.get_field_index("license_category")
    return table.set_column(index, "license_category",
                            categories_by_policy(table["licenses"], license_table))


def licenses(snapshot: Snapshot, repo_type: RepoTypeLike = "model", *, open_weight: bool = False,
             by: Literal["license", "category", "family"] = "license", top: int = 20,
             filters: Filters = NO_FILTERS, license_table: LicenseTable | None = None,
             families: Families | None = None) -> Report:
    """Repos per license (or category, or license family), with shares of all repos.

    Categories follow the multi-license policy (`catalog/licenses.py`): `multi_licensed` and
    `moved_by_policy` in the result say how many repos it concerns."""
    check_arguments(repo_type=repo_type, by=(by, ("license", "category", "family")))
    columns = ["license", "licenses", "license_category"] + (["author"] if open_weight else [])
    table = _load(snapshot, repo_type, columns, filters, families)
    total = table.num_rows
    if license_table is not None:  # re-categorise with the user's table
        table = _recategorise(table, license_table)
    license_table = license_table or LicenseTable.load()
    multi = int(pc.sum(pc.greater(pc.list_value_length(table["licenses"]), 1)).as_py() or 0)
    # One pass over the rows; everything else works on the few (license, category) pairs.
    pairs = count_by(table, ["license", "license_category"])
    primary = pairs["license"].map(lambda v: license_table.category(None if v == NONE_LABEL
                                                                    else v))
    moved = int(pairs.loc[primary != pairs["license_category"], "count"].sum())
    if open_weight:
        pairs = pairs[pairs["license_category"].isin(OPEN_WEIGHT_CATEGORIES)]
        table = table.filter(pc.is_in(table["license_category"],
                                      pa.array(OPEN_WEIGHT_CATEGORIES, pa.string())))
    if by == "license":  # each license with its own category (the table's, not the policy's)
        rows = pairs.groupby("license", as_index=False)["count"].sum()
        rows["category"] = [license_table.category(None if v == NONE_LABEL else v)
                            for v in rows["license"]]
        rows = rows[["license", "category", "count"]]
    elif by == "category":
        rows = pairs.groupby("license_category", as_index=False)["count"].sum().rename(
            columns={"license_category": "category"})
    else:
        family_of = {e.id: e.family for e in license_table.entries.values()}
        family = pairs["license"].map(family_of).fillna(
            pairs["license"].where(pairs["license"] == NONE_LABEL, "custom"))
        rows = pairs.assign(family=family).groupby("family", as_index=False)["count"].sum()
    key = rows.columns[0]
    rows = rows.sort_values(["count", key], ascending=[False, True], kind="stable")
    rows["share"] = rows["count"] / max(total, 1)
    title = f"{'Open-weight ' if open_weight else ''}{PLURAL[repo_type].capitalize()} by {by}"
    report = _report(title, top_rows(rows, top), snapshot, filters, repo_type=repo_type,
                     total=total, matching=int(pairs["count"].sum()), multi_licensed=multi,
                     moved_by_policy=moved)
    if moved:
        report.notes.append(f"{multi:,} repos declare several licenses; {moved:,} of them are "
                            "counted under the most restrictive category of their licenses, "
                            "not their first license's")
    if open_weight:
        families = families or Families.load()
        published = table.append_column("family", families.map_arrow(table["author"]))
        published = published.filter(pc.is_valid(published["family"]))
        by_publisher = count_by(published, ["family", "license"]).sort_values(
            ["count", "family", "license"], ascending=[False, True, True], kind="stable")
        report.sections["by_publisher"] = top_rows(by_publisher[["family", "license", "count"]],
                                                   top)
        report.section_titles["by_publisher"] = \
            f"Open-weight {PLURAL[repo_type]} by publisher family"
        report.extra["open_weight_share"] = table.num_rows / max(total, 1)
    return report


def libraries(snapshot: Snapshot, repo_type: RepoTypeLike = "model", *, top: int = 20,
              filters: Filters = NO_FILTERS) -> Report:
    """Models per `library_name`; datasets per `library:` tag (several per dataset); Spaces per
    SDK."""
    if repo_type == "space":
        table = _load(snapshot, "space", ["sdk"], filters)
        rows = value_counts(table, "sdk", "sdk", top=top)
        return _report("Spaces by SDK", rows, snapshot, filters, repo_type=repo_type,
                       total=table.num_rows)
    return _per_value(snapshot, repo_type, "libraries", "library", "library:", filters, top)


def tasks(snapshot: Snapshot, repo_type: RepoTypeLike = "model", *, top: int = 20,
          filters: Filters = NO_FILTERS) -> Report:
    """Models per `pipeline_tag`; datasets per `task_categories:` tag (several per dataset)."""
    check_arguments(repo_type=repo_type)
    return _per_value(snapshot, repo_type, "tasks", "task", "task_categories:", filters, top)


def _per_value(snapshot: Snapshot, repo_type: RepoTypeLike, column: str, label: str, tag: str,
               filters: Filters, top: int) -> Report:
    table = _load(snapshot, repo_type, [column], filters)
    rows = value_counts(table, column, label, top=top)
    report = _report(f"{PLURAL[repo_type].capitalize()} by {label}", rows, snapshot, filters,
                     repo_type=repo_type, total=table.num_rows)
    if repo_type == "dataset":
        report.notes.append(f"{column} from the datasets' `{tag}` tags; "
                            + MULTI_VALUE_NOTE.format(what=column))
    return report


def authors(snapshot: Snapshot, repo_type: RepoTypeLike = "model", *, by_family: bool = False,
            sort: Literal["count", "downloads", "likes"] = "count", top: int = 20,
            filters: Filters = NO_FILTERS, families: Families | None = None) -> Report:
    """Repos, downloads and likes per author (namespaces equal but for case are one author) or
    per publisher family."""
    check_arguments(repo_type=repo_type, sort=(sort, ("count", "downloads", "likes")))
    columns = ["author", "downloads", "likes"] if repo_type != "space" else ["author", "likes"]
    table = _load(snapshot, repo_type, columns, filters, families)
    if "downloads" not in table.column_names:
        table = table.append_column("downloads", pa.nulls(table.num_rows, pa.int64()))
    key = "author"
    if by_family:
        families = families or Families.load()
        table = table.append_column("family", families.map_arrow(table["author"]))
        table = table.filter(pc.is_valid(table["family"]))
        key = "family"
    grouped = count_by(table, [key], downloads="downloads", likes="likes")
    if not by_family:
        grouped = fold_counts(grouped, "author")
    rows = grouped[[key, "count", "downloads", "likes"]].sort_values(
        [sort, key], ascending=[False, True], kind="stable")
    rows["downloads"] = rows["downloads"].astype("Int64")
    rows["likes"] = rows["likes"].astype("Int64")
    title = f"{PLURAL[repo_type].capitalize()} by {'publisher family' if by_family else key}"
    return _report(title, top_rows(rows, top), snapshot, filters, repo_type=repo_type,
                   distinct=len(grouped))


def lineage(snapshot: Snapshot, *, family: str | None = None, base: str | None = None,
            top: int = 20, filters: Filters = NO_FILTERS,
            families: Families | None = None) -> Report:
    """Derivatives per base model and per origin family, by relation (each edge has its own),
    with distinct authors. Base ids are grouped case-insensitively."""
    families = families or Families.load()
    table = _load(snapshot, "model", ["author", "base_models", "base_relations"], filters,
                  families)
    edges = base_edges(table, families)
    if family:
        edges = edges.filter(pc.equal(edges["base_family"], families.get(family).name))
    if base:
        edges = edges.filter(pc.equal(edges["base_key"], base.strip().lower()))
    with_base = int(pc.sum(pc.greater(pc.list_value_length(table["base_models"]), 0)).as_py()
                    or 0)
    per_base = _by_relation(edges, "base_model")
    per_base.insert(1, "base_family", per_base["base_model"].map(
        _family_lookup(edges)).fillna(""))
    report = _report("Derivatives per base model", top_rows(per_base, top), snapshot, filters,
                     models=table.num_rows, models_with_base=with_base,
                     base_share=with_base / max(table.num_rows, 1), edges=edges.num_rows)
    report.sections["by_family"] = _by_relation(
        edges.filter(pc.is_valid(edges["base_family"])), "base_family")
    report.section_titles["by_family"] = "Derivatives per origin family of the base model"
    report.notes.append("a model with several bases counts once per base, each with its own "
                        "relation; families by origin (mirrors and legacy ids included)")
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
    authors = pa.table({key: edges[key], "author": pc.utf8_lower(edges["author"])})
    distinct = authors.group_by(key).aggregate([("author", "count_distinct")]).to_pandas()
    pivot["authors"] = distinct.set_index(key)["author_count_distinct"]
    rows = pivot.reset_index().rename_axis(None, axis=1)
    for column in [*relations, "derivatives", "authors"]:
        rows[column] = rows[column].astype("int64")
    return rows.sort_values(["derivatives", key], ascending=[False, True], kind="stable")


def growth(snapshot: Snapshot, repo_type: RepoTypeLike = "model", *,
           by: Literal["month", "year"] = "month", filters: Filters = NO_FILTERS) -> Report:
    """Repos created per period, and the running total."""
    check_arguments(repo_type=repo_type, by=(by, ("month", "year")))
    table = _load(snapshot, repo_type, ["created_at"], filters)
    created = pc.drop_null(table["created_at"])
    unknown = table.num_rows - len(created)
    # Periods as year*100+month (or the year) in Arrow: no per-repo Python or pandas objects.
    key = pc.year(created) if by == "year" else pc.add(
        pc.multiply(pc.year(created), 100), pc.month(created))
    found = pc.value_counts(key)
    counted = pd.Series(found.field("counts").to_numpy(),
                        index=found.field("values").to_numpy()).sort_index()
    if by == "year":
        index = pd.PeriodIndex([pd.Period(year=int(k), freq="Y") for k in counted.index],
                               freq="Y")
    else:
        index = pd.PeriodIndex([pd.Period(year=int(k) // 100, month=int(k) % 100, freq="M")
                                for k in counted.index], freq="M")
    counts = pd.Series(counted.to_numpy(), index=index, dtype="int64")
    if len(counts):
        counts = counts.reindex(pd.period_range(counts.index.min(), counts.index.max(),
                                                freq=counts.index.freq), fill_value=0)
    rows = pd.DataFrame({by: counts.index.astype(str), "created": counts.to_numpy()})
    rows["cumulative"] = rows["created"].cumsum()
    report = _report(f"{PLURAL[repo_type].capitalize()} created per {by}", rows, snapshot,
                     filters, repo_type=repo_type, undated=unknown)
    placeholder = int(pc.sum(pc.and_(
        pc.greater_equal(created, pa.scalar(pd.Timestamp("2022-03-02T23:29:00Z"), created.type)),
        pc.less(created, pa.scalar(pd.Timestamp("2022-03-02T23:30:00Z"), created.type)))
    ).as_py() or 0)
    report.extra["placeholder_created"] = placeholder
    if placeholder:
        report.notes.append(f"{placeholder:,} repos carry the Hub's placeholder creation time "
                            "2022-03-02T23:29 (repos older than its date tracking)")
    return report


def summary(snapshot: Snapshot, *, top: int = 10, filters: Filters = NO_FILTERS) -> Report:
    """Totals per repo type and the top of each breakdown, each section naming its repo type."""
    totals: dict[str, int] = {}
    rows = []
    for repo_type in snapshot.repo_types():
        count = snapshot.num_rows(repo_type) if not filters.columns() else \
            _load(snapshot, repo_type, [], filters).num_rows
        totals[PLURAL[repo_type]] = count
        rows.append({"repo_type": repo_type, "count": count})
    report = _report("Hub catalogue", pd.DataFrame(rows, columns=["repo_type", "count"]),
                     snapshot, filters, totals=totals, snapshot_name=snapshot.name)
    sections: list[tuple[str, str, Report]] = []
    if snapshot.has("model"):
        sections += [
            ("top_licenses", "Top licenses of models",
             licenses(snapshot, top=top, filters=filters)),
            ("license_categories", "License categories of models",
             licenses(snapshot, by="category", top=0, filters=filters)),
            ("top_libraries", "Top libraries of models",
             libraries(snapshot, top=top, filters=filters)),
            ("top_authors", "Top authors of models", authors(snapshot, top=top, filters=filters)),
            ("top_tasks", "Top tasks of models", tasks(snapshot, top=top, filters=filters)),
        ]
    if snapshot.has("dataset") and not (filters.library or filters.task):
        sections += [
            ("top_dataset_libraries", "Top libraries of datasets (library: tags)",
             libraries(snapshot, "dataset", top=top, filters=filters)),
            ("top_dataset_tasks", "Top tasks of datasets (task_categories: tags)",
             tasks(snapshot, "dataset", top=top, filters=filters)),
        ]
    if snapshot.has("space") and not (filters.library or filters.task):
        sections.append(("top_space_sdks", "Top SDKs of Spaces",
                         libraries(snapshot, "space", top=top, filters=filters)))
    for name, title, part in sections:
        report.sections[name] = part.rows
        report.section_titles[name] = title
    return report
