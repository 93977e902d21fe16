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

Node numbers are dense integers, in the order the ids first appear (the closure joins on them,
not on strings). The graph is built by DuckDB, once per scan, as tables of the process's database
(`store.footer.database`), so every connection of it (each scan's) can read them; a connection
that needs them sees them as views `lineage_nodes(node, key)`, `lineage_ids(id, node)` (each id
as the source spells it), `lineage_models(node, rows)` (the source's rows declaring a base, per
node), `lineage_edges(model, base)`, `lineage_attributed(node, family)` and
`lineage_ancestors(model, ancestor)` (computed when first asked for). The tables are dropped
once the graph is no longer used.
No pyarrow is needed; the lineage walks of the ecosystem reports read the tables as Arrow.
"""

from __future__ import annotations

import itertools
import weakref
from typing import TYPE_CHECKING, Any

import duckdb

from hfexplore.knowledge import Families

if TYPE_CHECKING:  # the Arrow views of the graph, for the ecosystem reports only
    import pyarrow as pa

# The columns the graph is built from (their pages are checked before it reads them: DuckDB
# does not check page checksums, see `store.pages`).
READS = ("id", "base_models")
# Leading or trailing whitespace as `str.strip()` sees it (RE2's `\s` lacks \v, \x1c-\x1f and
# \x85; `\pZ` holds the Unicode spaces): a test checks it against Python on every character.
# A regular expression: `trim(x, characters)` takes four times as long.
WHITESPACE = r"^[\s\x0b\x1c-\x1f\x85\pZ]+|[\s\x0b\x1c-\x1f\x85\pZ]+$"


def node_key(value: str) -> str:
    """The SQL expression of the node key of an id expression: stripped and lower-case. An id
    that starts and ends with printable ASCII (every id on the Hub) needs no stripping: that
    test is cheaper than the expression (0.57 s against 0.95 s over 3.2 M ids)."""
    return (f"CASE WHEN ascii({value}) BETWEEN 33 AND 126 AND ascii(right({value}, 1)) "
            f"BETWEEN 33 AND 126 THEN lower({value}) "
            f"ELSE lower(regexp_replace({value}, '{WHITESPACE}', '', 'g')) END")


# The same edges in SQL, as lower-case ids (for the `sql` command's views).
EDGES = (f"SELECT model, base FROM (SELECT {node_key('id')} AS model, {node_key('b')} AS base "
         "FROM (SELECT id, unnest(base_models) AS b FROM {source} WHERE len(base_models) > 0)) "
         "WHERE base <> '' AND base <> model")
# The graph's tables, from relation `{source}`, in the order they are built; `{t}` prefixes
# the names of this graph's tables.
BUILD = {
    "declaring": f"SELECT id, {node_key('id')} AS key, [{node_key('b')} FOR b IN base_models] "
                 "AS bases FROM {source} WHERE len(base_models) > 0",
    # Numbered in the order the keys first appear (a row's id, then its bases; the table keeps
    # the file's order): the same numbers every run, without sorting the strings.
    "nodes": "SELECT CAST(row_number() OVER (ORDER BY first) - 1 AS INTEGER) AS node, key FROM "
             "(SELECT key, min(place) AS first FROM (SELECT key, rowid * 2147483648 AS place FROM "
             "{t}declaring UNION ALL SELECT unnest(bases), rowid * 2147483648 + "
             "generate_subscripts(bases, 1) FROM {t}declaring) WHERE key <> '' GROUP BY key)",
    "ids": "SELECT d.id, n.node FROM {t}declaring AS d JOIN {t}nodes AS n ON n.key = d.key",
    "models": "SELECT node, count(*) AS rows FROM {t}ids GROUP BY node",
    # No edge to an empty id (it is no node), nor from a model to itself.
    "edges": "SELECT m.node AS model, b.node AS base FROM (SELECT key, unnest(bases) AS base "
             "FROM {t}declaring) AS e JOIN {t}nodes AS m ON m.key = e.key "
             "JOIN {t}nodes AS b ON b.key = e.base WHERE m.node <> b.node",
    # Only bases can be ancestors: they alone are attributed.
    "attributed": "ORIGINS",
}
TABLES = ("nodes", "ids", "models", "edges", "attributed", "ancestors")  # ancestors: `close`


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


class LineageGraph:
    """The base_model graph of one source, held by the engine (see the module): node numbers,
    edges, attributions and the closure, as tables named `{prefix}{table}`."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, prefix: str) -> None:
        self._connection = connection
        self.prefix = prefix
        self.closed = False  # whether the closure (`ancestors`) is computed yet
        self._arrow: dict[str, pa.Table] = {}
        # Dropped by the next graph built once this one is gone (not from the garbage
        # collector, which may run in the middle of another query), in its own database.
        weakref.finalize(self, _retired.append, (connection, prefix))

    @classmethod
    def build(cls, connection: duckdb.DuckDBPyConnection, families: Families,
              source: str = "source") -> LineageGraph:
        """The graph of relation `source` (with `id` and `base_models`) on `connection`."""
        _drop_retired()
        prefix = f"lineage_graph_{next(_serial)}_"
        try:
            for name, query in BUILD.items():
                params: dict[str, Any] = {}
                if query == "ORIGINS":
                    query, params = families.origin_sql(
                        f"(SELECT node, key FROM {prefix}nodes WHERE node IN "
                        f"(SELECT base FROM {prefix}edges))")
                temp = "TEMP " if name == "declaring" else ""
                connection.execute(f"CREATE {temp}TABLE {prefix}{name} AS "
                                   + query.format(source=source, t=prefix), params)
        except BaseException:
            _retired.append((connection, prefix))
            _drop_retired()
            raise
        _drop(connection, prefix, ("declaring",))
        return cls(connection, prefix)

    def close(self) -> None:
        """Computes the closure (table `ancestors`), if not done yet: the walks from one model
        (`tree`, `repo`) do without it."""
        if not self.closed:
            self._connection.execute(f"CREATE TABLE {self.prefix}ancestors AS "
                                     + closure_sql(f"{self.prefix}edges"))
            self.closed = True

    def register(self, connection: duckdb.DuckDBPyConnection) -> None:
        """The graph's tables, as views by their `lineage_*` names, in `connection` (the
        closure's once computed)."""
        for name in TABLES if self.closed else TABLES[:-1]:
            connection.execute(f"CREATE OR REPLACE TEMP VIEW lineage_{name} AS "
                               f"SELECT * FROM {self.prefix}{name}")

    # -- as Arrow, for the lineage walks (`ecosystem/graph.py`) -----------------------------
    def _table(self, name: str, query: str) -> pa.Table:
        if name not in self._arrow:
            self._arrow[name] = self._connection.sql(
                query.format(t=self.prefix)).to_arrow_table()
        return self._arrow[name]

    @property
    def nodes(self) -> pa.Table:
        return self._table("nodes", "SELECT node, key FROM {t}nodes ORDER BY node")

    @property
    def keys(self) -> pa.Array:
        """Node number -> lower-case id."""
        return self.nodes["key"].combine_chunks()

    @property
    def spellings(self) -> pa.Table:
        """(id as spelt, node): each model declaring a base, to join rows on."""
        return self._table("ids", "SELECT id, node FROM {t}ids")

    @property
    def edges(self) -> pa.Table:
        """(model, base) node numbers."""
        return self._table("edges", "SELECT model, base FROM {t}edges")

    @property
    def attributed(self) -> pa.Table:
        """(node, family) for every node attributed to a family by itself."""
        return self._table("attributed", "SELECT node, family FROM {t}attributed ORDER BY node")


_serial = itertools.count(1)
_retired: list[tuple[duckdb.DuckDBPyConnection, str]] = []


def _drop_retired() -> None:
    while _retired:
        connection, prefix = _retired.pop()
        _drop(connection, prefix, ("declaring", *TABLES))


def _drop(connection: duckdb.DuckDBPyConnection, prefix: str, names: tuple[str, ...]) -> None:
    """Drops a graph's tables, as far as it can: after an interruption the connection may
    refuse, and the error that matters is the one that interrupted."""
    try:
        for name in names:
            connection.execute(f"DROP TABLE IF EXISTS {prefix}{name}")
    except duckdb.Error:
        pass
