"""Page checksums of a snapshot's parquet files, checked without decoding the pages.

Every page of a snapshot file carries a CRC-32 of its bytes (`write_page_checksum=True`), so a
flipped bit is found where it is read. pyarrow checks them as it reads
(`page_checksum_verification=True`, on every pyarrow read of a snapshot). DuckDB does not: its
parquet reader (`ColumnReader::PreparePage`) reads the page header and never compares its
`crc`, and DuckDB 2.0.1 (the version tried) has no setting or `read_parquet` option that would.
Tried on a file with one flipped bit in a data page: DuckDB summed the column 1 short (zstd)
or 2^40 too high (uncompressed), without an error; a flip that breaks the compressed stream
fails as "ZSTD Decompression failure" or "Out of buffer" instead.

Decoding the pages with pyarrow first would cost several times the query, so before DuckDB
reads a file, the checksums of the columns the query names are checked here: each page header
is read (Thrift compact protocol, the few fields needed) and the CRC-32 of the page's bytes
compared with it, as the parquet format defines it. That reads those column chunks once more
at the speed of `zlib.crc32`, once per file version and process. A checksum covers a page's
bytes, not its header: a flip among the few dozen header bytes of a page is found here only
when it breaks the header or its sizes. Pages written without a checksum (snapshots written
before checksums, the bundled demo) pass unchecked; `snapshot show --verify` checks every
file's sha256 whatever wrote it. Where each column chunk starts comes from the footer, read by
DuckDB (`store/footer.py`): a report checks its pages without importing pyarrow.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterable
from pathlib import Path

from hfexplore.store.footer import Footer, FooterError, read_footer

# Thrift compact protocol type ids (parquet.thrift's PageHeader is read with these).
_TRUE, _FALSE, _BYTE, _I16, _I32, _I64, _DOUBLE, _BINARY, _LIST, _SET, _MAP, _STRUCT = \
    range(1, 13)
_PAGE_SIZE, _CRC = 3, 4  # PageHeader field ids: compressed_page_size, crc
_MAX_DEPTH = 32

# Checks already made in this process: file identity (path, size, mtime, inode) -> column ->
# its problems. A file rewritten in place is a new identity, checked again.
_checked: dict[tuple[object, ...], dict[str, list[str]]] = {}


class _Malformed(Exception):
    pass


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise _Malformed("a number runs too long")


def _skip(data: bytes, pos: int, kind: int, depth: int) -> int:
    """The position after a value of type `kind` (a struct field's; booleans take no byte)."""
    if kind in (_I16, _I32, _I64):
        while data[pos] & 0x80:
            pos += 1
        return pos + 1
    if kind == _BINARY:
        length, pos = _varint(data, pos)
        return pos + length
    if kind == _STRUCT:
        return _skip_struct(data, pos, depth + 1)
    if kind in (_TRUE, _FALSE):
        return pos
    if kind == _BYTE:
        return pos + 1
    if kind == _DOUBLE:
        return pos + 8
    if depth > _MAX_DEPTH:
        raise _Malformed("values nested too deep")
    if kind in (_LIST, _SET):
        head = data[pos]
        pos += 1
        size = head >> 4
        if size == 15:
            size, pos = _varint(data, pos)
        return _skip_elements(data, pos, [head & 0x0F] * size, depth)
    if kind == _MAP:
        size, pos = _varint(data, pos)
        if not size:
            return pos
        types = data[pos]
        return _skip_elements(data, pos + 1, [types >> 4, types & 0x0F] * size, depth)
    raise _Malformed(f"unknown value type {kind}")


def _skip_elements(data: bytes, pos: int, kinds: list[int], depth: int) -> int:
    for kind in kinds:  # in a list, set or map a boolean takes a byte
        pos = pos + 1 if kind in (_TRUE, _FALSE) else _skip(data, pos, kind, depth + 1)
    return pos


def _skip_struct(data: bytes, pos: int, depth: int) -> int:
    if depth > _MAX_DEPTH:
        raise _Malformed("values nested too deep")
    while True:  # the common field types inline: page headers are read by the thousand
        head = data[pos]
        pos += 1
        kind = head & 0x0F
        if kind == 0:
            return pos
        if not head >> 4:  # the field id follows in full
            while data[pos] & 0x80:
                pos += 1
            pos += 1
        if kind in (_I32, _I64, _I16):
            while data[pos] & 0x80:
                pos += 1
            pos += 1
        elif kind == _BINARY:
            length, pos = _varint(data, pos)
            pos += length
        elif kind not in (_TRUE, _FALSE):
            pos = _skip(data, pos, kind, depth)


def _page_header(data: bytes, pos: int) -> tuple[int, int, int | None]:
    """A page header at `pos`: where the page's bytes start, how many, and their CRC-32 (None
    when the writer gave none)."""
    size: int | None = None
    crc: int | None = None
    field = 0
    while True:
        head = data[pos]
        pos += 1
        kind = head & 0x0F
        if kind == 0:
            if size is None or size < 0:
                raise _Malformed("no page size")
            return pos, size, crc
        delta = head >> 4
        if delta:
            field += delta
        else:
            value, pos = _varint(data, pos)
            field = (value >> 1) ^ -(value & 1)
        if kind == _I32 and field in (_PAGE_SIZE, _CRC):
            value, pos = _varint(data, pos)
            value = (value >> 1) ^ -(value & 1)
            if field == _PAGE_SIZE:
                size = value
            else:
                crc = value & 0xFFFFFFFF
        else:
            pos = _skip(data, pos, kind, 0)


def _chunk_problem(data: bytes, name: str, group: int, base: int) -> str | None:
    """The first page of a column chunk (read from file offset `base`) that is unreadable or
    fails its checksum, said with the page's offset in the file."""
    view = memoryview(data)
    pos = 0
    while pos < len(data):
        where = f"column {name}, row group {group}: the page at byte {base + pos:,}"
        try:
            start, size, crc = _page_header(data, pos)
        except (_Malformed, IndexError) as exc:
            detail = f" ({exc})" if isinstance(exc, _Malformed) else ""
            return f"{where} has an unreadable header{detail}"
        pos = start + size
        if pos > len(data):
            return f"{where} runs past its column chunk"
        if crc is not None and zlib.crc32(view[start:pos]) != crc:
            return f"{where} does not match its checksum"
    return None


def page_problems(path: Path, columns: Iterable[str] | None = None) -> list[str]:
    """What is wrong with the pages of a parquet file (those of `columns`, top-level names, or
    of every column), each page checked against its CRC-32 where it carries one. Each column is
    checked once per process and version of the file (path, size, mtime, inode)."""
    try:
        status = os.stat(path)
    except OSError as exc:
        return [f"{path.name} cannot be read ({read_error(exc)})"]
    identity = (str(Path(path).resolve()), status.st_size, status.st_mtime_ns, status.st_ino)
    checked = _checked.setdefault(identity, {})
    try:
        meta = read_footer(path)
    except (OSError, FooterError) as exc:
        return [f"{path.name} cannot be read ({read_error(exc)})"]
    names = set(meta.columns())
    wanted = names if columns is None else names & set(columns)
    missing = wanted - checked.keys()
    if missing:
        found = _column_problems(path, meta, missing)
        for name in missing:
            checked[name] = [f"{path.name}: {problem}" for problem in found.get(name, [])]
    return [problem for name in sorted(wanted) for problem in checked[name]]


def known_problems(path: Path) -> list[str]:
    """The page problems already found in this version of the file by this process (none read
    now: this costs a `stat`)."""
    try:
        status = os.stat(path)
    except OSError:
        return []
    identity = (str(Path(path).resolve()), status.st_size, status.st_mtime_ns, status.st_ino)
    return [p for problems in _checked.get(identity, {}).values() for p in problems]


def read_error(exc: BaseException) -> str:
    """Why a file could not be read, on one line; a permission problem said as such."""
    if isinstance(exc, PermissionError):
        return "permission denied"
    text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return " ".join(text.split())


def _column_problems(path: Path, meta: Footer, columns: set[str]) -> dict[str, list[str]]:
    """The first problem of each column (by top-level name) among `columns`."""
    found: dict[str, list[str]] = {}
    try:
        with open(path, "rb") as handle:
            for chunk in meta.chunks:
                name = chunk.column
                if name not in columns or name in found:
                    continue
                handle.seek(chunk.start)
                data = handle.read(chunk.size)
                problem = f"column {name}, row group {chunk.group}: the file ends inside it" \
                    if len(data) < chunk.size else _chunk_problem(data, name, chunk.group,
                                                                  chunk.start)
                if problem:
                    found[name] = [problem]
    except OSError as exc:
        return {name: [f"cannot be read ({read_error(exc)})"] for name in columns}
    return found
