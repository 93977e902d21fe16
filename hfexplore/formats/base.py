"""The format interface and the cell cleaning shared by the text formats."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import pandas as pd

from hfexplore.report import Report
from hfexplore.sanitize import clean_text

__all__ = ["Format", "clean_text", "display_frame"]

class Format(ABC):
    name: str

    @abstractmethod
    def render(self, report: Report) -> str:
        """The whole report as text, ending with a newline."""


def display_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy for human eyes: clean strings, thousands separators, shares as percentages,
    sizes (`*bytes` columns) in kB, MB, GB."""
    shown = frame.copy()
    for column in shown.columns:
        series = shown[column]
        if column == "share" or column.endswith("_share"):
            shown[column] = series.map(_percent)
        elif column.endswith("bytes") and pd.api.types.is_numeric_dtype(series):
            shown[column] = series.map(human_size)
        elif pd.api.types.is_bool_dtype(series):
            continue
        elif pd.api.types.is_integer_dtype(series):
            shown[column] = series.map(lambda v: "" if pd.isna(v) else f"{int(v):,}")
        elif pd.api.types.is_float_dtype(series):
            shown[column] = series.map(_number)
        else:
            shown[column] = series.map(_cell)
    return shown


def human_size(value: Any) -> str:
    """Bytes in decimal units with three significant figures: 950 B, 1.28 MB, 31.4 GB."""
    if value is None or pd.isna(value):
        return ""
    size = float(value)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(size) < 999.5 or unit == "TB":
            break
        size /= 1000
    if unit == "B":
        return f"{int(size):,} B"
    return f"{size:.3g} {unit}" if size < 100 else f"{size:,.0f} {unit}"


def _percent(value: Any) -> str:
    return "" if value is None or pd.isna(value) else f"{100 * float(value):.2f}%"


def _number(value: Any) -> str:
    if value is None or pd.isna(value):
        return ""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.3f}"


def _cell(value: Any) -> str:
    if value is None or (not isinstance(value, list | tuple | dict) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, list | tuple):
        return clean_text(", ".join(str(v) for v in value))
    if isinstance(value, dict):
        return clean_text("; ".join(f"{k}: {_cell(v)}" for k, v in value.items()))
    return clean_text(str(value))
