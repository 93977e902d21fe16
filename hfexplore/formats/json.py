"""The JSON format: the report's stable document (`Report.document`), indented."""

from __future__ import annotations

from hfexplore.formats.base import Format
from hfexplore.report import Report


class JsonFormat(Format):
    """The stable contract: `as_of`, `source`, `rows`, plus command-specific keys."""

    name = "json"

    def render(self, report: Report) -> str:
        return report.to_json()
