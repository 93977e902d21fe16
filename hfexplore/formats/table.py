from __future__ import annotations

import pandas as pd
from tabulate import tabulate

from hfexplore.formats.base import Format, clean_text, display_frame
from hfexplore.report import Report, iso


def provenance(report: Report) -> str:
    """The footer line: when the data was taken, from where (and which snapshot)."""
    line = f"as of {iso(report.as_of)}, source: {clean_text(report.source)}"
    snapshot = report.extra.get("snapshot_name")
    if isinstance(snapshot, str) and snapshot not in report.source:
        line += f", snapshot {clean_text(snapshot)}"
    return line


def _section_title(name: str) -> str:
    return name.replace("_", " ").capitalize()


class TableFormat(Format):
    """Aligned plain-text tables for a terminal."""

    name = "table"
    style = "simple"

    def heading(self, text: str) -> str:
        return text

    def render(self, report: Report) -> str:
        parts = [self.heading(clean_text(report.title))]
        for name, frame in report.lead.items():
            parts.append(self.heading(_section_title(name)))
            parts.append(self._table(frame))
        if report.rows_heading:
            parts.append(self.heading(clean_text(report.rows_heading)))
        parts.append(self._table(report.rows))
        for name, frame in report.sections.items():
            title = report.section_titles.get(name) or _section_title(name)
            parts.append(self.heading(clean_text(title)))
            parts.append(self._table(frame))
        parts.extend(clean_text(note) for note in report.notes)
        parts.append(provenance(report))
        return "\n\n".join(parts) + "\n"

    def _table(self, frame: pd.DataFrame) -> str:
        if frame.empty:
            return "(no rows)"
        shown = display_frame(frame)
        numeric = ["right" if frame[c].dtype.kind in "iuf" or c.endswith("share") else "left"
                   for c in frame.columns]
        return tabulate(shown.values.tolist(), headers=list(frame.columns),
                        tablefmt=self.style, colalign=numeric, disable_numparse=True)
