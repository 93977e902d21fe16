"""Tables and text that fit a terminal's width (issue 22: a table of 141 to 180 columns on an
80-column terminal wraps into noise).

A table too wide for the width, in this order:
1. leaves out number columns holding nothing but 0 or nothing (a relation no model uses);
2. shortens the longest text cells but the first column's (the key, as a repo id), with an
   ellipsis, down to `MIN_TEXT` characters;
3. leaves out columns from the right, the first always kept;
4. shortens the first column's cells, as a last resort.
Each step is said in a note under the table, so nothing is hidden silently; JSON and CSV
always have every column and every character.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable

from hfexplore.rows import Rows

MIN_TEXT = 16  # a text column is never shortened below this many characters
ELLIPSIS = "…"
NUMBERS = ("int", "float")


def wrap(text: str, width: int | None) -> str:
    """`text` wrapped to `width` (unchanged without a width); words are never broken."""
    if width is None or len(text) <= width:
        return text
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=False,
                                   break_on_hyphens=False) or [text])


def fit_table(table: Rows, cells: list[list[str]], render: Callable[[Rows, list[list[str]]], str],
              width: int | None) -> tuple[str, list[str]]:
    """The table rendered within `width` columns, and the note (none, or one) saying what was
    left out or shortened to get there."""
    text = render(table, cells)
    if width is None or _widest(text) <= width:
        return text, []
    notes = []
    empty = [i for i, kind in enumerate(table.kinds)
             if i > 0 and kind in NUMBERS and all(not v for v in table.column(table.columns[i]))]
    if empty:
        notes.append(f"left out {', '.join(table.columns[i] for i in empty)}: 0 in every row")
        table, cells = _without(table, cells, empty)
        text = render(table, cells)
    shortened: set[str] = set()
    text = _shorten(table, cells, render, width, text, shortened, first=False)
    dropped: list[str] = []
    while _widest(text) > width and len(table.columns) > 1:
        dropped.insert(0, table.columns[-1])
        table, cells = _without(table, cells, [len(table.columns) - 1])
        text = render(table, cells)
    text = _shorten(table, cells, render, width, text, shortened, first=True)
    if dropped:
        notes.append(f"left out {', '.join(dropped)} to fit {width} columns")
    shortened &= set(table.columns)
    if shortened:
        notes.append(f"shortened {', '.join(sorted(shortened))} ({ELLIPSIS})")
    if not notes:
        return text, []
    return text, ["; ".join([*notes, "--format json or csv shows every column in full"])]


def _shorten(table: Rows, cells: list[list[str]], render: Callable[[Rows, list[list[str]]], str],
             width: int, text: str, shortened: set[str], *, first: bool) -> str:
    """Shortens the longest text cells (of the first column, or of the others) until the
    table fits or none is longer than `MIN_TEXT`; the table as rendered then."""
    while _widest(text) > width:
        longest = _longest_text(table, cells, range(1) if first else
                                range(1, len(table.columns)))
        if longest is None:
            break
        column, size = longest
        target = max(MIN_TEXT, size - (_widest(text) - width))
        for row in cells:
            if len(row[column]) > target:
                row[column] = row[column][:target - 1] + ELLIPSIS
        shortened.add(table.columns[column])
        text = render(table, cells)
    return text


def _widest(text: str) -> int:
    return max((len(line) for line in text.splitlines()), default=0)


def _longest_text(table: Rows, cells: list[list[str]], among: range
                  ) -> tuple[int, int] | None:
    """The text column among `among` whose cells are the longest, if any can still be
    shortened: (index, its longest cell)."""
    found = None
    for index in among:
        if table.kinds[index] in (*NUMBERS, "bool"):
            continue
        size = max((len(row[index]) for row in cells), default=0)
        if size > MIN_TEXT and (found is None or size > found[1]):
            found = (index, size)
    return found


def _without(table: Rows, cells: list[list[str]], columns: list[int]
             ) -> tuple[Rows, list[list[str]]]:
    kept = [i for i in range(len(table.columns)) if i not in columns]
    return (Rows(tuple(table.columns[i] for i in kept),
                 [tuple(row[i] for i in kept) for row in table.data],
                 tuple(table.kinds[i] for i in kept)),
            [[row[i] for i in kept] for row in cells])
