"""Claim verdicts for a person: one compact block per claim, at most 80 columns wide.

The table format would need a column per field (over 400 characters wide); JSON and CSV keep
every field as plain values. The blocks read the typed verdicts (`hfexplore.verdicts`).
"""

from __future__ import annotations

import textwrap

from hfexplore.report import iso
from hfexplore.sanitize import clean_text
from hfexplore.verdicts import ClaimsReport, Evidence, Finding, Measurement, Verdict

WIDTH = 80
LABEL = 11  # width of the field names column


def _number(value: int | float) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.0f}" if value.is_integer() else f"{value:.4g}"


def _figure(measured: Measurement | None) -> str:
    return "not measured" if measured is None else _number(measured.number)


def _judged(finding: Finding) -> str:
    """A finding's figure: its number (a share in percent), or its verdict by its readings."""
    if finding.readings:
        return f"{finding.verdict} by its readings"
    if finding.measured is None:
        return "not measured"
    if finding.percent:
        return f"{100 * finding.measured.value:.1f}%"
    return _number(finding.measured.number)


def _reading(reading: Finding) -> str:
    """A reading: its name, figure and verdict, why it is a reading, what it cannot see."""
    said = str(reading.verdict) + (f" ({reading.direction})" if reading.direction else "")
    text = f"{reading.name}: {_judged(reading)}, {said}."
    if reading.note:
        text += f" Not decided: {reading.note}."
    if reading.reason:
        text += f" Reason: {reading.reason.rstrip('.')}."
    if reading.cannot_see:
        text += f" Cannot see: {reading.cannot_see.rstrip('.')}."
    return text


def _evidence(item: Finding | Evidence) -> str:
    if isinstance(item, Finding):
        return item.summary()
    if item.measured is None:
        return f"unavailable: {item.unavailable}"
    data = item.measured.data
    sample = f", {data.estimated_from}" if data.estimated_from else ""
    return f"{_number(item.measured.number)} ({data.label}{sample})"


class ClaimBlocks:
    """`claims` on a terminal: verdict, quote, measured against expected, dates, caveat."""

    name = "claims-text"
    markdown = False

    def render(self, report: ClaimsReport) -> str:
        head = f"{report.title} (as of {iso(report.as_of)})"
        blocks = [self._heading(head, 2)]
        blocks.extend(self._block(verdict) for verdict in report.verdicts)
        blocks.append(", ".join(f"{n} {verdict}" for verdict, n in report.counts.items()))
        blocks.extend(clean_text(note) for note in report.notes)
        return "\n\n".join(blocks) + "\n"

    def _heading(self, text: str, level: int = 3) -> str:
        return f"{'#' * level} {clean_text(text)}" if self.markdown else clean_text(text)

    def _block(self, verdict: Verdict) -> str:
        said = str(verdict.verdict).upper() + (f" ({verdict.direction})"
                                               if verdict.direction else "")
        lines = [self._heading(f"{verdict.id}: {said}")]
        fields = [("quote", f"\u201c{verdict.quote}\u201d" if verdict.quote else ""),
                  ("source", verdict.article.text if verdict.article else "")]
        finding = verdict.finding
        listed = verdict.parts or (finding.readings if finding is not None else ())
        if listed or (finding is not None and finding.measured is not None):
            if listed:
                measured = "; ".join(f"{p.name}: {_judged(p)}" for p in listed)
                expected = "; ".join(dict.fromkeys(
                    f"{p.name}: {p.expected}" if verdict.parts else p.expected
                    for p in listed))
            else:
                assert finding is not None
                measured, expected = _figure(finding.measured), finding.expected
            data = verdict.data
            fields.append(("measured", measured + (f" ({data.label}, {data.dated()})"
                                                   if data else "")))
            fields.append(("expected", f"{expected} on {verdict.claim_date.isoformat()}"
                           if verdict.claim_date else f"{expected} (claim date unknown)"))
            if finding is not None and finding.measured is not None:
                fields.append(("at claim", finding.measured.at_claim.describe(finding.percent)))
        fields += [("reading", _reading(r)) for r in verdict.readings]
        fields += [("why", verdict.note), ("caveat", "; ".join(verdict.caveats))]
        for name, item in verdict.listed_evidence().items():
            fields.append(("evidence", f"{name}: {_evidence(item)}"))
        for name, value in fields:
            if value:
                lines.extend(self._field(name, clean_text(value)))
        return "\n".join(lines)

    def _field(self, name: str, text: str) -> list[str]:
        prefix = f"  {name:<{LABEL - 2}}" if not self.markdown else f"- **{name}**: "
        indent = " " * LABEL if not self.markdown else "  "
        return textwrap.wrap(text, width=WIDTH, initial_indent=prefix, subsequent_indent=indent,
                             break_long_words=False, break_on_hyphens=False)


class ClaimBlocksMarkdown(ClaimBlocks):
    name = "claims-markdown"
    markdown = True
