"""The self-contained HTML report: a `ReportPage` -> charts (inline SVG) -> one HTML file.

The page needs nothing when opened: CSS and charts are inline, there is no script and no link
to load. Markup comes from the Jinja2 template `templates/report.html.j2` (autoescaped); the
charts from `hfexplore.page.charts`.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from hfexplore import __version__
from hfexplore.atomic_files import write_atomic
from hfexplore.claims import Claim
from hfexplore.errors import HfExploreError
from hfexplore.formats.base import display_frame
from hfexplore.hub import PLURAL
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
from hfexplore.sanitize import clean_text
from hfexplore.stats.reports import NONE_LABEL

PLACEHOLDER_MONTH = "2022-03"
CHART_TITLES = {
    "license_categories": "Models by license category",
    "licenses": "Top licenses of models",
    "libraries": "Models by library",
    "tasks": "Models by task",
    "publishers": "Open-weight models by publisher (organisation family)",
    "lineage": "Top base models and their derivatives, by relation",
    "growth": "Models created per month, and the running total",
}
VERDICT_CLASS = {"supported": "ok", "refuted": "bad", "inconclusive": "warn",
                 "out-of-scope": "muted"}


def render_html(page: ReportPage) -> str:
    """The whole report as one HTML document."""
    charts, missing = build_charts(page)
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
        charts=charts, missing=missing, chart_titles=CHART_TITLES,
        category_colours=CATEGORY_COLOURS, claims=claim_cards(page),
        verdicts=(page.claims.extra.get("verdicts", {}) if page.claims else {}),
        svg=lambda chart: Markup(chart.svg))  # serialised by ElementTree: escaped


def write_html(page: ReportPage, path: str | Path) -> Path:
    """Render and write atomically: the file is complete or absent, never half-written."""
    target = Path(path)
    text = render_html(page)
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
              "lineage": _lineage, "growth": _growth}
    charts: dict[str, Chart] = {}
    missing = {key: why for key, why in page.missing.items() if key in makers}
    for key, report in page.reports.items():
        chart = makers[key](report, page.top) if key in makers else None
        if chart is None:
            missing[key] = "no repos match" + (" the filters" if page.filters.describe() else "")
        else:
            charts[key] = chart
    return charts, missing


def _ranked_summary(labels: list[str], counts: list[int], shares: list[float] | None,
                    noun: str) -> str:
    parts = []
    for index, (label, count) in enumerate(zip(labels[:3], counts[:3], strict=False)):
        share = f" ({100 * shares[index]:.1f}%)" if shares else ""
        parts.append(f"{clean_text(label)}: {count:,} {noun}{share}")
    return "Largest: " + "; ".join(parts) + "." if parts else "No data."


def _table(frame: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    shown = display_frame(frame)
    return ([str(c).replace("_", " ") for c in shown.columns],
            [[str(v) for v in row] for row in shown.itertuples(index=False)])


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
    """One card per claim row: what was claimed, by whom and when, and what the data says."""
    if page.claims is None:
        return []
    cards = []
    for row in page.claims.rows.to_dict("records"):
        claim = page.claim_definitions.get(str(row["id"]))
        share = claim is not None and claim.metric is not None and claim.metric.kind == "share"
        comparisons = _comparisons(row.get("measured"), row.get("expected"), share)
        compared = {(name, measured) for name, measured, _ in comparisons}
        claim_date = _text(row.get("claim_date")) or (
            claim.date.isoformat() if claim and claim.date else "unknown")
        data_date = _text(row.get("data_as_of")) or _text(row.get("as_of"))
        cards.append({
            "id": row["id"],
            "quote": _text(row.get("quote")) or (claim.quote if claim else ""),
            "article": _article(row.get("article"), claim),
            "claim_date": claim_date,
            "verdict": row["verdict"],
            "direction": _text(row.get("direction")),
            "css": VERDICT_CLASS.get(str(row["verdict"]), "muted"),
            "comparisons": comparisons,
            "data_date": data_date,
            "data_source": _text(row.get("source")),
            "method": _text(row.get("method")),
            "gap": _gap(claim_date, data_date),
            "caveat": _text(row.get("caveat")) if "caveat" in row else
            (claim.notes if claim else ""),
            "note": _text(row.get("note")),
            "evidence": [(name, value) for name, value in (
                (clean_text(str(k)), _value(v, False))
                for k, v in (row.get("evidence") or {}).items()) if (name, value) not in compared],
        })
    return cards


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return clean_text(str(value))


def _article(value: Any, claim: Claim | None) -> dict[str, str]:
    """The claim's source: the row's `article` (a title, or a table with title/url) or the
    claim file's `source`. Only http(s) addresses become links."""
    title, url = "", ""
    if isinstance(value, dict):
        title = _text(value.get("title") or value.get("name") or value.get("source"))
        url = _text(value.get("url"))
    elif value is not None:
        title = _text(value)
    if not title and claim is not None:
        title = clean_text(claim.source)
    if not url.startswith(("https://", "http://")):
        url = ""
    return {"title": title, "url": url}


def _comparisons(measured: Any, expected: Any, share: bool) -> list[tuple[str, str, str]]:
    if measured is None and expected is None:
        return []
    if isinstance(measured, dict):
        expectations = expected if isinstance(expected, dict) else {}
        return [(clean_text(str(name)), _value(value, False), _text(expectations.get(name)))
                for name, value in measured.items()]
    return [("", _value(measured, share), _text(expected))]


def _value(value: Any, share: bool) -> str:
    if isinstance(value, bool) or value is None:
        return _text(value)
    if isinstance(value, int | float) and not pd.isna(value):
        if share:
            return f"{value:g} ({100 * value:.1f}%)"
        return f"{value:,}" if float(value).is_integer() else f"{value:,.4g}"
    return _text(value)


def _gap(claim_date: str, data_date: str) -> str:
    """How far apart the data and the claim are, in days, when both dates are known."""
    try:
        claimed = date.fromisoformat(claim_date[:10])
        measured = datetime.fromisoformat(data_date.replace("Z", "+00:00")).date()
    except ValueError:
        return ""
    days = (measured - claimed).days
    if days == 0:
        return "the data is from the day of the claim"
    return (f"the data is {abs(days):,} days {'older' if days < 0 else 'newer'} than the claim")


def _num(value: Any) -> str:
    return f"{int(value):,}" if isinstance(value, int | float) else ""
