"""What changed between two snapshots."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hfexplore.catalog.knowledge import Families
from hfexplore.catalog.snapshot import Snapshot
from hfexplore.repo_type import REPO_TYPES, RepoType, RepoTypeLike
from hfexplore.report import Report
from hfexplore.stats.engine import Scan

DIFF_COLUMNS = ["_id", "id", "license", "license_category", "downloads", "likes",
                "base_models"]
CHANGE_COLUMNS = ["repo_type", "id", "change", "license_from", "license_to", "category_from",
                  "category_to", "downloads", "likes"]
SUMMARY_COLUMNS = ["repo_type", "added", "removed", "license_changed", "category_moves"]


def diff_snapshots(old: Snapshot, new: Snapshot, repo_types: Sequence[RepoTypeLike] | None = None,
                   *, top: int = 10, families: Families | None = None) -> Report:
    """Added, removed and re-licensed repos; category moves; download and like movers; new
    derivatives per base family.

    Every list keeps its `top` rows per repo type (0 keeps all): the most downloaded (or liked)
    repos first, the biggest moves first. The full counts are in `extra["summary"]` and in the
    `summary` table shown before the lists.
    """
    families = families or Families.load()
    chosen = [RepoType.parse(t) for t in repo_types] if repo_types else REPO_TYPES
    types = [t for t in chosen if old.has(t) and new.has(t)]
    summary: dict[str, dict[str, int]] = {}
    changes: list[pd.DataFrame] = []
    moves: list[pd.DataFrame] = []
    downloads: list[pd.DataFrame] = []
    likes: list[pd.DataFrame] = []
    derivatives: list[pd.DataFrame] = []
    for repo_type in types:
        columns = DIFF_COLUMNS if repo_type != "space" else \
            [c for c in DIFF_COLUMNS if c != "downloads"]
        key = _join_key(old, new, repo_type)
        before, after = old.frame(repo_type, columns), new.frame(repo_type, columns)
        if key == "_key":  # an imported dump without _id: match repos by id (case-insensitive)
            before["_key"] = before["id"].str.lower()
            after["_key"] = after["id"].str.lower()
        merged = before.merge(after, on=key, how="outer", suffixes=("_from", "_to"),
                              indicator=True)
        merged["_id"] = merged["_id_to"].fillna(merged["_id_from"]) if key == "_key" \
            else merged["_id"]
        merged["id"] = merged["id_to"].fillna(merged["id_from"])
        for metric in ("downloads", "likes"):  # the newest value known (Spaces: no downloads)
            merged[metric] = merged[f"{metric}_to"].fillna(merged[f"{metric}_from"]) \
                if f"{metric}_to" in merged else float("nan")
        added = merged[merged["_merge"] == "right_only"]
        removed = merged[merged["_merge"] == "left_only"]
        both = merged[merged["_merge"] == "both"]
        relicensed = both[both["license_from"].fillna("") != both["license_to"].fillna("")]
        moved = relicensed[relicensed["license_category_from"].fillna("") !=
                           relicensed["license_category_to"].fillna("")]
        summary[repo_type] = {"added": len(added), "removed": len(removed),
                              "license_changed": len(relicensed), "category_moves": len(moved)}
        for label, frame in (("added", added), ("removed", removed),
                             ("license_changed", relicensed)):
            part = _top(_most_followed(frame), top).assign(repo_type=repo_type, change=label)
            changes.append(part.rename(columns={"license_category_from": "category_from",
                                                "license_category_to": "category_to"})
                           [CHANGE_COLUMNS])
        pairs = moved.groupby(["license_category_from", "license_category_to"]).size() \
            .rename("count").reset_index().assign(repo_type=repo_type)
        moves.append(_top(pairs.sort_values(["count", "license_category_from",
                                             "license_category_to"],
                                            ascending=[False, True, True], kind="stable"), top))
        for metric, sink in (("downloads", downloads), ("likes", likes)):
            if f"{metric}_from" in both:
                delta = both.assign(change=both[f"{metric}_to"].fillna(0) -
                                    both[f"{metric}_from"].fillna(0))
                delta = delta[delta["change"] != 0]
                order = delta["change"].abs().sort_values(ascending=False, kind="stable").index
                sink.append(_top(delta.loc[order], top).assign(repo_type=repo_type)[
                    ["repo_type", "id", f"{metric}_from", f"{metric}_to", "change"]])
        if repo_type == "model":
            derivatives.append(new_derivatives(new, set(added["_id"]), families))
    rows = _concat(changes, CHANGE_COLUMNS)
    shown = "every" if not top else f"the top {top:,} of each"
    report = Report(f"Changes from {old.name} to {new.name}", rows, source=str(new.path),
                    as_of=new.as_of, extra={"summary": summary, "from": old.name,
                                            "to": new.name, "top": top},
                    rows_heading=f"Changed repos ({shown} list, per repo type)")
    report.lead["summary"] = pd.DataFrame(
        [{"repo_type": t, **counts} for t, counts in summary.items()], columns=SUMMARY_COLUMNS)
    report.sections["category_moves"] = _concat(moves, ["repo_type", "license_category_from",
                                                        "license_category_to", "count"])
    for metric, movers in (("downloads", downloads), ("likes", likes)):
        report.sections[f"{metric[:-1]}_movers"] = _concat(
            movers, ["repo_type", "id", f"{metric}_from", f"{metric}_to", "change"])
    report.sections["new_derivatives"] = _top(
        _concat(derivatives, ["base_family", "new_derivatives"]), top)
    return report


def _join_key(old: Snapshot, new: Snapshot, repo_type: str) -> str:
    """`_id` (the Hub's object id) unless either snapshot was imported from a dump that has
    none, and filled `_id` with the repo id: then the lower-cased repo id (`_key`)."""
    for snapshot in (old, new):
        imported = snapshot.manifest.get("imported") or {}
        derived = ((imported.get("columns") or {}).get(repo_type) or {}).get("derived") or {}
        if "_id" in derived:
            return "_key"
    return "_id"


def new_derivatives(new: Snapshot, added_ids: set[str], families: Families) -> pd.DataFrame:
    """Added models per origin family of their bases (a model counts once per family)."""
    scan = Scan(new, "model", families=families)
    scan.register("added", pa.table({"_id": pa.array(sorted(added_ids), pa.string())}))
    edges = scan.table("SELECT DISTINCT _id, lower(trim(b)) AS base_key FROM (SELECT _id, "
                       "unnest(base_models) AS b FROM rows SEMI JOIN added USING (_id))")
    per_model = pa.table({"_id": edges["_id"],
                          "base_family": families.origin_arrow(edges["base_key"])})
    per_model = per_model.filter(pc.is_valid(per_model["base_family"])).group_by(
        ["_id", "base_family"]).aggregate([])
    counts = per_model.group_by("base_family").aggregate([([], "count_all")]).to_pandas()
    counts = counts.rename(columns={"count_all": "new_derivatives"})
    return counts.sort_values(["new_derivatives", "base_family"], ascending=[False, True],
                              kind="stable")[["base_family", "new_derivatives"]]


def _most_followed(frame: pd.DataFrame) -> pd.DataFrame:
    """The most downloaded repos first (Spaces have no downloads: the most liked), then by id."""
    return frame.sort_values(["downloads", "likes", "id"], ascending=[False, False, True],
                             na_position="last", kind="stable")


def _top(frame: pd.DataFrame, top: int) -> pd.DataFrame:
    return frame.head(top) if top else frame


def _concat(frames: list[pd.DataFrame], order: list[str]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=order)
    joined = pd.concat(frames, ignore_index=True)
    return joined[order] if order else joined
