from __future__ import annotations

import pandas as pd
from tabulate import tabulate

from hfexplore.formats.base import Format, clean_text, display_frame
from hfexplore.report import Report, iso


class TableFormat(Format):
    """Aligned plain-text tables for a terminal."""

    name = "table"
    style = "simple"

    def heading(self, text: str) -> str:
        return text

    def render(self, report: Report) -> str:
        parts = [self.heading(f"{clean_text(report.title)} (as of {iso(report.as_of)}, "
                              f"source: {clean_text(report.source)})")]
        parts.append(self._table(report.rows))
        for name, frame in report.sections.items():
            parts.append(self.heading(name.replace("_", " ").capitalize()))
            parts.append(self._table(frame))
        parts.extend(clean_text(note) for note in report.notes)
        return "\n\n".join(parts) + "\n"

    def _table(self, frame: pd.DataFrame) -> str:
        if frame.empty:
            return "(no rows)"
        shown = display_frame(frame)
        numeric = ["right" if frame[c].dtype.kind in "iuf" or c.endswith("share") else "left"
                   for c in frame.columns]
        return tabulate(shown.values.tolist(), headers=list(frame.columns),
                        tablefmt=self.style, colalign=numeric, disable_numparse=True)
