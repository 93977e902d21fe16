"""The snapshot's file of one repo type, written while the crawl goes on.

Each checkpoint's rows are appended as they complete; every `ROW_GROUP` rows or so become one
row group, encoded then, during the walk's network waits, so the end of the crawl only encodes
the last group and closes the file. Parquet cannot be appended to after a kill, so the file is
written to a temporary name and only renamed into place once complete; a resumed crawl starts
it again from the checkpoint parts already on disk (`rebuild`). The row groups are those a
merge of the same parts at the end would write: rows are cut at the same places. A group is
encoded on a thread of its own (Arrow releases the GIL), so the crawl's loop does not stop for it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from hfexplore.normalize.schema import SCHEMA

# Rows per row group: readers (ours, DuckDB, Spark) pay per row group, and one per 1,000-row
# page (3,200 for today's catalogue) made reports several times slower.
ROW_GROUP = 128_000


class MergedFile:
    """Append tables (one per checkpoint part, in page order); `close()` publishes the file."""

    def __init__(self, target: Path):
        self.target = target
        self.tmp = target.with_name(f".{target.name}.tmp")
        self.rows = 0
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._writer: pq.ParquetWriter | None = pq.ParquetWriter(self.tmp, SCHEMA,
                                                                 compression="zstd")
        self._encoder = ThreadPoolExecutor(1, thread_name_prefix="hfexplore-merge")
        self._written: Future[None] | None = None  # the group being encoded, if any

    def add(self, table: pa.Table) -> None:
        self.rows += table.num_rows
        self._pending.append(table)
        self._pending_rows += table.num_rows
        if self._pending_rows >= ROW_GROUP:
            self._flush()

    def rebuild(self, tables: Iterable[pa.Table]) -> None:
        for table in tables:
            self.add(table)

    def _flush(self) -> None:
        self._wait()  # one group at a time: memory stays bounded, groups stay in order
        writer, table = self._writer, pa.concat_tables(self._pending)
        assert writer is not None
        self._written = self._encoder.submit(writer.write_table, table,
                                             row_group_size=ROW_GROUP)
        self._pending, self._pending_rows = [], 0

    def _wait(self) -> None:
        if self._written is not None:
            written, self._written = self._written, None
            written.result()  # raises the encoder's error (a full disk...) here

    def close(self) -> int:
        """Write the last rows, close the file and rename it into place; the row count."""
        assert self._writer is not None, "closed twice"
        if self._pending:
            self._flush()
        self._wait()
        self._encoder.shutdown()
        self._writer.close()
        self._writer = None
        os.replace(self.tmp, self.target)
        return self.rows

    def abort(self) -> None:
        """Drop the unfinished file (a resumed crawl writes it again from the parts)."""
        self._encoder.shutdown(wait=True)  # the writer is not closed under a running encode
        self._written = None
        if self._writer is not None:
            with contextlib.suppress(OSError, pa.ArrowException):  # the file is dropped anyway
                self._writer.close()
            self._writer = None
        self.tmp.unlink(missing_ok=True)
