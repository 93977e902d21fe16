from __future__ import annotations

from hfexplore.formats.base import Format, clean_text, display_cells
from hfexplore.formats.fit import fit_table, wrap
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
    """Aligned plain-text tables for a terminal: within `width` columns when one is given
    (`formats/fit.py`: columns of zeros left out, long text shortened, the last columns left
    out, each said in a note)."""

    name = "table"
    style = "simple"

    def __init__(self, width: int | None = None) -> None:
        self.width = width

    def heading(self, text: str) -> str:
        return text

    def render(self, report: Report) -> str:
        parts = [self._heading(report.title)]
        for name, frame in report.lead.light().items():
            parts.append(self._heading(_section_title(name)))
            parts.append(self._table(frame))
        if report.rows_heading:
            parts.append(self._heading(report.rows_heading))
        parts.append(self._table(report.table))
        for name, frame in report.sections.light().items():
            parts.append(self._heading(report.section_titles.get(name) or _section_title(name)))
            parts.append(self._table(frame))
        parts.extend(wrap(clean_text(note), self.width) for note in report.notes)
        parts.append(wrap(provenance(report), self.width))
        return "\n\n".join(parts) + "\n"

    def _heading(self, text: str) -> str:
        return wrap(self.heading(clean_text(text)), self.width)

    def _table(self, table: Rows) -> str:
        if table.empty:
            return "(no rows)"
        text, notes = fit_table(table, display_cells(table), self._tabulate, self.width)
        return "\n".join([text, *(wrap(f"({note})", self.width) for note in notes)])

    def _tabulate(self, table: Rows, cells: list[list[str]]) -> str:
        from tabulate import tabulate

        numeric = ["right" if kind in ("int", "float") or name.endswith("share") else "left"
                   for name, kind in zip(table.columns, table.kinds, strict=True)]
        return tabulate(cells, headers=list(table.columns), tablefmt=self.style,
                        colalign=numeric, disable_numparse=True)
