"""Reading snapshots written by older hfexplore versions (schema versions 1 and 2).

Version 3 added `num_parameters`: an older file has none, so it reads as null (unknown), which
every report says as such (a crawl of those versions did not ask the Hub for it).
Version 2 added `base_relations`, `libraries` and `tasks` and the multi-license policy for
`license_category`. A version-1 file lacks the first three: they are derived here from what
it has (the one relation per model repeated on each of its edges, `library_name` or
`library:` tags, `pipeline_tag` or `task_categories:` tags), and `license_category` is
recomputed from `licenses` so every report applies the same policy to old and new snapshots.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from hfexplore.knowledge.licenses import LicenseTable, categories_by_policy

_STRINGS = pa.list_(pa.string())
# Columns an older file can only give as nulls, with their type.
NULL_COLUMNS = {"num_parameters": pa.int64()}
_SOURCES = {"base_relations": ["base_models", "base_relation"],
            "libraries": ["library_name", "tags"], "tasks": ["pipeline_tag", "tags"],
            "license_category": ["licenses"]}


def readable_columns(path: Path) -> list[str]:
    """Every column an older file can give: its own and those derivable from them, in the
    current schema's order."""
    from hfexplore.normalize.schema import SCHEMA

    available = set(pq.ParquetFile(path).schema_arrow.names)
    derivable = {c for c, sources in _SOURCES.items() if any(s in available for s in sources)}
    return [name for name in SCHEMA.names
            if name in available or name in derivable or name in NULL_COLUMNS]


def upgrade_columns(path: Path, columns: list[str], repo_type: str,
                    version: int = 1) -> pa.Table:
    """`columns` of an older parquet file (schema `version`), deriving the ones it lacks."""
    available = set(pq.ParquetFile(path).schema_arrow.names)
    derived = [c for c in columns if c in _SOURCES and (
        c not in available or (c == "license_category" and version < 2))]
    sources = [s for c in derived for s in _SOURCES[c] if s in available]
    nulls = [c for c in columns if c in NULL_COLUMNS and c not in available]
    read = list(dict.fromkeys([c for c in columns if c not in derived and c not in nulls]
                              + sources))
    table = pq.read_table(path, columns=read, page_checksum_verification=True)
    for column in derived:
        table = _set(table, column, _derive(table, column, repo_type))
    for column in nulls:
        table = _set(table, column, pa.nulls(table.num_rows, NULL_COLUMNS[column]))
    return table.select(columns)


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """A table of an older version's columns (a base snapshot being refreshed, a part of an
    unfinished crawl) with the null-only columns it lacks added, in `schema`'s order."""
    for name in schema.names:
        if name not in table.column_names and name in NULL_COLUMNS:
            table = table.append_column(name, pa.nulls(table.num_rows, NULL_COLUMNS[name]))
    return table.select(schema.names)


def _set(table: pa.Table, name: str, values: pa.Array) -> pa.Table:
    if name in table.column_names:
        return table.set_column(table.schema.get_field_index(name), name, values)
    return table.append_column(name, values)


def _derive(table: pa.Table, column: str, repo_type: str) -> pa.Array:
    if column == "license_category":
        return categories_by_policy(table["licenses"], LicenseTable.load())
    if column == "base_relations":
        bases = table["base_models"].combine_chunks()
        relation = pc.fill_null(pc.take(table["base_relation"], pc.list_parent_indices(bases)),
                                "unspecified")
        if isinstance(relation, pa.ChunkedArray):
            relation = relation.combine_chunks()
        offsets = pc.subtract(bases.offsets, bases.offsets[0])  # a sliced array starts above 0
        return pa.ListArray.from_arrays(offsets, relation)
    single, prefix = (("library_name", "library:") if column == "libraries"
                      else ("pipeline_tag", "task_categories:"))
    if repo_type == "model":
        return _singletons(table[single])
    return pa.array([[t[len(prefix):] for t in tags or [] if t.startswith(prefix)]
                     for tags in table["tags"].to_pylist()], _STRINGS)


def _singletons(values: pa.ChunkedArray) -> pa.Array:
    """[value] per row, [] where null or empty."""
    flat = values.combine_chunks() if values.num_chunks else pa.array([], pa.string())
    present = pc.and_(pc.is_valid(flat), pc.not_equal(pc.fill_null(flat, ""), ""))
    lengths = pc.cast(pc.fill_null(present, False), pa.int32())
    offsets = pa.concat_arrays([pa.array([0], pa.int32()),
                                pc.cumulative_sum(lengths).cast(pa.int32())])
    return pa.ListArray.from_arrays(offsets, pc.filter(flat, lengths.cast(pa.bool_())))
