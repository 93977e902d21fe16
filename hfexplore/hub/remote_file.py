"""A remote file as a seekable read-only file over HTTP Range requests, so `pyarrow.parquet`
can read a remote file's footer and then only the column chunks it needs."""

from __future__ import annotations

import hashlib
import io
import logging
from collections import OrderedDict
from pathlib import Path
from typing import Any

from hfexplore.errors import HubError
from hfexplore.hub.files import HubFiles, RangeIgnored, RemoteFileInfo

log = logging.getLogger(__name__)


def open_remote(files: HubFiles, info: RemoteFileInfo, *, min_read: int = 64 * 1024,
                cache_ranges: int = 8, spool_dir: Path | None = None) -> RemoteFile:
    return RemoteFile(files, info, min_read=min_read, cache_ranges=cache_ranges,
                      spool_dir=spool_dir)


class RemoteFile(io.RawIOBase):
    """A read-only, seekable view of a remote file through Range requests.

    Each read fetches exactly the bytes asked for (a parquet reader asks for the footer, then
    one range per column chunk), except that a read smaller than `min_read` fetches
    `min_read` bytes from where it starts; the last `cache_ranges` ranges fetched are kept,
    and a read inside one of them costs no request. A file no larger than `min_read` * 4 is
    fetched in one request. If the server ignores Range, the file is downloaded once
    (resumably) into `spool_dir` and read from there.
    """

    def __init__(self, files: HubFiles, info: RemoteFileInfo, *, min_read: int,
                 cache_ranges: int, spool_dir: Path | None):
        super().__init__()
        self.files = files
        self.info = info
        self.min_read = min_read
        self.cache_ranges = cache_ranges
        self.spool_dir = spool_dir
        self._ranges: OrderedDict[int, bytes] = OrderedDict()
        self._position = 0
        self._local: io.BufferedReader | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.info.size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def size(self) -> int:
        return self.info.size

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self._read_at(self._position, len(view))
        view[:len(data)] = data
        self._position += len(data)
        return len(data)

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self.info.size - self._position
        data = self._read_at(self._position, size)
        self._position += len(data)
        return data

    def close(self) -> None:
        if self._local is not None:
            self._local.close()
        self._ranges.clear()
        super().close()

    def _read_at(self, start: int, size: int) -> bytes:
        end = min(self.info.size, start + size)
        if start >= end:
            return b""
        if self._local is not None:
            self._local.seek(start)
            return self._local.read(end - start)
        for first, data in self._ranges.items():
            if first <= start and end <= first + len(data):
                self._ranges.move_to_end(first)
                return data[start - first:end - first]
        whole = self.info.size <= 4 * self.min_read
        first = 0 if whole else start
        last = self.info.size if whole else min(self.info.size, max(end, start + self.min_read))
        try:
            data = self.files.read_range(self.info, first, last)
        except RangeIgnored:
            self._spool()
            return self._read_at(start, size)
        self._ranges[first] = data
        while len(self._ranges) > self.cache_ranges:
            self._ranges.popitem(last=False)
        return data[start - first:end - first]

    def _spool(self) -> None:
        if self.spool_dir is None:
            raise HubError(f"{self.files.endpoint} ignores HTTP Range for {self.info.path}; "
                           "a download directory is needed to read it", url=self.info.location)
        log.warning("the server ignores Range requests: downloading %s whole", self.info.path)
        name = hashlib.sha256(self.info.etag.encode()).hexdigest()[:16] + ".parquet"
        path = self.files.download(self.info, self.spool_dir / name)
        self._local = path.open("rb")
