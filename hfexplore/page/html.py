"""The self-contained HTML report: a `ReportPage` -> charts (inline SVG) -> one HTML file.

The page needs nothing when opened: CSS and charts are inline, there is no script and no link
to load. Markup comes from the Jinja2 template `templates/report.html.j2` (autoescaped); the
charts from `hfexplore.page.charts`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from hfexplore import __version__
from hfexplore.atomic_files import write_atomic
from hfexplore.errors import HfExploreError
from hfexplore.formats.base import display_cells
from hfexplore.hub import PLURAL
from hfexplore.page import shape
from hfexplore.page.charts import (
    CATEGORY_COLOURS,
    NEUTRAL,
    RELATION_COLOURS,
    Chart,
    Series,
    category_colour,
    growth_chart,
    hbar_chart,
)
from hfexplore.page.gather import ReportPage, manifest_figures, provenance
from hfexplore.report import Report, iso
from hfexplore.rows import Rows
from hfexplore.sanitize import clean_text
from hfexplore.stats.reports import NONE_LABEL
from hfexplore.verdicts import (
    Citation,
    DataUsed,
    Evidence,
    Finding,
    Measurement,
    Outcome,
    Verdict,
)

PLACEHOLDER_MONTH = "2022-03"
CHART_TITLES = {
    "license_categories": "Models by license category",
    "licenses": "Top licenses of models",
    "libraries": "Models by library",
    "tasks": "Models by task",
    "publishers": "Open-weight models by publisher (organisation family)",
    "lineage": "Top base models and their derivatives, by relation",
    "growth": "Models created per month, and the running total",
    **shape.TITLES,
}
TABLE_TITLES = {
    "drift": "License drift: derivatives against their direct bases, per origin family"}
VERDICT_CLASS = {Outcome.SUPPORTED: "ok", Outcome.REFUTED: "bad", Outcome.INCONCLUSIVE: "warn",
                 Outcome.CONTESTED: "contested", Outcome.OUT_OF_SCOPE: "muted"}


def render_html(page: ReportPage) -> str:
    """The whole report as one HTML document."""
    charts, missing = build_charts(page)
    tables = build_tables(page, missing)
    environment = Environment(loader=PackageLoader("hfexplore.page", "templates"),
                              autoescape=select_autoescape(default=True, default_for_string=True),
                              undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.filters["num"] = _num
    template = environment.get_template("report.html.j2")
    snapshot = page.snapshot
    figures = manifest_figures(snapshot) if snapshot else ([], [])
    return template.render(
        page=page, version=__version__, generated=iso(page.generated_at),
        as_of=iso(page.as_of) if page.as_of else "", source=snapshot.source if snapshot else "live",
        provenance=provenance(snapshot) if snapshot else [],
        manifest_columns=figures[0], manifest_rows=figures[1],
        filters=page.filters.describe(), totals=page.totals, plural=PLURAL,
        charts=charts, tables=tables, missing=missing,
        chart_titles={**CHART_TITLES, **TABLE_TITLES},
        category_colours=CATEGORY_COLOURS, claims=claim_cards(page),
        verdicts=page.claims.counts if page.claims else {},
        svg=lambda chart: Markup(chart.svg))  # serialised by ElementTree: escaped


def write_html(page: ReportPage, path: str | Path) -> Path:
    """Render and write atomically: the file is complete or absent, never half-written."""
    return write_page(render_html(page), path)


def write_page(text: str, path: str | Path) -> Path:
    """Write a rendered page atomically: the file is complete or absent, never half-written."""
    target = Path(path)
    try:
        write_atomic(target, text.encode("utf-8"))
    except OSError as exc:
        raise HfExploreError(f"cannot write {target}: {exc.strerror or exc}") from exc
    return target


# -- charts -------------------------------------------------------------------------------------
def build_charts(page: ReportPage) -> tuple[dict[str, Chart], dict[str, str]]:
    """One chart per report that has rows; a reason for every chart that could not be drawn."""
    makers = {"license_categories": _license_categories, "licenses": _licenses,
              "libraries": _libraries, "tasks": _tasks, "publishers": _publishers,
              "lineage": _lineage, "growth": _growth, **shape.MAKERS}
    charts: dict[str, Chart] = {}
    missing = {key: why for key, why in page.missing.items() if key in makers}
    for key, report in page.reports.items():
        if key not in makers:
            continue  # a table, not a chart (build_tables)
        chart = makers[key](report, page.top)
        if chart is None:
            missing[key] = "no repos match" + (" the filters" if page.filters.describe() else "")
        else:
            charts[key] = chart
    return charts, missing


def build_tables(page: ReportPage, missing: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The tables shown without a chart (license drift), each with its totals line and notes;
    a reason in `missing` for each that could not be made."""
    tables: dict[str, dict[str, Any]] = {}
    report = page.reports.get("drift")
    if report is None:
        if "drift" in page.missing:
            missing["drift"] = page.missing["drift"]
        return tables
    totals = report.extra.get("totals", {})
    if not totals.get("pairs"):
        missing["drift"] = "no model of the snapshot names a base model"
        return tables
    shown = report.rows.drop(columns=["more_restrictive_share"])
    columns, rows = _table(shown)
    less = totals.get("less_restrictive_share")
    summary = (f"{int(totals['pairs']):,} lineage edges; of the {int(totals['compared']):,} "
               "whose licenses can be compared, "
               + (f"{100 * less:.1f}% are less restrictive than their base and "
                  f"{100 * (totals.get('more_restrictive_share') or 0):.1f}% more."
                  if less is not None else "none."))
    evidence = report.sections.get("evidence")
    tables["drift"] = {"summary": summary, "columns": columns, "rows": rows,
                       "evidence": _table(evidence) if evidence is not None and len(evidence)
                       else None, "notes": report.notes}
    return tables


def _ranked_summary(labels: list[str], counts: list[int], shares: list[float] | None,
                    noun: str) -> str:
    parts = []
    for index, (label, count) in enumerate(zip(labels[:3], counts[:3], strict=False)):
        share = f" ({100 * shares[index]:.1f}%)" if shares else ""
        parts.append(f"{clean_text(label)}: {count:,} {noun}{share}")
    return "Largest: " + "; ".join(parts) + "." if parts else "No data."


def _table(frame: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    table = Rows.of(frame)
    return [str(c).replace("_", " ") for c in table.columns], display_cells(table)


def _license_categories(report: Report, top: int) -> Chart | None:
    rows = report.rows
    if rows.empty or rows["count"].sum() == 0:
        return None
    labels, counts = rows["category"].tolist(), rows["count"].astype(int).tolist()
    columns, table = _table(rows)
    return hbar_chart("license-categories", CHART_TITLES["license_categories"], labels,
                      [Series("models", counts, [category_colour(c) for c in labels])],
                      x_label="models", y_label="license category",
                      summary=_ranked_summary(labels, counts, rows["share"].tolist(), "models"),
                      columns=columns, rows=table)


def _licenses(report: Report, top: int) -> Chart | None:
    rows = report.rows
    if rows.empty:
        return None
    labels, counts = rows["license"].tolist(), rows["count"].astype(int).tolist()
    columns, table = _table(rows)
    return hbar_chart("licenses", CHART_TITLES["licenses"], labels,
                      [Series("models", counts,
                              [category_colour(c) for c in rows["category"]])],
                      x_label="models", y_label="license (colour: its category)",
                      summary=_ranked_summary(labels, counts, rows["share"].tolist(), "models"),
                      columns=columns, rows=table)


def _value_chart(key: str, chart_id: str, report: Report, label: str, y_label: str
                 ) -> Chart | None:
    rows = report.rows
    if rows.empty:
        return None
    labels, counts = rows[label].tolist(), rows["count"].astype(int).tolist()
    colours = [CATEGORY_COLOURS["none"] if v == NONE_LABEL else NEUTRAL for v in labels]
    columns, table = _table(rows)
    return hbar_chart(chart_id, CHART_TITLES[key], labels, [Series("models", counts, colours)],
                      x_label="models", y_label=y_label,
                      summary=_ranked_summary(labels, counts, rows["share"].tolist(), "models"),
                      columns=columns, rows=table)


def _libraries(report: Report, top: int) -> Chart | None:
    return _value_chart("libraries", "libraries", report, "library", "library (library_name)")


def _tasks(report: Report, top: int) -> Chart | None:
    return _value_chart("tasks", "tasks", report, "task", "task (pipeline_tag)")


def _publishers(report: Report, top: int) -> Chart | None:
    published = report.sections.get("by_publisher")
    if published is None or published.empty:
        return None
    category_of = dict(zip(report.rows["license"], report.rows["category"], strict=True))
    frame = published.assign(category=published["license"].map(category_of).fillna("other"))
    wide = frame.pivot_table(index="family", columns="category", values="count",
                             aggfunc="sum", fill_value=0)
    categories = [c for c in CATEGORY_COLOURS if c in wide.columns]
    wide = wide[categories]
    wide["total"] = wide.sum(axis=1)
    wide = wide.reset_index().sort_values(["total", "family"], ascending=[False, True],
                                          kind="stable")
    if top:
        wide = wide.head(top)
    labels = wide["family"].tolist()
    series = [Series(c, wide[c].astype(int).tolist(), category_colour(c)) for c in categories]
    columns, table = _table(wide.astype({c: "int64" for c in [*categories, "total"]}))
    return hbar_chart("publishers", CHART_TITLES["publishers"], labels, series,
                      x_label="open-weight models", y_label="organisation family",
                      summary=_ranked_summary(labels, wide["total"].astype(int).tolist(), None,
                                              "open-weight models"),
                      columns=columns, rows=table)


def _lineage(report: Report, top: int) -> Chart | None:
    rows = report.rows
    if rows.empty:
        return None
    relations = [r for r in RELATION_COLOURS if r in rows.columns and rows[r].sum() > 0]
    labels = rows["base_model"].tolist()
    series = [Series(r, rows[r].astype(int).tolist(), RELATION_COLOURS[r]) for r in relations]
    columns, table = _table(rows)
    chart = hbar_chart("lineage", CHART_TITLES["lineage"], labels, series,
                       x_label="derivative models", y_label="base model",
                       summary=_ranked_summary(labels, rows["derivatives"].astype(int).tolist(),
                                               None, "derivatives"),
                       columns=columns, rows=table)
    if relations == ["unspecified"]:
        chart.notes.append("Every derivative's relation is unspecified: the data predates the "
                           "Hub's base_model:<relation>:<repo> tags.")
    share = report.extra.get("base_share")
    if share is not None:
        chart.notes.append(f"{int(report.extra.get('models_with_base', 0)):,} of "
                           f"{int(report.extra.get('models', 0)):,} models ({100 * share:.1f}%) "
                           "name a base model.")
    return chart


def _growth(report: Report, top: int) -> Chart | None:
    rows = report.rows
    if rows.empty:
        return None
    period = str(rows.columns[0])
    periods = rows[period].astype(str).tolist()
    placeholder = [n for n in report.notes if "placeholder" in n]
    marked = PLACEHOLDER_MONTH if placeholder and PLACEHOLDER_MONTH in periods else None
    created = rows["created"].astype(int).tolist()
    cumulative = rows["cumulative"].astype(int).tolist()
    peak = max(range(len(created)), key=created.__getitem__)
    summary = (f"From {periods[0]} to {periods[-1]}, {cumulative[-1]:,} models in all; the "
               f"busiest {period} was {periods[peak]} with {created[peak]:,}.")
    columns, table = _table(rows)
    chart = growth_chart("growth", CHART_TITLES["growth"], periods, created, cumulative,
                         period_label=period, marked=marked,
                         marked_note="placeholder date\n(older repos)",
                         summary=summary, columns=columns, rows=table)
    if marked:
        chart.notes.append(f"The {marked} bar (darker) is inflated: {placeholder[0]}.")
    if report.as_of.strftime("%Y-%m") == periods[-1]:
        chart.notes.append(f"{periods[-1]} is partial: the data ends on "
                           f"{iso(report.as_of)[:10]}.")
    undated = int(report.extra.get("undated") or 0)
    if undated:
        chart.notes.append(f"{undated:,} models have no creation date and are not counted.")
    return chart


# -- claims -------------------------------------------------------------------------------------
def claim_cards(page: ReportPage) -> list[dict[str, Any]]:
    """One card per verdict: what was claimed, by whom and when, and what the data says."""
    return [] if page.claims is None else [_card(verdict) for verdict in page.claims.verdicts]


def _card(verdict: Verdict) -> dict[str, Any]:
    comparisons = _comparisons(verdict)
    compared = {(name, measured) for name, measured, _ in comparisons}
    data = verdict.data
    evidence = ((clean_text(name), _evidence(item))
                for name, item in verdict.listed_evidence().items())
    return {
        "id": verdict.id,
        "quote": clean_text(verdict.quote),
        "article": _article(verdict.article),
        "claim_date": verdict.claim_date.isoformat() if verdict.claim_date else "unknown",
        "verdict": str(verdict.verdict),
        "direction": str(verdict.direction or ""),
        "css": VERDICT_CLASS[verdict.verdict],
        "comparisons": comparisons,
        "data_date": (iso(data.as_of) + (f" (its newest repo is from {data.earliest}: the data "
                                         "may be of any day between)" if data.earliest else ""))
        if data else "",
        "data_source": clean_text(data.label) if data else "",
        "method": clean_text(data.method) if data else "",
        "gap": _gap(verdict.claim_date, data),
        "caveat": clean_text("; ".join(verdict.caveats)),
        "note": clean_text(verdict.note),
        "evidence": [shown for shown in evidence if shown not in compared],
        "readings": [{"name": clean_text(r.name),
                      "measured": _measured(r.measured, r.percent) or "not measured",
                      "verdict": str(r.verdict) + (f" ({r.direction})" if r.direction else ""),
                      "expected": clean_text(r.expected), "reason": clean_text(r.reason),
                      "cannot_see": clean_text(r.cannot_see), "note": clean_text(r.note)}
                     for r in verdict.readings],
    }


def _article(cited: Citation | None) -> dict[str, str]:
    """The claim's source: its article (or the claim file's `source`); only an http(s)
    address becomes a link."""
    if cited is None:
        return {"title": "", "url": ""}
    url = clean_text(cited.url)
    return {"title": clean_text(cited.text),
            "url": url if url.startswith(("https://", "http://")) else ""}


def _comparisons(verdict: Verdict) -> list[tuple[str, str, str]]:
    """(part name or "", measured, expected) per judged metric."""
    if verdict.parts:
        return [(clean_text(p.name), f"{p.verdict} by its readings" if p.readings else
                 _measured(p.measured, False), clean_text(p.expected)) for p in verdict.parts]
    finding = verdict.finding
    if finding is None or finding.readings:
        return []
    return [("", _measured(finding.measured, finding.kind == "share"),
             clean_text(finding.expected))]


def _measured(measured: Measurement | None, share: bool) -> str:
    if measured is None:
        return ""
    value = measured.number
    if share:
        return f"{value:g} ({100 * value:.1f}%)"
    return f"{value:,}" if float(value).is_integer() else f"{value:,.4g}"


def _evidence(item: Finding | Evidence) -> str:
    if isinstance(item, Finding):
        return clean_text(item.summary())
    if item.measured is None:
        return clean_text(f"unavailable: {item.unavailable}")
    data = item.measured.data
    sample = f", {data.estimated_from}" if data.estimated_from else ""
    return clean_text(f"{_measured(item.measured, False)} ({data.label}{sample})")


def _gap(claimed: date | None, data: DataUsed | None) -> str:
    """How far apart the data and the claim are, in days, when both dates are known."""
    if claimed is None or data is None:
        return ""
    days = (data.day - claimed).days
    if days == 0:
        return "the data is from the day of the claim"
    return (f"the data is {abs(days):,} days {'older' if days < 0 else 'newer'} than the claim")


def _num(value: Any) -> str:
    return f"{int(value):,}" if isinstance(value, int | float) else ""
