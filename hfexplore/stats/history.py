"""One metric across many snapshots, or across the dates of an export directory."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd

from hfexplore.arguments import check_arguments
from hfexplore.errors import SnapshotError
from hfexplore.repo_type import PLURAL, REPO_TYPES, RepoTypeLike
from hfexplore.report import Report, iso
from hfexplore.stats.concentration import measure
from hfexplore.stats.engine import Scan, columns_named, first_line
from hfexplore.stats.query import LIBRARY_COLUMN, value_expression
from hfexplore.stats.sql import connect
from hfexplore.store.export import not_an_export
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
    if metric == "total":
        frames = [pd.DataFrame([{"date": iso(snapshot.as_of), "snapshot": snapshot.name,
                                 "repo_type": t, "count": snapshot.count(t)}
                                for t in snapshot.repo_types()]) for snapshot in snapshots]
    else:
        snapshots, skipped = _checked(snapshots, repo_type, _value(metric, repo_type))
        dates = {snapshot.name: iso(snapshot.as_of) for snapshot in snapshots}
        with closing(connect(history=snapshots, knowledge=False)) as connection:
            counts = _counts(connection, metric, repo_type, "snapshot")
        frames = [counts.assign(date=counts["snapshot"].map(dates))]
        report = _history_report(frames, metric, repo_type, top, "snapshots")
        report.notes.extend(skipped)
        return report
    return _history_report(frames, metric, repo_type, top, "snapshots")


def _concentration_history(snapshots: Sequence[Snapshot], metric: str,
                           repo_type: RepoTypeLike) -> Report:
    kept, skipped = _checked(snapshots, repo_type, "downloads")
    rows = []
    for snapshot in kept:
        if not snapshot.has(repo_type):
            continue
        found = measure(Scan(snapshot, repo_type), "downloads", "repo")
        rows.append({"date": iso(snapshot.as_of), "snapshot": snapshot.name,
                     metric: found.gini if metric == "gini" else found.top_share("1%")})
    frame = pd.DataFrame(rows, columns=["date", "snapshot", metric])
    what = "Gini coefficient" if metric == "gini" else "share held by the top 1%"
    report = Report(f"{what.capitalize()} of {PLURAL[repo_type]}' downloads, per snapshot",
                    frame.sort_values("date", kind="stable").reset_index(drop=True),
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
            frame = _query(connection, " union all ".join(parts) + " order by date, repo_type") \
                if parts else pd.DataFrame(columns=["date", "repo_type", "count"])
            frames = [frame.assign(snapshot="")]
        else:
            frames = [_counts(connection, metric, repo_type, "cast(date as varchar)")
                      .rename(columns={"snapshot": "date"}).assign(snapshot="")]
    report = _history_report(frames, metric, repo_type, top, str(dest))
    problem = not_an_export(dest)
    if problem:
        report.notes.append(problem)
    return report


def _counts(connection: duckdb.DuckDBPyConnection, metric: str, repo_type: RepoTypeLike,
            group: str) -> pd.DataFrame:
    """Rows per (group, key) of the metric's column in the repo type's history view."""
    view = f"history_{PLURAL[repo_type]}"
    if view not in _views(connection):
        return pd.DataFrame(columns=["snapshot", "key", "count"])
    value = _value(metric, repo_type)
    return _query(connection, f"select snapshot, coalesce(value, '(none)') as key, count(*) as "
                              f"count from (select {group} as snapshot, {value} as value from "
                              f"{view}) group by all order by snapshot, count desc, key")


def _views(connection: duckdb.DuckDBPyConnection) -> set[str]:
    rows = connection.execute("select view_name from duckdb_views() where not internal")
    return {name for (name,) in rows.fetchall()}


def _query(connection: duckdb.DuckDBPyConnection, text: str) -> pd.DataFrame:
    try:
        return connection.sql(text).df()
    except duckdb.Error as exc:
        raise SnapshotError(f"cannot compute the history: {first_line(exc)}") from exc


def _per(source: str) -> str:
    return "snapshot" if source == "snapshots" else "export date"


def _history_report(frames: list[pd.DataFrame], metric: str, repo_type: str, top: int,
                    source: str) -> Report:
    frames = [f for f in frames if not f.empty]
    if metric == "total":
        rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
            columns=["date", "snapshot", "repo_type", "count"])
        rows["date"] = rows["date"].astype(str)
        wide = rows.pivot_table(index=["date", "snapshot"], columns="repo_type",
                                values="count", aggfunc="sum").reset_index()
        wide.columns.name = None
        for column in REPO_TYPES:
            if column in wide:
                wide[column] = wide[column].astype("Int64")
        title = f"Repos per {_per(source)}"
        return Report(title, wide.sort_values("date", kind="stable"), source=source,
                      extra={"metric": metric})
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["date", "snapshot", "key", "count"])
    rows["date"] = rows["date"].astype(str)
    keep = rows.groupby("key")["count"].max().sort_values(ascending=False).head(top).index \
        if top else rows["key"].unique()
    rows = rows[rows["key"].isin(keep)]
    label = "category" if metric == "license" else "library"
    rows = rows.rename(columns={"key": label})[["date", "snapshot", label, "count"]]
    shown = {"license": "license category", "library": "SDK" if repo_type == "space"
             else "library"}[metric]
    return Report(f"{PLURAL[repo_type].capitalize()} per {shown}, per {_per(source)}",
                  rows.sort_values(["date", "count"], ascending=[True, False], kind="stable"),
                  source=source, extra={"metric": metric, "repo_type": repo_type})
