"""Reports over a snapshot. Each reads only the columns it needs and returns a `Report`.

Filtering, family mapping, case folding and lineage edges come from `stats/query.py`, the
path the claims and diffs use too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from datetime import UTC, datetime
from typing import Any, Literal

from hfexplore.arguments import check_arguments, license_grouping
from hfexplore.knowledge import OPEN_WEIGHT_CATEGORIES, Families, LicenseTable
from hfexplore.repo_type import PLURAL, RepoType, RepoTypeLike
from hfexplore.report import Report
from hfexplore.rows import Rows
from hfexplore.stats.query import (
    NO_FILTERS,
    NONE_LABEL,
    Filters,
    Scan,
    count_folded_rows,
    value_count_rows,
)
from hfexplore.stats.sizes import parameter_note
from hfexplore.store.snapshot import Snapshot

__all__ = ["NONE_LABEL", "NO_FILTERS", "Filters", "authors", "growth", "libraries", "licenses",
           "lineage", "summary", "tasks"]
PLACEHOLDER = datetime(2022, 3, 2, 23, 29, tzinfo=UTC)  # the Hub's date for its oldest repos
MULTI_VALUE_NOTE = ("a repo with several {what} counts once under each, so shares can add up "
                    "to more than 100%")


def _report(title: str, rows: Rows, snapshot: Snapshot, filters: Filters,
            **extra: object) -> Report:
    notes = [f"filters: {filters.describe()}"] if filters.describe() else []
    notes += parameter_note(snapshot, filters)
    return Report(title=title, rows=rows, source=snapshot.source,
                  as_of=snapshot.as_of, extra=dict(extra), notes=notes)


def _summed(pairs: Iterable[tuple[Hashable, int]]) -> dict[Any, int]:
    """Counts added up per key, in the order keys first appear."""
    found: dict[Any, int] = defaultdict(int)
    for key, count in pairs:
        found[key] += count
    return found


def _ranked(counts: dict[Any, int]) -> list[tuple[Any, int]]:
    """(key, count), the largest count first, then by key."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


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
                    multi: bool = True) -> Rows:
    """Repos per (license, category[, publisher family]) and whether they are multi-licensed
    (unless `multi` is false): the one pass over the rows a license report needs. Columns:
    license, license_category, multi, family, count."""
    keys = [f"coalesce(license, '{NONE_LABEL}') AS license",
            "licenses" if recategorise else
            f"coalesce(license_category, '{NONE_LABEL}') AS license_category",
            "len(licenses) > 1 AS multi" if multi else "NULL::BOOLEAN AS multi",
            "publishers.family AS family" if open_weight else "NULL::VARCHAR AS family"]
    join = scan.with_publishers() if open_weight else ""
    groups = scan.fetch(f"SELECT {', '.join(keys)}, count(*) AS count FROM rows {join} "
                        "GROUP BY ALL")
    if not recategorise:
        return groups
    table = scan.license_table
    return Rows(("license", "license_category", *groups.columns[2:]),
                [(row[0], table.category_of_all(list(row[1] or [])), *row[2:])
                 for row in groups.data], (*groups.kinds[:1], "text", *groups.kinds[2:]))


def _licenses_report(snapshot: Snapshot, scan: Scan, groups: Rows, *,
                     open_weight: bool, by: str, top: int) -> Report:
    table = scan.license_table
    found = groups.data  # license, license_category, multi, family, count
    total = sum(row[4] for row in found)  # the groups cover every row of the scan
    filters = _filters(scan)
    repo_type = scan.repo_type
    multi = sum(row[4] for row in found if row[2])
    moved = sum(row[4] for row in found
                if table.category(None if row[0] == NONE_LABEL else row[0]) != row[1])
    if open_weight:
        found = [row for row in found if row[1] in OPEN_WEIGHT_CATEGORIES]
    pairs = _summed(((row[0], row[1]), row[4]) for row in found)
    kinds: tuple[str, ...] = ("text", "int", "float")
    data: list[tuple[Any, ...]]
    if by == "license":  # each license with its own category (the table's, not the policy's)
        counted = _ranked(_summed((key[0], n) for key, n in pairs.items()))
        columns: tuple[str, ...] = ("license", "category", "count", "share")
        data = [(key, table.category(None if key == NONE_LABEL else key), n, n / max(total, 1))
                for key, n in counted]
        kinds = ("text", *kinds)
    else:
        if by == "category":
            keyed = ((key[1], n) for key, n in pairs.items())
        else:
            family_of = {e.id: e.family for e in table.entries.values()}
            keyed = ((family_of.get(key[0], key[0] if key[0] == NONE_LABEL else "custom"), n)
                     for key, n in pairs.items())
        columns = ("category" if by == "category" else "license_family", "count", "share")
        data = [(key, n, n / max(total, 1)) for key, n in _ranked(_summed(keyed))]
    title = (f"{'Open-weight ' if open_weight else ''}{PLURAL[repo_type].capitalize()} by "
             f"{by.replace('_', ' ')}")
    report = _report(title, Rows(columns, data, kinds).head(top), snapshot, filters,
                     repo_type=repo_type, total=total, matching=sum(pairs.values()),
                     multi_licensed=multi, moved_by_policy=moved)
    if moved:
        report.notes.append(f"{multi:,} repos declare several licenses; {moved:,} of them are "
                            "counted under the most restrictive category of their licenses, "
                            "not their first license's")
    if open_weight:
        by_publisher = _summed(((row[3], row[0]), row[4]) for row in found
                               if row[3] is not None)
        ranked = sorted(by_publisher.items(), key=lambda item: (-item[1], item[0]))
        report.sections["by_publisher"] = Rows(
            ("family", "license", "count"), [(*key, n) for key, n in ranked],
            ("text", "text", "int")).head(top)
        report.section_titles["by_publisher"] = \
            f"Open-weight {PLURAL[repo_type]} by publisher family"
        report.extra["open_weight_share"] = sum(row[4] for row in found) / max(total, 1)
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
        rows = value_count_rows(scan, "sdk", "sdk", total=total, top=top)
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
    rows = value_count_rows(scan, column, label, total=total, top=top)
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
        rows = scan.fetch(
            f"SELECT publishers.family, count(*) AS count, sum({downloads})::BIGINT AS "
            f"downloads, sum(likes)::BIGINT AS likes FROM rows {scan.with_publishers()} "
            f"WHERE publishers.family IS NOT NULL GROUP BY ALL ORDER BY {sort} DESC NULLS LAST, "
            "family")
        distinct = len(rows)
    else:
        key = "author"
        rows, distinct = count_folded_rows(scan, "author", order=sort, top=top,
                                           downloads=downloads, likes="likes")
    title = f"{PLURAL[repo_type].capitalize()} by {'publisher family' if by_family else key}"
    report = _report(title, rows.head(top), snapshot, _filters(scan), repo_type=repo_type,
                     distinct=distinct)
    if by_family:
        report.notes += _fixture_notes(scan)
    return report


def _fixture_notes(scan: Scan) -> list[str]:
    """What a family's test-fixture namespaces hold among the rows, said as left out: a
    fixture (a tiny random model for a test suite) is not a release (families.toml)."""
    fixtures = scan.families.fixture_map()
    scan.register_values("fixture_namespaces", {"namespace": list(fixtures),
                                                "family": list(fixtures.values())})
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
    from hfexplore.stats.lineage import lineage_of

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
    found = scan.rows(
        f"SELECT {period} AS period, count(*) AS count, count(*) FILTER (WHERE created_at >= "
        "$placeholder AND created_at < $placeholder + INTERVAL 1 MINUTE) AS placeholder "
        "FROM rows GROUP BY ALL", {"placeholder": PLACEHOLDER})
    counted = {int(p): int(n) for p, n, _ in found if p is not None}
    unknown = sum(int(n) for p, n, _ in found if p is None)
    data: list[tuple[str, int, int, bool]] = []
    partial: list[tuple[str, str]] = []
    # Where the data ends: the snapshot's date, or, when its contents are stale (a mirror or a
    # dump older than the snapshot), its newest repo's; a period after that is not whole.
    freshness = snapshot.freshness()
    data_end = (freshness.newest_repo(repo_type) if freshness.is_stale(repo_type) else None) \
        or snapshot.as_of
    if counted:
        cumulative = 0
        for step in _periods(min(counted), max(counted), by):
            cumulative += counted.get(step, 0)
            label = str(step) if by == "year" else f"{step // 100:04d}-{step % 100:02d}"
            reason = _partial_reason(_bounds(step, by), data_end, filters)
            data.append((label, counted.get(step, 0), cumulative, reason is not None))
            if reason is not None:
                partial.append((label, reason))
    rows = Rows((by, "created", "cumulative", "partial"), data, ("text", "int", "int", "bool"))
    report = _report(f"{PLURAL[repo_type].capitalize()} created per {by}", rows, snapshot,
                     filters, repo_type=repo_type, undated=unknown)
    report.notes += [f"{label} is partial: {reason}" for label, reason in partial]
    placeholder = sum(int(n) for _, _, n in found)
    report.extra["placeholder_created"] = placeholder
    if placeholder:
        report.notes.append(f"{placeholder:,} repos carry the Hub's placeholder creation time "
                            "2022-03-02T23:29 (repos older than its date tracking)")
    return report


def _periods(first: int, last: int, by: str) -> list[int]:
    """Every period from `first` to `last`: years, or months as year*100+month."""
    if by == "year":
        return list(range(first, last + 1))
    return [year * 100 + month for year in range(first // 100, last // 100 + 1)
            for month in range(1, 13) if first <= year * 100 + month <= last]


def _bounds(step: int, by: str) -> tuple[datetime, datetime]:
    """A period's first instant and the first instant after it (UTC)."""
    if by == "year":
        return datetime(step, 1, 1, tzinfo=UTC), datetime(step + 1, 1, 1, tzinfo=UTC)
    year, month = divmod(step, 100)
    after = (year + 1, 1) if month == 12 else (year, month + 1)
    return datetime(year, month, 1, tzinfo=UTC), datetime(*after, 1, tzinfo=UTC)


def _partial_reason(bounds: tuple[datetime, datetime], as_of: datetime, filters: Filters
                    ) -> str | None:
    """Why a period is only partly covered (None when it is whole): `created_after` starts
    after it began; `created_before` cuts, or the data was taken, before it ended."""
    begin, after = bounds
    if filters.created_after and _utc(filters.created_after) > begin:
        return f"only repos created from {filters.created_after.date().isoformat()} are counted"
    if filters.created_before and _utc(filters.created_before) < min(after, _utc(as_of)):
        return f"only repos created before {filters.created_before.date().isoformat()} are counted"
    if _utc(as_of) < after:
        return f"the data ends on {as_of.astimezone(UTC).date().isoformat()}"
    return None


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def summary(snapshot: Snapshot, *, top: int = 10, filters: Filters = NO_FILTERS) -> Report:
    """Totals per repo type and the top of each breakdown, each section naming its repo type."""
    scans = {t: Scan(snapshot, t, filters) for t in snapshot.repo_types()}
    totals = {t: scan.count() for t, scan in scans.items()}
    rows = Rows(("repo_type", "count"), list(totals.items()), ("text", "int"))
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
        report.sections[name] = part.table
        report.section_titles[name] = title
    return report


def _filters(scan: Scan) -> Filters:
    """The report's own filters (a scan for a report has one set)."""
    return scan.filters[0] if scan.filters else NO_FILTERS
