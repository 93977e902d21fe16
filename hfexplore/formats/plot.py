"""Plots, drawn with matplotlib (a dependency of hfexplore, loaded only when a plot is asked).

`growth_figure`, `history_figure` and `lorenz_figure` build the figure (tests inspect its
axes); `plot_growth`, `plot_history` and `plot_lorenz` write it to a file whose extension
picks the image type.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from hfexplore.arguments import PLOT_EXTENSIONS
from hfexplore.atomic_files import replace_file
from hfexplore.errors import HfExploreError, PlotFormatError
from hfexplore.report import Report, iso

# The creation time the Hub gave every repo older than its date tracking.
PLACEHOLDER_PERIODS = {"month": "2022-03", "year": "2022"}


def check_plot_path(path: str | Path) -> None:
    """Refuse a file name whose extension is not an image type this module writes."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in PLOT_EXTENSIONS:
        kinds = ", ".join(f".{e}" for e in PLOT_EXTENSIONS[:-1]) + f" or .{PLOT_EXTENSIONS[-1]}"
        found = f"'.{suffix}' is not one of them" if suffix else "this name has no extension"
        raise PlotFormatError(f"{path}: plots are written as {kinds}, chosen by the file name's "
                              f"extension; {found}")


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise HfExploreError("plots need matplotlib, a dependency of hfexplore that is missing "
                             "here: pip install matplotlib") from None
    return plt


def _save(fig: Any, path: str | Path) -> None:
    """Written like every output file (`replace_file`): a symlink's target is replaced, a
    device or FIFO refused; the image type is the extension of the name the user gave."""
    plt = _pyplot()
    kind = Path(path).suffix.lower().lstrip(".")
    try:
        replace_file(Path(path), lambda handle: fig.savefig(handle, format=kind))
    except OSError as exc:
        raise HfExploreError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        plt.close(fig)


def _thousands(axis: Any) -> None:
    from matplotlib import ticker

    axis.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))


def partial_period(report: Report) -> str | None:
    """The last period's label when the data was taken before that period ended."""
    rows = report.rows
    if rows.empty:
        return None
    by = rows.columns[0]
    last = pd.Period(str(rows[by].iloc[-1]), freq="M" if by == "month" else "Y")
    as_of = pd.Timestamp(report.as_of)
    if as_of.tzinfo is not None:
        as_of = as_of.tz_convert("UTC").tz_localize(None)
    return str(rows[by].iloc[-1]) if as_of < last.end_time else None


def growth_figure(report: Report) -> Any:
    """Bars of creations per period and a line of the running total, on two axes; the
    placeholder spike of 2022-03 and a partial last period are marked."""
    plt = _pyplot()
    rows = report.rows
    by = rows.columns[0]
    labels = rows[by].astype(str).tolist()
    fig, left = plt.subplots(figsize=(11, 5.5), dpi=110)
    positions = list(range(len(rows)))
    bars = left.bar(positions, rows["created"], color="#f4a261", label="created in the period")
    left.set_ylabel("repos created per " + by)
    right = left.twinx()
    right.plot(positions, rows["cumulative"], color="#264653", linewidth=2.2,
               label="cumulative")
    right.set_ylabel("cumulative repos")
    for axis in (left, right):
        _thousands(axis)
    placeholder = int(report.extra.get("placeholder_created") or 0)
    spike = PLACEHOLDER_PERIODS.get(by)
    if placeholder and spike in labels:
        at = labels.index(spike)
        left.bar([at], [bars[at].get_height()], color="#e76f51",
                 label=f"{spike}: includes {placeholder:,} repos with the Hub's placeholder "
                       "creation time 2022-03-02T23:29")
    partial = partial_period(report)
    if partial is not None:
        left.bar([positions[-1]], [bars[-1].get_height()], color="white", edgecolor="#f4a261",
                 hatch="//", label=f"{partial}: partial period (data to "
                                   f"{iso(report.as_of)[:10]})")
    step = max(1, len(rows) // 12)
    left.set_xticks(positions[::step])
    left.set_xticklabels(labels[::step], rotation=45, ha="right")
    left.set_xlabel(by)
    left.set_title(report.title)
    fig.legend(loc="upper left", bbox_to_anchor=(0.07, 0.9))
    fig.tight_layout()
    return fig


def history_figure(report: Report) -> Any:
    """One line per series (repo type, category or library) on a real time axis: uneven gaps
    between snapshots stay uneven, two snapshots of one day stay apart."""
    plt = _pyplot()
    from matplotlib import dates

    rows = report.rows
    moments = pd.to_datetime(rows["date"], utc=True).dt.tz_localize(None)
    fig, axis = plt.subplots(figsize=(11, 5.5), dpi=110)
    if "count" in rows:  # long form: date, snapshot, <key>, count
        key = rows.columns[2]
        for name, group in rows.groupby(key, sort=False):
            axis.plot(moments[group.index], group["count"], marker="o", label=str(name))
    else:  # wide form: date, snapshot, then model, dataset, space (or gini, top1)
        measure = report.extra.get("metric") in ("gini", "top1")
        for column in [c for c in rows.columns if c not in ("date", "snapshot")]:
            axis.plot(moments, rows[column].astype("float64"), marker="o",
                      label=column if measure else f"{column}s")
    locator = dates.AutoDateLocator()
    axis.xaxis.set_major_locator(locator)
    axis.xaxis.set_major_formatter(dates.ConciseDateFormatter(locator))
    if report.extra.get("metric") in ("gini", "top1"):
        axis.set_ylabel("Gini coefficient" if report.extra["metric"] == "gini" else
                        "share of downloads held by the top 1%")
    else:
        _thousands(axis)
        axis.set_ylabel("repos")
    axis.set_xlabel("snapshot time (UTC)")
    axis.set_title(report.title)
    axis.legend(loc="best")
    fig.tight_layout()
    return fig


def lorenz_figure(report: Report) -> Any:
    """The Lorenz curve of a concentration report (its `lorenz` points), the line of equality,
    and the top 1% share marked; the Gini coefficient in the legend."""
    plt = _pyplot()
    points = pd.DataFrame(report.extra.get("lorenz") or [])
    if points.empty:
        raise HfExploreError("this report has no Lorenz curve (ask for one with --plot)")
    fig, axis = plt.subplots(figsize=(7, 6.5), dpi=110)
    axis.plot([0, 1], [0, 1], color="#9a9a9a", linestyle="--", linewidth=1,
              label="equality (every unit the same)")
    gini = report.extra.get("gini")
    axis.plot(points["population_share"], points["value_share"], color="#264653", linewidth=2.2,
              label="Lorenz curve" + (f" (Gini {gini:.3f})" if gini is not None else ""))
    axis.fill_between(points["population_share"], points["value_share"],
                      points["population_share"], color="#2a9d8f", alpha=0.15)
    rows = report.rows
    top = rows[rows["top"] == "1%"]
    if len(top) and pd.notna(top["share"].iloc[0]):
        share = float(top["share"].iloc[0])
        axis.annotate(f"top 1% hold {100 * share:.1f}%", (0.99, 1 - share), xytext=(-150, 40),
                      textcoords="offset points", arrowprops={"arrowstyle": "->"})
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1)
    axis.set_xlabel(f"share of {report.extra.get('by', 'unit')}s, fewest "
                    f"{str(report.extra.get('metric', '')).replace('_', ' ')} first")
    axis.set_ylabel(f"share of {str(report.extra.get('metric', '')).replace('_', ' ')}")
    axis.set_title(report.title)
    axis.legend(loc="upper left")
    fig.tight_layout()
    return fig


def plot_lorenz(report: Report, path: str | Path) -> None:
    check_plot_path(path)
    _save(lorenz_figure(report), path)


def plot_growth(report: Report, path: str | Path) -> None:
    check_plot_path(path)
    _save(growth_figure(report), path)


def plot_history(report: Report, path: str | Path) -> None:
    check_plot_path(path)
    _save(history_figure(report), path)
