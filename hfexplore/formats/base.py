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
    """A copy for human eyes: clean strings, thousands separators, shares as percentages."""
    shown = frame.copy()
    for column in shown.columns:
        series = shown[column]
        if column == "share" or column.endswith("_share"):
            shown[column] = series.map(_percent)
        elif pd.api.types.is_bool_dtype(series):
            continue
        elif pd.api.types.is_integer_dtype(series):
            shown[column] = series.map(lambda v: "" if pd.isna(v) else f"{int(v):,}")
        elif pd.api.types.is_float_dtype(series):
            shown[column] = series.map(_number)
        else:
            shown[column] = series.map(_cell)
    return shown


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
