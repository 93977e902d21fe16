from __future__ import annotations

from hfexplore.formats.base import Format, clean_text, display_cells
from hfexplore.report import Report, iso
from hfexplore.rows import Rows


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
        for name, frame in report.lead.light().items():
            parts.append(self.heading(_section_title(name)))
            parts.append(self._table(frame))
        if report.rows_heading:
            parts.append(self.heading(clean_text(report.rows_heading)))
        parts.append(self._table(report.table))
        for name, frame in report.sections.light().items():
            title = report.section_titles.get(name) or _section_title(name)
            parts.append(self.heading(clean_text(title)))
            parts.append(self._table(frame))
        parts.extend(clean_text(note) for note in report.notes)
        parts.append(provenance(report))
        return "\n\n".join(parts) + "\n"

    def _table(self, table: Rows) -> str:
        from tabulate import tabulate

        if table.empty:
            return "(no rows)"
        numeric = ["right" if kind in ("int", "float") or name.endswith("share") else "left"
                   for name, kind in zip(table.columns, table.kinds, strict=True)]
        return tabulate(display_cells(table), headers=list(table.columns),
                        tablefmt=self.style, colalign=numeric, disable_numparse=True)
