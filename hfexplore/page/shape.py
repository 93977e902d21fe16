"""The shape of the ecosystem on the HTML report: how concentrated downloads are (a Lorenz
curve), and models by size and by weight format (bars), from the `concentration`, `sizes` and
`formats` reports."""

from __future__ import annotations

from hfexplore.page.charts import NEUTRAL, Chart, Series, hbar_chart, lorenz_chart
from hfexplore.report import Report
from hfexplore.stats.concentration import concentration
from hfexplore.stats.formats import formats
from hfexplore.stats.sizes import HOW_TO_GET_SIZES, UNKNOWN, sizes

TITLES = {
    "concentration": "How concentrated models' downloads are (Lorenz curve)",
    "sizes": "Models by size (parameters, from safetensors)",
    "formats": "Models by weight format",
}
# key -> how to make its report, as page/gather.py's CHART_REPORTS
REPORTS = {
    "concentration": lambda s, f, top, fam: concentration(s, filters=f, with_lorenz=True,
                                                          families=fam),
    "sizes": lambda s, f, top, fam: sizes(s, filters=f),
    "formats": lambda s, f, top, fam: formats(s, top=top, filters=f),
}


def lorenz(report: Report, top: int) -> Chart | None:
    points = report.extra.get("lorenz") or []
    if not report.extra.get("units") or not points:
        return None
    shares = {row["top"]: row["share"] for row in report.rows.to_dict("records")}
    gini = report.extra.get("gini")
    summary = (f"The top 1% of models hold {100 * (shares.get('1%') or 0):.1f}% of downloads, "
               f"the top 10% {100 * (shares.get('10%') or 0):.1f}%; Gini "
               f"{'n/a' if gini is None else f'{gini:.3f}'}; "
               f"{100 * (report.extra.get('zero_share') or 0):.1f}% have none.")
    rows = [[str(row["top"]), f"{int(row['count']):,}",
             "" if row["share"] is None else f"{100 * row['share']:.2f}%"]
            for row in report.rows.to_dict("records")]
    return lorenz_chart("concentration", TITLES["concentration"],
                        [p["population_share"] for p in points],
                        [p["value_share"] for p in points],
                        label="Lorenz curve" + (f" (Gini {gini:.3f})" if gini else ""),
                        x_label="models, fewest downloads first (cumulative share)",
                        y_label="downloads (cumulative share)", summary=summary,
                        columns=["top", "models", "share of downloads"], rows=rows)


def size_bars(report: Report, top: int) -> Chart | None:
    rows = report.rows
    if rows.empty or rows["count"].sum() == 0:
        return None
    labels, counts = rows["size"].tolist(), rows["count"].astype(int).tolist()
    colours = ["#C8C8C8" if label == UNKNOWN else NEUTRAL for label in labels]
    known = int(report.extra.get("with_size") or 0)
    chart = hbar_chart("sizes", TITLES["sizes"], labels, [Series("models", counts, colours)],
                       x_label="models", y_label="parameters", legend=False,
                       summary=f"{known:,} of {int(rows['count'].sum()):,} models have a "
                               "parameter count.",
                       columns=["size", "models"],
                       rows=[[label, f"{count:,}"] for label, count in zip(labels, counts,
                                                                           strict=True)])
    if not known:
        chart.notes.append(HOW_TO_GET_SIZES[0].upper() + HOW_TO_GET_SIZES[1:] + ".")
    return chart


def format_bars(report: Report, top: int) -> Chart | None:
    rows = report.rows
    if rows.empty:
        return None
    labels, counts = rows["format"].tolist(), rows["count"].astype(int).tolist()
    chart = hbar_chart("formats", TITLES["formats"], labels,
                       [Series("models", counts, NEUTRAL)], x_label="models",
                       y_label="format (from tags)", legend=False,
                       summary="Largest: " + "; ".join(f"{label}: {count:,} models" for
                                                       label, count in zip(labels[:3],
                                                                           counts[:3],
                                                                           strict=False)),
                       columns=["format", "models"],
                       rows=[[label, f"{count:,}"] for label, count in zip(labels, counts,
                                                                           strict=True)])
    chart.notes.append("A model with several formats counts under each; the tag rules and "
                       "their reasons are in hfexplore/data/formats.toml.")
    return chart


MAKERS = {"concentration": lorenz, "sizes": size_bars, "formats": format_bars}
