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

The engine does it all, in a few queries over temporary tables of the scan: edges per (base,
spelling, relation) with the base's family (`lineage_groups`, a few thousand rows), the bases
shown with their counts (`lineage_per_base`), then descendants, origins and distinct authors,
over the whole lineage graph, for those bases and the families only. No pandas, no pyarrow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hfexplore.normalize.schema import RELATIONS
from hfexplore.rows import Rows
from hfexplore.stats.closure import ORIGINS, node_key
from hfexplore.stats.engine import Scan

RELATION_COLUMNS = [*RELATIONS, "unspecified"]
COUNTS = ["derivatives", "descendants", *RELATION_COLUMNS, "authors"]
# Grouped on the raw values first (cheap), then case-folded on the groups (few); each key with
# the family its base is attributed to by itself.
EDGE_GROUPS = (
    "SELECT g.base_key, g.base_model, g.relation, g.n, t.family AS base_family FROM (SELECT "
    + node_key("b") + " AS base_key, "
    "trim(b) AS base_model, coalesce(r, 'unspecified') AS relation, sum(n) AS n FROM (SELECT b, "
    "r, count(*) AS n FROM (SELECT unnest(base_models) AS b, unnest(base_relations) AS r FROM "
    "rows) GROUP BY ALL) GROUP BY ALL) AS g LEFT JOIN lineage_nodes AS k ON k.key = g.base_key "
    "LEFT JOIN lineage_attributed AS t ON t.node = k.node")
AUTHOR_PAIRS = ("SELECT " + node_key("b") + " AS base_key, lower(author) AS author FROM (SELECT "
                "DISTINCT b, author FROM (SELECT unnest(base_models) AS b, author FROM rows))")
# Edges per relation, and their sum, for each value of `{key}`.
PIVOT = ", ".join(["CAST(sum(n) AS BIGINT) AS derivatives"] + [
    f"CAST(coalesce(sum(n) FILTER (WHERE relation = '{r}'), 0) AS BIGINT) AS {r}"
    for r in RELATION_COLUMNS])
# The bases selected, each with its most frequent spelling, family and counts, in the order
# shown (`rank`).
PER_BASE = f"""
WITH g AS (SELECT * FROM lineage_groups WHERE {{where}}),
spelling AS (
    SELECT base_key, first(base_model ORDER BY n DESC, base_model) AS base_model
    FROM (SELECT base_key, base_model, sum(n) AS n FROM g GROUP BY ALL) GROUP BY base_key),
counted AS (
    SELECT g.base_key, s.base_model, coalesce(any_value(g.base_family), '') AS base_family,
    {PIVOT} FROM g JOIN spelling AS s USING (base_key) GROUP BY g.base_key, s.base_model)
SELECT row_number() OVER (ORDER BY derivatives DESC, base_model) AS rank, *
FROM counted ORDER BY rank {{limit}}
"""
# Descendants per shown base and per family of an ancestor: the scan's rows per model node
# first (integers from there on), each row counted once per base or family.
ROWS_PER_NODE = ("SELECT i.node, count(*) AS n FROM rows JOIN lineage_ids AS i ON i.id = rows.id "
                 "WHERE len(rows.base_models) > 0 GROUP BY i.node")
REACH = """
WITH per_node AS ({per_node}),
shown AS (SELECT n.node, s.base_key FROM lineage_nodes AS n
    JOIN lineage_per_base AS s ON s.base_key = n.key)
SELECT 'base' AS kind, shown.base_key AS name, sum(per_node.n) AS descendants
FROM lineage_ancestors AS a JOIN per_node ON per_node.node = a.model
JOIN shown ON shown.node = a.ancestor GROUP BY shown.base_key
UNION ALL
SELECT 'family', family, sum(per_node.n) FROM (
    SELECT DISTINCT a.model, t.family FROM lineage_ancestors AS a
    JOIN lineage_attributed AS t ON t.node = a.ancestor) AS f
JOIN per_node ON per_node.node = f.model GROUP BY family
"""
# Distinct (case-folded) authors of the edges of each shown base, and of each family of the
# bases (the families of every base, not only those shown), in one pass.
AUTHORS = f"""
SELECT CASE WHEN shown IS NULL THEN 'family' ELSE 'base' END AS kind,
    coalesce(shown, base_family) AS name, count(DISTINCT author) AS authors
FROM (SELECT s.base_key AS shown, f.base_family, e.author FROM ({AUTHOR_PAIRS}) AS e
      LEFT JOIN lineage_per_base AS s USING (base_key)
      LEFT JOIN (SELECT DISTINCT base_key, base_family FROM lineage_groups
                 WHERE base_family IS NOT NULL) AS f USING (base_key))
GROUP BY GROUPING SETS ((shown), (base_family))
HAVING coalesce(shown, base_family) IS NOT NULL
"""
SHOWN = f"""
WITH origins AS ({ORIGINS.format(wanted='SELECT n.node FROM lineage_nodes AS n JOIN '
                                         'lineage_per_base AS s ON s.base_key = n.key')})
SELECT p.base_model, p.base_family, coalesce(array_to_string(o.families, ', '), '')
    AS origin_family, p.derivatives, CAST(coalesce(r.descendants, 0) AS BIGINT) AS descendants,
    {', '.join(f'p.{c}' for c in RELATION_COLUMNS)},
    CAST(coalesce(a.authors, 0) AS BIGINT) AS authors
FROM lineage_per_base AS p
LEFT JOIN lineage_reach AS r ON r.kind = 'base' AND r.name = p.base_key
LEFT JOIN lineage_authors AS a ON a.kind = 'base' AND a.name = p.base_key
LEFT JOIN lineage_nodes AS n ON n.key = p.base_key
LEFT JOIN origins AS o ON o.node = n.node
ORDER BY p.rank
"""
# Every family with direct derivatives or descendants among the scan's rows (a family can have
# descendants only: a filtered-out model may hold the edge to its base).
PER_FAMILY = f"""
WITH direct AS (SELECT base_family, {PIVOT} FROM lineage_groups
                WHERE base_family IS NOT NULL GROUP BY base_family),
reached AS (SELECT name AS base_family, descendants FROM lineage_reach WHERE kind = 'family'),
counted AS (
    SELECT coalesce(d.base_family, r.base_family) AS base_family,
    coalesce(d.derivatives, 0) AS derivatives,
    CAST(coalesce(r.descendants, 0) AS BIGINT) AS descendants,
    {', '.join(f'coalesce(d.{c}, 0) AS {c}' for c in RELATION_COLUMNS)}
    FROM direct AS d FULL JOIN reached AS r ON r.base_family = d.base_family)
SELECT c.base_family, {', '.join(f'c.{c}' for c in COUNTS[:-1])},
    CAST(coalesce(a.authors, 0) AS BIGINT) AS authors
FROM counted AS c LEFT JOIN lineage_authors AS a ON a.kind = 'family'
    AND a.name = c.base_family
WHERE {{where}}
ORDER BY c.derivatives DESC, c.descendants DESC, c.base_family
"""
# The lower-case ids of the models of a family's tree: attributed to it, or with an ancestor
# attributed to it.
TREE = ("SELECT key FROM lineage_nodes WHERE node IN (SELECT node FROM lineage_attributed "
        "WHERE family = $family UNION SELECT a.model FROM lineage_ancestors AS a JOIN "
        "lineage_attributed AS t ON t.node = a.ancestor WHERE t.family = $family)")


@dataclass
class Lineage:
    per_base: Rows  # base_model, base_family, origin_family, derivatives, descendants,
    #                 relations..., authors
    per_family: Rows  # base_family, derivatives, descendants, relations..., authors
    edges: int


def lineage_of(scan: Scan, *, family: str | None = None, parent_family: str | None = None,
               base: str | None = None, top: int = 0) -> Lineage:
    """Derivatives and descendants per base model and per family.

    `family`: only the bases of that family's tree (attributed to it, or descending from one of
    its models at any depth); `parent_family`: only the bases attributed to it; `base`: only
    that base. The per-family rows are the families' own whatever the selection (over the
    scan's rows), showing only the family asked for, or the base's."""
    scan.lineage()
    scan.materialise("lineage_groups", EDGE_GROUPS)
    where, params = ["true"], {}
    if family:
        where.append(f"base_key IN ({TREE})")
        params["family"] = scan.families.get(family).name
    if parent_family:
        where.append("base_family = $parent_family")
        params["parent_family"] = scan.families.get(parent_family).name
    if base:
        where.append("base_key = $base")
        params["base"] = base.strip().lower()
    selection = " AND ".join(where)
    edges = scan.scalar(f"SELECT CAST(coalesce(sum(n), 0) AS BIGINT) FROM lineage_groups "
                        f"WHERE {selection}", params)
    limit = f"LIMIT {int(top)}" if top and top > 0 else ""
    scan.materialise("lineage_per_base", PER_BASE.format(where=selection, limit=limit), params)
    # Without filters the rows per node are the graph's own: no join on ids is needed.
    per_node = "SELECT node, rows AS n FROM lineage_models" if scan.unfiltered else \
        ROWS_PER_NODE
    scan.materialise("lineage_reach", REACH.format(per_node=per_node))
    scan.materialise("lineage_authors", AUTHORS)
    wanted: dict[str, Any] = {}
    shown_families = "true"
    if family or parent_family or base:
        names = [scan.families.get(name).name for name in (family, parent_family) if name]
        if base:
            names += [f for (f,) in scan.rows(
                f"SELECT DISTINCT base_family FROM lineage_groups WHERE {selection} AND "
                "base_family IS NOT NULL", params)]
        shown_families = "c.base_family IN (SELECT unnest($wanted::VARCHAR[]))"
        wanted["wanted"] = names
    return Lineage(scan.fetch(SHOWN), scan.fetch(PER_FAMILY.format(where=shown_families),
                                                wanted), int(edges))
