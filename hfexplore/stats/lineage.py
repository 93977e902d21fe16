"""Lineage edges on the query engine: derivatives per base model and per origin family.

An edge is one (derivative, base model) pair with its own relation. Base ids are grouped
case-insensitively and shown in their most frequent spelling (ties: the first in code-point
order); a base's origin family comes from `knowledge/families.py` (namespaces, mirrors, legacy
ids). The engine counts edges per (base, spelling, relation), a few thousand groups; spelling,
family and the pivot by relation are then worked out on those groups, and distinct authors are
counted by the engine only for the bases and families shown.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyarrow as pa

from hfexplore.normalize.schema import RELATIONS
from hfexplore.stats.engine import Scan

RELATION_COLUMNS = [*RELATIONS, "unspecified"]
# Grouped on the raw values first (cheap), then case-folded on the groups (few).
EDGE_GROUPS = ("SELECT lower(trim(b)) AS base_key, trim(b) AS base_model, coalesce(r, "
               "'unspecified') AS relation, sum(n) AS n FROM (SELECT b, r, count(*) AS n FROM "
               "(SELECT unnest(base_models) AS b, unnest(base_relations) AS r FROM rows) "
               "GROUP BY ALL) GROUP BY ALL")
AUTHOR_PAIRS = ("SELECT lower(trim(b)) AS base_key, lower(author) AS author FROM (SELECT "
                "DISTINCT b, author FROM (SELECT unnest(base_models) AS b, author FROM rows))")


@dataclass
class Lineage:
    per_base: pd.DataFrame  # base_model, base_family, derivatives, one column per relation, authors
    per_family: pd.DataFrame  # base_family, derivatives, relations..., authors
    edges: int


def edge_groups(scan: Scan) -> pd.DataFrame:
    """Edges per (base_key, spelling, relation) with each key's origin family."""
    groups = scan.frame(EDGE_GROUPS)
    keys = pa.array(groups["base_key"].unique(), pa.string())
    origin = dict(zip(keys.to_pylist(), scan.families.origin_arrow(keys).to_pylist(),
                      strict=True))
    groups["base_family"] = groups["base_key"].map(origin)
    return groups


def lineage_of(scan: Scan, *, family: str | None = None, base: str | None = None,
               top: int = 0) -> Lineage:
    groups = edge_groups(scan)
    if family:
        groups = groups[groups["base_family"] == scan.families.get(family).name]
    if base:
        groups = groups[groups["base_key"] == base.strip().lower()]
    spelling = groups.groupby(["base_key", "base_model"])["n"].sum().reset_index().sort_values(
        ["base_key", "n", "base_model"], ascending=[True, False, True], kind="stable"
    ).drop_duplicates("base_key").set_index("base_key")["base_model"]
    per_base = _pivot(groups, "base_key")
    per_base.insert(0, "base_model", spelling.reindex(per_base["base_key"]).to_numpy())
    per_base["base_family"] = per_base["base_key"].map(
        groups.drop_duplicates("base_key").set_index("base_key")["base_family"]).fillna("")
    per_base = per_base.sort_values(["derivatives", "base_model"], ascending=[False, True],
                                    kind="stable")
    shown = per_base if not top or top <= 0 else per_base.head(top)
    per_family = _pivot(groups[groups["base_family"].notna()], "base_family")
    authors = _distinct_authors(scan, shown["base_key"].tolist(), groups)
    shown = shown.assign(authors=shown["base_key"].map(authors["key"]).fillna(0))
    per_family["authors"] = per_family["base_family"].map(authors["family"]).fillna(0)
    per_family = per_family.sort_values(["derivatives", "base_family"], ascending=[False, True],
                                        kind="stable")
    return Lineage(_typed(shown[["base_model", "base_family", "derivatives",
                                 *RELATION_COLUMNS, "authors"]]),
                   _typed(per_family[["base_family", "derivatives", *RELATION_COLUMNS,
                                      "authors"]]),
                   int(groups["n"].sum()))


def _pivot(groups: pd.DataFrame, key: str) -> pd.DataFrame:
    if groups.empty:
        return pd.DataFrame(columns=[key, "derivatives", *RELATION_COLUMNS])
    pivot = groups.pivot_table(index=key, columns="relation", values="n", aggfunc="sum",
                               fill_value=0).reindex(columns=RELATION_COLUMNS, fill_value=0)
    pivot.insert(0, "derivatives", pivot.sum(axis=1))
    return pivot.reset_index().rename_axis(None, axis=1)


def _distinct_authors(scan: Scan, keys: list[str], groups: pd.DataFrame
                      ) -> dict[str, pd.Series]:
    """Distinct (case-folded) authors of the edges of each base in `keys`, and of each
    origin family, counted by the engine in one pass."""
    families = groups[groups["base_family"].notna()].drop_duplicates("base_key")
    scan.register("shown_bases", pa.table({"base_key": pa.array(keys, pa.string())}))
    scan.register("origins", pa.table({
        "base_key": pa.array(families["base_key"].tolist(), pa.string()),
        "base_family": pa.array(families["base_family"].tolist(), pa.string())}))
    found = scan.frame(
        "SELECT shown, base_family, count(DISTINCT author) AS authors FROM (SELECT "
        "shown_bases.base_key AS shown, origins.base_family, author FROM "
        f"({AUTHOR_PAIRS}) AS e LEFT JOIN shown_bases USING (base_key) "
        "LEFT JOIN origins USING (base_key)) GROUP BY GROUPING SETS ((shown), (base_family))")
    by_key = found[found["shown"].notna()].set_index("shown")["authors"]
    by_family = found[found["base_family"].notna()].set_index("base_family")["authors"]
    return {"key": by_key, "family": by_family}


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reset_index(drop=True)
    for column in ["derivatives", *RELATION_COLUMNS, "authors"]:
        frame[column] = frame[column].astype("int64")
    return frame
