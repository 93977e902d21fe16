"""A parquet file's footer (row counts, column chunks, their offsets and null counts), read by
DuckDB's `parquet_metadata`: the cheap checks of a snapshot and the page checks need it, and a
report then needs no pyarrow at all."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

_MAGIC = b"PAR1"


class FooterError(Exception):
    """The file is not a readable parquet file (no footer, or a broken one)."""


@dataclass(frozen=True)
class Chunk:
    """One column chunk: its row group, top-level column name, where its pages start (the
    dictionary page, if any), how many bytes they take, and its null count (None if the
    writer kept none)."""

    group: int
    column: str
    start: int
    size: int
    null_count: int | None
    group_rows: int


@dataclass(frozen=True)
class Footer:
    num_rows: int
    num_row_groups: int
    chunks: tuple[Chunk, ...]

    def columns(self) -> list[str]:
        """Top-level column names, in the file's order (from its column chunks)."""
        return list(dict.fromkeys(chunk.column for chunk in self.chunks))


def read_footer(path: Path) -> Footer:
    """The footer of a parquet file: OSError when it cannot be opened (PermissionError for a
    permission problem), FooterError when it is no readable parquet file. Parsed once per
    process and content of the footer (a report's checks, its page checks and its columns all
    ask for it): the footer's bytes are read each time, and are the key."""
    with open(path, "rb") as handle:  # a permission problem is said as such, not by DuckDB
        handle.seek(0, 2)
        size = handle.tell()
        if size < 12:
            raise FooterError("the file is too short to be parquet")
        handle.seek(-8, 2)
        tail = handle.read(8)
        if tail[4:] != _MAGIC:
            raise FooterError("no parquet footer at the end of the file")
        length = int.from_bytes(tail[:4], "little")
        if length > size - 12:
            return _parse(path)  # a broken length: DuckDB says what is wrong
        handle.seek(-8 - length, 2)
        content = hashlib.blake2b(handle.read(length), digest_size=16).digest()
        key = (str(Path(path).resolve()), size, content)
    found = _parsed.get(key)
    if found is None:
        found = _parsed[key] = _parse(path)
    return found


def _parse(path: Path) -> Footer:
    import duckdb

    try:
        with _lock:
            cursor = database().cursor()
        with cursor:
            rows, groups = cursor.execute(
                "SELECT num_rows, num_row_groups FROM parquet_file_metadata($path)",
                {"path": str(path)}).fetchall()[0]
            found = cursor.execute(
                "SELECT row_group_id, path_in_schema, dictionary_page_offset, data_page_offset, "
                "total_compressed_size, stats_null_count, row_group_num_rows "
                "FROM parquet_metadata($path) ORDER BY row_group_id, column_id",
                {"path": str(path)}).fetchall()
    except duckdb.IOException as exc:
        raise OSError(_first_line(exc)) from exc
    except duckdb.Error as exc:
        raise FooterError(_first_line(exc)) from exc
    chunks = tuple(
        Chunk(int(group), str(name).split(", ")[0],
              int(dictionary) if dictionary else int(data), int(size),
              None if nulls is None else int(nulls), int(group_rows))
        for group, name, dictionary, data, size, nulls, group_rows in found)
    return Footer(int(rows), int(groups), chunks)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    for prefix in ("Invalid Input Error: ", "IO Error: "):
        text = text.removeprefix(prefix)
    return text


_lock = threading.Lock()
_parsed: dict[tuple[object, ...], Footer] = {}


@cache
def database() -> duckdb.DuckDBPyConnection:
    """The process's in-memory DuckDB: footers are read and queries run (`stats/engine.py`)
    on cursors of this one, so a report starts one database, not two."""
    import duckdb

    return duckdb.connect()
