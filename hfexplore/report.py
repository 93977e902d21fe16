"""What every report command returns: rows plus the context needed to read them."""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd


@dataclass
class Report:
    """A table of rows and where it came from.

    `extra` holds command-specific JSON keys (for example `totals`); `sections` holds further
    tables shown after the main one (and as JSON lists under their names), headed by
    `section_titles` where given; `lead` holds tables the text formats show before the main one,
    under `rows_heading` (JSON lists them under their names unless `extra` already has that key,
    as a diff's `summary`).
    """

    title: str
    rows: pd.DataFrame
    source: str
    as_of: datetime = field(default_factory=lambda: datetime.now(UTC))
    extra: dict[str, Any] = field(default_factory=dict)
    sections: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # Headings for sections whose name alone does not say enough (e.g. which repo type).
    section_titles: dict[str, str] = field(default_factory=dict)
    lead: dict[str, pd.DataFrame] = field(default_factory=dict)
    rows_heading: str = ""

    def document(self) -> dict[str, Any]:
        """The CLI's stable JSON document as plain data: `as_of`, `source`, `rows`, the
        command-specific keys, each section and lead table under its name, and `notes`."""
        doc: dict[str, Any] = {"as_of": iso(self.as_of), "source": self.source,
                               "rows": records(self.rows)}
        for key, value in self.extra.items():
            doc[key] = plain(value)
        for name, frame in self.lead.items():
            doc.setdefault(name, records(frame))
        for name, frame in self.sections.items():
            doc[name] = records(frame)
        if self.notes:
            doc["notes"] = list(self.notes)
        return doc

    def to_json(self) -> str:
        """The report as the CLI's stable JSON document (`as_of`, `source`, `rows`, ...)."""
        return json.dumps(self.document(), indent=2, ensure_ascii=False) + "\n"

    def _repr_html_(self) -> str:
        """How a notebook shows it: the title, the rows, each section, the notes."""
        from html import escape

        parts = [f"<h4>{escape(self.title)}</h4>",
                 f"<p><small>as of {iso(self.as_of)}, source: {escape(self.source)}</small></p>",
                 self.rows.to_html(index=False, escape=True, max_rows=60)]
        for name, frame in self.sections.items():
            parts.append(f"<h5>{escape(name.replace('_', ' ').capitalize())}</h5>")
            parts.append(frame.to_html(index=False, escape=True, max_rows=60))
        parts += [f"<p><small>{escape(note)}</small></p>" for note in self.notes]
        return "\n".join(parts)


def iso(moment: datetime) -> str:
    """ISO 8601 UTC with a Z, to the second."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain JSON-ready dicts (NaN -> null, numpy scalars -> Python, times -> ISO)."""
    return [{str(k): plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def plain(value: Any) -> Any:
    """A value as plain JSON data: numpy scalars and arrays as Python, times as ISO text,
    bytes (an SQL BLOB) as base64 text, NaN, infinities and missing values as None."""
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, str):  # numpy scalars and arrays
        return plain(value.tolist())
    if isinstance(value, pd.Timestamp):
        return iso(value.to_pydatetime())
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value
