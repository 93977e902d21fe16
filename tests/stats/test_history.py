"""`history` (now one DuckDB query) against pandas over the raw parquet of every date."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hfexplore.report import iso
from hfexplore.stats.history import history, history_from_export
from tests.stats.dated import dated_export, dated_snapshots

DAYS = ["2025-12-30", "2026-01-05", "2026-02-10", "2026-03-15"]
COLUMN = {"license": "license_category", "library": "library_name"}


@pytest.fixture
def snapshots(tmp_path):
    return dated_snapshots(tmp_path / "data", DAYS)


def _expected(files: dict[str, str], column: str, top: int) -> dict[tuple[str, str], int]:
    """(date, value) -> count over each date's parquet, keeping the `top` values by peak. A
    list column counts a repo under each value, and under "(none)" when it has none."""
    counts = {}
    for date, path in files.items():
        values = pd.read_parquet(path, columns=[column])[column]
        if column == "libraries":
            values = values.map(lambda v: list(v) if v is not None and len(v) else [None])
            values = values.explode()
        values = values.fillna("(none)")
        counts.update({(date, value): n for value, n in values.value_counts().items()})
    peak: dict[str, int] = {}
    for (_, value), n in counts.items():
        peak[value] = max(peak.get(value, 0), n)
    ranked = sorted(peak, key=lambda v: -peak[v])
    if top and len(ranked) > top:
        assert peak[ranked[top - 1]] != peak[ranked[top]], "a tie at the cut: pick another top"
        ranked = ranked[:top]
    return {key: n for key, n in counts.items() if key[1] in ranked}


@pytest.mark.parametrize("metric", ["license", "library"])
@pytest.mark.parametrize("top", [0, 3])
def test_history_over_snapshots_matches_pandas(snapshots, metric, top) -> None:
    report = history(snapshots, metric=metric, top=top)
    label = "category" if metric == "license" else "library"
    assert list(report.rows.columns) == ["date", "snapshot", label, "count"]
    got = {(r[0], r[2]): r[3] for r in report.rows.itertuples(index=False)}
    files = {iso(s.as_of): str(s.path / "models.parquet") for s in snapshots}
    assert got == _expected(files, COLUMN[metric], top)
    names = {iso(s.as_of): s.name for s in snapshots}
    assert all(names[r.date] == r.snapshot for r in report.rows.itertuples())
    order = list(zip(report.rows["date"], -report.rows["count"], strict=True))
    assert order == sorted(order)


@pytest.mark.parametrize("metric", ["license", "library"])
def test_history_over_an_export_matches_pandas(snapshots, tmp_path, metric) -> None:
    dest = dated_export(snapshots, tmp_path / "export")
    report = history_from_export(dest, metric=metric, repo_type="dataset", top=0)
    got = {(r[0], r[2]): r[3] for r in report.rows.itertuples(index=False)}
    files = {day: str(dest / "repo_type=dataset" / f"date={day}" / "part-0.parquet")
             for day in DAYS}
    column = "libraries" if metric == "library" else COLUMN[metric]  # a dataset's library: tags
    assert got == _expected(files, column, 0)
    assert set(report.rows["snapshot"]) == {""}


def test_totals_from_an_export_and_from_manifests_match_the_rows(snapshots, tmp_path) -> None:
    dest = dated_export(snapshots, tmp_path / "export")
    from_export = history_from_export(dest).rows
    assert list(from_export.columns) == ["date", "snapshot", "dataset", "model", "space"]
    assert list(from_export["date"]) == DAYS
    from_snapshots = history(snapshots).rows
    for snapshot, (_, row) in zip(snapshots, from_export.iterrows(), strict=True):
        for repo_type in ("model", "dataset", "space"):
            rows = len(pd.read_parquet(snapshot.path / f"{repo_type}s.parquet", columns=["id"]))
            assert row[repo_type] == rows
            assert from_snapshots.loc[from_snapshots["snapshot"] == snapshot.name,
                                      repo_type].item() == rows


def test_an_empty_export_has_no_rows(tmp_path) -> None:
    (tmp_path / "empty").mkdir()
    assert history_from_export(tmp_path / "empty").rows.empty
    assert history_from_export(tmp_path / "empty", metric="license").rows.empty


def test_each_history_is_titled_by_what_it_counts(snapshots, tmp_path) -> None:
    export = dated_export(snapshots, tmp_path / "export")
    assert history(snapshots, metric="license").title == \
        "Models per license category, per snapshot"
    assert history(snapshots, metric="library", repo_type="space").title == \
        "Spaces per SDK, per snapshot"
    assert history(snapshots).title == "Repos per snapshot"
    assert history_from_export(export, metric="license", repo_type="dataset").title == \
        "Datasets per license category, per export date"
    assert history_from_export(export).title == "Repos per export date"


@pytest.mark.parametrize("metric", ["gini", "top1"])
def test_concentration_history_matches_pandas(snapshots, metric) -> None:
    report = history(snapshots, metric=metric)
    assert len(report.rows) == len(snapshots)
    for row, snapshot in zip(report.rows.to_dict("records"),
                             sorted(snapshots, key=lambda s: s.as_of), strict=True):
        values = pd.read_parquet(snapshot.path / "models.parquet", columns=["downloads"])[
            "downloads"].dropna().sort_values(ascending=False).to_numpy(dtype=float)
        n, total = len(values), values.sum()
        if metric == "top1":
            want = values[:n // 100].sum() / total
        else:
            ascending = values[::-1]
            want = 2 * (np.arange(1, n + 1) * ascending).sum() / (n * total) - (n + 1) / n
        assert row["snapshot"] == snapshot.name
        assert row[metric] == pytest.approx(want, rel=1e-9)
