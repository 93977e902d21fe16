"""The Hub's common library names (`hfexplore/data/libraries.txt`), counted by live breakdowns."""

from __future__ import annotations

from pathlib import Path

from hfexplore.knowledge.text import builtin_text, user_text


def load_library_names(extra: str | Path | None = None) -> list[str]:
    """The built-in list, then the names of `extra` (one a line, `#` comments) not already in it."""
    names = _parse(builtin_text("libraries.txt"))
    if extra is not None:
        names += _parse(user_text(extra, "library list"))
    return list(dict.fromkeys(names))


def _parse(text: str) -> list[str]:
    names = []
    for line in text.splitlines():
        name = line.split("#", 1)[0].strip()
        if name:
            names.append(name)
    return names
