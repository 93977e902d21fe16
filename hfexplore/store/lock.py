"""One writer per data directory: the lock every command that writes to it takes.

`filelock` holds `<data dir>/.lock` (flock on POSIX, a locked file on Windows). The holder writes
its pid to `.lock-holder` beside it, so that a run refused can say who holds the lock: the lock
file itself is no place for it (Windows does not let another process read a locked file, and
filelock may write its own record there).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from hfexplore.config import private_dir
from hfexplore.errors import DirectoryError, LockedError

LOCK = ".lock"
HOLDER = ".lock-holder"


@contextlib.contextmanager
def data_dir_lock(data_dir: Path) -> Iterator[None]:
    """One crawl per data directory at a time; a second one fails at once, clearly."""
    private_dir(data_dir)
    lock = FileLock(data_dir / LOCK, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise LockedError(f"another hfexplore run ({_holder(data_dir)}) is writing to "
                          f"{data_dir}; wait for it to finish") from None
    except OSError as exc:
        raise DirectoryError(f"cannot use {data_dir} as the data directory: cannot write "
                             f"{LOCK} ({exc.strerror or exc})", path=str(data_dir)) from exc
    holder = data_dir / HOLDER
    try:
        holder.write_text(f"pid {os.getpid()}", "utf-8")
        yield
    finally:
        try:
            holder.unlink(missing_ok=True)
        finally:
            lock.release()


def _holder(data_dir: Path) -> str:
    """Who holds the lock, as its holder wrote it ("another process" if it has not yet)."""
    try:
        return (data_dir / HOLDER).read_text("utf-8").strip() or "another process"
    except (OSError, UnicodeDecodeError):
        return "another process"
