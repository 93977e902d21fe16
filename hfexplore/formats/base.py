"""The format interface and the cell cleaning shared by the text formats."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Any

from hfexplore.report import Report
from hfexplore.rows import Rows
from hfexplore.sanitize import clean_text

__all__ = ["Format", "clean_text", "display_cells", "human_size"]

class Format(ABC):
    name: str

    @abstractmethod
    def render(self, report: Report) -> str:
        """The whole report as text, ending with a newline."""


def display_cells(table: Rows) -> list[list[str]]:
    """The cells as a person reads them: clean strings, thousands separators, shares as
    percentages, sizes (`*bytes` columns) in kB, MB, GB."""
    shown = []
    for column, kind in zip(table.columns, table.kinds, strict=True):
        if column == "share" or column.endswith("_share"):
            shown.append(_percent)
        elif column.endswith("bytes") and kind in ("int", "float"):
            shown.append(human_size)
        else:
            shown.append(_cell)
    return [[show(value) for show, value in zip(shown, row, strict=True)]
            for row in table.data]


def human_size(value: Any) -> str:
    """Bytes in decimal units with three significant figures: 950 B, 1.28 MB, 31.4 GB."""
    if _missing(value):
        return ""
    size = float(value)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(size) < 999.5 or unit == "TB":
            break
        size /= 1000
    if unit == "B":
        return f"{int(size):,} B"
    return f"{size:.3g} {unit}" if size < 100 else f"{size:,.0f} {unit}"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _percent(value: Any) -> str:
    return "" if _missing(value) else f"{100 * float(value):.2f}%"


def _number(value: Any) -> str:
    if _missing(value):
        return ""
    if math.isinf(value):
        return str(value)
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.3f}"


def _cell(value: Any) -> str:
    if _missing(value):
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list | tuple):
        return clean_text(", ".join(str(v) for v in value))
    if isinstance(value, dict):
        return clean_text("; ".join(f"{k}: {_cell(v)}" for k, v in value.items()))
    return clean_text(str(value))
