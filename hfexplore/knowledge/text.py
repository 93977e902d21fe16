"""Reading knowledge files: the built-in ones shipped in `hfexplore/data/`, and a user's."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from hfexplore.errors import HfExploreError


def builtin_text(name: str) -> str:
    """The text of a file shipped in `hfexplore/data/`."""
    return resources.files("hfexplore.data").joinpath(name).read_text("utf-8")


def user_text(path: str | Path, what: str) -> str:
    """The text of a user's file, or a one-line error naming `what` it was to be read as."""
    try:
        return Path(path).read_text("utf-8")
    except OSError as exc:
        raise HfExploreError(f"cannot read {what} {path}: {exc.strerror}") from exc
