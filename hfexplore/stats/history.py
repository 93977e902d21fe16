"""One metric across many snapshots, or across the dates of an export directory."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any, Literal

import duckdb

from hfexplore.arguments import check_arguments
from hfexplore.errors import SnapshotError
from hfexplore.repo_type import PLURAL, REPO_TYPES, RepoTypeLike
from hfexplore.report import Report, iso
from hfexplore.rows import Rows
from hfexplore.stats.engine import Scan, columns_named, first_line
from hfexplore.stats.query import LIBRARY_COLUMN, value_expression
from hfexplore.stats.sql import connect
from hfexplore.store.pages import page_problems
from hfexplore.store.snapshot import Snapshot

METRICS = ("total", "license", "library", "gini", "top1")
HistoryMetric = Literal["total", "license", "library", "gini", "top1"]


def history(snapshots: Sequence[Snapshot], *, metric: HistoryMetric = "total",
            repo_type: RepoTypeLike = "model", top: int = 8) -> Report:
    """One metric across snapshots: totals per repo type, license categories, libraries, or the
    concentration of 30-day downloads (`gini`: the Gini coefficient; `top1`: the share held by
    the top 1% of repos; see `stats/concentration.py`).

    Totals come from the manifests; the breakdowns are one streaming DuckDB query over every
    snapshot's file, so memory follows the result, not the number of snapshots."""
    check_arguments(repo_type=repo_type, metric=(metric, METRICS))
    if metric in ("gini", "top1"):
        return _concentration_history(snapshots, metric, repo_type)
    if metric == "total":  # (date, snapshot, repo_type, count)
        found = [(iso(snapshot.as_of), snapshot.name, str(t), snapshot.count(t))
                 for snapshot in snapshots for t in snapshot.repo_types()]
        return _history_report(found, metric, repo_type, top, "snapshots")
    snapshots, skipped = _checked(snapshots, repo_type, _value(metric, repo_type))
    dates = {snapshot.name: iso(snapshot.as_of) for snapshot in snapshots}
    with closing(connect(history=snapshots, knowledge=False)) as connection:
        counts = _counts(connection, metric, repo_type, "snapshot")
    # (date, snapshot, key, count)
    report = _history_report([(dates[name], name, key, n) for name, key, n in counts], metric,
                             repo_type, top, "snapshots")
    report.notes.extend(skipped)
    return report


def _concentration_history(snapshots: Sequence[Snapshot], metric: str,
                           repo_type: RepoTypeLike) -> Report:
    from hfexplore.stats.concentration import measure  # numpy, pandas: this metric only

    kept, skipped = _checked(snapshots, repo_type, "downloads")
    found: list[tuple[str, str, float | None]] = []
    for snapshot in kept:
        if not snapshot.has(repo_type):
            continue
        figures = measure(Scan(snapshot, repo_type), "downloads", "repo")
        found.append((iso(snapshot.as_of), snapshot.name,
                      figures.gini if metric == "gini" else figures.top_share("1%")))
    rows = Rows(("date", "snapshot", metric), sorted(found, key=lambda row: row[0]),
                ("text", "text", "float"))
    what = "Gini coefficient" if metric == "gini" else "share held by the top 1%"
    report = Report(f"{what.capitalize()} of {PLURAL[repo_type]}' downloads, per snapshot",
                    rows,
                    source="snapshots", extra={"metric": metric, "repo_type": repo_type},
                    notes=["30-day downloads of each snapshot; repos without a count left out"])
    report.notes.extend(skipped)
    return report


def _checked(snapshots: Sequence[Snapshot], repo_type: RepoTypeLike, value: str
             ) -> tuple[list[Snapshot], list[str]]:
    """The snapshots whose pages of the columns `value` reads pass their checksums (DuckDB
    does not check them), and a line for each one left out."""
    kept, skipped = [], []
    for snapshot in snapshots:
        problems = snapshot.problems()
        if not problems and snapshot.has(repo_type):
            problems = page_problems(snapshot.file(repo_type), columns_named(
                value, snapshot.column_names(repo_type)))
        if problems:
            skipped.append(f"skipped damaged snapshot {snapshot.name} ({', '.join(problems)})")
        else:
            kept.append(snapshot)
    return kept, skipped


def _value(metric: str, repo_type: RepoTypeLike) -> str:
    """The metric's value per repo, as SQL. The same values as the reports': a dataset counts
    under each of its library tags, a Space under its SDK."""
    return "license_category" if metric == "license" else \
        value_expression(repo_type, LIBRARY_COLUMN[repo_type])


def history_from_export(dest: Path, *, metric: HistoryMetric = "total",
                        repo_type: RepoTypeLike = "model", top: int = 8) -> Report:
    """The same history, read from an export directory as one Hive-partitioned dataset, in one
    streaming DuckDB query (memory follows the result, not the number of dates)."""
    check_arguments(repo_type=repo_type, metric=(metric, METRICS[:3]))
    with closing(connect(export_dir=dest, knowledge=False)) as connection:
        if metric == "total":
            views = {t: f"history_{PLURAL[t]}" for t in REPO_TYPES}
            present = _views(connection)
            parts = [f"select cast(date as varchar) as date, '{t}' as repo_type, count(*) as count "
                     f"from {view} group by all" for t, view in views.items() if view in present]
            totals = _query(connection, " union all ".join(parts) + " order by date, repo_type") \
                if parts else []
            found = [(day, "", kind, n) for day, kind, n in totals]
        else:
            found = [(day, "", key, n) for day, key, n in
                     _counts(connection, metric, repo_type, "cast(date as varchar)")]
    report = _history_report(found, metric, repo_type, top, str(dest))
    from hfexplore.store.export import not_an_export  # its writers load pyarrow

    problem = not_an_export(dest)
    if problem:
        report.notes.append(problem)
    return report


def _counts(connection: duckdb.DuckDBPyConnection, metric: str, repo_type: RepoTypeLike,
            group: str) -> list[tuple[Any, ...]]:
    """(group, key, count) per (group, key) of the metric's column in the repo type's history
    view."""
    view = f"history_{PLURAL[repo_type]}"
    if view not in _views(connection):
        return []
    value = _value(metric, repo_type)
    return _query(connection, f"select snapshot, coalesce(value, '(none)') as key, count(*) as "
                              f"count from (select {group} as snapshot, {value} as value from "
                              f"{view}) group by all order by snapshot, count desc, key")


def _views(connection: duckdb.DuckDBPyConnection) -> set[str]:
    rows = connection.execute("select view_name from duckdb_views() where not internal")
    return {name for (name,) in rows.fetchall()}


def _query(connection: duckdb.DuckDBPyConnection, text: str) -> list[tuple[Any, ...]]:
    try:
        return connection.sql(text).fetchall()
    except duckdb.Error as exc:
        raise SnapshotError(f"cannot compute the history: {first_line(exc)}") from exc


def _per(source: str) -> str:
    return "snapshot" if source == "snapshots" else "export date"


def _history_report(found: list[tuple[Any, ...]], metric: str, repo_type: str, top: int,
                    source: str) -> Report:
    """The report over (date, snapshot, key, count) rows: for totals one row per snapshot and
    a column per repo type; otherwise the `top` keys (by their largest count), one row per
    (snapshot, key)."""
    if metric == "total":
        kinds = sorted({str(row[2]) for row in found})
        wide: dict[tuple[str, str], dict[str, int]] = {}
        for day, name, kind, n in found:
            per = wide.setdefault((str(day), name), {})
            per[kind] = per.get(kind, 0) + int(n)
        rows = Rows(("date", "snapshot", *kinds),
                    [(*key, *(wide[key].get(k) for k in kinds)) for key in sorted(wide)],
                    ("text", "text", *["int"] * len(kinds)))
        return Report(f"Repos per {_per(source)}", rows, source=source, extra={"metric": metric})
    largest: dict[str, int] = {}
    for _, _, key, n in found:
        largest[key] = max(largest.get(key, n), n)
    ranked = sorted(largest, key=lambda k: -largest[k])
    keep = set(ranked[:top] if top else ranked)
    label = "category" if metric == "license" else "library"
    shown = {"license": "license category", "library": "SDK" if repo_type == "space"
             else "library"}[metric]
    data = sorted(((str(day), name, key, int(n)) for day, name, key, n in found if key in keep),
                  key=lambda row: (row[0], -row[3]))
    return Report(f"{PLURAL[repo_type].capitalize()} per {shown}, per {_per(source)}",
                  Rows(("date", "snapshot", label, "count"), data, ("text", "text", "text",
                                                                     "int")),
                  source=source, extra={"metric": metric, "repo_type": repo_type})
