"""What changed between two snapshots.

DuckDB joins the two files (a full outer join on the repo's key) and aggregates as it reads:
only the changed repos (added, removed, re-licensed) are kept, and the movers come out of a
top-N; memory follows the result, not the two catalogues.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from hfexplore.knowledge import Families
from hfexplore.repo_type import REPO_TYPES, RepoType, RepoTypeLike
from hfexplore.report import Report
from hfexplore.stats.closure import node_key
from hfexplore.stats.engine import Scan
from hfexplore.stats.query import top_rows
from hfexplore.store.snapshot import Snapshot

CHANGE_COLUMNS = ["repo_type", "id", "change", "license_from", "license_to", "category_from",
                  "category_to", "downloads", "likes"]
SUMMARY_COLUMNS = ["repo_type", "added", "removed", "license_changed", "category_moves"]
CHANGES = ("added", "removed", "license_changed")


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
        scan = Scan(new, repo_type, families=families)  # `rows`: the new snapshot's repos
        scan.attach("before", old)
        key = _join_key(old, new, repo_type)
        metrics = ("likes",) if repo_type == "space" else ("downloads", "likes")
        scan.materialise("changed", _changed_sql(key, metrics))
        summary[repo_type] = _summary(scan)
        for label in CHANGES:
            part = _frame(scan, _listed_sql(label, top), {"label": label})
            changes.append(part.assign(repo_type=repo_type, change=label)[CHANGE_COLUMNS])
        moves.append(_frame(scan, _moves_sql(top), {"repo_type": repo_type}))
        for metric in metrics:
            sink = downloads if metric == "downloads" else likes
            sink.append(_frame(scan, _movers_sql(key, metric, top), {"repo_type": repo_type}))
        if repo_type == "model":
            derivatives.append(new_derivatives(
                scan, "SELECT _id FROM changed WHERE change = 'added'", families))
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
    report.sections["new_derivatives"] = top_rows(
        _concat(derivatives, ["base_family", "new_derivatives"]), top)
    return report


def _join_key(old: Snapshot, new: Snapshot, repo_type: str) -> str:
    """The SQL key repos are matched on: `_id` (the Hub's object id) unless either snapshot
    was imported from a dump that has none, and filled `_id` with the repo id: then the
    lower-cased repo id."""
    for snapshot in (old, new):
        imported = snapshot.manifest.get("imported") or {}
        derived = ((imported.get("columns") or {}).get(repo_type) or {}).get("derived") or {}
        if "_id" in derived:
            return "lower(id)"
    return "_id"


def _changed_sql(key: str, metrics: Sequence[str]) -> str:
    """The added, removed and re-licensed repos (a license missing and an empty one are the
    same), with the newest downloads and likes known. `_id` is the new snapshot's (the old
    one's for a removed repo), as is `id`. Metrics are DOUBLE, as the pandas merge had them."""
    side = ", ".join(["_id", "id", "license", "license_category", "true AS present",
                      f"{key} AS _key", *metrics])
    newest = [f"CAST(coalesce(n.{m}, o.{m}) AS DOUBLE) AS {m}" for m in metrics]
    if "downloads" not in metrics:  # Spaces have no downloads
        newest.insert(0, "CAST(NULL AS DOUBLE) AS downloads")
    return (
        "SELECT change, _id, id, license_from, license_to, category_from, category_to, "
        "downloads, likes, change = 'license_changed' AND "
        "coalesce(category_from, '') <> coalesce(category_to, '') AS moved FROM ("
        "SELECT CASE WHEN o.present IS NULL THEN 'added' WHEN n.present IS NULL THEN "
        "'removed' ELSE 'license_changed' END AS change, coalesce(n._id, o._id) AS _id, "
        "coalesce(n.id, o.id) AS id, o.license AS license_from, n.license AS license_to, "
        "o.license_category AS category_from, n.license_category AS category_to, "
        f"{', '.join(newest)} "
        f"FROM (SELECT {side} FROM before) o FULL OUTER JOIN (SELECT {side} FROM rows) n "
        "ON o._key = n._key WHERE o.present IS NULL OR n.present IS NULL OR "
        "coalesce(o.license, '') <> coalesce(n.license, ''))")


def _summary(scan: Scan) -> dict[str, int]:
    counts = scan.rows(
        "SELECT count(*) FILTER (WHERE change = 'added'), count(*) FILTER (WHERE change = "
        "'removed'), count(*) FILTER (WHERE change = 'license_changed'), count(*) FILTER "
        "(WHERE moved) FROM changed")[0]
    return dict(zip(["added", "removed", "license_changed", "category_moves"],
                    (int(n) for n in counts), strict=True))


def _moves_sql(top: int) -> str:
    """Re-licensed repos per (old, new) license category pair, the most frequent first. A
    repo with no category on either side counts in the summary only (as pandas' groupby had it)."""
    return ("SELECT $repo_type AS repo_type, category_from AS license_category_from, "
            "category_to AS license_category_to, count(*) AS count FROM changed WHERE moved AND "
            "category_from IS NOT NULL AND category_to IS NOT NULL GROUP BY ALL ORDER BY count "
            f"DESC, license_category_from, license_category_to{_limit(top)}")


def _listed_sql(label: str, top: int) -> str:
    """One list of changed repos, the most downloaded first (Spaces have no downloads: the
    most liked), then by id (then by `_id`, for a repo id listed twice)."""
    return ("SELECT id, license_from, license_to, category_from, category_to, downloads, likes "
            "FROM changed WHERE change = $label ORDER BY downloads DESC NULLS LAST, likes DESC "
            f"NULLS LAST, id, _id{_limit(top)}")


def _movers_sql(key: str, metric: str, top: int) -> str:
    """Repos in both snapshots whose `metric` changed, the biggest change first (a missing
    value counts as 0). Ties, in no defined order in the pandas version, are by id then `_id`.
    The values are DOUBLE, as the pandas merge had them."""
    side = f"_id, id, {metric}, {key} AS _key"
    return (f"SELECT $repo_type AS repo_type, id, {metric}_from, {metric}_to, change FROM ("
            f"SELECT n._id, n.id, CAST(o.{metric} AS DOUBLE) AS {metric}_from, "
            f"CAST(n.{metric} AS DOUBLE) AS {metric}_to, CAST(coalesce(n.{metric}, 0) - "
            f"coalesce(o.{metric}, 0) AS DOUBLE) AS change FROM (SELECT {side} FROM before) o "
            f"JOIN (SELECT {side} FROM rows) n ON o._key = n._key) WHERE change <> 0 "
            f"ORDER BY abs(change) DESC, id, _id{_limit(top)}")


def new_derivatives(scan: Scan, added: str, families: Families) -> pd.DataFrame:
    """Added models per origin family of their bases (a model counts once per family).
    `added` is a query of the scan giving the added models' `_id`s."""
    origins, params = families.origin_sql("(SELECT DISTINCT base_key AS node, base_key AS key "
                                          "FROM edges)", "d")
    return scan.frame(
        f"WITH edges AS (SELECT DISTINCT _id, {node_key('b')} AS base_key FROM (SELECT _id, "
        "unnest(base_models) AS b FROM rows SEMI JOIN (" + added + ") added USING (_id))), "
        f"origins AS ({origins}) "
        "SELECT o.family AS base_family, count(DISTINCT e._id) AS new_derivatives FROM edges "
        "AS e JOIN origins AS o ON o.node = e.base_key GROUP BY ALL "
        "ORDER BY new_derivatives DESC, base_family", params)


def _frame(scan: Scan, query: str, params: dict[str, str]) -> pd.DataFrame:
    """Through Arrow, so missing text is NaN in the columns' string dtype (as the pandas merge
    of the snapshots' files had it), not None in object columns."""
    return scan.table(query, params).to_pandas()


def _limit(top: int) -> str:
    return f" LIMIT {int(top)}" if top else ""


def _concat(frames: list[pd.DataFrame], order: list[str]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=order)
    joined = pd.concat(frames, ignore_index=True)
    return joined[order] if order else joined
