"""Ad-hoc SQL over snapshots and exports, in an embedded DuckDB that reads nothing else.

Views: `models`, `datasets`, `spaces` (one snapshot); `history_models`, `history_datasets`,
`history_spaces` (every snapshot given, with `snapshot` and `date` columns, or every date of an
export directory, with `date`); over `models`, the lineage: `lineage_edges(model, base)` and
its transitive closure `ancestors(model, ancestor, depth)` (lower-case ids, computed when a
query reads it: `stats/closure.py`); tables `licenses` (the license table), `families` (family,
namespace, role, kind) and `origin_patterns` (the repo-id patterns that attribute re-hosted
copies, in the order they are tried). Once the views exist the connection may open only the
parquet files behind them and its configuration is locked; a user's query must be one SELECT,
so it can neither write a file nor read one outside the snapshot.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from hfexplore.errors import HfExploreError, InvalidArgumentError, QueryError, SnapshotError
from hfexplore.hub import PLURAL, REPO_TYPES
from hfexplore.knowledge import Families, LicenseTable
from hfexplore.normalize.schema import SCHEMA_VERSION, null_columns_sql
from hfexplore.report import Report
from hfexplore.rows import Rows
from hfexplore.stats.engine import columns_named
from hfexplore.store.pages import page_problems
from hfexplore.store.snapshot import Snapshot, file_name

log = logging.getLogger(__name__)

# Mistakes in the query itself (exit 2); anything else DuckDB raises is a runtime failure.
_QUERY_MISTAKES = (duckdb.ParserException, duckdb.SyntaxException, duckdb.BinderException,
                   duckdb.CatalogException, duckdb.ConversionException,
                   duckdb.InvalidInputException, duckdb.TypeMismatchException,
                   duckdb.NotImplementedException)


def connect(snapshot: Snapshot | None = None, *, history: Sequence[Snapshot] = (),
            export_dir: Path | None = None, license_table: LicenseTable | None = None,
            families: Families | None = None, knowledge: bool = True
            ) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the views over `snapshot` and `history` (or `export_dir`, whose
    newest date also gives the plain views when no snapshot is given), then locked: it opens
    no file but those parquet files. Close it when done."""
    if history and export_dir is not None:
        raise InvalidArgumentError("give history snapshots or an export directory, not both")
    connection = duckdb.connect(":memory:")
    allowed: list[Path] = []
    try:
        if snapshot is not None:
            for repo_type in snapshot.repo_types():
                allowed.append(snapshot.path / file_name(repo_type))
                # An older file gains the later columns as nulls, as the reports read it.
                added = null_columns_sql(snapshot.column_names(repo_type)) \
                    if snapshot.schema_version < SCHEMA_VERSION else ""
                _view(connection, PLURAL[repo_type],
                      f"select *{added} from {_parquet([allowed[-1]])}")
        if export_dir is not None:
            allowed += _export_views(connection, export_dir, plain=snapshot is None)
        else:
            allowed += _history_views(connection, history)
        if connection.execute("select count(*) from duckdb_views() "
                              "where view_name = 'models'").fetchall()[0][0]:
            from hfexplore.stats.closure import EDGES, closure_sql

            _view(connection, "lineage_edges", EDGES.format(source="models"))
            _view(connection, "ancestors", closure_sql("lineage_edges", depth=True))
        if knowledge:
            _knowledge_tables(connection, license_table or LicenseTable.load(),
                              families or Families.load())
        _lock(connection, allowed)
    except duckdb.Error as exc:
        connection.close()
        raise SnapshotError(f"cannot open the snapshot files for SQL: {_sentence(exc)}") from exc
    except BaseException:
        connection.close()
        raise
    return connection


def _literal(text: str | Path) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _parquet(paths: Sequence[Path], **options: str) -> str:
    listed = ", ".join(_literal(p.resolve()) for p in paths)
    extra = "".join(f", {key} = {value}" for key, value in options.items())
    return f"read_parquet([{listed}]{extra})"


def _view(connection: duckdb.DuckDBPyConnection, name: str, select: str) -> None:
    connection.execute(f"create view {name} as {select}")


def _history_views(connection: duckdb.DuckDBPyConnection,
                   snapshots: Sequence[Snapshot]) -> list[Path]:
    unique = list({s.path.resolve(): s for s in snapshots}.values())
    files = []
    for repo_type in REPO_TYPES:
        branches = []
        for snapshot in (s for s in unique if s.has(repo_type)):
            files.append(snapshot.path / file_name(repo_type))
            day = snapshot.as_of.astimezone(UTC).strftime("%Y-%m-%d")
            branches.append(f"select {_literal(snapshot.name)} as snapshot, date '{day}' as date, "
                            f"* from {_parquet([files[-1]])}")
        if branches:
            _view(connection, f"history_{PLURAL[repo_type]}", " union all by name ".join(branches))
    return files


def _export_views(connection: duckdb.DuckDBPyConnection, export_dir: Path,
                  plain: bool) -> list[Path]:
    from hfexplore.store.export import export_dates, export_files  # its writers need pyarrow

    if not export_dir.is_dir():
        raise SnapshotError(f"no export directory at {export_dir}")
    every = export_files(export_dir)
    for repo_type, paths in every.items():
        scan = _parquet(paths, hive_partitioning="true", union_by_name="true",
                        hive_types="{'date': date, 'repo_type': varchar}")
        _view(connection, f"history_{PLURAL[repo_type]}", f"select * exclude (repo_type) "
                                                          f"from {scan}")
    files = [p for paths in every.values() for p in paths]
    dates = export_dates(export_dir)
    if plain and dates:
        for repo_type, paths in export_files(export_dir, dates[-1]).items():
            _view(connection, PLURAL[repo_type], f"select * from {_parquet(paths)}")
    return files


def _knowledge_tables(connection: duckdb.DuckDBPyConnection, license_table: LicenseTable,
                      families: Families) -> None:
    licenses = [vars(e) for e in license_table.entries.values()]
    _table(connection, "licenses", {name: [entry[name] for entry in licenses] for name in (
        "id", "name", "category", "osi_approved", "commercial_use", "family", "standard",
        "note")}, booleans=("osi_approved", "commercial_use", "standard"))
    # One row per namespace: `role` publisher (the family publishes there) or mirror (it
    # re-hosts the family's models: an origin in lineage, not a publisher).
    members = [(family.name, namespace, role, family.kind)
               for family in families.families.values()
               for role, spaces in (("publisher", family.publishers),
                                    ("mirror", family.mirrors))
               for namespace in spaces]
    names = ["family", "namespace", "role", "kind"]
    _table(connection, "families", {name: [m[i] for m in members] for i, name in
                                    enumerate(names)})
    # The first pattern an id matches (`lower(trim(id)) LIKE like_pattern ESCAPE '\'`, lowest
    # priority first) attributes it; an id matching none falls back to its namespace.
    rules = families.origin_rules()
    _table(connection, "origin_patterns", {
        "priority": list(range(1, len(rules) + 1)),
        "pattern": [rule.pattern for rule in rules],
        "like_pattern": [rule.like() for rule in rules],
        "family": [rule.family for rule in rules],
        "reason": [rule.reason for rule in rules]}, integers=("priority",))


def _table(connection: duckdb.DuckDBPyConnection, name: str, columns: dict[str, list[Any]],
           booleans: tuple[str, ...] = (), integers: tuple[str, ...] = ()) -> None:
    """A table of text (and `booleans`, `integers`) columns, from Python lists passed as
    parameters."""
    def sql_type(column: str) -> str:
        return "BOOLEAN" if column in booleans else "INTEGER" if column in integers else "VARCHAR"

    select = ", ".join(f"unnest(${column}::{sql_type(column)}[]) AS {column}"
                       for column in columns)
    connection.execute(f"create table {name} as select {select}", columns)


def _lock(connection: duckdb.DuckDBPyConnection, allowed: Sequence[Path]) -> None:
    paths = ", ".join(_literal(p.resolve()) for p in allowed)
    connection.execute("set python_enable_replacements = false")  # no Python variables as tables
    connection.execute("set autoinstall_known_extensions = false")
    connection.execute(f"set allowed_paths = [{paths}]")
    connection.execute("set enable_external_access = false")
    connection.execute("set lock_configuration = true")


def check_select(connection: duckdb.DuckDBPyConnection, query: str) -> str:
    """The query if it is exactly one SELECT statement (the SQL is read-only)."""
    try:
        statements = connection.extract_statements(query)
    except duckdb.Error as exc:
        raise QueryError(f"bad SQL: {_sentence(exc)}") from None
    if len(statements) != 1:
        raise QueryError(f"give exactly one SELECT statement (found {len(statements)})")
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        # DuckDB files INSTALL under LOAD: name the statement by the keyword it starts with.
        words = statements[0].query.split()
        name = words[0].upper() if kind == duckdb.StatementType.LOAD and words else kind.name
        article = "an" if name[0] in "AEIOU" else "a"
        raise QueryError(f"only SELECT queries are allowed, the data is read-only (this is "
                         f"{article} {name} statement)")
    return statements[0].query


def run(connection: duckdb.DuckDBPyConnection, query: str, *, explain: bool = False,
        params: Sequence[Any] | dict[str, Any] | None = None) -> Rows:
    """The rows of one SELECT on a connection from `connect`, or its plan with `explain`:
    whole-number decimals (DuckDB's sums) as integers, other decimals as floats, nested values
    as Python lists and dicts."""
    text = check_select(connection, query)
    try:
        if explain:
            plan = "\n".join(str(row[-1]) for row in connection.execute(f"explain {text}",
                                                                      params).fetchall())
            return Rows(("plan",), [(line,) for line in plan.splitlines()], ("text",))
        return Rows.from_relation(connection.sql(text, params=params))
    except duckdb.PermissionException as exc:
        raise QueryError("refused: a query may read only the snapshot's own files "
                         f"({_sentence(exc)})") from None
    except _QUERY_MISTAKES as exc:
        raise QueryError(f"bad SQL: {_sentence(exc)}") from None
    except duckdb.Error as exc:
        if _EXTENSION.search(str(exc)):  # sqlite_scan, read_json...: an extension to load
            raise QueryError(f"refused: {_sentence(exc)}") from None
        raise HfExploreError(f"the query failed: {_sentence(exc)}") from None


_EXTENSION = re.compile(r"required extension '?(\w+)")
_DEPTH = re.compile(r"Max expression depth limit of (\d+) exceeded")


def _sentence(exc: BaseException) -> str:
    """DuckDB's message on one line: its first line plus its suggestion, if any. Advice that
    cannot be followed here (install an extension, SET a limit: the connection refuses both)
    is replaced by what it means."""
    text = str(exc)
    extension = _EXTENSION.search(text)
    if extension:
        return (f"the query needs DuckDB's {extension.group(1)} extension, and queries here may "
                "not install or load extensions (they read only the snapshot's files)")
    depth = _DEPTH.search(text)
    if depth:
        return (f"the query nests expressions more than {depth.group(1)} levels deep, DuckDB's "
                "limit (which queries here cannot raise); write it with fewer nested parts")
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    hint = next((line for line in lines[1:] if line.startswith("Did you mean")), None)
    return lines[0] + (f" ({hint})" if hint else "")


def _named(query: str, view: str) -> bool:
    return re.search(rf"(?<!\w){view}(?!\w)", query, re.IGNORECASE) is not None


# The views over snapshot files: a `*` from one of them reads every column.
_FILE_VIEWS = tuple(name for t in REPO_TYPES for name in (PLURAL[t], f"history_{PLURAL[t]}"))
_LINEAGE_VIEWS = ("lineage_edges", "ancestors")


def _check_pages(query: str, snapshot: Snapshot) -> None:
    for repo_type in snapshot.repo_types():
        if _named(query, PLURAL[repo_type]):
            snapshot.check_pages(repo_type, columns_named(
                query, snapshot.column_names(repo_type), _FILE_VIEWS))
    if snapshot.has("model") and any(_named(query, view) for view in _LINEAGE_VIEWS):
        from hfexplore.stats.closure import READS

        snapshot.check_pages("model", list(READS))  # the views over `models` read these


def _intact_history(query: str, history: Sequence[Snapshot]) -> list[Snapshot]:
    """The history snapshots the history views can take. Damaged ones are left out: those the
    cheap checks find (a view cannot even be made over a broken file), and, when the query
    reads a history view, those whose pages of the columns it names fail their checksums;
    each with a warning when the query reads a history view."""
    read = {t for t in REPO_TYPES if _named(query, f"history_{PLURAL[t]}")}
    kept = []
    for snapshot in history:
        problems = snapshot.problems()
        for repo_type in read & set(snapshot.repo_types()) if not problems else ():
            problems += page_problems(snapshot.file(repo_type), columns_named(
                query, snapshot.column_names(repo_type), _FILE_VIEWS))
        if not problems:
            kept.append(snapshot)
        elif read:
            log.warning("snapshot %s is damaged (%s); the history views leave it out",
                        snapshot.name, "; ".join(problems))
    return kept


def sql(query: str, snapshot: Snapshot | None = None, *, history: Sequence[Snapshot] = (),
        export_dir: Path | None = None, explain: bool = False,
        params: Sequence[Any] | dict[str, Any] | None = None,
        license_table: LicenseTable | None = None, families: Families | None = None) -> Report:
    """Run one SELECT over the views (see the module) and return its rows as a `Report`.

    The pages of the columns the query names are checked against their checksums first (DuckDB
    does not check them): a damaged `snapshot` is an error (DamagedSnapshotError), a damaged
    or unreadable `history` snapshot is left out of the history views with a warning."""
    if snapshot is not None:
        _check_pages(query, snapshot)
    history = _intact_history(query, history)
    if export_dir is not None:
        from hfexplore.store.export import export_dates, not_an_export  # loads pyarrow
    if export_dir is not None and export_dir.is_dir() and not history:
        problem = not_an_export(export_dir)
        if problem:
            raise SnapshotError(problem)
    with closing(connect(snapshot, history=history, export_dir=export_dir,
                         license_table=license_table, families=families)) as connection:
        rows = run(connection, query, explain=explain, params=params)
    if snapshot is not None:
        source, as_of = snapshot.source, snapshot.as_of
    elif export_dir is not None:
        dates = export_dates(export_dir)
        source = str(export_dir)
        as_of = datetime.fromisoformat(dates[-1]).replace(tzinfo=UTC) if dates \
            else datetime.now(UTC)
    else:
        source = "history" if history else "knowledge tables"
        as_of = max((s.as_of for s in history), default=datetime.now(UTC))
    return Report("Query plan" if explain else "Query result", rows, source=source,
                  as_of=as_of, extra={"query": query})
