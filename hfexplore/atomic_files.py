"""Small file operations that never leave a half-written file behind."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path


def write_atomic(path: Path, content: bytes) -> None:
    """Write to a temporary sibling, fsync, then rename over `path`."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with tmp.open("wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def remove_tree(path: Path) -> None:
    """Rename out of sight first, then delete: a reader sees the directory whole or not at all."""
    retired = path.with_name(f".retired-{path.name}-{uuid.uuid4().hex[:8]}")
    os.replace(path, retired)
    shutil.rmtree(retired, ignore_errors=True)
