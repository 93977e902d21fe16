"""What every report command returns: rows plus the context needed to read them.

A report's tables are held as given: `Rows` (what the engine returns, no pandas needed) or
pandas DataFrames (what a caller may build). The formats read them as `Rows` (`table`,
`section_tables`, `lead_tables`); the Python API reads them as DataFrames (`rows`, `sections`,
`lead`), each converted once, when first asked for.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Iterator, Mapping, MutableMapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from hfexplore.rows import Rows

if TYPE_CHECKING:
    import pandas as pd

    Table = Rows | pd.DataFrame


class Tables(MutableMapping[str, "pd.DataFrame"]):
    """Named tables, each stored as given (Rows or a DataFrame): read as DataFrames through
    the mapping, as Rows through `light()`."""

    def __init__(self, tables: Mapping[str, Table] | None = None) -> None:
        self._given: dict[str, Table] = dict(tables or {})
        self._frames: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        given = self._given[name]
        if isinstance(given, Rows):
            if name not in self._frames:
                self._frames[name] = given.frame()
            return self._frames[name]
        return given

    def __setitem__(self, name: str, table: Table) -> None:
        self._given[name] = table
        self._frames.pop(name, None)

    def __delitem__(self, name: str) -> None:
        del self._given[name]
        self._frames.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._given)

    def __len__(self) -> int:
        return len(self._given)

    def light(self) -> dict[str, Rows]:
        """Every table as Rows, in order."""
        return {name: Rows.of(table) for name, table in self._given.items()}

    def __repr__(self) -> str:
        return f"Tables({list(self._given)})"


class _TablesAttribute:
    """An attribute holding named tables: whatever mapping is assigned is kept as `Tables`."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, report: Any, owner: type | None = None) -> Tables:
        return getattr(report, self.slot)

    def __set__(self, report: Any, tables: Mapping[str, Table] | None) -> None:
        setattr(report, self.slot, Tables(tables))


class Report:
    """A table of rows and where it came from.

    `extra` holds command-specific JSON keys (for example `totals`); `sections` holds further
    tables shown after the main one (and as JSON lists under their names), headed by
    `section_titles` where given; `lead` holds tables the text formats show before the main one,
    under `rows_heading` (JSON lists them under their names unless `extra` already has that key,
    as a diff's `summary`). Every table may be given as `Rows` or as a pandas DataFrame.
    """

    sections = _TablesAttribute()
    lead = _TablesAttribute()

    def __init__(self, title: str, rows: Table, source: str, as_of: datetime | None = None,
                 extra: dict[str, Any] | None = None,
                 sections: Mapping[str, Table] | None = None, notes: list[str] | None = None,
                 section_titles: dict[str, str] | None = None,
                 lead: Mapping[str, Table] | None = None, rows_heading: str = "") -> None:
        self.title = title
        self.rows = rows
        self.source = source
        self.as_of = as_of if as_of is not None else datetime.now(UTC)
        self.extra: dict[str, Any] = extra if extra is not None else {}
        self.sections = sections
        self.notes: list[str] = notes if notes is not None else []
        # Headings for sections whose name alone does not say enough (e.g. which repo type).
        self.section_titles: dict[str, str] = section_titles if section_titles is not None \
            else {}
        self.lead = lead
        self.rows_heading = rows_heading

    # -- the tables ---------------------------------------------------------------------------
    @property
    def rows(self) -> pd.DataFrame:
        """The main table as a pandas DataFrame."""
        return self._tables["rows"]

    @rows.setter
    def rows(self, table: Table) -> None:
        if not hasattr(self, "_tables"):
            self._tables = Tables()
        self._tables["rows"] = table

    @property
    def table(self) -> Rows:
        """The main table as Rows (no pandas needed)."""
        return self._tables.light()["rows"]


    def __repr__(self) -> str:
        return (f"{type(self).__name__}(title={self.title!r}, rows={len(self.table)}, "
                f"source={self.source!r}, as_of={iso(self.as_of)})")

    # -- as data ------------------------------------------------------------------------------
    def document(self) -> dict[str, Any]:
        """The CLI's stable JSON document as plain data: `as_of`, `source`, `rows`, the
        command-specific keys, each section and lead table under its name, and `notes`."""
        doc: dict[str, Any] = {"as_of": iso(self.as_of), "source": self.source,
                               "rows": records(self.table)}
        for key, value in self.extra.items():
            doc[key] = plain(value)
        for name, table in self.lead.light().items():
            doc.setdefault(name, records(table))
        for name, table in self.sections.light().items():
            doc[name] = records(table)
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


def records(table: Table) -> list[dict[str, Any]]:
    """Rows as plain JSON-ready dicts (NaN -> null, numpy scalars -> Python, times -> ISO)."""
    rows = Rows.of(table)
    names = [str(c) for c in rows.columns]
    return [{k: plain(v) for k, v in zip(names, row, strict=True)} for row in rows.data]


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
    if type(value).__name__ in ("NAType", "NaTType"):
        return None
    if isinstance(value, datetime):  # a pandas Timestamp too
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value
