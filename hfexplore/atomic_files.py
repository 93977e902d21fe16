"""Small file operations that never leave a half-written file behind."""

from __future__ import annotations

import os
import shutil
import stat
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from hfexplore.errors import HfExploreError

_KINDS = [(stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket")]


def output_target(path: Path) -> Path:
    """The file that writing `path` replaces: `path` itself, or the file a symlink there points
    at (the link stays a link). Anything that exists and is not a regular file is refused."""
    target = Path(os.path.realpath(path))
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise HfExploreError(f"cannot write {path}: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
        shown = str(path) if target == Path(os.path.abspath(path)) else f"{path} (-> {target})"
        raise HfExploreError(f"refusing to write {shown}: it is {kind}, not a regular file")
    return target


def replace_file(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Call `write` on a temporary file beside `path`'s target (see `output_target`), fsync it,
    then rename it over the target: a reader sees the old file or the new one, never half."""
    target = output_target(path)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with tmp.open("xb") as handle:
            write(handle)
            handle.flush()
            if target.exists():  # a replaced file keeps its permissions
                os.chmod(handle.fileno(), stat.S_IMODE(target.stat().st_mode))
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(path: Path, content: bytes) -> None:
    """Write `content` to `path` by `replace_file`: complete or absent, never half-written."""
    replace_file(path, lambda handle: handle.write(content))


def remove_tree(path: Path) -> None:
    """Rename out of sight first, then delete: a reader sees the directory whole or not at all."""
    retired = path.with_name(f".retired-{path.name}-{uuid.uuid4().hex[:8]}")
    os.replace(path, retired)
    shutil.rmtree(retired, ignore_errors=True)
