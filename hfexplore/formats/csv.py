from __future__ import annotations

import csv
import io
from typing import Any

from hfexplore.formats.base import Format, clean_text
from hfexplore.formats.json import records
from hfexplore.report import Report

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Make a cell inert for spreadsheets: text starting like a formula gets a leading quote."""
    if isinstance(value, list | tuple):
        value = ";".join(str(v) for v in value)
    if isinstance(value, str):
        value = clean_text(value) if value[:1] not in ("\t", "\r") else value
        if value.startswith(_FORMULA_START):
            return "'" + value
    return value


class CsvFormat(Format):
    """The main rows as CSV with a header line (sections are left out: one table per file)."""

    name = "csv"

    def render(self, report: Report) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(list(report.rows.columns))
        for row in records(report.rows):
            writer.writerow([neutralise(v) for v in row.values()])
        return buffer.getvalue()
