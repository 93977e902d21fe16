"""The built-in claims' figures on the real 2024 snapshot agree with an independent computation.

The expected figures come from `tests/reference.py` (plain Python and pandas over the raw JSON
lines), never from hfexplore's code. The snapshot is hfexplore's crawl of the stand-in Hub
serving the July 2024 items, so its `as_of` is the crawl's start (today), while every repo in
it was created by 2024-07-11: a stale snapshot, whose data's date is any day between the two
(`store/freshness.py`). All repos predate the VentureTrend article (2026-01-25), so "the repos
created by the claim's date" and "all repos" coincide, and `measured` is the figure on the
whole snapshot.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from functools import cache

import pandas as pd
import pytest

from hfexplore.claims import builtin_claim_files, check_claims, evaluator_for, load_claim_files
from tests.conftest import needs_shared_data, real_data_group
from tests.reference import DATA, OPEN_WEIGHT, family_table, license_table

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
                                                         reference_ancestors, reference_edges,
                                                         raw_models, real_snapshot) -> None:
    """Derived through the chain: any ancestor at any depth is Meta's or Mistral AI's."""
    assert pd.to_datetime(raw_models["createdAt"], utc=True).max().date() < ARTICLE_DATE
    origin_of = cache(family_table().origin_of)
    wanted = {"Meta", "Mistral AI"}
    derived = {model for model, found in reference_ancestors.items()
               if any(origin_of(a) in wanted for a in found)}
    expected = int(open_weight["id"].str.lower().isin(derived).sum())
    direct = set(reference_edges.loc[reference_edges["base_family"].isin(wanted), "id"])
    assert expected > int(open_weight["id"].isin(direct).sum())  # the chain adds models
    evidence = claim_rows.loc[GROUPS, "evidence"]
    name = next(k for k in evidence if k.startswith("open-weight models derived from a Meta"))
    assert evidence[name]["value"] == expected
    assert evidence[name]["data_as_of"].startswith(real_snapshot.as_of.date().isoformat())


def readings_of(row: pd.Series) -> dict[str, dict]:
    return {r["name"]: r for r in row["readings"]}


@pytest.fixture(scope="module")
def bulk_reuploaders(raw_models, reference_models) -> set[str]:
    """The accounts (lower-case) whose models are mostly copies, by the rules of
    reuploads.toml applied in plain Python to the raw tags and ids."""
    rules = tomllib.loads((DATA / "reuploads.toml").read_text("utf-8"))
    pattern = re.compile(rules["name_pattern"])
    formats = set(rules["formats"])
    relations = tuple(f"base_model:{r}:" for r in rules["relations"])
    copies = pd.Series([
        any(t.startswith(relations) for t in tags or []) or bool(formats & set(tags or []))
        or library in formats or bool(pattern.search(repo_id.split("/", 1)[1].lower()))
        for repo_id, tags, library in zip(raw_models["id"], raw_models["tags"],
                                          raw_models["library_name"], strict=True)],
        index=raw_models.index)
    share = copies.groupby(reference_models["key"]).mean()
    return set(share[share > rules["share"]].index)


def test_open_weight_publishers_and_research_accounts(claim_rows, open_weight,
                                                      bulk_reuploaders, reference_models,
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
    active = per_account[per_account >= 3]
    readings = readings_of(row)
    assert readings["active accounts"]["measured"] == len(active)
    kept = active[~active.index.isin(bulk_reuploaders)]
    assert readings["without bulk re-uploaders"]["measured"] == len(kept)
    known = {f for f in open_weight["family"].dropna()
             if families.kinds[f] in ("academic", "nonprofit", "government")}
    assert readings["known academic, non-profit and government organisations"][
        "measured"] == len(known)
    for reading in readings.values():
        assert reading["reason"] and reading["cannot_see"]
    evidence = row["evidence"]
    assert evidence["non-company accounts with any open-weight model"]["value"] == len(
        per_account)
    excluded = active[active.index.isin(bulk_reuploaders)].sort_values(ascending=False)
    assert evidence["bulk re-uploaders with 3+ open-weight models (left out by the second "
                    "reading)"]["value"] == len(excluded)
    # The evidence the definition lists: its largest exclusions, in order, with their counts.
    listed = tomllib.loads((DATA / "reuploads.toml").read_text("utf-8"))["largest_excluded"]
    largest = excluded.head(len(listed))
    spelt = reference_models[reference_models["key"].isin(largest.index)].groupby("key")[
        "namespace"].agg(lambda s: s.value_counts().index[0])  # each account's usual spelling
    assert [(e["account"], e["open_weight_models"]) for e in listed] == [
        (spelt[key], int(n)) for key, n in largest.items()]
    # Every repo predates the claim, and the stale snapshot's date may be before it too: the
    # distinct counts are lower bounds, so the known organisations (under 200) cannot decide
    # their reading, and the claim is inconclusive, the other readings being supported.
    assert len(active) >= 200 and len(kept) >= 200 and len(known) < 200
    assert [r["verdict"] for r in readings.values()] == ["supported", "supported",
                                                          "inconclusive"]
    assert row["verdict"] == "inconclusive"
    assert row["claim_date"] == ARTICLE_DATE.isoformat()
    assert row["data_as_of"].startswith(real_snapshot.as_of.date().isoformat())
    if abs((real_snapshot.as_of.date() - ARTICLE_DATE).days) > 90:
        assert row["caveat"]


def test_standardized_licenses_are_contested(claim_rows, reference_models) -> None:
    table = license_table()
    models = reference_models
    licensed = models[models["licenses"].str.len() > 0]
    non_standard = licensed["licenses"].map(
        lambda ids: any(not (i in table and table[i].standard) for i in ids)).mean()
    custom = licensed["licenses"].map(lambda ids: any(
        i not in table or (not table[i].standard and table[i].category in ("other", "unknown"))
        for i in ids)).mean()
    unlicensed = (models["licenses"].str.len() == 0).mean()
    row = claim_rows.loc[STANDARD]
    readings = readings_of(row)
    assert readings["custom terms only"]["measured"] == pytest.approx(custom, abs=1e-6)
    assert readings["any non-standard license"]["measured"] == pytest.approx(non_standard,
                                                                               abs=1e-6)
    assert readings["no license declared"]["measured"] == pytest.approx(unlicensed, abs=1e-6)
    # Under 8% with custom terms only, about 30% under any non-standard license: the readings
    # disagree, which is what `contested` says.
    assert custom < 0.08 < 0.1 <= non_standard
    assert [r["verdict"] for r in readings.values()] == ["refuted", "supported", "supported"]
    assert row["verdict"] == "contested"
    evidence = row["evidence"]
    assert evidence["distinct license ids in use"]["value"] == models["license"].nunique()
    top3 = licensed["license"].value_counts().head(3).sum() / len(licensed)
    assert evidence["share of licensed models under the 3 most used licenses"][
        "value"] == pytest.approx(top3, abs=1e-6)


def test_counts_and_library_rank(claim_rows, raw_models, raw_datasets) -> None:
    assert claim_rows.loc["models-over-a-million", "measured"] == len(raw_models)
    assert claim_rows.loc["datasets-hundreds-of-thousands", "measured"] == len(raw_datasets)
    libraries = raw_models["library_name"].value_counts()
    downloads = raw_models.groupby("library_name")["downloads"].sum()
    row = claim_rows.loc["transformers-most-used"]
    readings = readings_of(row)
    assert readings["by repos"]["measured"] == int(
        (libraries > libraries["transformers"]).sum()) + 1
    assert readings["by downloads"]["measured"] == int(
        (downloads > downloads["transformers"]).sum()) + 1
    assert row["measured"] == {"by repos": 1, "by downloads": 1}
    assert row["verdict"] == "supported"
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


def test_a_stale_snapshot_does_not_refute_a_later_count(claim_rows, raw_models, raw_datasets,
                                                         real_snapshot) -> None:
    """Crawled today from the July 2024 data, the snapshot says it is of today: read as of
    today, 760,000 models would refute January 2026's "over a million". Its newest repo dates
    it anywhere from July 2024 on, so the count is only a lower bound at the claim's date."""
    created = pd.to_datetime(raw_models["createdAt"], utc=True).max()
    freshness = real_snapshot.manifest["freshness"]
    assert freshness["newest"]["model"]["created_at"] == created.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert freshness["newest"]["dataset"]["last_modified"] == pd.to_datetime(
        raw_datasets["lastModified"], utc=True).max().strftime("%Y-%m-%dT%H:%M:%SZ")
    assert freshness["stale"] == ["model", "dataset"]
    row = claim_rows.loc["models-over-a-million"]
    assert row["measured"] == len(raw_models) < 1_000_000
    assert row["verdict"] == "inconclusive"
    assert row["at_claim_date"] == f"at least {len(raw_models):,}"
    assert created.date().isoformat() in row["caveat"]
