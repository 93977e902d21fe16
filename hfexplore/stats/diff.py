"""What changed between two snapshots, and a metric across many."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import pandas as pd
import pyarrow.dataset as ds

from hfexplore.catalog.knowledge import Families
from hfexplore.catalog.snapshot import Snapshot
from hfexplore.hub import REPO_TYPES, RepoType
from hfexplore.report import Report, iso

DIFF_COLUMNS = ["_id", "id", "license", "license_category", "downloads", "likes",
                "base_models"]
CHANGE_COLUMNS = ["repo_type", "id", "change", "license_from", "license_to", "category_from",
                  "category_to"]


def diff_snapshots(old: Snapshot, new: Snapshot, repo_types: Sequence[RepoType] | None = None,
                   *, top: int = 20, families: Families | None = None) -> Report:
    """Added, removed and re-licensed repos; category moves; download and like movers; new
    derivatives per base family."""
    families = families or Families.load()
    types = [t for t in (repo_types or REPO_TYPES) if old.has(t) and new.has(t)]
    summary: dict[str, dict[str, int]] = {}
    changes: list[pd.DataFrame] = []
    moves: list[pd.DataFrame] = []
    downloads: list[pd.DataFrame] = []
    likes: list[pd.DataFrame] = []
    derivatives: list[pd.DataFrame] = []
    for repo_type in types:
        columns = DIFF_COLUMNS if repo_type != "space" else \
            [c for c in DIFF_COLUMNS if c != "downloads"]
        merged = old.frame(repo_type, columns).merge(
            new.frame(repo_type, columns), on="_id", how="outer", suffixes=("_from", "_to"),
            indicator=True)
        merged["id"] = merged["id_to"].fillna(merged["id_from"])
        added = merged[merged["_merge"] == "right_only"]
        removed = merged[merged["_merge"] == "left_only"]
        both = merged[merged["_merge"] == "both"]
        relicensed = both[both["license_from"].fillna("") != both["license_to"].fillna("")]
        summary[repo_type] = {"added": len(added), "removed": len(removed),
                              "license_changed": len(relicensed)}
        for label, frame in (("added", added), ("removed", removed),
                             ("license_changed", relicensed)):
            part = frame.assign(repo_type=repo_type, change=label).rename(columns={
                "license_category_from": "category_from",
                "license_category_to": "category_to"})
            changes.append(part[CHANGE_COLUMNS])
        moved = relicensed[relicensed["license_category_from"] != relicensed["license_category_to"]]
        moves.append(moved.groupby(["license_category_from", "license_category_to"]).size()
                     .rename("count").reset_index().assign(repo_type=repo_type))
        for metric, sink in (("downloads", downloads), ("likes", likes)):
            if f"{metric}_from" in both:
                delta = both.assign(change=both[f"{metric}_to"].fillna(0) -
                                    both[f"{metric}_from"].fillna(0))
                delta = delta[delta["change"] != 0]
                order = delta["change"].abs().sort_values(ascending=False, kind="stable").index
                sink.append(delta.loc[order].head(top).assign(repo_type=repo_type)[
                    ["repo_type", "id", f"{metric}_from", f"{metric}_to", "change"]])
        if repo_type == "model":
            edges = added["base_models_to"].explode().dropna()
            fams = families.map(edges.astype(str).str.split("/").str[0]).dropna()
            derivatives.append(fams.value_counts().rename_axis("base_family")
                               .reset_index(name="new_derivatives"))
    rows = pd.concat(changes, ignore_index=True) if changes else pd.DataFrame(
        columns=CHANGE_COLUMNS)
    report = Report(f"Changes from {old.name} to {new.name}", rows, source=str(new.path),
                    as_of=new.as_of, extra={"summary": summary, "from": old.name,
                                            "to": new.name})
    report.sections["category_moves"] = _concat(moves, ["repo_type", "license_category_from",
                                                        "license_category_to", "count"])
    report.sections["download_movers"] = _concat(downloads, [])
    report.sections["like_movers"] = _concat(likes, [])
    report.sections["new_derivatives"] = _concat(derivatives, ["base_family", "new_derivatives"])
    return report


def _concat(frames: list[pd.DataFrame], order: list[str]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=order)
    joined = pd.concat(frames, ignore_index=True)
    return joined[order] if order else joined


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
