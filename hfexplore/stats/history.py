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
from hfexplore.stats.query import LIBRARY_COLUMN, value_expression
from hfexplore.stats.sql import connect
from hfexplore.store.snapshot import Snapshot

METRICS = ("total", "license", "library")


def history(snapshots: Sequence[Snapshot], *, metric: Literal["total", "license", "library"]
            = "total", repo_type: RepoTypeLike = "model", top: int = 8) -> Report:
    """One metric across snapshots: totals per repo type, license categories or libraries.

    Totals come from the manifests; the breakdowns are one streaming DuckDB query over every
    snapshot's file, so memory follows the result, not the number of snapshots."""
    check_arguments(repo_type=repo_type, metric=(metric, METRICS))
    if metric == "total":
        frames = [pd.DataFrame([{"date": iso(snapshot.as_of), "snapshot": snapshot.name,
                                 "repo_type": t, "count": snapshot.count(t)}
                                for t in snapshot.repo_types()]) for snapshot in snapshots]
    else:
        dates = {snapshot.name: iso(snapshot.as_of) for snapshot in snapshots}
        with closing(connect(history=snapshots, knowledge=False)) as connection:
            counts = _counts(connection, metric, repo_type, "snapshot")
        frames = [counts.assign(date=counts["snapshot"].map(dates))]
    return _history_report(frames, metric, repo_type, top, "snapshots")


def history_from_export(dest: Path, *, metric: Literal["total", "license", "library"] = "total",
                        repo_type: RepoTypeLike = "model", top: int = 8) -> Report:
    """The same history, read from an export directory as one Hive-partitioned dataset, in one
    streaming DuckDB query (memory follows the result, not the number of dates)."""
    check_arguments(repo_type=repo_type, metric=(metric, METRICS))
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
    return _history_report(frames, metric, repo_type, top, str(dest))


def _counts(connection: duckdb.DuckDBPyConnection, metric: str, repo_type: RepoTypeLike,
            group: str) -> pd.DataFrame:
    """Rows per (group, key) of the metric's column in the repo type's history view."""
    view = f"history_{PLURAL[repo_type]}"
    if view not in _views(connection):
        return pd.DataFrame(columns=["snapshot", "key", "count"])
    # The same values as the reports': a dataset counts under each of its library tags, a
    # Space under its SDK.
    value = "license_category" if metric == "license" else \
        value_expression(repo_type, LIBRARY_COLUMN[repo_type])
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
        raise SnapshotError(f"cannot compute the history: {str(exc).splitlines()[0]}") from exc


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
        title = "Repos per snapshot"
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
    return Report(f"{repo_type.capitalize()}s per {label}, per snapshot",
                  rows.sort_values(["date", "count"], ascending=[True, False], kind="stable"),
                  source=source, extra={"metric": metric, "repo_type": repo_type})
