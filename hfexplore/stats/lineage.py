"""Lineage on the query engine: derivatives per base model and per family, direct and at any
depth.

An edge is one (derivative, base model) pair with its own relation. Base ids are grouped
case-insensitively and shown in their most frequent spelling (ties: the first in code-point
order). Per base:
- `base_family`: the family the base is attributed to by itself (`knowledge/families.py`: an
  origin pattern, its namespace or a mirror, a legacy alias);
- `origin_family`: the family of its roots, the base_model chain followed up. Where a root
  cannot be attributed (a community merge that declares no base, a model trained from scratch
  by an individual), the attributed ancestor nearest that root stands for it, not the one
  nearest the model: an origin says where the weights come from, and this way origins are
  inherited (a model's origin families are always those of its bases), while the ancestor
  nearest the model would name its latest fine-tuner (`stats/closure.py` has the exact rule);
- `derivatives`: direct, one per edge, split by relation; `descendants`: the models descending
  from it at any depth, each counted once.
Per family: `derivatives` are the edges to bases attributed to it, `descendants` the models with
an ancestor attributed to it at any depth (what the `base_family` filter matches).

The engine counts edges per (base, spelling, relation), a few thousand groups; spelling,
family and the pivot by relation are then worked out on those groups. Descendants, origins and
distinct authors are counted by the engine, over the whole lineage graph, only for the bases
and families shown.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyarrow as pa

from hfexplore.normalize.schema import RELATIONS
from hfexplore.stats.closure import ORIGINS
from hfexplore.stats.engine import Scan

RELATION_COLUMNS = [*RELATIONS, "unspecified"]
COUNTS = ["derivatives", "descendants", *RELATION_COLUMNS, "authors"]
# Grouped on the raw values first (cheap), then case-folded on the groups (few).
EDGE_GROUPS = ("SELECT lower(trim(b)) AS base_key, trim(b) AS base_model, coalesce(r, "
               "'unspecified') AS relation, sum(n) AS n FROM (SELECT b, r, count(*) AS n FROM "
               "(SELECT unnest(base_models) AS b, unnest(base_relations) AS r FROM rows) "
               "GROUP BY ALL) GROUP BY ALL")
AUTHOR_PAIRS = ("SELECT lower(trim(b)) AS base_key, lower(author) AS author FROM (SELECT "
                "DISTINCT b, author FROM (SELECT unnest(base_models) AS b, author FROM rows))")
# Descendants per shown base (`lineage_shown`) and per family of an ancestor: the scan's rows
# per model node first (integers from there on), each row counted once per base or family.
ROWS_PER_NODE = ("SELECT i.node, count(*) AS n FROM rows JOIN lineage_ids AS i ON i.id = rows.id "
                 "WHERE len(rows.base_models) > 0 GROUP BY i.node")
REACH = """
WITH per_node AS ({per_node}),
shown AS (SELECT n.node, s.base_key FROM lineage_nodes AS n
    JOIN lineage_shown AS s ON s.base_key = n.key)
SELECT 'base' AS kind, shown.base_key AS name, sum(per_node.n) AS descendants
FROM lineage_ancestors AS a JOIN per_node ON per_node.node = a.model
JOIN shown ON shown.node = a.ancestor GROUP BY shown.base_key
UNION ALL
SELECT 'family', family, sum(per_node.n) FROM (
    SELECT DISTINCT a.model, t.family FROM lineage_ancestors AS a
    JOIN lineage_attributed AS t ON t.node = a.ancestor) AS f
JOIN per_node ON per_node.node = f.model GROUP BY family
"""


@dataclass
class Lineage:
    # base_model, base_family, origin_family, derivatives, descendants, relations..., authors
    per_base: pd.DataFrame
    per_family: pd.DataFrame  # base_family, derivatives, descendants, relations..., authors
    edges: int


def edge_groups(scan: Scan) -> pd.DataFrame:
    """Edges per (base_key, spelling, relation) with each key's own family (`base_family`)."""
    groups = scan.frame(EDGE_GROUPS)
    keys = pa.array(groups["base_key"].unique(), pa.string())
    origin = dict(zip(keys.to_pylist(), scan.lineage().family_of(keys).to_pylist(),
                      strict=True))
    groups["base_family"] = groups["base_key"].map(origin)
    return groups


def lineage_of(scan: Scan, *, family: str | None = None, parent_family: str | None = None,
               base: str | None = None, top: int = 0) -> Lineage:
    """Derivatives and descendants per base model and per family.

    `family`: only the bases of that family's tree (attributed to it, or descending from one of
    its models at any depth); `parent_family`: only the bases attributed to it; `base`: only
    that base. The per-family rows are the families' own whatever the selection (over the
    scan's rows), showing only the family asked for, or the base's."""
    every = edge_groups(scan)
    groups = every
    if family:
        name = scan.families.get(family).name
        groups = groups[groups["base_key"].isin(_tree(scan, name))]
    if parent_family:
        groups = groups[groups["base_family"] == scan.families.get(parent_family).name]
    if base:
        groups = groups[groups["base_key"] == base.strip().lower()]
    per_base = _per_base(groups)
    shown = per_base if not top or top <= 0 else per_base.head(top)
    keys = shown["base_key"].tolist()
    reach = _reach(scan, keys)
    origins = _origins(scan, keys)
    authors = _distinct_authors(scan, keys, every)
    shown = shown.assign(origin_family=shown["base_key"].map(lambda key: origins.get(key, "")),
                         descendants=shown["base_key"].map(reach["base"]).fillna(0),
                         authors=shown["base_key"].map(authors["key"]).fillna(0))
    per_family = _per_family(every, reach["family"], authors["family"])
    if family or parent_family or base:
        wanted = {scan.families.get(name).name for name in (family, parent_family) if name}
        wanted |= set(groups["base_family"].dropna()) if base else set()
        per_family = per_family[per_family["base_family"].isin(wanted)]
    return Lineage(_typed(shown[["base_model", "base_family", "origin_family", *COUNTS]]),
                   _typed(per_family[["base_family", *COUNTS]]), int(groups["n"].sum()))


def _per_base(groups: pd.DataFrame) -> pd.DataFrame:
    spelling = groups.groupby(["base_key", "base_model"])["n"].sum().reset_index().sort_values(
        ["base_key", "n", "base_model"], ascending=[True, False, True], kind="stable"
    ).drop_duplicates("base_key").set_index("base_key")["base_model"]
    per_base = _pivot(groups, "base_key")
    per_base.insert(0, "base_model", spelling.reindex(per_base["base_key"]).to_numpy())
    per_base["base_family"] = per_base["base_key"].map(
        groups.drop_duplicates("base_key").set_index("base_key")["base_family"]).fillna("")
    return per_base.sort_values(["derivatives", "base_model"], ascending=[False, True],
                                kind="stable")


def _per_family(groups: pd.DataFrame, descendants: pd.Series, authors: pd.Series
                ) -> pd.DataFrame:
    """Every family with direct derivatives or descendants among the scan's rows (a family can
    have descendants only: a filtered-out model may hold the edge to its base)."""
    direct = _pivot(groups[groups["base_family"].notna()], "base_family").set_index(
        "base_family")
    names = sorted(set(direct.index) | set(descendants.index))
    per_family = direct.reindex(names, fill_value=0).rename_axis("base_family").reset_index()
    per_family["descendants"] = per_family["base_family"].map(descendants).fillna(0)
    per_family["authors"] = per_family["base_family"].map(authors).fillna(0)
    return per_family.sort_values(["derivatives", "descendants", "base_family"],
                                  ascending=[False, False, True], kind="stable")


def _pivot(groups: pd.DataFrame, key: str) -> pd.DataFrame:
    if groups.empty:
        return pd.DataFrame(columns=[key, "derivatives", *RELATION_COLUMNS])
    pivot = groups.pivot_table(index=key, columns="relation", values="n", aggfunc="sum",
                               fill_value=0).reindex(columns=RELATION_COLUMNS, fill_value=0)
    pivot.insert(0, "derivatives", pivot.sum(axis=1))
    return pivot.reset_index().rename_axis(None, axis=1)


def _tree(scan: Scan, family: str) -> list[str]:
    """The lower-case ids of the models of a family's tree: attributed to it, or with an
    ancestor attributed to it."""
    found = scan.frame(
        "SELECT key FROM lineage_nodes WHERE node IN (SELECT node FROM lineage_attributed "
        "WHERE family = $family UNION SELECT a.model FROM lineage_ancestors AS a JOIN "
        "lineage_attributed AS t ON t.node = a.ancestor WHERE t.family = $family)",
        {"family": family})
    return found["key"].tolist()


def _reach(scan: Scan, keys: list[str]) -> dict[str, pd.Series]:
    """Descendants per shown base key and per family."""
    scan.register("lineage_shown", pa.table({"base_key": pa.array(keys, pa.string())}))
    # Without filters the rows per node are the graph's own: no join on ids is needed.
    per_node = "SELECT node, rows AS n FROM lineage_models" if scan.unfiltered else \
        ROWS_PER_NODE
    found = scan.frame(REACH.format(per_node=per_node))
    return {kind: found[found["kind"] == kind].set_index("name")["descendants"]
            for kind in ("base", "family")}


def _origins(scan: Scan, keys: list[str]) -> dict[str, str]:
    """The origin families of the shown bases, joined with ", " (several for a merge of
    families' models)."""
    scan.register("lineage_shown", pa.table({"base_key": pa.array(keys, pa.string())}))
    found = scan.frame(
        ORIGINS.format(wanted="SELECT n.node FROM lineage_nodes AS n JOIN lineage_shown AS s "
                              "ON s.base_key = n.key"))
    keys_of = scan.lineage().keys
    return {keys_of[int(node)].as_py(): ", ".join(families)
            for node, families in zip(found["node"], found["families"], strict=True)}


def _distinct_authors(scan: Scan, keys: list[str], groups: pd.DataFrame
                      ) -> dict[str, pd.Series]:
    """Distinct (case-folded) authors of the edges of each base in `keys`, and of each
    family of the bases, counted by the engine in one pass."""
    families = groups[groups["base_family"].notna()].drop_duplicates("base_key")
    scan.register("shown_bases", pa.table({"base_key": pa.array(keys, pa.string())}))
    scan.register("base_families", pa.table({
        "base_key": pa.array(families["base_key"].tolist(), pa.string()),
        "base_family": pa.array(families["base_family"].tolist(), pa.string())}))
    found = scan.frame(
        "SELECT shown, base_family, count(DISTINCT author) AS authors FROM (SELECT "
        "shown_bases.base_key AS shown, base_families.base_family, author FROM "
        f"({AUTHOR_PAIRS}) AS e LEFT JOIN shown_bases USING (base_key) "
        "LEFT JOIN base_families USING (base_key)) GROUP BY GROUPING SETS ((shown), "
        "(base_family))")
    by_key = found[found["shown"].notna()].set_index("shown")["authors"]
    by_family = found[found["base_family"].notna()].set_index("base_family")["authors"]
    return {"key": by_key, "family": by_family}


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reset_index(drop=True)
    for column in COUNTS:
        frame[column] = frame[column].astype("int64")
    return frame
