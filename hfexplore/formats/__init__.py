"""Output formats: each turns a `Report` into text. Chosen by name with `get_format`."""

from __future__ import annotations

from hfexplore.formats.base import Format
from hfexplore.formats.csv import CsvFormat
from hfexplore.formats.json import JsonFormat
from hfexplore.formats.markdown import MarkdownFormat
from hfexplore.formats.table import TableFormat

FORMATS: dict[str, type[Format]] = {
    "table": TableFormat,
    "json": JsonFormat,
    "csv": CsvFormat,
    "markdown": MarkdownFormat,
}


def get_format(name: str) -> Format:
    try:
        return FORMATS[name]()
    except KeyError:
        raise ValueError(f"unknown format {name!r}; expected one of {', '.join(FORMATS)}") from None


__all__ = ["FORMATS", "CsvFormat", "Format", "JsonFormat", "MarkdownFormat", "TableFormat",
           "get_format"]
