"""One writer per data directory: the lock every command that writes to it takes."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from hfexplore.config import private_dir
from hfexplore.errors import DirectoryError, LockedError


@contextlib.contextmanager
def data_dir_lock(data_dir: Path) -> Iterator[None]:
    """One crawl per data directory at a time; a second one fails at once, clearly."""
    private_dir(data_dir)
    path = data_dir / ".lock"
    try:
        handle = path.open("a+")
    except OSError as exc:
        raise DirectoryError(f"cannot use {data_dir} as the data directory: cannot write "
                             f"{path.name} ({exc.strerror or exc})", path=str(data_dir)) from exc
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise LockedError(f"another hfexplore run ({holder}) is writing to {data_dir}; "
                          "wait for it to finish") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}")
    handle.flush()
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
