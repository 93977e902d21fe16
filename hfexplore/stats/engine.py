"""The query engine: DuckDB over a snapshot's parquet file (or an Arrow table already in
memory), with the shared filters applied. Reports, claims and diffs all aggregate through a
`Scan`, so a figure means the same thing wherever it is shown.

A query names the filtered rows `rows`: `scan.fetch("SELECT license, count(*) FROM rows GROUP
BY ALL")` gives `Rows` (`frame` a DataFrame, `table` an Arrow table). DuckDB reads only the
columns and row groups a query needs, on every core, and streams the aggregation: memory is
bounded by the result, not by the catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb

from hfexplore.errors import DamagedSnapshotError, HfExploreError
from hfexplore.knowledge import Families, LicenseTable
from hfexplore.normalize.schema import SCHEMA_VERSION, null_columns_sql
from hfexplore.repo_type import RepoTypeLike
from hfexplore.rows import Rows
from hfexplore.stats.filters import Filters, Knowledge
from hfexplore.store.footer import database
from hfexplore.store.snapshot import Snapshot, file_name

if TYPE_CHECKING:  # an Arrow table is one kind of source; reports need neither library
    import pandas as pd
    import pyarrow as pa

    from hfexplore.stats.closure import LineageGraph


class Scan:
    """The rows of one repo type of a snapshot (or of an Arrow table) that pass `filters`."""

    _connection: duckdb.DuckDBPyConnection
    _state: _ConnectionState
    _table: pa.Table | None  # the source when it is held in memory
    _columns: list[str]
    _attached: list[Snapshot]
    _views: list[str]  # the names of the attached snapshots' views
    _where: str  # the filters' conditions, in SQL
    _derived: Derived

    def __init__(self, source: Snapshot | pa.Table, repo_type: RepoTypeLike = "model",
                 filters: Filters | Sequence[Filters] = (), *,
                 families: Families | None = None,
                 license_table: LicenseTable | None = None,
                 knowledge: Knowledge | None = None, derived: Derived | None = None,
                 _within: Scan | None = None) -> None:
        self.knowledge = knowledge or Knowledge(families, license_table)
        self.repo_type = repo_type
        self._snapshot = source if isinstance(source, Snapshot) else None
        if _within is not None:  # narrowed: the same source, on the same connection
            self._connection, self._state = _within._connection, _within._state
            self._table, self._columns = _within._table, _within._columns
            self._attached, self._views = _within._attached, _within._views
        else:
            self._connection = _database().cursor()
            self._state = _ConnectionState()
            self._attached, self._views = [], []
            self._register_source(source, repo_type)
        self._derived = _within._derived if _within is not None else derived or Derived()
        self.filters = [filters] if isinstance(filters, Filters) else list(filters)
        conditions: list[str] = []
        self._params: dict[str, Any] = {}
        compiled = 0
        if _within is not None:  # its filters come first, compiled already
            compiled = len(_within.filters)
            conditions += [] if _within.unfiltered else [_within._where]
            self._params.update(_within._params)
        for item in self.filters[compiled:]:
            # Each filter's parameters and tables under names of its own on the connection.
            found, params = item.compile(self.knowledge, self, self._state.new_prefix())
            conditions += found
            self._params.update(params)
        self._where = " AND ".join(conditions) or "true"

    @property
    def families(self) -> Families:
        return self.knowledge.families()

    @property
    def license_table(self) -> LicenseTable:
        return self.knowledge.license_table()

    def narrowed(self, *more: Filters) -> Scan:
        """The same source with more filters (all must hold)."""
        source = self._snapshot if self._snapshot is not None else self._table
        assert source is not None
        return Scan(source, self.repo_type, [*self.filters, *more], knowledge=self.knowledge,
                    _within=self)

    @property
    def derived(self) -> Derived:
        """What is derived from the whole source once, shared with narrowed scans."""
        return self._derived

    @property
    def fingerprint(self) -> str:
        """Which rows of the source this scan holds: equal for scans with equal filters (the
        filters' own values: their SQL names parameters and tables by connection)."""
        return repr(self.filters)

    @property
    def unfiltered(self) -> bool:
        """Whether the rows are the whole source."""
        return self._where == "true"

    def lineage(self, *, closure: bool = True) -> LineageGraph:
        """The base_model graph of the whole source (`stats/closure.py`), built on first use
        and shared with the scans narrowed from this one, with its closure unless `closure` is
        false; its `lineage_*` tables are then registered in this scan's connection, for
        queries to join on."""
        with self._errors():
            graph = self._derived.graph
            if graph is None:
                from hfexplore.stats.closure import READS, LineageGraph

                self._check_columns(list(READS))
                graph = self._derived.graph = LineageGraph.build(self._connection, self.families)
            if closure:
                graph.close()
            if self._state.graph_registered != (graph.prefix, graph.closed):
                graph.register(self._connection)
                self._state.graph_registered = (graph.prefix, graph.closed)
        return graph

    def bulk_reuploaders(self) -> str:
        """A table (`bulk_reuploaders`, column `account`, lower-case) of the bulk re-uploading
        accounts of the whole source (`knowledge/reuploads.py`): found on first use, shared
        like the lineage graph, and made a table so that a filter on it is a hash join (a
        `list_contains` over thousands of names compares each row with every one of them)."""
        with self._errors():
            if self._derived.reuploaders is None:
                sql, params = self.knowledge.reuploads().accounts_sql("r")
                self._check_columns(["author", "base_relations", "formats", "id"])
                found = self._connection.execute(sql, params).fetchall()
                self._derived.reuploaders = sorted(row[0] for row in found)
            if not self._state.reuploaders_registered:
                self._connection.execute(
                    "CREATE OR REPLACE TEMP TABLE bulk_reuploaders AS "
                    "SELECT unnest($accounts::VARCHAR[]) AS account",
                    {"accounts": self._derived.reuploaders})
                self._state.reuploaders_registered = True
        return "bulk_reuploaders"

    # -- running queries --------------------------------------------------------------------
    def relation(self, query: str, params: dict[str, Any] | None = None
                 ) -> duckdb.DuckDBPyRelation:
        """The query, not yet run (`rows` names the filtered rows)."""
        self._check_pages(query)
        with self._errors():
            return self._connection.sql(self._sql(query),
                                        params={**self._params, **(params or {})})

    def _check_pages(self, query: str) -> None:
        """DuckDB does not check page checksums (see `store.pages`): the pages of the columns
        the query and the filters name are checked before it reads them."""
        text = f"{query} WHERE {self._where}"
        self._check_columns(columns_named(text, self._columns, ("rows", "source", *self._views)))

    def _check_columns(self, columns: list[str] | None) -> None:
        """The pages of `columns` (None: every column) checked in the source's file and the
        attached ones."""
        if self._snapshot is None or self._table is not None:
            return  # an Arrow table: pyarrow checked its pages when it read them
        for snapshot in (self._snapshot, *self._attached):
            snapshot.check_pages(self.repo_type, columns)

    def _sql(self, query: str) -> str:
        rows = f"rows AS (SELECT * FROM source WHERE {self._where})"
        head, _, rest = query.lstrip().partition(" ")
        return f"WITH {rows}, {rest}" if head.upper() == "WITH" else f"WITH {rows} {query}"

    def table(self, query: str, params: dict[str, Any] | None = None) -> pa.Table:
        with self._errors():
            return self.relation(query, params).to_arrow_table()

    def fetch(self, query: str, params: dict[str, Any] | None = None) -> Rows:
        """The query's result as `Rows` (plain Python values: no pandas, no pyarrow)."""
        with self._errors():
            return Rows.from_relation(self.relation(query, params))

    def frame(self, query: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        with self._errors():
            return self.relation(query, params).df()

    def rows(self, query: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        with self._errors():
            return self.relation(query, params).fetchall()

    def materialise(self, name: str, query: str, params: dict[str, Any] | None = None) -> None:
        """Keeps a query's result in the engine as temporary table `name`, for later queries
        of this scan to use."""
        self._check_pages(query)
        with self._errors():
            self._connection.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {self._sql(query)}",
                                     {**self._params, **(params or {})})

    def scalar(self, query: str, params: dict[str, Any] | None = None) -> Any:
        found = self.rows(query, params)
        return found[0][0] if found else None

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """A file DuckDB cannot read is a damaged snapshot, said as such, on one line."""
        try:
            yield
        except (duckdb.ParserException, duckdb.BinderException, duckdb.CatalogException):
            raise  # a mistake in a query, not in the data
        except (duckdb.ConversionException, duckdb.OutOfRangeException) as exc:
            # a value out of range (a LIMIT beyond 64 bits...): not damage either
            raise HfExploreError(f"the query failed: {first_line(exc)}") from exc
        except duckdb.Error as exc:
            if self._snapshot is None:
                raise
            damaged = next((s for s in self._attached if str(s.path) in str(exc)),
                           self._snapshot)
            raise DamagedSnapshotError(damaged.name, [
                f"{file_name(self.repo_type)} cannot be read ({first_line(exc)})"]) from exc

    def count(self) -> int:
        return int(self.scalar("SELECT count(*) FROM rows"))

    def license_lists(self, name: str, keep: Callable[[list[str]], bool]) -> str:
        """A table `name` (column `licenses`) of the distinct `licenses` lists of the whole
        source for which `keep` holds. A filter on a property of the whole list (every license
        standard...) is then a hash join on a few thousand lists, where `list_has_all` against
        a long list would compare each row's licenses with each of its items."""
        with self._errors():
            if self._derived.license_lists is None:
                self._check_columns(["licenses"])
                self._derived.license_lists = [row[0] for row in self._connection.execute(
                    "SELECT DISTINCT licenses FROM source WHERE licenses IS NOT NULL"
                ).fetchall()]
            self._connection.execute(
                f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT unnest($lists::VARCHAR[][]) "
                "AS licenses", {"lists": [v for v in self._derived.license_lists if keep(v)]})
        return name

    def register(self, name: str, table: pa.Table) -> None:
        """An Arrow table the queries can join on (knowledge, or an intermediate result)."""
        self._connection.register(name, table)

    def register_values(self, name: str, columns: Mapping[str, Sequence[str | None]]) -> None:
        """Text columns of equal length as temporary table `name`, for the queries to join on
        (passed to DuckDB as list parameters: no Arrow table needed)."""
        names = list(columns)
        select = ", ".join(f"unnest(${n}::VARCHAR[]) AS {n}" for n in names)
        self._connection.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {select}",
                                 {n: list(columns[n]) for n in names})

    def with_publishers(self) -> str:
        """Registers `publishers(namespace, family)` (lower-case namespaces) and returns the
        join that adds each row's publisher family as `family`."""
        mapping = self.families.publisher_map()
        self.register_values("publishers", {"namespace": list(mapping),
                                            "family": list(mapping.values())})
        return "LEFT JOIN publishers ON publishers.namespace = lower(rows.author)"

    def attach(self, name: str, snapshot: Snapshot) -> None:
        """Another snapshot's file of this repo type, unfiltered, as view `name`: for queries
        that join two snapshots (a diff). Its damage is reported under its own name."""
        self._attached.append(snapshot)
        self._views.append(name)
        self._view(name, snapshot)

    # -- the source -------------------------------------------------------------------------
    def _register_source(self, source: Snapshot | pa.Table, repo_type: RepoTypeLike) -> None:
        if not isinstance(source, Snapshot):  # an Arrow table
            self._table = source
            self._columns = source.column_names
            self._connection.register("source", source)
            return
        self._table = self._view("source", source)
        with self._errors():
            self._columns = [row[0] for row in
                             self._connection.execute("DESCRIBE source").fetchall()]

    def _view(self, name: str, snapshot: Snapshot) -> pa.Table | None:
        """The snapshot's file of this repo type as view `name` (a version-2 file gains the later
        columns as nulls; a version-1 file is upgraded in memory, column by column, and
        returned)."""
        path = snapshot.file(self.repo_type)
        if snapshot.schema_version >= 2:
            quoted = str(path).replace("'", "''")
            added = ""
            if snapshot.schema_version < SCHEMA_VERSION:
                added = null_columns_sql(snapshot.column_names(self.repo_type))
            with self._errors():
                self._connection.execute(f"CREATE TEMP VIEW {name} AS SELECT *{added} FROM "
                                         f"read_parquet('{quoted}')")
            return None
        from hfexplore.store.upgrade import readable_columns  # pyarrow, for old snapshots only

        table = snapshot.table(self.repo_type, readable_columns(path))
        self._connection.register(name, table)
        return table


@dataclass
class _ConnectionState:
    """What one connection holds, for the scan that opened it and those narrowed from it."""

    graph_registered: tuple[str, bool] | None = None  # which graph, closed or not
    reuploaders_registered: bool = False
    filters: int = 0  # filters compiled on it so far: each names its parameters and tables

    def new_prefix(self) -> str:
        self.filters += 1
        return f"f{self.filters}"


@dataclass
class Derived:
    """What is derived from a whole source once (its lineage graph, its bulk re-uploaders):
    shared by a scan, those narrowed from it, and any scan of the same source given it."""

    graph: LineageGraph | None = None
    reuploaders: list[str] | None = None
    license_lists: list[list[str]] | None = None  # the distinct `licenses` values
    # Figures already computed over some rows of the source, by (what, the rows' fingerprint):
    # claims measure the same rows again for their evidence and readings.
    figures: dict[tuple[Any, ...], Any] = field(default_factory=dict)


_COUNT_ALL = re.compile(r"count\s*\(\s*\*\s*\)", re.IGNORECASE)
_COLUMNS_CALL = re.compile(r"\bcolumns\s*\(", re.IGNORECASE)
_SELECT_WORD = re.compile(r"(?:select|distinct|all)\s*$", re.IGNORECASE)
_STAR_OPTIONS = r"\s*(?:(?:exclude|replace)\s*\([^)]*\)\s*)?from\s*"
_STAR_FROM_SUBQUERY = re.compile(_STAR_OPTIONS + r"\(", re.IGNORECASE)
# `* FROM name [alias]` and then the end of that SELECT: the star selects that table only.
_STAR_FROM_TABLE = re.compile(
    _STAR_OPTIONS + r"(\w+)(?:\s+(?:as\s+)?(?!(?:where|group|order|limit|union|having|"
    r"qualify|window|join|left|right|inner|full|cross|natural|positional|asof)\b)\w+)?\s*"
    r"(?:\)|;|$|(?:where|group|order|limit|union|having|qualify|window)\b)", re.IGNORECASE)


def columns_named(sql: str, columns: Iterable[str],
                  sources: Iterable[str] = ("rows", "source")) -> list[str] | None:
    """The columns among `columns` that a query can read: those its text names as a word
    (over-counting is harmless: a name in a string or of another table's column), or None for
    every column when it may select them all: `*` from one of `sources` (the tables over the
    file), a qualified `x.*`, a star before a join, `COLUMNS(...)`. A star selecting from a
    subquery or from another table (a CTE), a multiplication and `count(*)` read nothing
    themselves."""
    text = _COUNT_ALL.sub(" ", sql)
    if _COLUMNS_CALL.search(text) or any(_star_reads_all(text, m.start(), set(
            map(str.lower, sources))) for m in re.finditer(r"\*", text)):
        return None
    return [name for name in columns
            if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE)]


def _star_reads_all(text: str, at: int, sources: set[str]) -> bool:
    before = text[:at].rstrip()
    if before and (before[-1].isalnum() or before[-1] in "_)]\"'") and \
            not _SELECT_WORD.search(before):
        return False  # a multiplication: a value came just before
    if before.endswith("."):
        return True  # alias.*: which table is behind the alias is not worked out here
    if _STAR_FROM_SUBQUERY.match(text, at + 1):
        return False  # the subquery's own select list says what it reads
    found = _STAR_FROM_TABLE.match(text, at + 1)
    if found is None:
        return True  # `*, more`, a join, ...: assume every column
    return found.group(1).lower() in sources


def first_line(exc: BaseException) -> str:
    """A DuckDB error's first line (the rest repeats the query with `^^^` markers)."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def _database() -> duckdb.DuckDBPyConnection:
    """One in-memory database per process (shared with the footer reads); each scan has its
    own cursor (connection) in it, so a scan's views and registered tables are its own."""
    return database()
