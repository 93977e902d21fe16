"""Reading snapshots written by older hfexplore versions (schema version 1).

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
_SOURCES = {"base_relations": ["base_models", "base_relation"],
            "libraries": ["library_name", "tags"], "tasks": ["pipeline_tag", "tags"],
            "license_category": ["licenses"]}


def readable_columns(path: Path) -> list[str]:
    """Every column a version-1 file can give: its own and those derivable from them, in the
    current schema's order."""
    from hfexplore.normalize.schema import SCHEMA

    available = set(pq.ParquetFile(path).schema_arrow.names)
    derivable = {c for c, sources in _SOURCES.items() if any(s in available for s in sources)}
    return [name for name in SCHEMA.names if name in available or name in derivable]


def upgrade_columns(path: Path, columns: list[str], repo_type: str) -> pa.Table:
    """`columns` of a version-1 parquet file, deriving the ones it lacks."""
    available = set(pq.ParquetFile(path).schema_arrow.names)
    derived = [c for c in columns if c in _SOURCES and (c not in available
                                                          or c == "license_category")]
    sources = [s for c in derived for s in _SOURCES[c] if s in available]
    read = list(dict.fromkeys([c for c in columns if c not in derived] + sources))
    table = pq.read_table(path, columns=read, page_checksum_verification=True)
    for column in derived:
        table = _set(table, column, _derive(table, column, repo_type))
    return table.select(columns)


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
