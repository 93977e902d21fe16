"""Export snapshots for other tools, in a Hive-style layout any engine reads as one table:

    DIR/repo_type=model/date=2026-11-22/part-0.parquet
    DIR/repo_type=dataset/date=2026-11-22/part-0.parquet
    DIR/_manifests/2026-11-22.json
    DIR/_csv/repo_type=model/date=2026-11-22/part-0.csv      (with --export-format csv)
    DIR/_jsonl/repo_type=model/date=2026-11-22/part-0.jsonl  (with --export-format jsonl)

Paths starting with `_` or `.` are skipped by pyarrow, DuckDB's hive globbing and Spark, so the
parquet dataset at the root stays clean. A partition is written beside its final place and
renamed into it, so a reader never sees a half-written day; exporting the same day twice
replaces that day. Private repos are left out unless asked for.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from hfexplore.arguments import EXPORT_FORMATS
from hfexplore.atomic_files import remove_tree, write_atomic
from hfexplore.errors import HfExploreError
from hfexplore.sanitize import neutralise
from hfexplore.store.snapshot import Snapshot

MANIFESTS = "_manifests"
_ROOT_OF = {"parquet": "", "csv": "_csv", "jsonl": "_jsonl"}


def export_snapshot(snapshot: Snapshot, dest: Path, formats: Iterable[str] = ("parquet",),
                    *, include_private: bool = False) -> list[Path]:
    """Write `snapshot` under `dest`; return the partition directories written."""
    formats = list(dict.fromkeys(formats))
    unknown = [f for f in formats if f not in EXPORT_FORMATS]
    if unknown:
        raise HfExploreError(f"unknown export format {unknown[0]!r}; expected "
                             f"{', '.join(EXPORT_FORMATS)}")
    day = snapshot.as_of.strftime("%Y-%m-%d")
    written = []
    try:
        dest.mkdir(parents=True, exist_ok=True)
        for leftover in [*dest.rglob(".staging-*"), *dest.rglob(".retired-*")]:
            shutil.rmtree(leftover, ignore_errors=True)  # from an export killed mid-way
        for repo_type in snapshot.repo_types():
            table = snapshot.table(repo_type)  # pages checked: damage is named, not copied
            if not include_private and "private" in table.column_names:
                table = table.filter(pc.invert(pc.fill_null(table["private"], False)))
            for fmt in formats:
                partition = dest / _ROOT_OF[fmt] / f"repo_type={repo_type}" / f"date={day}"
                _write_partition(partition, table, fmt)
                written.append(partition)
        manifest = {**snapshot.manifest, "snapshot": snapshot.name, "date": day,
                    "formats": formats, "include_private": include_private}
        (dest / MANIFESTS).mkdir(exist_ok=True)
        write_atomic(dest / MANIFESTS / f"{day}.json", json.dumps(manifest, indent=2).encode())
    except OSError as exc:
        raise HfExploreError(f"cannot write the export to {dest}: {exc.strerror}; the snapshot "
                             f"itself is complete in {snapshot.path}") from exc
    return written


def _write_partition(partition: Path, table: pa.Table, fmt: str) -> None:
    staging = partition.parent / f".staging-{partition.name}-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    try:
        target = staging / f"part-0.{fmt}"
        if fmt == "parquet":
            pq.write_table(table, target, compression="zstd", write_page_checksum=True)
        elif fmt == "csv":
            _write_csv(table, target)
        else:
            _write_jsonl(table, target)
        _fsync_tree(staging)
        retired = None
        if partition.exists():
            retired = partition.parent / f".retired-{partition.name}-{uuid.uuid4().hex[:8]}"
            os.replace(partition, retired)
        os.replace(staging, partition)
        if retired is not None:
            shutil.rmtree(retired, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _rows(table: pa.Table) -> Iterable[dict[str, object]]:
    for batch in table.to_batches(max_chunksize=50_000):
        yield from batch.to_pylist()


def _write_csv(table: pa.Table, path: Path) -> None:
    """Spreadsheet-safe CSV: lists joined with `;`, formula-like cells neutralised."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(table.column_names)
        for row in _rows(table):
            writer.writerow([neutralise(_csv_value(v)) for v in row.values()])


def _csv_value(value: object) -> object:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return "" if value is None else value


def _write_jsonl(table: pa.Table, path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in _rows(table):
            handle.write(json.dumps(row, default=str, ensure_ascii=False) + "\n")


def _fsync_tree(path: Path) -> None:
    for child in path.iterdir():
        with child.open("rb") as handle:
            os.fsync(handle.fileno())


def export_dates(dest: Path) -> list[str]:
    """The dates present in an export directory, oldest first."""
    return sorted({p.name[5:] for p in dest.glob("repo_type=*/date=*") if p.is_dir()})


def prune_export(dest: Path, keep: int) -> list[str]:
    """Keep the newest `keep` dates of every format; return the dates removed."""
    dates = export_dates(dest)
    removed = dates[:-keep] if keep > 0 else dates
    for day in removed:
        for root in _ROOT_OF.values():
            for partition in (dest / root).glob(f"repo_type=*/date={day}"):
                remove_tree(partition)
        manifest = dest / MANIFESTS / f"{day}.json"
        manifest.unlink(missing_ok=True)
    return removed


def export_files(dest: Path, day: str | None = None) -> dict[str, list[Path]]:
    """The parquet files of an export per repo type (of one date, or all), oldest date first;
    what pyarrow, DuckDB and Spark read (paths starting with `_` or `.` are not data)."""
    found: dict[str, list[Path]] = {}
    for path in sorted(dest.glob(f"repo_type=*/date={day or '*'}/*.parquet")):
        if any(part.startswith((".", "_")) for part in path.relative_to(dest).parts):
            continue
        found.setdefault(path.parent.parent.name[len("repo_type="):], []).append(path)
    return found


def not_an_export(dest: Path) -> str | None:
    """Why `dest` is no export directory to read (what it is, and what was expected), or None
    when it holds exported files."""
    if export_files(dest):
        return None
    if (dest / "snapshots").is_dir():
        return (f"{dest} is a data directory (it holds snapshots/), not an export directory: "
                "an export holds repo_type=<type>/date=<YYYY-MM-DD>/part-0.parquet, as "
                "`hfexplore snapshot create --export DIR` writes it; a data directory is read "
                "with --data-dir")
    return (f"{dest} holds no export: expected repo_type=<type>/date=<YYYY-MM-DD>/"
            "part-0.parquet, as `hfexplore snapshot create --export DIR` writes it")
