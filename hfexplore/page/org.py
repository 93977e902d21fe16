"""One organisation's self-contained HTML page (`report --org NAME --html FILE`): the `org`
report (`ecosystem/org.py`) as charts (inline SVG) and tables, rendered by the Jinja2
template `templates/org.html.j2`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from hfexplore import __version__
from hfexplore.ecosystem.org import org
from hfexplore.formats.base import display_cells
from hfexplore.knowledge import Families
from hfexplore.page.charts import Chart, Series, category_colour, growth_chart, hbar_chart
from hfexplore.report import Report, iso
from hfexplore.rows import Rows
from hfexplore.store.snapshot import Snapshot

SECTIONS = {"derivatives_by_relation": "Derivatives by relation, and by whom",
            "derivative_publishers": "Who publishes its descendants"}


def org_page(snapshot: Snapshot, name: str, *, top: int = 15,
             families: Families | None = None) -> Report:
    return org(snapshot, name, top=top, families=families)


def render_org_html(report: Report, generated: datetime | None = None) -> str:
    environment = Environment(loader=PackageLoader("hfexplore.page", "templates"),
                              autoescape=select_autoescape(default=True, default_for_string=True),
                              undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    summary = report.extra["summary"]
    shown = Rows.of(pd.DataFrame([summary]))
    facts = [(str(k).replace("_", " "), v) for k, v in zip(
        shown.columns, display_cells(shown)[0], strict=True) if k not in ("organisation", "kind")]
    tables = [(title, *_table(report.sections[key])) for key, title in SECTIONS.items()]
    tables.insert(0, ("Most downloaded models", *_table(report.rows)))
    charts = [c for c in (_releases(report), _license_mix(report)) if c is not None]
    return environment.get_template("org.html.j2").render(
        name=summary["organisation"], kind=summary["kind"],
        namespaces=", ".join(report.extra["namespaces"]), as_of=iso(report.as_of),
        source=report.source, facts=facts, charts=charts, tables=tables, notes=report.notes,
        version=__version__, generated=iso(generated or datetime.now(UTC)),
        svg=lambda chart: Markup(chart.svg))  # serialised by ElementTree: escaped


def write_org_html(report: Report, path: str | Path) -> Path:
    """Render and write atomically: the file is complete or absent."""
    from hfexplore.page.html import write_page

    return write_page(render_org_html(report), path)


def _table(frame: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    table = Rows.of(frame)
    return [str(c).replace("_", " ") for c in table.columns], display_cells(table)


def _releases(report: Report) -> Chart | None:
    months = report.sections["releases_per_month"].dropna()
    if months.empty:
        return None
    index = pd.period_range(months["month"].min(), months["month"].max(), freq="M")
    counts = months.set_index(pd.PeriodIndex(months["month"], freq="M"))["models"].reindex(
        index, fill_value=0).astype(int)
    periods = [str(p) for p in index]
    created = counts.tolist()
    cumulative = counts.cumsum().tolist()
    columns, rows = _table(months)
    return growth_chart("releases", "Models released per month, and the running total",
                        periods, created, cumulative, period_label="month", marked=None,
                        marked_note="", summary=f"{cumulative[-1]:,} models from {periods[0]} "
                        f"to {periods[-1]}.", columns=columns, rows=rows)


def _license_mix(report: Report) -> Chart | None:
    mix = report.sections["license_mix"]
    if mix.empty:
        return None
    labels = mix["category"].tolist()
    counts = mix["models"].astype(int).tolist()
    columns, rows = _table(mix)
    return hbar_chart("license-mix", "Its models by license category", labels,
                      [Series("models", counts, [category_colour(c) for c in labels])],
                      x_label="models", y_label="license category",
                      summary=f"Largest: {labels[0]} ({counts[0]:,} models).",
                      columns=columns, rows=rows)


