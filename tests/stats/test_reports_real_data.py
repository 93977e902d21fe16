"""Every report agrees with an independent pandas computation over the raw 2024 items."""

from __future__ import annotations

import pandas as pd
import pytest

from hfexplore.catalog.knowledge import Families
from hfexplore.stats import reports
from tests.conftest import needs_shared_data, real_data_group

pytestmark = [needs_shared_data, real_data_group]


def first_license(tags: list[str]) -> str:
    found = [t[8:] for t in tags if t.startswith("license:")]
    return found[0] if found else "(none)"


def base_edges(raw: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for repo_id, tags in zip(raw["id"], raw["tags"], strict=True):
        bases = []
        for tag in tags:
            if tag.startswith("base_model:"):
                parts = tag.split(":")
                base = parts[2] if len(parts) == 3 else parts[1]
                if base not in bases:
                    bases.append(base)
        rows += [(repo_id, base) for base in bases]
    return pd.DataFrame(rows, columns=["id", "base_model"])


def test_totals(real_snapshot, raw_models) -> None:
    summary = reports.summary(real_snapshot)
    assert summary.extra["totals"] == {"models": 760_000, "datasets": 175_000}
    assert raw_models["_id"].nunique() == 760_000


def test_per_license(real_snapshot, raw_models) -> None:
    expected = raw_models["tags"].map(first_license).value_counts()
    got = reports.licenses(real_snapshot, top=0).rows.set_index("license")["count"]
    assert got.sort_index().to_dict() == expected.sort_index().to_dict()
    assert got["(none)"] == 473_022


def test_per_library(real_snapshot, raw_models) -> None:
    expected = raw_models["library_name"].fillna("(none)").value_counts()
    got = reports.libraries(real_snapshot, top=0).rows.set_index("library")["count"]
    assert got.sort_index().to_dict() == expected.sort_index().to_dict()
    assert reports.libraries(real_snapshot, top=1).rows["library"].tolist() == ["transformers"]


def test_per_task(real_snapshot, raw_models) -> None:
    expected = raw_models["pipeline_tag"].fillna("(none)").value_counts()
    got = reports.tasks(real_snapshot, top=0).rows.set_index("task")["count"]
    assert got.sort_index().to_dict() == expected.sort_index().to_dict()


def test_per_author(real_snapshot, raw_models) -> None:
    authors = raw_models["id"].str.split("/").str[0]
    expected = raw_models.assign(author=authors).groupby("author").agg(
        count=("id", "size"), downloads=("downloads", "sum"), likes=("likes", "sum"))
    got = reports.authors(real_snapshot, top=0).rows.set_index("author")
    assert len(got) == len(expected) == 190_087
    joined = got.join(expected.add_suffix("_raw"))
    assert (joined["count"] == joined["count_raw"]).all()
    assert (joined["downloads"] == joined["downloads_raw"]).all()
    assert (joined["likes"] == joined["likes_raw"]).all()


def test_families(real_snapshot, raw_models) -> None:
    families = Families.load()
    namespaces = raw_models["id"].str.split("/").str[0]
    expected = families.map(namespaces).value_counts()
    got = reports.authors(real_snapshot, by_family=True, top=0).rows.set_index("family")["count"]
    assert got.sort_index().to_dict() == expected.sort_index().to_dict()
    assert got["Meta"] == expected["Meta"] > 1_900


def test_derivative_counts(real_snapshot, raw_models) -> None:
    edges = base_edges(raw_models)
    expected = edges.groupby("base_model")["id"].size()
    report = reports.lineage(real_snapshot, top=0)
    got = report.rows.set_index("base_model")["derivatives"]
    assert got.sort_index().to_dict() == expected.sort_index().to_dict()
    assert report.extra["models_with_base"] == edges["id"].nunique() == 117_155
    meta = reports.lineage(real_snapshot, family="Meta", top=0)
    meta_expected = edges[edges["base_model"].str.split("/").str[0].str.lower().isin(
        ["meta-llama", "facebook", "meta"])]
    assert meta.rows["derivatives"].sum() == len(meta_expected)


def test_growth_is_cumulative_and_complete(real_snapshot, raw_models) -> None:
    report = reports.growth(real_snapshot, by="year")
    assert report.rows["cumulative"].iloc[-1] == 760_000 - report.extra["undated"]
    expected = pd.to_datetime(raw_models["createdAt"], utc=True).dt.year.value_counts()
    got = report.rows.set_index("year")["created"]
    assert {int(k): v for k, v in got.items() if v} == expected.to_dict()
    assert any("placeholder" in note for note in report.notes)


@pytest.mark.parametrize("by", ["license", "category", "family"])
def test_shares_add_up(real_snapshot, by: str) -> None:
    rows = reports.licenses(real_snapshot, by=by, top=0).rows  # type: ignore[arg-type]
    assert rows["count"].sum() == 760_000
    assert abs(rows["share"].sum() - 1.0) < 1e-9


def test_open_weight_keeps_only_open_weight_categories(real_snapshot) -> None:
    report = reports.licenses(real_snapshot, open_weight=True, top=0)
    assert set(report.rows["category"]) <= {"permissive", "copyleft", "open-weight-restricted"}
    assert "Meta" in set(report.sections["by_publisher"]["family"])


def test_dataset_licenses_use_the_card_list(real_snapshot) -> None:
    rows = reports.licenses(real_snapshot, "dataset", top=0).rows.set_index("license")
    assert rows.loc["(none)", "count"] == 126_644
