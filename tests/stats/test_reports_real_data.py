"""Every report agrees with an independent computation over the raw 2024 items.

The expected figures come from `tests/reference.py` (plain Python and pandas over the raw JSON
lines, by the rules of issue 11), never from hfexplore's own code; the reports are computed on
a snapshot hfexplore crawled from the stand-in Hub serving the same items.
"""

from __future__ import annotations

from collections import Counter
from functools import cache

import pandas as pd
import pytest

from hfexplore.stats import reports
from hfexplore.stats.query import Filters, Scan
from tests.conftest import needs_shared_data, real_data_group
from tests.reference import (
    OPEN_WEIGHT,
    RELATIONS,
    FamilyTable,
    category,
    display_names,
    family_table,
    license_table,
    origin_families,
    tag_values,
)

pytestmark = [needs_shared_data, real_data_group]
RELATION_COLUMNS = [*RELATIONS, "unspecified"]


def mismatches(got: pd.Series, expected: pd.Series, limit: int = 10) -> list:
    """The keys where two labelled series differ (a readable assertion message)."""
    joined = pd.concat([got.rename("got"), expected.rename("expected")], axis=1)
    differ = joined[~(joined["got"] == joined["expected"])]
    return list(differ.head(limit).itertuples(name=None))


# -- totals ---------------------------------------------------------------------------------------
def test_totals(real_snapshot, raw_models, raw_datasets) -> None:
    summary = reports.summary(real_snapshot)
    assert summary.extra["totals"] == {"models": len(raw_models), "datasets": len(raw_datasets)}
    assert raw_models["_id"].nunique() == len(raw_models)


# -- licenses -------------------------------------------------------------------------------------
def test_licenses_per_row_follow_the_policy(real_snapshot, reference_models) -> None:
    """Row by row: every license id, the primary one and the policy category."""
    snap = real_snapshot.frame("model", ["id", "license", "licenses", "license_category"])
    snap = snap.set_index("id")
    mine = reference_models.set_index("id")
    assert snap.index.is_unique and len(snap) == len(mine)
    snap = snap.loc[mine.index]
    got_ids = snap["licenses"].map(lambda ids: list(ids) if ids is not None else [])
    assert mismatches(got_ids.map(tuple), mine["licenses"].map(tuple)) == []
    assert mismatches(snap["license"].fillna("(none)"), mine["license"].fillna("(none)")) == []
    assert mismatches(snap["license_category"], mine["policy"]) == []


def test_per_license(real_snapshot, reference_models) -> None:
    models = reference_models
    expected = models["license"].fillna("(none)").value_counts()
    report = reports.licenses(real_snapshot, top=0)
    rows = report.rows.set_index("license")
    assert mismatches(rows["count"], expected) == []
    table = license_table()
    table_category = {lic: category(None if lic == "(none)" else lic, table)
                      for lic in expected.index}
    assert rows["category"].to_dict() == table_category
    assert rows["share"].sum() == pytest.approx(1.0)
    multi = int((models["licenses"].str.len() > 1).sum())
    moved = int((models["policy"] != models["first_category"]).sum())
    assert report.extra["multi_licensed"] == multi
    assert report.extra["moved_by_policy"] == moved
    assert 0 < moved < multi  # the policy changes something, and not every multi-license repo


def test_per_policy_category(real_snapshot, reference_models) -> None:
    expected = reference_models["policy"].value_counts()
    got = reports.licenses(real_snapshot, by="category", top=0).rows.set_index("category")
    assert mismatches(got["count"], expected) == []
    assert set(got.index) == set(expected.index)


def test_the_policy_never_hides_a_non_commercial_license(reference_models) -> None:
    """A sanity check of the reference itself: repos with an NC license among several."""
    table = license_table()
    nc = reference_models["licenses"].map(
        lambda ids: any(category(i, table) == "non-commercial" for i in ids))
    assert nc.any()
    assert (reference_models.loc[nc, "policy"] == "non-commercial").all()


@pytest.mark.parametrize("by", ["license", "category", "license_family", "family"])
def test_shares_add_up(real_snapshot, raw_models, by: str) -> None:
    rows = reports.licenses(real_snapshot, by=by, top=0).rows  # type: ignore[arg-type]
    assert rows["count"].sum() == len(raw_models)
    assert abs(rows["share"].sum() - 1.0) < 1e-9


def test_open_weight_by_publisher(real_snapshot, reference_models) -> None:
    models = reference_models
    families = family_table()
    open_weight = models[models["policy"].isin(OPEN_WEIGHT)]
    report = reports.licenses(real_snapshot, open_weight=True, top=0)
    assert set(report.rows["category"]) <= OPEN_WEIGHT  # the primary license's table category
    assert report.rows["count"].sum() == len(open_weight)
    assert report.extra["open_weight_share"] == pytest.approx(len(open_weight) / len(models))
    family = open_weight["key"].map(families.publisher)
    expected = open_weight.assign(family=family).dropna(subset=["family"]).groupby(
        ["family", "license"]).size()
    got = report.sections["by_publisher"].set_index(["family", "license"])["count"]
    assert mismatches(got, expected) == []
    assert got.xs("Meta", level="family").sum() > 0


def test_dataset_licenses(real_snapshot, raw_datasets) -> None:
    first = raw_datasets["tags"].map(
        lambda tags: next((v for v in (t[8:].strip().lower() for t in tags
                                       if t.startswith("license:")) if v), "(none)"))
    got = reports.licenses(real_snapshot, "dataset", top=0).rows.set_index("license")["count"]
    assert mismatches(got, first.value_counts()) == []


# -- libraries and tasks --------------------------------------------------------------------------
def test_model_libraries(real_snapshot, raw_models) -> None:
    expected = raw_models["library_name"].fillna("(none)").value_counts()
    got = reports.libraries(real_snapshot, top=0).rows.set_index("library")["count"]
    assert mismatches(got, expected) == []
    assert reports.libraries(real_snapshot, top=1).rows["library"].tolist() == [
        expected.drop("(none)").idxmax()]


def test_model_tasks(real_snapshot, raw_models) -> None:
    expected = raw_models["pipeline_tag"].fillna("(none)").value_counts()
    got = reports.tasks(real_snapshot, top=0).rows.set_index("task")["count"]
    assert mismatches(got, expected) == []


@pytest.mark.parametrize(("prefix", "report", "label"), [
    ("library:", reports.libraries, "library"), ("task_categories:", reports.tasks, "task")])
def test_dataset_multi_valued_tags(real_snapshot, raw_datasets, prefix, report, label) -> None:
    values = raw_datasets["tags"].map(lambda tags: tag_values(tags, prefix))
    expected = Counter(v for vs in values for v in vs)
    expected["(none)"] = int((values.str.len() == 0).sum())
    result = report(real_snapshot, "dataset", top=0)
    got = result.rows.set_index(label)["count"]
    assert mismatches(got, pd.Series(expected)) == []
    assert set(got.index) == set(expected)
    assert (values.str.len() > 1).any()  # some datasets count under several values
    assert result.rows["share"].sum() > 1.0
    assert result.rows.set_index(label)["share"].to_dict() == pytest.approx(
        {k: v / len(raw_datasets) for k, v in expected.items()})


# -- authors and families -------------------------------------------------------------------------
def test_authors_are_grouped_case_insensitively(real_snapshot, reference_models) -> None:
    models = reference_models
    expected = models.groupby("key").agg(count=("id", "size"), downloads=("downloads", "sum"),
                                         likes=("likes", "sum"))
    expected.index = expected.index.map(display_names(models["key"], models["namespace"]))
    report = reports.authors(real_snapshot, top=0)
    got = report.rows.set_index("author")
    assert got.index.is_unique
    assert set(got.index) == set(expected.index)
    for column in ("count", "downloads", "likes"):
        assert mismatches(got[column].astype("int64"), expected[column]) == [], column
    assert report.extra["distinct"] == len(expected) < models["namespace"].nunique()


def test_publisher_families_leave_mirrors_out(real_snapshot, reference_models) -> None:
    families = family_table()
    family = reference_models["key"].map(families.publisher)
    expected = family.value_counts()
    got = reports.authors(real_snapshot, by_family=True, top=0).rows.set_index("family")["count"]
    assert mismatches(got, expected) == []
    assert set(got.index) == set(expected.index)
    mirrors = set(families.origin) - set(families.publisher)
    mirrored = reference_models["key"].isin(mirrors)
    assert mirrored.any() and family[mirrored].isna().all()
    # Test fixtures are not releases: left out, and said so with their count.
    held = reference_models.loc[reference_models["key"].isin(families.fixture), "key"]
    assert len(held) > 500 and family[held.index].isna().all()
    per_family = held.map(families.fixture).value_counts()
    notes = reports.authors(real_snapshot, by_family=True).notes
    for name, count in per_family.items():
        assert any(note.startswith(f"{name}: {count:,} models in its test-fixture namespaces")
                   for note in notes), (name, count, notes)
    assert len(notes) == len(per_family)


# -- lineage --------------------------------------------------------------------------------------
def test_lineage_edges_per_model(real_snapshot, reference_edges) -> None:
    """Row by row: every (model, base, relation) edge, nothing more."""
    snap = real_snapshot.frame("model", ["id", "base_models", "base_relations"])
    snap = snap[snap["base_models"].map(lambda b: b is not None and len(b) > 0)]
    got = {(repo_id, base, relation)
           for repo_id, bases, relations in zip(snap["id"], snap["base_models"],
                                                snap["base_relations"], strict=True)
           for base, relation in zip(bases, relations, strict=True)}
    expected = set(zip(reference_edges["id"], reference_edges["base"],
                       reference_edges["relation"], strict=True))
    assert sorted(got - expected)[:10] == [] and sorted(expected - got)[:10] == []
    assert len(got) == len(reference_edges)


def test_self_references_are_dropped(real_snapshot, raw_models) -> None:
    naming_themselves = [repo_id for repo_id, tags in zip(raw_models["id"], raw_models["tags"],
                                                          strict=True)
                         if any(t.startswith("base_model:") and
                                t.split(":")[-1].strip().lower() == repo_id.lower()
                                for t in tags)]
    assert naming_themselves
    snap = real_snapshot.frame("model", ["id", "base_models"]).set_index("id")
    bases = snap.loc[naming_themselves, "base_models"]
    kept = [repo_id for repo_id, ids in bases.items()
            if ids is not None and repo_id.lower() in {b.lower() for b in ids}]
    assert kept == []


class CachedFamilies:
    """The reference family table, each id attributed once (the origin rule asks often)."""

    def __init__(self, table: FamilyTable) -> None:
        self.origin_of = cache(table.origin_of)


def descendants(ancestors: dict[str, dict[str, int]]) -> Counter:
    """Models per ancestor, at any depth."""
    return Counter(a for found in ancestors.values() for a in found)


def test_lineage_per_base_model(real_snapshot, reference_edges, reference_ancestors) -> None:
    edges = reference_edges
    families = family_table()
    pivot = edges.groupby(["base_key", "relation"]).size().unstack(fill_value=0).reindex(
        columns=RELATION_COLUMNS, fill_value=0)
    pivot["derivatives"] = edges.groupby("base_key").size()
    pivot["authors"] = edges.groupby("base_key")["author"].nunique()
    reached = descendants(reference_ancestors)
    pivot["descendants"] = pivot.index.map(reached)
    cached = CachedFamilies(families)
    pivot["origin_family"] = pivot.index.map(
        lambda key: ", ".join(origin_families(key, reference_ancestors, cached)))
    pivot.index = pivot.index.map(display_names(edges["base_key"], edges["base"]))
    report = reports.lineage(real_snapshot, top=0)
    got = report.rows.set_index("base_model")
    assert got.index.is_unique
    assert set(got.index) == set(pivot.index)
    for column in ["derivatives", "descendants", *RELATION_COLUMNS, "authors",
                   "origin_family"]:
        assert mismatches(got[column], pivot[column]) == [], column
    origin = {name: families.origin_of(name) or "" for name in got.index}
    assert mismatches(got["base_family"], pd.Series(origin)) == []
    assert report.extra["edges"] == len(edges)
    assert report.extra["models_with_base"] == edges["id"].nunique()
    assert got["derivatives"].sum() == len(edges)
    # Followed to its roots: an Unsloth re-upload of Llama 3 is Meta's; a chain deeper than
    # one step adds descendants.
    assert got.loc["unsloth/llama-3-8b-bnb-4bit", "origin_family"] == "Meta"
    assert (got["descendants"] > got["derivatives"]).sum() > 100


def test_lineage_per_origin_family(real_snapshot, reference_edges, reference_ancestors) -> None:
    edges = reference_edges.dropna(subset=["base_family"])
    expected = edges.groupby("base_family").agg(derivatives=("id", "size"),
                                                authors=("author", "nunique"))
    per_relation = edges.groupby(["base_family", "relation"]).size().unstack(
        fill_value=0).reindex(columns=RELATION_COLUMNS, fill_value=0)
    cached = CachedFamilies(family_table())
    reached = Counter(family for found in reference_ancestors.values()
                      for family in {cached.origin_of(a) for a in found} - {None})
    report = reports.lineage(real_snapshot, top=0)
    got = report.sections["by_family"].set_index("base_family")
    assert set(got.index) == set(expected.index) | set(reached)
    assert mismatches(got["derivatives"], expected["derivatives"].reindex(got.index,
                                                                          fill_value=0)) == []
    assert mismatches(got["authors"], expected["authors"].reindex(got.index, fill_value=0)) == []
    assert mismatches(got["descendants"], pd.Series(reached)) == []
    for relation in RELATION_COLUMNS:
        assert mismatches(got[relation], per_relation[relation].reindex(
            got.index, fill_value=0)) == [], relation
    # Legacy un-namespaced ids reach their family through the aliases.
    bare = edges[~edges["base_key"].str.contains("/")]
    assert len(bare) > 0 and {"Google", "OpenAI", "Meta"} <= set(bare["base_family"])
    # The direct parents: every edge to a base attributed to Meta itself.
    meta = reports.lineage(real_snapshot, parent_family="Meta", top=0)
    assert meta.rows["derivatives"].sum() == expected.loc["Meta", "derivatives"]
    assert set(meta.rows["base_family"]) == {"Meta"}


def test_descendants_of_well_known_bases(real_snapshot, reference_ancestors) -> None:
    """Meta-Llama-3-8B and Mistral-7B-v0.1: direct derivatives and descendants at any depth,
    against the reference closure."""
    for base in ("meta-llama/Meta-Llama-3-8B", "mistralai/Mistral-7B-v0.1"):
        key = base.lower()
        direct = sum(1 for found in reference_ancestors.values() if found.get(key) == 1)
        anywhere = sum(1 for found in reference_ancestors.values() if key in found)
        row = reports.lineage(real_snapshot, base=base).rows.iloc[0]
        assert (row["base_model"], row["derivatives"], row["descendants"]) == (
            base, direct, anywhere)
        assert anywhere > direct


def test_a_family_tree_and_the_base_family_filter(real_snapshot, reference_ancestors) -> None:
    """`lineage --family` shows the bases of the family's tree; the models under them are
    those the `base_family` filter keeps, as many as the family's descendants."""
    cached = CachedFamilies(family_table())
    tree = {key for key in {a for found in reference_ancestors.values() for a in found}
            if cached.origin_of(key) == "Mistral AI" or any(
                cached.origin_of(a) == "Mistral AI" for a in reference_ancestors.get(key, {}))}
    derived = {m for m, found in reference_ancestors.items()
               if any(cached.origin_of(a) == "Mistral AI" for a in found)}
    report = reports.lineage(real_snapshot, family="Mistral AI", top=0)
    assert {b.lower() for b in report.rows["base_model"]} == tree
    row = report.sections["by_family"].set_index("base_family").loc["Mistral AI"]
    assert row["descendants"] == len(derived)
    kept = Scan(real_snapshot, "model", Filters(base_family="Mistral AI")).rows(
        "SELECT lower(id) FROM rows")
    assert {k for (k,) in kept} == derived


# -- growth ---------------------------------------------------------------------------------------
def test_growth_is_cumulative_and_complete(real_snapshot, raw_models) -> None:
    report = reports.growth(real_snapshot, by="year")
    assert report.rows["cumulative"].iloc[-1] == len(raw_models) - report.extra["undated"]
    expected = pd.to_datetime(raw_models["createdAt"], utc=True).dt.year.value_counts()
    got = report.rows.set_index("year")["created"]
    assert {int(k): v for k, v in got.items() if v} == expected.to_dict()
    assert any("placeholder" in note for note in report.notes)
