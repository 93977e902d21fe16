"""One metric across many snapshots, or across the dates of an export directory."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import pandas as pd
import pyarrow.dataset as ds

from hfexplore.catalog.snapshot import Snapshot
from hfexplore.hub import REPO_TYPES, RepoType
from hfexplore.report import Report, iso


def history(snapshots: Sequence[Snapshot], *, metric: Literal["total", "license", "library"]
            = "total", repo_type: RepoType = "model", top: int = 8) -> Report:
    """One metric across snapshots: totals per repo type, license categories or libraries."""
    frames = []
    for snapshot in snapshots:
        date = iso(snapshot.as_of)
        if metric == "total":
            frames.append(pd.DataFrame([{"date": date, "snapshot": snapshot.name,
                                         "repo_type": t, "count": snapshot.count(t)}
                                        for t in snapshot.repo_types()]))
        elif snapshot.has(repo_type):
            column = "license_category" if metric == "license" else "library_name"
            values = snapshot.frame(repo_type, [column])[column].fillna("(none)")
            counts = values.value_counts().rename_axis("key").reset_index(name="count")
            frames.append(counts.assign(date=date, snapshot=snapshot.name))
    return _history_report(frames, metric, repo_type, top, "snapshots")


def history_from_export(dest: Path, *, metric: Literal["total", "license", "library"] = "total",
                        repo_type: RepoType = "model", top: int = 8) -> Report:
    """The same history, read from an export directory as one Hive-partitioned dataset."""
    dataset = ds.dataset(dest, format="parquet", partitioning="hive")
    if metric == "total":
        table = dataset.to_table(columns=["repo_type", "date"])
        frame = table.to_pandas().value_counts(["date", "repo_type"]).rename("count")
        frames = [frame.reset_index().assign(snapshot="")]
    else:
        column = "license_category" if metric == "license" else "library_name"
        table = dataset.to_table(columns=["date", column],
                                 filter=ds.field("repo_type") == repo_type)
        frame = table.to_pandas().fillna({column: "(none)"})
        counts = frame.value_counts(["date", column]).rename("count").reset_index()
        frames = [counts.rename(columns={column: "key"}).assign(snapshot="")]
    return _history_report(frames, metric, repo_type, top, str(dest))


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
