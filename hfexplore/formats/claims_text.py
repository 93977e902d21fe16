"""Claim verdicts for a person: one compact block per claim, at most 80 columns wide.

The table format would need a column per field (over 400 characters wide); JSON and CSV keep
every field as plain values.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pandas as pd

from hfexplore.formats.base import Format
from hfexplore.report import Report, iso
from hfexplore.sanitize import clean_text

WIDTH = 80
LABEL = 11  # width of the field names column


def _number(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:.4g}"
    return str(value)


def _value(value: Any) -> str:
    if isinstance(value, dict):
        if "value" in value and "source" in value:
            extra = f", {value['estimated_from']}" if value.get("estimated_from") else ""
            return f"{_number(value['value'])} ({value['source']}{extra})"
        return "; ".join(f"{k}: {_value(v)}" for k, v in value.items())
    return _number(value)


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, dict | list | str):
        return bool(value)
    return not pd.isna(value)


class ClaimBlocks(Format):
    """`claims` on a terminal: verdict, quote, measured against expected, dates, caveat."""

    name = "claims-text"
    markdown = False

    def render(self, report: Report) -> str:
        head = f"{report.title} (as of {iso(report.as_of)})"
        blocks = [self._heading(head, 2)]
        for row in report.rows.to_dict("records"):
            blocks.append(self._block({str(key): value for key, value in row.items()}))
        counts = report.extra.get("verdicts", {})
        blocks.append(", ".join(f"{n} {verdict}" for verdict, n in counts.items()))
        blocks.extend(clean_text(note) for note in report.notes)
        return "\n\n".join(blocks) + "\n"

    def _heading(self, text: str, level: int = 3) -> str:
        return f"{'#' * level} {clean_text(text)}" if self.markdown else clean_text(text)

    def _block(self, row: dict[str, Any]) -> str:
        verdict = str(row["verdict"]).upper() + (f" ({row['direction']})"
                                                 if _present(row.get("direction")) else "")
        lines = [self._heading(f"{row['id']}: {verdict}")]
        fields: list[tuple[str, Any]] = [("quote", f"\u201c{row['quote']}\u201d"
                                          if row.get("quote") else None),
                                         ("source", row.get("article"))]
        measured = row.get("measured")
        if _present(measured):
            where = f" ({row['source']}, {str(row.get('data_as_of') or '')[:10]})"
            fields.append(("measured", _value(measured) + where))
            fields.append(("expected", f"{_value(row.get('expected'))} on {row['claim_date']}"
                           if row.get("claim_date") != "unknown" else
                           f"{_value(row.get('expected'))} (claim date unknown)"))
            fields.append(("at claim", row.get("at_claim_date")))
        fields += [("why", row.get("note")), ("caveat", row.get("caveat"))]
        for name, value in (row.get("evidence") or {}).items():
            fields.append(("evidence", f"{name}: {_value(value)}"))
        for name, value in fields:
            if _present(value):
                lines.extend(self._field(name, clean_text(str(value))))
        return "\n".join(lines)

    def _field(self, name: str, text: str) -> list[str]:
        prefix = f"  {name:<{LABEL - 2}}" if not self.markdown else f"- **{name}**: "
        indent = " " * LABEL if not self.markdown else "  "
        return textwrap.wrap(text, width=WIDTH, initial_indent=prefix, subsequent_indent=indent,
                             break_long_words=False, break_on_hyphens=False)


class ClaimBlocksMarkdown(ClaimBlocks):
    name = "claims-markdown"
    markdown = True
