from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd

from hfexplore.formats.base import Format
from hfexplore.report import Report, iso


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain JSON-ready dicts (NaN -> null, numpy scalars -> Python, times -> ISO)."""
    return [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, str):  # numpy scalars and arrays
        return _plain(value.tolist())
    if isinstance(value, pd.Timestamp):
        return iso(value.to_pydatetime())
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


class JsonFormat(Format):
    """The stable contract: `as_of`, `source`, `rows`, plus command-specific keys."""

    name = "json"

    def document(self, report: Report) -> dict[str, Any]:
        doc: dict[str, Any] = {"as_of": iso(report.as_of), "source": report.source,
                               "rows": records(report.rows)}
        for key, value in report.extra.items():
            doc[key] = _plain(value)
        for name, frame in report.lead.items():
            doc.setdefault(name, records(frame))
        for name, frame in report.sections.items():
            doc[name] = records(frame)
        if report.notes:
            doc["notes"] = list(report.notes)
        return doc

    def render(self, report: Report) -> str:
        return json.dumps(self.document(report), indent=2, ensure_ascii=False) + "\n"
