"""Reports over a snapshot. Each reads only the columns it needs and returns a `Report`.

Filtering, family mapping, case folding and lineage edges come from `stats/query.py`, the
path the claims and diffs use too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

import pandas as pd
import pyarrow as pa

from hfexplore.arguments import check_arguments, license_grouping
from hfexplore.knowledge import OPEN_WEIGHT_CATEGORIES, Families, LicenseTable
from hfexplore.repo_type import PLURAL, RepoType, RepoTypeLike
from hfexplore.report import Report
from hfexplore.stats.lineage import lineage_of
from hfexplore.stats.query import (
    NO_FILTERS,
    NONE_LABEL,
    Filters,
    Scan,
    count_folded,
    top_rows,
    value_counts,
)
from hfexplore.stats.sizes import parameter_note
from hfexplore.store.snapshot import Snapshot

__all__ = ["NONE_LABEL", "NO_FILTERS", "Filters", "authors", "growth", "libraries", "licenses",
           "lineage", "summary", "tasks"]
PLACEHOLDER = datetime(2022, 3, 2, 23, 29, tzinfo=UTC)  # the Hub's date for its oldest repos
MULTI_VALUE_NOTE = ("a repo with several {what} counts once under each, so shares can add up "
                    "to more than 100%")


def _report(title: str, rows: pd.DataFrame, snapshot: Snapshot, filters: Filters,
            **extra: object) -> Report:
    notes = [f"filters: {filters.describe()}"] if filters.describe() else []
    notes += parameter_note(snapshot, filters)
    return Report(title=title, rows=rows.reset_index(drop=True), source=snapshot.source,
                  as_of=snapshot.as_of, extra=dict(extra), notes=notes)


def licenses(snapshot: Snapshot, repo_type: RepoTypeLike = "model", *, open_weight: bool = False,
             by: Literal["license", "category", "license_family", "family"] = "license",
             top: int = 20, filters: Filters = NO_FILTERS,
             license_table: LicenseTable | None = None,
             families: Families | None = None) -> Report:
    """Repos per license (or category, or license family: `family` is its old spelling), with
    shares of all repos.

    Categories follow the multi-license policy (`knowledge/licenses.py`): `multi_licensed` and
    `moved_by_policy` in the result say how many repos it concerns. With a `license_table` of
    the user's, categories are re-derived from each repo's licenses by that table."""
    check_arguments(repo_type=repo_type)
    grouping = license_grouping(by)
    scan = Scan(snapshot, repo_type, filters, families=families, license_table=license_table)
    groups = _license_groups(scan, open_weight, recategorise=license_table is not None)
    return _licenses_report(snapshot, scan, groups, open_weight=open_weight, by=grouping,
                            top=top)


def _license_groups(scan: Scan, open_weight: bool, recategorise: bool,
                    multi: bool = True) -> pd.DataFrame:
    """Repos per (license, category[, publisher family]) and whether they are multi-licensed
    (unless `multi` is false): the one pass over the rows a license report needs."""
    keys = ["license", "licenses" if recategorise else "license_category",
            "len(licenses) > 1 AS multi" if multi else "NULL AS multi"] + (
        ["publishers.family AS family"] if open_weight else [])
    join = scan.with_publishers() if open_weight else ""
    groups = scan.frame(f"SELECT {', '.join(keys)}, count(*) AS count FROM rows {join} "
                        "GROUP BY ALL")
    if recategorise:
        groups["license_category"] = [
            scan.license_table.category_of_all(list(v) if v is not None else [])
            for v in groups.pop("licenses")]
    for column in ("license", "license_category"):
        groups[column] = groups[column].astype(object).where(groups[column].notna(), NONE_LABEL)
    return groups


def _licenses_report(snapshot: Snapshot, scan: Scan, groups: pd.DataFrame, *,
                     open_weight: bool, by: str, top: int) -> Report:
    table = scan.license_table
    total = int(groups["count"].sum())  # the groups cover every row of the scan
    filters = _filters(scan)
    repo_type = scan.repo_type
    multi = int(groups.loc[groups["multi"].fillna(False).astype(bool), "count"].sum())
    primary = groups["license"].map(lambda v: table.category(None if v == NONE_LABEL else v))
    moved = int(groups.loc[primary != groups["license_category"], "count"].sum())
    if open_weight:
        groups = groups[groups["license_category"].isin(OPEN_WEIGHT_CATEGORIES)]
    pairs = groups.groupby(["license", "license_category"], as_index=False)["count"].sum()
    if by == "license":  # each license with its own category (the table's, not the policy's)
        rows = pairs.groupby("license", as_index=False)["count"].sum()
        rows["category"] = [table.category(None if v == NONE_LABEL else v)
                            for v in rows["license"]]
        rows = rows[["license", "category", "count"]]
    elif by == "category":
        rows = pairs.groupby("license_category", as_index=False)["count"].sum().rename(
            columns={"license_category": "category"})
    else:
        family_of = {e.id: e.family for e in table.entries.values()}
        family = pairs["license"].map(family_of).fillna(
            pairs["license"].where(pairs["license"] == NONE_LABEL, "custom"))
        rows = pairs.assign(license_family=family).groupby("license_family", as_index=False)[
            "count"].sum()
    key = rows.columns[0]
    rows = rows.sort_values(["count", key], ascending=[False, True], kind="stable")
    rows["share"] = rows["count"] / max(total, 1)
    title = (f"{'Open-weight ' if open_weight else ''}{PLURAL[repo_type].capitalize()} by "
             f"{by.replace('_', ' ')}")
    report = _report(title, top_rows(rows, top), snapshot, filters, repo_type=repo_type,
                     total=total, matching=int(pairs["count"].sum()), multi_licensed=multi,
                     moved_by_policy=moved)
    if moved:
        report.notes.append(f"{multi:,} repos declare several licenses; {moved:,} of them are "
                            "counted under the most restrictive category of their licenses, "
                            "not their first license's")
    if open_weight:
        published = groups[groups["family"].notna()]
        by_publisher = published.groupby(["family", "license"])["count"].sum().reset_index()
        by_publisher = by_publisher.sort_values(["count", "family", "license"],
                                                ascending=[False, True, True], kind="stable")
        report.sections["by_publisher"] = top_rows(by_publisher[["family", "license", "count"]],
                                                   top)
        report.section_titles["by_publisher"] = \
            f"Open-weight {PLURAL[repo_type]} by publisher family"
        report.extra["open_weight_share"] = int(groups["count"].sum()) / max(total, 1)
    return report


def libraries(snapshot: Snapshot, repo_type: RepoTypeLike = "model", *, top: int = 20,
              filters: Filters = NO_FILTERS) -> Report:
    """Models per `library_name`; datasets per `library:` tag (several per dataset); Spaces per
    SDK."""
    check_arguments(repo_type=repo_type)
    return _libraries(snapshot, Scan(snapshot, repo_type, filters), top)


def _libraries(snapshot: Snapshot, scan: Scan, top: int, total: int | None = None) -> Report:
    if scan.repo_type == "space":
        total = scan.count() if total is None else total
        rows = value_counts(scan, "sdk", "sdk", total=total, top=top)
        return _report("Spaces by SDK", rows, snapshot, _filters(scan), repo_type="space",
                       total=total)
    return _per_value(snapshot, scan, "libraries", "library", "library:", top, total)


def tasks(snapshot: Snapshot, repo_type: RepoTypeLike = "model", *, top: int = 20,
          filters: Filters = NO_FILTERS) -> Report:
    """Models per `pipeline_tag`; datasets per `task_categories:` tag (several per dataset)."""
    check_arguments(repo_type=repo_type)
    return _tasks(snapshot, Scan(snapshot, repo_type, filters), top)


def _tasks(snapshot: Snapshot, scan: Scan, top: int, total: int | None = None) -> Report:
    return _per_value(snapshot, scan, "tasks", "task", "task_categories:", top, total)


def _per_value(snapshot: Snapshot, scan: Scan, column: str, label: str, tag: str, top: int,
               total: int | None) -> Report:
    repo_type = scan.repo_type
    total = scan.count() if total is None else total
    rows = value_counts(scan, column, label, total=total, top=top)
    report = _report(f"{PLURAL[repo_type].capitalize()} by {label}", rows, snapshot,
                     _filters(scan), repo_type=repo_type, total=total)
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
    return _authors(snapshot, Scan(snapshot, repo_type, filters, families=families),
                    by_family, sort, top)


def _authors(snapshot: Snapshot, scan: Scan, by_family: bool, sort: str, top: int) -> Report:
    repo_type = scan.repo_type
    downloads = "downloads" if repo_type != "space" else "NULL::BIGINT"
    if by_family:
        key = "family"
        grouped = scan.frame(
            f"SELECT publishers.family, count(*) AS count, sum({downloads}) AS downloads, "
            f"sum(likes) AS likes FROM rows {scan.with_publishers()} "
            "WHERE publishers.family IS NOT NULL GROUP BY ALL")
        grouped["count"] = grouped["count"].astype("int64")
        distinct = len(grouped)
        rows = grouped[[key, "count", "downloads", "likes"]].sort_values(
            [sort, key], ascending=[False, True], kind="stable")
    else:
        key = "author"
        rows, distinct = count_folded(scan, "author", order=sort, top=top,
                                      downloads=downloads, likes="likes")
        rows = rows[[key, "count", "downloads", "likes"]]
    rows["downloads"] = rows["downloads"].astype("Int64")
    rows["likes"] = rows["likes"].astype("Int64")
    title = f"{PLURAL[repo_type].capitalize()} by {'publisher family' if by_family else key}"
    report = _report(title, top_rows(rows, top), snapshot, _filters(scan), repo_type=repo_type,
                     distinct=distinct)
    if by_family:
        report.notes += _fixture_notes(scan)
    return report


def _fixture_notes(scan: Scan) -> list[str]:
    """What a family's test-fixture namespaces hold among the rows, said as left out: a
    fixture (a tiny random model for a test suite) is not a release (families.toml)."""
    fixtures = scan.families.fixture_map()
    scan.register("fixture_namespaces", pa.table({
        "namespace": pa.array(list(fixtures), pa.string()),
        "family": pa.array(list(fixtures.values()), pa.string())}))
    found = scan.rows(
        "SELECT f.family, f.namespace, count(*) FROM rows JOIN fixture_namespaces AS f "
        "ON f.namespace = lower(rows.author) GROUP BY ALL ORDER BY 1, 3 DESC, 2")
    per_family: dict[str, list[tuple[str, int]]] = {}
    for family, namespace, count in found:
        per_family.setdefault(family, []).append((namespace, int(count)))
    what = PLURAL[scan.repo_type]
    return [f"{family}: {sum(n for _, n in held):,} {what} in its test-fixture namespaces ("
            + ", ".join(f"{namespace} {n:,}" for namespace, n in held)
            + ") are not counted: a test fixture is not a release (families.toml)"
            for family, held in per_family.items()]


def lineage(snapshot: Snapshot, *, family: str | None = None,
            parent_family: str | None = None, base: str | None = None, top: int = 20,
            filters: Filters = NO_FILTERS, families: Families | None = None) -> Report:
    """Derivatives per base model and per family, by relation (each edge has its own), with
    descendants at any depth, origin families (the base_model chain followed to its roots) and
    distinct authors. Base ids are grouped case-insensitively. `family`: only the bases of that
    family's tree (its models and those descending from them); `parent_family`: only the bases
    attributed to that family themselves."""
    scan = Scan(snapshot, "model", filters, families=families)
    models, with_base = scan.rows(
        "SELECT count(*), count(*) FILTER (WHERE len(base_models) > 0) FROM rows")[0]
    found = lineage_of(scan, family=family, parent_family=parent_family, base=base, top=top)
    report = _report("Derivatives per base model: direct (by relation) and at any depth",
                     found.per_base, snapshot, filters, models=int(models),
                     models_with_base=int(with_base),
                     base_share=int(with_base) / max(int(models), 1), edges=found.edges)
    report.sections["by_family"] = found.per_family
    report.section_titles["by_family"] = ("Derivatives per family of the base model: direct "
                                          "and at any depth")
    report.notes += [
        "derivatives: direct, one per edge (a model with several bases counts once per base, "
        "each with its own relation); descendants: the models descending at any depth, the "
        "base_model chain followed up to its roots, each counted once",
        "base_family: the family a base is attributed to by itself (origin patterns, "
        "namespaces and mirrors, legacy ids); origin_family: the family of its roots (where a "
        "root is unattributed, the attributed ancestor nearest that root)"]
    return report


def growth(snapshot: Snapshot, repo_type: RepoTypeLike = "model", *,
           by: Literal["month", "year"] = "month", filters: Filters = NO_FILTERS) -> Report:
    """Repos created per period, and the running total."""
    check_arguments(repo_type=repo_type, by=(by, ("month", "year")))
    scan = Scan(snapshot, repo_type, filters)
    # Periods as year*100+month (or the year), counted by the engine; the Hub's placeholder
    # creation time is counted in the same pass.
    period = "year(created_at)" if by == "year" else \
        "year(created_at) * 100 + month(created_at)"
    found = scan.frame(
        f"SELECT {period} AS period, count(*) AS count, count(*) FILTER (WHERE created_at >= "
        "$placeholder AND created_at < $placeholder + INTERVAL 1 MINUTE) AS placeholder "
        "FROM rows GROUP BY ALL", {"placeholder": PLACEHOLDER})
    dated = found[found["period"].notna()]
    unknown = int(found.loc[found["period"].isna(), "count"].sum())
    counted = pd.Series(dated["count"].to_numpy(dtype="int64"),
                        index=dated["period"].to_numpy(dtype="int64")).sort_index()
    if by == "year":
        index = pd.PeriodIndex([pd.Period(year=int(k), freq="Y") for k in counted.index],
                               freq="Y")
    else:
        index = pd.PeriodIndex([pd.Period(year=int(k) // 100, month=int(k) % 100, freq="M")
                                for k in counted.index], freq="M")
    counts = pd.Series(counted.to_numpy(), index=index, dtype="int64")
    if len(counts):
        counts = counts.reindex(pd.period_range(counts.index.min(), counts.index.max(),
                                                freq="Y" if by == "year" else "M"),
                                fill_value=0)
    rows = pd.DataFrame({by: counts.index.astype(str), "created": counts.to_numpy()})
    rows["cumulative"] = rows["created"].cumsum()
    rows["partial"] = _partial(counts.index, snapshot.as_of, filters)
    report = _report(f"{PLURAL[repo_type].capitalize()} created per {by}", rows, snapshot,
                     filters, repo_type=repo_type, undated=unknown)
    for period in rows.loc[rows["partial"], by]:
        reason = _partial_reason(period, by, snapshot.as_of, filters)
        report.notes.append(f"{period} is partial: {reason}")
    placeholder = int(found["placeholder"].sum())
    report.extra["placeholder_created"] = placeholder
    if placeholder:
        report.notes.append(f"{placeholder:,} repos carry the Hub's placeholder creation time "
                            "2022-03-02T23:29 (repos older than its date tracking)")
    return report


def _partial(periods: pd.Index, as_of: datetime, filters: Filters) -> list[bool]:
    """Whether each period is only partly covered: the data was taken, or `created_before`
    cuts, before it ended; or `created_after` starts after it began."""
    end = min([as_of, *([filters.created_before] if filters.created_before else [])])
    start = filters.created_after
    return [bool(_naive(end) < period.end_time
                 or (start is not None and _naive(start) > period.start_time))
            for period in periods]


def _partial_reason(period: str, by: str, as_of: datetime, filters: Filters) -> str:
    span = pd.Period(period, freq="M" if by == "month" else "Y")
    if filters.created_after and _naive(filters.created_after) > span.start_time:
        return f"only repos created from {filters.created_after.date().isoformat()} are counted"
    if filters.created_before and filters.created_before < as_of:
        return f"only repos created before {filters.created_before.date().isoformat()} are counted"
    return f"the data ends on {as_of.astimezone(UTC).date().isoformat()}"


def _naive(moment: datetime) -> pd.Timestamp:
    """A moment as a naive UTC timestamp, as periods' bounds are."""
    stamp = pd.Timestamp(moment)
    return stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo else stamp


def summary(snapshot: Snapshot, *, top: int = 10, filters: Filters = NO_FILTERS) -> Report:
    """Totals per repo type and the top of each breakdown, each section naming its repo type."""
    scans = {t: Scan(snapshot, t, filters) for t in snapshot.repo_types()}
    totals = {t: scan.count() for t, scan in scans.items()}
    rows = pd.DataFrame([{"repo_type": t, "count": n} for t, n in totals.items()],
                        columns=["repo_type", "count"])
    report = _report("Hub catalogue", rows, snapshot, filters,
                     totals={PLURAL[t]: n for t, n in totals.items()},
                     snapshot_name=snapshot.name)
    sections: list[tuple[str, str, Report]] = []
    if RepoType.MODEL in scans:
        scan, total = scans[RepoType.MODEL], totals[RepoType.MODEL]
        groups = _license_groups(scan, open_weight=False, recategorise=False, multi=False)
        sections += [
            ("top_licenses", "Top licenses of models",
             _licenses_report(snapshot, scan, groups, open_weight=False, by="license", top=top)),
            ("license_categories", "License categories of models",
             _licenses_report(snapshot, scan, groups, open_weight=False, by="category", top=0)),
            ("top_libraries", "Top libraries of models", _libraries(snapshot, scan, top, total)),
            ("top_authors", "Top authors of models",
             _authors(snapshot, scan, by_family=False, sort="count", top=top)),
            ("top_tasks", "Top tasks of models", _tasks(snapshot, scan, top, total)),
        ]
    by_tag = not (filters.library or filters.task)  # datasets' tags are not models' columns
    if RepoType.DATASET in scans and by_tag:
        scan, total = scans[RepoType.DATASET], totals[RepoType.DATASET]
        sections += [
            ("top_dataset_libraries", "Top libraries of datasets (library: tags)",
             _libraries(snapshot, scan, top, total)),
            ("top_dataset_tasks", "Top tasks of datasets (task_categories: tags)",
             _tasks(snapshot, scan, top, total)),
        ]
    if RepoType.SPACE in scans and by_tag:
        sections.append(("top_space_sdks", "Top SDKs of Spaces",
                         _libraries(snapshot, scans[RepoType.SPACE], top,
                                    totals[RepoType.SPACE])))
    for name, title, part in sections:
        report.sections[name] = part.rows
        report.section_titles[name] = title
    return report


def _filters(scan: Scan) -> Filters:
    """The report's own filters (a scan for a report has one set)."""
    return scan.filters[0] if scan.filters else NO_FILTERS
