"""The one way a snapshot is written: a work directory, a file per repo type, the manifest, a
rename into place; on any error, nothing half-written is left.

`SnapshotWriter` owns `snapshots/.<kind>-<name>/` (a crawl's `.partial-`, an import's
`.import-`). `file()` opens a repo type's parquet file there (`MergedFile`), `entry()` describes
a finished one for the manifest, `publish()` writes the manifest, drops the scratch directories
(a crawl's parts, an import's downloads) and renames the directory into place: readers never
see half a snapshot. Used as a context manager, it cleans up once, whatever stopped the work
(an error, Ctrl-C, SIGTERM): the unfinished files are dropped, and so is the directory, unless
it is resumable. A resumable writer (a crawl's) keeps its directory, with the checkpoint parts
and the state file a rerun resumes from; that state file goes only once the snapshot is in
place, so a kill at any point before leaves a directory the rerun can finish.

`MergedFile` is one repo type's file, written as rows arrive. Every `ROW_GROUP` rows or so
become one row group, encoded then (during a crawl, in the walk's network waits), so the end
only encodes the last group and closes the file. Parquet cannot be appended to after a kill, so
the file is written to a temporary name and only renamed into place once complete; a resumed
crawl starts it again from the checkpoint parts already on disk (`rebuild`). The row groups are
those a merge of the same parts at the end would write: rows are cut at the same places. A
group is encoded on a thread of its own (Arrow releases the GIL), so the caller does not stop
for it. Every data page carries a CRC32 checksum (parquet's page checksum), so a reader that
verifies them finds a flipped bit where it is read.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from hfexplore.atomic_files import write_atomic
from hfexplore.errors import SnapshotError
from hfexplore.normalize.schema import SCHEMA
from hfexplore.store.freshness import freshness_of, parse_dated
from hfexplore.store.snapshot import MANIFEST, Snapshot, describe_file, file_name, open_snapshot
from hfexplore.store.upgrade import conform

# Rows per row group: readers (ours, DuckDB, Spark) pay per row group, and one per 1,000-row
# page (3,200 for today's catalogue) made reports several times slower.
ROW_GROUP = 128_000


class SnapshotWriter:
    """One snapshot on its way into `snapshots/`; see the module's docstring."""

    def __init__(self, work: Path, *, resume_state: str | None = None):
        """Write in `work` (which exists). `resume_state`: the file in `work` a rerun resumes
        from; given, the directory outlives an error and the file goes once published."""
        self.work = work
        self.root = work.parent  # snapshots/, where the snapshot appears
        self.resume_state = resume_state
        self._files: list[MergedFile] = []
        self._published = False

    @classmethod
    def create(cls, root: Path, name: str, *, kind: str = "partial",
               resume_state: str | None = None) -> SnapshotWriter:
        """A writer in a new directory `root/.<kind>-<name>`."""
        work = root / f".{kind}-{name}"
        work.mkdir()
        return cls(work, resume_state=resume_state)

    def __enter__(self) -> SnapshotWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._published:
            return
        for merged in self._files:
            merged.abort()  # nothing left to drop once closed
        self._files.clear()
        if self.resume_state is None:
            shutil.rmtree(self.work, ignore_errors=True)

    def path(self, repo_type: str) -> Path:
        return self.work / file_name(repo_type)

    def has_file(self, repo_type: str) -> bool:
        """Whether the file of `repo_type` is complete (it is renamed into place only then)."""
        return self.path(repo_type).exists()

    def file(self, repo_type: str) -> MergedFile:
        """A new file for `repo_type`: add its rows, then `close()` it."""
        merged = MergedFile(self.path(repo_type))
        self._files.append(merged)
        return merged

    def write(self, repo_type: str, tables: Iterable[pa.Table]) -> None:
        """The whole file of `repo_type` at once, from `tables` in order."""
        merged = self.file(repo_type)
        merged.rebuild(tables)
        merged.close()

    def entry(self, repo_type: str, **fields: Any) -> dict[str, Any]:
        """The manifest's entry for a complete file: its rows, `fields`, name, size, sha256."""
        path = self.path(repo_type)
        rows = pq.ParquetFile(path).metadata.num_rows
        return {"count": rows, **fields, **describe_file(path)}

    @property
    def has_manifest(self) -> bool:
        return (self.work / MANIFEST).exists()

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Write `manifest`, with the `freshness` of the files written (how old the newest repo
        of each type is against the snapshot's date: `store/freshness.py`)."""
        dated = parse_dated(manifest)
        if dated is not None:
            files = {t: self.path(t) for t in manifest.get("repo_types", {})
                     if self.has_file(t)}
            manifest = {**manifest, "freshness": freshness_of(dated, files).record()}
        write_atomic(self.work / MANIFEST, json.dumps(manifest, indent=2).encode())

    def publish(self, name: str, manifest: dict[str, Any] | None = None) -> Snapshot:
        """Write `manifest` (None: it is on disk already), drop the scratch directories and
        rename the work directory to `snapshots/<name>`."""
        if manifest is not None:
            self.write_manifest(manifest)
        for scratch in [p for p in self.work.iterdir() if p.is_dir()]:
            shutil.rmtree(scratch, ignore_errors=True)
        final = self.root / name
        if final.exists():
            kept = f"; the finished crawl stays in {self.work}" if self.resume_state else ""
            raise SnapshotError(f"{final} already exists{kept}")
        os.replace(self.work, final)  # the resume state goes last: until here a rerun finishes
        self._published = True
        if self.resume_state is not None:
            (final / self.resume_state).unlink(missing_ok=True)
        return open_snapshot(final)


class MergedFile:
    """Append tables (a crawl's: one per checkpoint part, in page order); `close()` publishes
    the file."""

    def __init__(self, target: Path):
        self.target = target
        self.tmp = target.with_name(f".{target.name}.tmp")
        self.rows = 0
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._writer: pq.ParquetWriter | None = pq.ParquetWriter(
            self.tmp, SCHEMA, compression="zstd", write_page_checksum=True)
        self._encoder = ThreadPoolExecutor(1, thread_name_prefix="hfexplore-merge")
        self._written: Future[None] | None = None  # the group being encoded, if any

    def add(self, table: pa.Table) -> None:
        if table.schema.names != SCHEMA.names:  # rows of an older version (a v2 base, a part)
            table = conform(table, SCHEMA)
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
