"""Plots, checked on the matplotlib figure objects (never on pixels)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pandas as pd
import pytest
from click.testing import CliRunner
from matplotlib import dates

from hfexplore.cli import cli
from hfexplore.errors import PlotFormatError
from hfexplore.formats.plot import (
    growth_figure,
    history_figure,
    plot_growth,
)
from hfexplore.report import Report
from hfexplore.stats import reports
from hfexplore.store.snapshot import demo_snapshot

MOMENTS = ["2024-07-01T00:00:00Z", "2024-07-01T12:00:00Z", "2024-07-11T00:00:00Z",
           "2024-09-11T00:00:00Z"]


def _hours(xs) -> list[float]:
    days = dates.date2num(list(xs))
    return [round(24 * (b - a), 6) for a, b in itertools.pairwise(days)]


def test_history_uses_a_real_time_axis() -> None:
    rows = pd.DataFrame({"date": MOMENTS, "snapshot": ["a", "b", "c", "d"],
                         "model": pd.array([10, 11, 15, 30], dtype="Int64"),
                         "dataset": pd.array([1, 1, 2, None], dtype="Int64")})
    fig = history_figure(Report("Repos per snapshot", rows, source="x"))
    axis = fig.axes[0]
    lines = {line.get_label(): line for line in axis.get_lines()}
    assert set(lines) == {"models", "datasets"}
    expected = [12.0, 9.5 * 24, 62 * 24]  # same day apart; uneven gaps stay uneven
    assert _hours(lines["models"].get_xdata()) == expected
    assert list(lines["models"].get_ydata()) == [10, 11, 15, 30]
    assert isinstance(axis.xaxis.get_major_formatter(), dates.ConciseDateFormatter)


def test_history_long_form_puts_each_series_at_its_own_dates() -> None:
    rows = pd.DataFrame({"date": [MOMENTS[0], MOMENTS[0], MOMENTS[3]],
                         "snapshot": ["a", "a", "d"], "category": ["mit", "apache", "mit"],
                         "count": [5, 3, 9]})
    axis = history_figure(Report("Models per category", rows, source="x")).axes[0]
    lines = {line.get_label(): line for line in axis.get_lines()}
    assert _hours(lines["mit"].get_xdata()) == [72 * 24]
    assert len(lines["apache"].get_xdata()) == 1


def _bars(axis) -> dict[str, list[tuple[float, float]]]:
    return {container.get_label(): [(p.get_x() + p.get_width() / 2, p.get_height())
                                    for p in container.patches]
            for container in axis.containers}


def test_growth_marks_the_placeholder_spike_and_the_partial_last_month() -> None:
    report = reports.growth(demo_snapshot(), by="month")
    # independent of the report: count the placeholder creation time in the raw file
    created = pd.read_parquet(demo_snapshot().path / "models.parquet",
                              columns=["created_at"])["created_at"]
    placeholder = int((created.dt.strftime("%Y-%m-%dT%H:%M") == "2022-03-02T23:29").sum())
    assert placeholder > 0
    axis = growth_figure(report).axes[0]
    bars = _bars(axis)
    labels = report.rows["month"].tolist()
    spike = next(k for k in bars if "placeholder" in k)
    assert f"includes {placeholder:,} repos" in spike
    assert bars[spike] == [(labels.index("2022-03"),
                            float(report.rows.loc[labels.index("2022-03"), "created"]))]
    partial = next(k for k in bars if "partial" in k)
    assert partial.startswith("2024-07: partial") and "2024-07-11" in partial
    assert [x for x, _ in bars[partial]] == [len(labels) - 1]
    patch = next(c for c in axis.containers if c.get_label() == partial).patches[0]
    assert patch.get_hatch() == "//"


def test_growth_marks_nothing_when_the_last_period_is_complete() -> None:
    rows = pd.DataFrame({"year": ["2023", "2024"], "created": [5, 7], "cumulative": [5, 12]})
    report = Report("Models created per year", rows, source="x",
                    as_of=datetime(2025, 1, 2, tzinfo=UTC), extra={"placeholder_created": 0})
    labels = list(_bars(growth_figure(report).axes[0]))
    assert labels == ["created in the period"]
    report.as_of = datetime(2024, 12, 31, 23, 0, tzinfo=UTC)
    assert any("2024: partial" in k for k in _bars(growth_figure(report).axes[0]))


def test_an_unsupported_plot_extension_is_refused(tmp_path) -> None:
    report = reports.growth(demo_snapshot(), by="year")
    with pytest.raises(PlotFormatError, match=r"\.png, \.svg or \.pdf"):
        plot_growth(report, tmp_path / "x.txt")
    for command in (["growth", "--demo"], ["history", "--data-dir", str(tmp_path)]):
        result = CliRunner().invoke(cli, [*command, "--plot", str(tmp_path / "x.txt")])
        assert result.exit_code == 2
        assert "'.txt' is not one of them" in result.stderr and ".png, .svg or .pdf" in \
            result.stderr
    assert not (tmp_path / "x.txt").exists()


def test_the_lorenz_curve_is_drawn_from_the_reports_points(tmp_path) -> None:
    from hfexplore.formats.plot import lorenz_figure, plot_lorenz
    from hfexplore.stats.concentration import concentration
    from hfexplore.store.snapshot import demo_snapshot

    report = concentration(demo_snapshot(), with_lorenz=True)
    figure = lorenz_figure(report)
    curve = figure.axes[0].get_lines()[1]
    points = report.extra["lorenz"]
    assert list(curve.get_xdata()) == [p["population_share"] for p in points]
    assert list(curve.get_ydata()) == [p["value_share"] for p in points]
    assert "Gini" in curve.get_label()
    plot_lorenz(report, tmp_path / "lorenz.png")
    assert (tmp_path / "lorenz.png").read_bytes().startswith(b"\x89PNG")


def test_a_concentration_history_is_plotted_on_its_own_scale() -> None:
    from hfexplore.formats.plot import history_figure
    from hfexplore.stats.history import history
    from hfexplore.store.snapshot import demo_snapshot

    report = history([demo_snapshot()], metric="gini")
    axis = history_figure(report).axes[0]
    assert axis.get_ylabel() == "Gini coefficient"
    [line] = axis.get_lines()
    assert list(line.get_ydata()) == report.rows["gini"].tolist()
