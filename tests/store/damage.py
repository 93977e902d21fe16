"""Snapshots written with page checksums, and the damage a disk can do to them: a bit flipped
inside a data page (same size, manifest unchanged). Positions come from pyarrow's metadata,
never from hfexplore's own page reader."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq

from tests.store.test_inventory_resolve import add_snapshot


def checksummed_snapshot(data_dir: Path, name: str) -> Path:
    """A copy of the demo under `name` whose files carry a CRC-32 on every page (as the
    snapshot writer writes them), its manifest's sizes and sha256 updated to match."""
    path = add_snapshot(data_dir, name)
    manifest = json.loads((path / "manifest.json").read_text())
    for entry in manifest["repo_types"].values():
        target = path / entry["file"]
        table = pq.read_table(target)
        pq.write_table(table, target, compression="zstd", write_page_checksum=True)
        data = target.read_bytes()
        entry.update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
    (path / "manifest.json").write_text(json.dumps(manifest))
    return path


def flip_bit_in_page(path: Path, column: str) -> int:
    """Flip one bit in the middle of the first data page of `column` (the first row group),
    past its header and far from the footer; the file keeps its size. The offset flipped."""
    meta = pq.ParquetFile(path).metadata.row_group(0)
    chunk = next(meta.column(i) for i in range(meta.num_columns)
                 if meta.column(i).path_in_schema == column)
    end = (chunk.dictionary_page_offset if chunk.has_dictionary_page
           else chunk.data_page_offset) + chunk.total_compressed_size
    offset = chunk.data_page_offset + (end - chunk.data_page_offset) // 2
    assert end - chunk.data_page_offset > 200, "too small a page to flip a bit past its header"
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x04
    path.write_bytes(bytes(data))
    return offset
