from __future__ import annotations

import csv
import io
import json
from typing import Any

from hfexplore.formats.base import Format
from hfexplore.report import Report, records
from hfexplore.sanitize import neutralise

__all__ = ["CsvFormat", "neutralise"]


class CsvFormat(Format):
    """The main rows as CSV with a header line (sections are left out: one table per file)."""

    name = "csv"

    def render(self, report: Report) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(list(report.rows.columns))
        for row in records(report.rows):
            writer.writerow([neutralise(_cell(v)) for v in row.values()])
        return buffer.getvalue()


def _cell(value: Any) -> Any:
    """Lists and objects as JSON text, never as Python reprs; booleans as JSON's true and
    false in every column (a text column already holds "false")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return value
