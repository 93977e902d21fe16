"""Charts for the HTML report: matplotlib figures saved as SVG, made safe to inline.

Each chart is drawn on its own `Figure` (no pyplot state), with text kept as `<text>` so the
SVG stays small, selectable and readable by screen readers. Before inlining, every element id
gets the chart's prefix (several SVGs share one HTML document) and the root gets a `<title>`,
`<desc>` and `role="img"`.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import matplotlib
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from hfexplore.sanitize import clean_text

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)

# One colour per license category in every chart and legend (Okabe-Ito, colour-blind safe).
CATEGORY_COLOURS = {
    "permissive": "#009E73",
    "copyleft": "#0072B2",
    "open-weight-restricted": "#E69F00",
    "non-commercial": "#CC79A7",
    "other": "#56B4E9",
    "unknown": "#7F7F7F",
    "none": "#C8C8C8",
}
RELATION_COLOURS = {
    "finetune": "#0072B2",
    "adapter": "#E69F00",
    "quantized": "#009E73",
    "merge": "#CC79A7",
    "unspecified": "#9A9A9A",
}
NEUTRAL = "#4C72B0"
PLACEHOLDER_COLOUR = "#D55E00"
CREATED_COLOUR = "#F4A261"
LABEL_CHARS = 28
WIDTH_IN = 5.0  # with 11 pt text: about 11 px on a phone, 17 px at the page's widest

RC: dict[str, Any] = {
    "svg.fonttype": "none",          # real <text>, not glyph paths
    "svg.hashsalt": "hfexplore",     # stable ids: the same data gives the same file
    "text.parse_math": False,        # a "$" in a repo name is not TeX
    "font.family": "DejaVu Sans",
    "font.size": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@dataclass
class Chart:
    """One chart: its SVG markup, and the numbers behind it as a small table."""

    id: str
    title: str
    svg: str
    summary: str
    columns: list[str]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)


@dataclass
class Series:
    """A stack segment of a stacked bar chart: one value per bar."""

    name: str
    values: Sequence[float]
    colour: str | list[str]


def category_colour(category: str) -> str:
    return CATEGORY_COLOURS.get(category, CATEGORY_COLOURS["other"])


def short(label: str) -> str:
    text = clean_text(str(label))
    return text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS - 1] + "…"


def thousands(value: float, _: object = None) -> str:
    return f"{value:,.0f}"


def compact(value: float, _: object = None) -> str:
    """Axis ticks: 2.5k, 10k, 1.2M (the bars' own labels stay exact)."""
    for scale, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.0f}"


def hbar_chart(chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series], *,
               x_label: str, y_label: str, summary: str, columns: list[str],
               rows: list[list[str]], legend: bool = True) -> Chart:
    """Horizontal bars (stacked when several series), largest at the top, totals at the ends."""
    with matplotlib.rc_context(cast(Any, RC)):
        fig = Figure(figsize=(WIDTH_IN, 1.2 + 0.34 * max(len(labels), 1)), dpi=100)
        axis = fig.add_subplot()
        positions = list(range(len(labels)))
        left = [0.0] * len(labels)
        for part in series:
            axis.barh(positions, part.values, left=left, color=part.colour, label=part.name,
                      height=0.72)
            left = [a + b for a, b in zip(left, part.values, strict=True)]
        for position, total in zip(positions, left, strict=True):
            axis.annotate(thousands(total), (total, position), xytext=(3, 0),
                          textcoords="offset points", va="center", fontsize=9)
        axis.set_yticks(positions, [short(label) for label in labels])
        axis.invert_yaxis()
        axis.set_xlim(0, max(left, default=0) * 1.16 or 1)
        axis.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        axis.xaxis.set_major_formatter(FuncFormatter(compact))
        axis.set_xlabel(x_label)
        axis.set_ylabel(y_label)
        if legend and len(series) > 1:
            axis.legend(loc="lower right", fontsize=8.5, frameon=False)
        fig.tight_layout()
        svg = _svg(fig, chart_id, title, summary)
    return Chart(chart_id, title, svg, summary, columns, rows)


def growth_chart(chart_id: str, title: str, periods: Sequence[str], created: Sequence[int],
                 cumulative: Sequence[int], *, period_label: str, marked: str | None,
                 marked_note: str, summary: str, columns: list[str],
                 rows: list[list[str]]) -> Chart:
    """Bars of repos created per period, and the running total as a line on a second axis."""
    with matplotlib.rc_context(cast(Any, RC)):
        fig = Figure(figsize=(WIDTH_IN, 4.2), dpi=100)
        axis = fig.add_subplot()
        positions = list(range(len(periods)))
        colours = [PLACEHOLDER_COLOUR if p == marked else CREATED_COLOUR for p in periods]
        axis.bar(positions, created, color=colours, width=0.85)
        axis.set_ylabel(f"repos created per {period_label}")
        axis.set_xlabel(period_label)
        axis.yaxis.set_major_locator(MaxNLocator(integer=True))
        axis.yaxis.set_major_formatter(FuncFormatter(compact))
        total = axis.twinx()
        total.spines["right"].set_visible(True)
        line = total.plot(positions, cumulative, color="#264653", linewidth=2)[0]
        total.set_ylabel("running total")
        total.set_ylim(0, max(cumulative, default=0) * 1.05 or 1)
        total.yaxis.set_major_formatter(FuncFormatter(compact))
        step = max(1, len(periods) // 8)
        axis.set_xticks(positions[::step], list(periods)[::step], rotation=40, ha="right")
        handles: list = [Patch(color=CREATED_COLOUR), line]
        names = [f"created per {period_label}", "running total"]
        if marked is not None and marked in periods:
            handles.append(Patch(color=PLACEHOLDER_COLOUR))
            names.append("includes the placeholder date")
            where = list(periods).index(marked)
            axis.annotate(marked_note, (where, created[where]), xytext=(12, -2),
                          textcoords="offset points", fontsize=8.5, color=PLACEHOLDER_COLOUR,
                          va="top")
        axis.legend(handles, names, loc="upper left", fontsize=8.5, frameon=False,
                    bbox_to_anchor=(0.0, 0.92))
        fig.tight_layout()
        svg = _svg(fig, chart_id, title, summary)
    return Chart(chart_id, title, svg, summary, columns, rows)


def lorenz_chart(chart_id: str, title: str, population: Sequence[float],
                 held: Sequence[float], *, label: str, x_label: str, y_label: str,
                 summary: str, columns: list[str], rows: list[list[str]]) -> Chart:
    """A Lorenz curve over the line of equality, the gap between them shaded."""
    with matplotlib.rc_context(cast(Any, RC)):
        fig = Figure(figsize=(WIDTH_IN, 4.6), dpi=100)
        axis = fig.add_subplot()
        axis.plot([0, 1], [0, 1], color="#9A9A9A", linestyle="--", linewidth=1,
                  label="equality")
        axis.plot(population, held, color=NEUTRAL, linewidth=2, label=label)
        axis.fill_between(population, held, population, color=NEUTRAL, alpha=0.15)
        axis.set_xlim(0, 1)
        axis.set_ylim(0, 1)
        axis.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:.0f}%"))
        axis.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:.0f}%"))
        axis.set_xlabel(x_label)
        axis.set_ylabel(y_label)
        axis.legend(loc="upper left", fontsize=8.5, frameon=False)
        fig.tight_layout()
        svg = _svg(fig, chart_id, title, summary)
    return Chart(chart_id, title, svg, summary, columns, rows)


def _svg(fig: Figure, chart_id: str, title: str, summary: str) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    root = ET.fromstring(buffer.getvalue())
    for element in root.findall(f"{{{SVG_NS}}}metadata"):
        root.remove(element)
    _prefix_ids(root, chart_id)
    for attribute in ("width", "height"):  # the viewBox keeps the ratio; CSS sets the width
        root.attrib.pop(attribute, None)
    root.set("role", "img")
    root.set("aria-labelledby", f"{chart_id}-title {chart_id}-desc")
    root.set("class", "chart-svg")
    title_element = ET.Element(f"{{{SVG_NS}}}title", {"id": f"{chart_id}-title"})
    title_element.text = clean_text(title)
    desc_element = ET.Element(f"{{{SVG_NS}}}desc", {"id": f"{chart_id}-desc"})
    desc_element.text = clean_text(summary)
    root.insert(0, desc_element)
    root.insert(0, title_element)
    return ET.tostring(root, encoding="unicode")


_REFERENCE = re.compile(r"#([A-Za-z_][\w.-]*)")


def _prefix_ids(root: ET.Element, prefix: str) -> None:
    """Make every id unique in the page, and every reference (href, url(#..)) follow it."""
    ids = {element.get("id") for element in root.iter() if element.get("id")}

    def rename(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"#{prefix}-{name}" if name in ids else match.group(0)

    for element in root.iter():
        for key, value in element.attrib.items():
            if key == "id":
                element.set(key, f"{prefix}-{value}")
            elif "#" in value:
                element.set(key, _REFERENCE.sub(rename, value))
        if element.text and "url(#" in element.text:  # <style> blocks
            element.text = _REFERENCE.sub(rename, element.text)
