from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hfexplore.knowledge import CATEGORIES, LicenseTable
from hfexplore.normalize.columns import normalize_dicts as normalize
from hfexplore.normalize.reference import licenses_of
from hfexplore.normalize.schema import SCHEMA, Anomalies
from tests.conftest import FIXTURES

TABLE = LicenseTable.load()
EDGE = json.loads((FIXTURES / "edge_cases.json").read_text())


def rows(items, repo_type="model"):
    return normalize(items, repo_type, TABLE).to_pylist()


def test_edge_cases() -> None:
    anomalies = Anomalies()
    bare, custom, gguf, merge, odd = normalize(EDGE["models"], "model", TABLE,
                                               anomalies).to_pylist()
    assert bare["author"] == "solo-dev" and bare["license"] is None
    assert bare["license_category"] == "none" and bare["base_models"] == []
    assert bare["base_relation"] is None and bare["gated"] is None
    assert (custom["license"], custom["license_name"]) == ("other", "acme-research-license")
    assert custom["license_category"] == "other" and custom["gated"] == "manual"
    assert custom["last_modified"] is not None and custom["formats"] == ["safetensors"]
    assert gguf["base_models"] == ["meta-llama/Meta-Llama-3-8B"]
    assert gguf["base_relation"] == "quantized" and gguf["formats"] == ["gguf"]
    assert merge["base_models"] == ["mistralai/Mistral-7B-v0.1", "Qwen/Qwen2-7B"]
    assert merge["base_relation"] == "merge"
    assert merge["license"] == "apache-2.0" and merge["licenses"] == ["apache-2.0", "mit"]
    assert odd["likes"] == 12 and odd["downloads"] is None and odd["created_at"] is None
    assert odd["tags"] == ["license:mit"] and odd["license"] == "mit"
    assert odd["library_name"] is None
    assert anomalies.count == 2  # tags as a string, library_name as a number


def test_list_valued_card_license_and_dataset_task() -> None:
    (row,) = rows(EDGE["datasets"], "dataset")
    assert row["license"] == "cc-by-4.0" and row["licenses"] == ["cc-by-4.0", "mit"]
    assert row["pipeline_tag"] == "text-classification" and row["gated"] == "auto"


def test_card_license_wins_over_tags_and_is_lowercased() -> None:
    assert licenses_of({"license": "Apache-2.0"}, ["license:mit"]) == (
        "apache-2.0", None, ["apache-2.0", "mit"])
    assert licenses_of({}, ["license:mit", "license:apache-2.0"])[0] == "mit"
    assert licenses_of({"license": []}, [])[0] is None


def test_real_pages_normalise_to_the_schema() -> None:
    items = json.loads((FIXTURES / "pages" / "models_p1.json").read_text())
    batch = normalize(items, "model", TABLE)
    assert batch.schema == SCHEMA and batch.num_rows == len(items)
    first = batch.to_pylist()[0]
    assert first["id"] == items[0]["id"] and first["author"] == items[0]["id"].split("/")[0]
    assert first["license"] == "bsd-3-clause" and first["library_name"] == "transformers"
    spaces = json.loads((FIXTURES / "pages" / "spaces_info.json").read_text())
    space_rows = rows(spaces, "space")
    assert all(r["sdk"] for r in space_rows)
    with_card_license = [s for s in spaces if (s.get("cardData") or {}).get("license")]
    assert sum(r["license"] is not None for r in space_rows) == len(with_card_license)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8),
                                                                      children, max_size=4),
    max_leaves=12)
item_strategy = st.fixed_dictionaries(
    {"_id": st.text(min_size=1, max_size=24)},
    optional={"id": json_values | st.text(max_size=30), "author": json_values,
              "tags": json_values | st.lists(st.sampled_from(
                  ["license:mit", "license:other", "base_model:a/b", "base_model:merge:c/d",
                   "gguf", "license:", "base_model:", "task_categories:x"]), max_size=6),
              "cardData": json_values | st.fixed_dictionaries(
                  {}, optional={"license": json_values, "license_name": json_values,
                                "base_model": json_values}),
              "downloads": json_values, "likes": json_values, "createdAt": json_values,
              "lastModified": json_values, "gated": json_values, "library_name": json_values,
              "baseModels": json_values, "trendingScore": json_values, "private": json_values})


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(item_strategy, max_size=5), st.sampled_from(["model", "dataset", "space"]))
def test_normalise_never_crashes_and_every_item_gets_one_category(items, repo_type) -> None:
    batch = normalize(items, repo_type, TABLE)
    assert batch.num_rows == len(items)
    for row in batch.to_pylist():
        assert row["license_category"] in CATEGORIES
        assert (row["license"] is None) == (row["license_category"] == "none")
        assert (row["base_relation"] is None) == (row["base_models"] == [])


# -- lineage, multi-valued columns and missing fields (issue 11) ---------------------------------
def test_lineage_edges_are_clean_and_carry_their_own_relation() -> None:
    anomalies = Anomalies()
    [row] = normalize([{
        "_id": "1", "id": "me/My-Model",
        "tags": ["base_model: meta-llama/Llama-2-7b-hf ", "base_model:adapter:org/A",
                 "base_model:quantized:org/B", "base_model:ORG/a", "base_model:finetune:",
                 "base_model:me/my-model", "base_model:merge:me/My-Model"],
    }], "model", TABLE, anomalies).to_pylist()
    # whitespace stripped; org/A and ORG/a are one base; the self-references are gone; the
    # empty relation tag is an anomaly, not a base called "finetune:".
    assert row["base_models"] == ["meta-llama/Llama-2-7b-hf", "org/A", "org/B"]
    assert row["base_relations"] == ["unspecified", "adapter", "quantized"]
    assert row["base_relation"] == "adapter"  # the model's first named relation
    assert anomalies.count == 1 and "finetune:" in (anomalies.examples or [""])[0]


def test_a_relation_named_by_a_duplicate_fills_in() -> None:
    [row] = rows([{"_id": "1", "id": "me/x",
                   "tags": ["base_model:org/A", "base_model:finetune:org/a"]}])
    assert row["base_models"] == ["org/A"] and row["base_relations"] == ["finetune"]


def test_dataset_libraries_and_tasks_keep_every_value() -> None:
    [row] = rows([{"_id": "1", "id": "o/d", "tags": [
        "library:datasets", "library:pandas", "library:mlcroissant", "task_categories:translation",
        "task_categories:summarization", "library:pandas"]}], "dataset")
    assert row["libraries"] == ["datasets", "pandas", "mlcroissant"]
    assert row["tasks"] == ["translation", "summarization"]
    assert row["pipeline_tag"] == "translation"  # the first, as before
    [model] = rows([{"_id": "2", "id": "o/m", "library_name": "peft",
                     "pipeline_tag": "text-generation", "tags": ["library:ignored"]}])
    assert model["libraries"] == ["peft"] and model["tasks"] == ["text-generation"]


def test_fields_the_listing_did_not_return_are_null_never_false() -> None:
    [row] = rows([{"_id": "1", "id": "o/m"}])
    for column in ("gated", "private", "disabled", "downloads", "likes", "library_name",
                   "created_at", "license", "sdk", "trending_score", "downloads_all_time"):
        assert row[column] is None, column
    [shown] = rows([{"_id": "1", "id": "o/m", "gated": False, "private": False}])
    assert shown["gated"] == "false" and shown["private"] is False


def test_a_multi_licensed_repo_gets_the_most_restrictive_category() -> None:
    [row] = rows([{"_id": "1", "id": "o/m", "tags": ["license:apache-2.0",
                                                     "license:cc-by-nc-4.0"]}])
    assert row["license"] == "apache-2.0" and row["license_category"] == "non-commercial"
