"""Lineage followed to its roots: the `base_model` graph of a snapshot, its transitive closure,
and the origin family of each model.

The rules, once (the lineage report, the filters, the claims and the `sql` views all use them):
- A node is a model id, stripped and lower-cased (the Hub's ids are case-insensitive, and
  unique ignoring case). An edge goes from a model to each of its base models; an empty id and
  a model naming itself are dropped (the normaliser drops those already; any other source gets
  the same rule here). A model counts as a descendant when it declares a base itself.
- The ancestors of a model are the transitive closure: every node reachable from it along
  edges (with their depth, the length of the shortest path, where asked for: 1 for a direct
  base). It is computed over the whole source, not over a report's filtered rows: a base's own
  bases are what they are whoever the derivative is. A model is never its own ancestor, even
  inside a cycle (`a -> b -> a`: b is a's ancestor and a is b's), and the recursion adds only
  pairs it has not seen, so cycles end it.
- A root is a node without bases: a model that declares none, or a base id the source does not
  hold (deleted, private, or outside a sample).
- Each node is attributed by itself with the knowledge tables (`Families.origin_of`: an origin
  pattern, else its namespace's family or mirror, else a legacy alias), or not at all.
- A model descends from a family (`base_family`) when any ancestor, at any depth, is attributed
  to it; its parent family (`parent_family`) is that of a direct base.
- The origin family of a model is the family of its roots. A root the knowledge cannot
  attribute (a community merge declaring no base, a model an individual trained from scratch)
  does not end the search on its branch: there the attributed ancestor nearest that root
  stands for it. Formally: the families of the attributed nodes among the model and its
  ancestors that have no attributed ancestor of their own (on a branch whose root is attributed,
  that is the root; nodes in one cycle do not count as above each other). Why the ancestor
  nearest the root, not the one nearest the model: an origin says where the weights come from,
  and the closer to the root, the closer to that; and it keeps origins inherited, so a model's
  origin families are always the union of its bases' (a model with nothing attributed above it
  answers for itself). Taking the ancestor nearest the model would name its latest fine-tuner,
  and a model and its own base could then disagree on where they come from.

Node numbers are dense integers (the closure joins on them, not on strings); the tables are
Arrow tables, built once per scan and registered, zero-copy, in each connection that needs them
as `lineage_nodes(node, key)`, `lineage_ids(id, node)` (each id as the source spells it),
`lineage_models(node, rows)` (the source's rows declaring a base, per node),
`lineage_edges(model, base)`, `lineage_attributed(node, family)` and
`lineage_ancestors(model, ancestor)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import duckdb

from hfexplore.knowledge import Families

if TYPE_CHECKING:  # imported where used: the sql command's views need only the SQL below
    import pyarrow as pa

# The columns the graph is built from (their pages are checked before it reads them: DuckDB
# does not check page checksums, see `store.pages`).
READS = ("id", "base_models")
# The models of a relation that declare a base, as written: stripped, case-folded and numbered
# in Arrow (its string kernels fold ASCII ids several times faster than SQL's lower()).
DECLARING = "SELECT id, base_models FROM {source} WHERE len(base_models) > 0"
# The same edges in SQL, as lower-case ids (for the `sql` command's views).
EDGES = ("SELECT lower(trim(id)) AS model, lower(trim(b)) AS base FROM (SELECT id, "
         "unnest(base_models) AS b FROM {source} WHERE len(base_models) > 0) "
         "WHERE trim(b) <> '' AND lower(trim(b)) <> lower(trim(id))")


def closure_sql(edges: str, *, depth: bool = False) -> str:
    """The transitive closure of relation `edges(model, base)`: `(model, ancestor)` pairs, or
    with `depth` `(model, ancestor, depth)`, the length of the shortest path (1: a direct base).
    A pair is kept once, so a cycle adds nothing new and ends the recursion; a model is never
    paired with itself.

    Without depth the recursion is a plain UNION, whose set of pairs grows incrementally. With
    it, the pairs are keyed (USING KEY) and each step keeps only pairs not seen before, breadth
    first, so the first depth found is the shortest; that check costs a pass over the pairs
    found so far at every step, about three times the work on the real 2024 graph (39 steps
    deep), so the engine's closure has no depth and depth is worked out where it is asked for.
    """
    if not depth:
        return ("WITH RECURSIVE closure(model, ancestor) AS ("
                f"SELECT model, base FROM {edges} WHERE base <> model "
                "UNION "
                f"SELECT c.model, e.base FROM closure AS c JOIN {edges} AS e "
                "ON e.model = c.ancestor WHERE e.base <> c.model) "
                "SELECT model, ancestor FROM closure")
    return (
        "WITH RECURSIVE closure(model, ancestor, depth) USING KEY (model, ancestor) AS ("
        f"SELECT model, base, 1 FROM {edges} WHERE base <> model "
        "UNION "
        f"SELECT c.model, e.base, c.depth + 1 FROM closure AS c JOIN {edges} AS e "
        "ON e.model = c.ancestor ANTI JOIN recurring.closure AS seen "
        "ON seen.model = c.model AND seen.ancestor = e.base WHERE e.base <> c.model) "
        "SELECT model, ancestor, depth FROM closure")


# The origin families of the nodes that query `{wanted}` selects (a column `node`): the
# attributed nodes among each one and its ancestors that have no attributed ancestor of their
# own (see the module). Nodes without any are left out.
ORIGINS = """
WITH wanted AS ({wanted}),
reach AS (
    SELECT model AS node, ancestor FROM lineage_ancestors WHERE model IN (SELECT node FROM wanted)
    UNION ALL SELECT node, node FROM wanted),
candidates AS (SELECT DISTINCT ancestor AS node FROM reach),
above AS (
    SELECT DISTINCT a.model AS node FROM lineage_ancestors AS a
    JOIN lineage_attributed AS t ON t.node = a.ancestor
    ANTI JOIN lineage_ancestors AS back ON back.model = a.ancestor AND back.ancestor = a.model
    WHERE a.model IN (SELECT node FROM candidates)),
topmost AS (
    SELECT t.node, t.family FROM lineage_attributed AS t
    WHERE t.node IN (SELECT node FROM candidates) AND t.node NOT IN (SELECT node FROM above))
SELECT reach.node, list(DISTINCT topmost.family ORDER BY topmost.family) AS families
FROM reach JOIN topmost ON topmost.node = reach.ancestor GROUP BY reach.node
"""


@dataclass
class LineageGraph:
    """The base_model graph of one source: node numbers, edges, attributions, and the closure
    (computed on first use)."""

    keys: pa.Array  # node number -> lower-case id
    spellings: pa.Table  # id (as spelt), node: each model declaring a base, to join rows on
    models: pa.Table  # node, rows: the source's rows (models declaring a base) per node
    edges: pa.Table  # model, base (node numbers)
    families: pa.Array  # node -> the family a base is attributed to by itself (null: none)
    _ancestors: pa.Table | None = field(default=None, repr=False)

    @classmethod
    def build(cls, connection: duckdb.DuckDBPyConnection, families: Families,
              source: str = "source") -> LineageGraph:
        """The graph of relation `source` (with `id` and `base_models`) on `connection`."""
        import pyarrow as pa
        import pyarrow.compute as pc

        declaring = connection.sql(DECLARING.format(source=source)).to_arrow_table()
        ids = declaring["id"].combine_chunks()
        lists = declaring["base_models"].combine_chunks()
        count = len(ids)
        spelt = pa.concat_arrays([ids, pc.list_flatten(lists)])
        encoded = pc.dictionary_encode(pc.utf8_lower(pc.utf8_trim_whitespace(spelt)))
        keys = encoded.dictionary
        nodes = pc.cast(encoded.indices, pa.int32())
        of_row, base = nodes.slice(0, count), nodes.slice(count)
        model = pc.take(of_row, pc.list_parent_indices(lists))
        # No edge to an empty id or a missing one, nor from a model to itself.
        empty = pc.index(keys, "").as_py()
        keep = pc.fill_null(pc.and_(pc.not_equal(model, base), pc.not_equal(base, empty)), False)
        edges = pa.table({"model": model, "base": base}).filter(keep)
        # Each row is one model (ids are unique): rows per node, and each id's node.
        counted = pc.value_counts(of_row)
        models = pa.table({"node": counted.field("values"), "rows": counted.field("counts")})
        spellings = pa.table({"id": ids, "node": of_row})
        # Only bases can be ancestors: they alone are attributed.
        bases = pc.unique(edges["base"].combine_chunks())
        families_of_bases = families.origin_arrow(pc.take(keys, bases))
        attributed = pc.scatter(families_of_bases, bases, max_index=len(keys) - 1)
        return cls(keys, spellings, models, edges, attributed)

    @property
    def nodes(self) -> pa.Table:
        import pyarrow as pa

        return pa.table({"node": _numbers(len(self.keys)), "key": self.keys})

    @property
    def attributed(self) -> pa.Table:
        """(node, family) for every node attributed to a family by itself."""
        import pyarrow as pa
        import pyarrow.compute as pc

        known = pc.is_valid(self.families)
        return pa.table({"node": pc.filter(_numbers(len(self.keys)), known),
                         "family": pc.filter(self.families, known)})

    def family_of(self, keys: pa.Array | pa.ChunkedArray) -> pa.Array:
        """The family each lower-case base id is attributed to by itself (null: none, or not a
        base of the graph)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        found = pc.take(self.families, pc.index_in(keys, value_set=self.keys))
        return found.combine_chunks() if isinstance(found, pa.ChunkedArray) else found

    def ancestors(self, connection: duckdb.DuckDBPyConnection) -> pa.Table:
        """The closure (model, ancestor), computed on `connection` the first time."""
        if self._ancestors is None:
            connection.register("lineage_edges", self.edges)
            self._ancestors = connection.sql(closure_sql("lineage_edges")).to_arrow_table()
        return self._ancestors

    def register(self, connection: duckdb.DuckDBPyConnection) -> None:
        """The graph's tables, by their `lineage_*` names, in `connection`."""
        connection.register("lineage_nodes", self.nodes)
        connection.register("lineage_ids", self.spellings)
        connection.register("lineage_models", self.models)
        connection.register("lineage_edges", self.edges)
        connection.register("lineage_attributed", self.attributed)
        connection.register("lineage_ancestors", self.ancestors(connection))


def _numbers(count: int) -> pa.Array:
    import numpy as np
    import pyarrow as pa

    return pa.array(np.arange(count, dtype=np.int32))
