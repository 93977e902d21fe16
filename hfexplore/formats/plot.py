"""Plots (optional: needs matplotlib, the [plot] extra)."""

from __future__ import annotations

from pathlib import Path

from hfexplore.errors import HfExploreError
from hfexplore.report import Report, iso


def plot_growth(report: Report, path: str | Path) -> None:
    """Bars of creations per period and a line of the running total, on two axes."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise HfExploreError("plots need matplotlib: pip install 'hfexplore[plot]'") from None
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
        axis.yaxis.set_major_formatter(
            matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    step = max(1, len(rows) // 12)
    left.set_xticks(list(positions)[::step])
    left.set_xticklabels(rows[period].tolist()[::step], rotation=45, ha="right")
    left.set_xlabel(period)
    left.set_title(f"{report.title} (as of {iso(report.as_of)[:10]})")
    fig.legend(loc="upper left", bbox_to_anchor=(0.07, 0.9))
    fig.tight_layout()
    try:
        fig.savefig(path)
    except OSError as exc:
        raise HfExploreError(f"cannot write {path}: {exc.strerror}") from exc
    finally:
        plt.close(fig)
