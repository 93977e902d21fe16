"""The built-in claims' figures on the real 2024 snapshot agree with an independent computation.

The expected figures come from `tests/reference.py` (plain Python and pandas over the raw JSON
lines), never from hfexplore's code. The snapshot is hfexplore's crawl of the stand-in Hub
serving the July 2024 items, so its `as_of` is the crawl's start (today), while every repo in
it was created by 2024-07-11. Whether that date falls before or after a claim's date, the
figures below are the same: all repos predate the VentureTrend article (2026-01-25), so "the
repos created by the claim's date" and "all repos" coincide, and `measured` is the figure on
the whole snapshot.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from hfexplore.claims import builtin_claim_files, check_claims, evaluator_for, load_claim_files
from tests.conftest import needs_shared_data, real_data_group
from tests.reference import OPEN_WEIGHT, family_table, license_table

pytestmark = [needs_shared_data, real_data_group]
ARTICLE_DATE = date(2026, 1, 25)
GROUPS = "open-weight-meta-mistral-and-hundreds-of-groups"
STANDARD = "licenses-not-standardized"


@pytest.fixture(scope="module")
def claim_rows(real_snapshot) -> pd.DataFrame:
    claims = load_claim_files(builtin_claim_files())
    assert claims.errors == []
    report = check_claims(claims.claims, evaluator_for(None, real_snapshot,
                                                       force_snapshot=True))
    return report.rows.set_index("id")


@pytest.fixture(scope="module")
def open_weight(reference_models) -> pd.DataFrame:
    """The open-weight models (by the multi-license policy), with their publisher family."""
    families = family_table()
    models = reference_models[reference_models["policy"].isin(OPEN_WEIGHT)]
    return models.assign(family=models["key"].map(families.publisher))


def test_open_weight_models_derived_from_meta_or_mistral(claim_rows, open_weight,
                                                         reference_edges, raw_models,
                                                         real_snapshot) -> None:
    assert pd.to_datetime(raw_models["createdAt"], utc=True).max().date() < ARTICLE_DATE
    derived = set(reference_edges.loc[reference_edges["base_family"].isin(
        ["Meta", "Mistral AI"]), "id"])
    expected = int(open_weight["id"].isin(derived).sum())
    evidence = claim_rows.loc[GROUPS, "evidence"]
    name = next(k for k in evidence if k.startswith("open-weight models derived from a Meta"))
    assert evidence[name]["value"] == expected
    assert evidence[name]["data_as_of"].startswith(real_snapshot.as_of.date().isoformat())


def test_open_weight_publishers_and_research_accounts(claim_rows, open_weight,
                                                      real_snapshot) -> None:
    families = family_table()
    companies = {name for name, kind in families.kinds.items() if kind == "company"}
    outside = open_weight[~open_weight["family"].isin(companies)]
    per_account = outside.groupby("key").size()
    row = claim_rows.loc[GROUPS]
    measured = row["measured"]
    assert measured["Meta open-weight models"] == int((open_weight["family"] == "Meta").sum())
    assert measured["Mistral AI open-weight models"] == int(
        (open_weight["family"] == "Mistral AI").sum())
    research = int((per_account >= 3).sum())
    assert measured["non-company accounts with 3+ open-weight models"] == research
    evidence = row["evidence"]
    assert evidence["non-company accounts with any open-weight model"]["value"] == len(
        per_account)
    academic = {f for f in outside["family"].dropna() if families.kinds[f] != "project"}
    assert evidence["academic and non-profit families publishing open-weight models"][
        "value"] == len(academic)
    # Every repo predates the claim: whether the snapshot is dated before or after it, counts
    # at or above the bar support it.
    expected = "supported" if measured["Meta open-weight models"] >= 1 and \
        measured["Mistral AI open-weight models"] >= 1 and research >= 200 else None
    assert row["verdict"] == expected
    assert row["claim_date"] == ARTICLE_DATE.isoformat()
    assert row["data_as_of"].startswith(real_snapshot.as_of.date().isoformat())
    if abs((real_snapshot.as_of.date() - ARTICLE_DATE).days) > 90:
        assert row["caveat"]


def test_share_of_licensed_models_under_non_standard_terms(claim_rows,
                                                           reference_models) -> None:
    table = license_table()
    licensed = reference_models[reference_models["licenses"].str.len() > 0]
    non_standard = licensed["licenses"].map(
        lambda ids: any(not (i in table and table[i].standard) for i in ids))
    share = non_standard.mean()
    row = claim_rows.loc[STANDARD]
    assert row["measured"] == pytest.approx(share, abs=1e-6)
    assert row["verdict"] == ("supported" if share >= 0.1 else "refuted")
    evidence = row["evidence"]
    models = reference_models
    assert evidence["share of models declaring no license"]["value"] == pytest.approx(
        (models["licenses"].str.len() == 0).mean(), abs=1e-6)
    assert evidence["distinct license ids in use"]["value"] == models["license"].nunique()
    top3 = licensed["license"].value_counts().head(3).sum() / len(licensed)
    assert evidence["share of licensed models under the 3 most used licenses"][
        "value"] == pytest.approx(top3, abs=1e-6)


def test_counts_and_library_rank(claim_rows, raw_models, raw_datasets) -> None:
    assert claim_rows.loc["models-over-a-million", "measured"] == len(raw_models)
    assert claim_rows.loc["datasets-hundreds-of-thousands", "measured"] == len(raw_datasets)
    libraries = raw_models["library_name"].value_counts()
    row = claim_rows.loc["transformers-most-used"]
    assert row["measured"] == int((libraries > libraries["transformers"]).sum()) + 1
    assert row["evidence"]["share of models using transformers"]["value"] == pytest.approx(
        libraries["transformers"] / len(raw_models), abs=1e-6)


def test_the_published_concentration_findings(claim_rows, raw_models) -> None:
    """Osborne et al.'s "1% of models take 99% of downloads", measured (the data is later than
    the paper) on the models created by its date, against pandas over the raw items."""
    created = pd.to_datetime(raw_models["createdAt"], utc=True)
    cutoff = pd.Timestamp("2024-05-21", tz="UTC")
    downloads = raw_models.loc[created < cutoff, "downloads"].astype("int64")
    ordered = downloads.sort_values(ascending=False).to_numpy()
    share = ordered[:len(ordered) // 100].sum() / ordered.sum()
    row = claim_rows.loc["top-1pct-of-models-99pct-of-downloads"]
    assert row["measured"] == pytest.approx(share, abs=1e-6)
    assert row["verdict"] == ("supported" if share >= 0.985 else "refuted")
    zero = claim_rows.loc["most-models-have-no-downloads"]
    assert zero["measured"] == pytest.approx((downloads == 0).mean(), abs=1e-6)
    assert zero["verdict"] == ("supported" if (downloads == 0).mean() > 0.70 else "refuted")
