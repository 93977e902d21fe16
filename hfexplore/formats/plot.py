"""Plots (optional: needs matplotlib, the [plot] extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hfexplore.errors import HfExploreError
from hfexplore.report import Report, iso


def _pyplot() -> tuple[Any, Any]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib import ticker
    except ImportError:
        raise HfExploreError("plots need matplotlib: pip install 'hfexplore[plot]'") from None
    return plt, ticker


def _save(fig: Any, plt: Any, path: str | Path) -> None:
    try:
        fig.savefig(path)
    except OSError as exc:
        raise HfExploreError(f"cannot write {path}: {exc.strerror}") from exc
    finally:
        plt.close(fig)


def plot_growth(report: Report, path: str | Path) -> None:
    """Bars of creations per period and a line of the running total, on two axes."""
    plt, ticker = _pyplot()
    rows = report.rows
    period = rows.columns[0]
    fig, left = plt.subplots(figsize=(11, 5.5), dpi=110)
    positions = range(len(rows))
    left.bar(positions, rows["created"], color="#f4a261", label="created in the period")
    left.set_ylabel("repos created per " + period)
    right = left.twinx()
    right.plot(positions, rows["cumulative"], color="#264653", linewidth=2.2,
               label="cumulative")
    right.set_ylabel("cumulative repos")
    for axis in (left, right):
        axis.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    step = max(1, len(rows) // 12)
    left.set_xticks(list(positions)[::step])
    left.set_xticklabels(rows[period].tolist()[::step], rotation=45, ha="right")
    left.set_xlabel(period)
    left.set_title(f"{report.title} (as of {iso(report.as_of)[:10]})")
    fig.legend(loc="upper left", bbox_to_anchor=(0.07, 0.9))
    fig.tight_layout()
    _save(fig, plt, path)


def plot_history(report: Report, path: str | Path) -> None:
    """One line per series (repo type, category or library) across snapshot dates."""
    plt, ticker = _pyplot()
    rows = report.rows
    fig, axis = plt.subplots(figsize=(11, 5.5), dpi=110)
    if "count" in rows:  # long form: date, snapshot, <key>, count
        key = rows.columns[2]
        for name, group in rows.groupby(key):
            axis.plot(group["date"].str[:10], group["count"], marker="o", label=str(name))
    else:  # wide form: date, snapshot, model, dataset, space
        for column in [c for c in rows.columns if c not in ("date", "snapshot")]:
            axis.plot(rows["date"].str[:10], rows[column], marker="o", label=f"{column}s")
    axis.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    axis.set_xlabel("snapshot date")
    axis.set_ylabel("repos")
    axis.set_title(report.title)
    axis.legend(loc="best")
    fig.autofmt_xdate()
    fig.tight_layout()
    _save(fig, plt, path)
