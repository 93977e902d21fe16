"""The Hub's common library names (`hfexplore/data/libraries.txt`), counted by live breakdowns."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from hfexplore.errors import HfExploreError


def load_library_names(extra: str | Path | None = None) -> list[str]:
    """The built-in list, then the names of `extra` (one a line, `#` comments) not already in it."""
    text = resources.files("hfexplore.data").joinpath("libraries.txt").read_text("utf-8")
    names = _parse(text)
    if extra is not None:
        path = Path(extra)
        try:
            names += _parse(path.read_text("utf-8"))
        except OSError as exc:
            raise HfExploreError(f"cannot read library list {path}: {exc.strerror}") from exc
    return list(dict.fromkeys(names))


def _parse(text: str) -> list[str]:
    names = []
    for line in text.splitlines():
        name = line.split("#", 1)[0].strip()
        if name:
            names.append(name)
    return names
