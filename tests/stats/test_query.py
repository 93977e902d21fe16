"""The shared filter and aggregation path, on small hand-made tables."""

from __future__ import annotations

import pyarrow as pa

from hfexplore.catalog.knowledge import Families
from hfexplore.stats.query import (
    Filters,
    base_edges,
    distinct,
    fold_case,
    rank_of,
    value_counts,
)

FAMILIES = Families.load()


def table() -> pa.Table:
    return pa.table({
        "author": ["someone", "mistralai", "facebook", "Someone", "meta-llama", "SOMEONE"],
        "libraries": [["peft"], ["transformers"], ["transformers"], [], ["transformers"],
                      ["peft"]],
        "license_category": ["permissive", "permissive", "non-commercial", "none",
                             "open-weight-restricted", "permissive"],
        "licenses": [["mit"], ["apache-2.0"], ["cc-by-nc-4.0"], [], ["llama3"], ["mit"]],
        "downloads": [1, 500, 20, 3, 1000, 2],
        "base_models": [["meta-llama/Llama-2-7b-hf "], [], [], ["gpt2"],
                        [], ["Meta-Llama/llama-2-7b-hf", "org/x"]],
        "base_relations": [["finetune"], [], [], ["unspecified"], [],
                           ["adapter", "quantized"]],
    })


def test_rank_with_a_filter_stays_aligned() -> None:
    # Regression: ranking a filtered pandas frame mapped families by index label onto the
    # wrong rows. Here the filter drops the first rows, so any misalignment would show.
    open_weight = Filters(license_category="open-weight").apply(table(), FAMILIES)
    rank, ranking = rank_of(open_weight, "family", "Meta", families=FAMILIES)
    assert ranking["value"].tolist()[:2] == ["Meta", "Mistral AI"]
    assert rank == 1
    assert ranking.set_index("value")["count"].to_dict() == {"Meta": 1, "Mistral AI": 1}
    by_downloads, _ = rank_of(open_weight, "family", "Mistral AI", by="downloads",
                              families=FAMILIES)
    assert by_downloads == 2  # 500 downloads against Meta's 1,000


def test_filters_compose_and_keep_rows_in_place() -> None:
    got = Filters(family=("Meta", "Mistral AI"), library="transformers").apply(table(), FAMILIES)
    assert got["author"].to_pylist() == ["mistralai", "facebook", "meta-llama"]
    assert Filters(not_family_kind="company").apply(table(), FAMILIES)["author"].to_pylist() \
        == ["someone", "Someone", "SOMEONE"]
    assert Filters(author="someone").apply(table())["author"].to_pylist() == \
        ["someone", "Someone", "SOMEONE"]
    derived = Filters(base_family="Meta").apply(table(), FAMILIES)
    assert derived["author"].to_pylist() == ["someone", "SOMEONE"]
    assert Filters(base_family="OpenAI").apply(table(), FAMILIES)["author"].to_pylist() == \
        ["Someone"]  # gpt2, a legacy id, through the alias table


def test_standard_license_filter() -> None:
    nonstandard = Filters(standard_license=False).apply(table())
    assert nonstandard["author"].to_pylist() == ["meta-llama"]  # llama3
    standard = Filters(standard_license=True).apply(table())
    assert "Someone" not in standard["author"].to_pylist()  # no license: neither


def test_list_columns_count_a_repo_under_each_value() -> None:
    counts = value_counts(table(), "libraries", "library").set_index("library")["count"]
    assert counts.to_dict() == {"transformers": 3, "peft": 2, "(none)": 1}


def test_authors_fold_case_to_the_most_frequent_spelling() -> None:
    folded = fold_case(table(), "author")["author"].to_pylist()
    assert folded.count("SOMEONE") == 3  # a tie of three spellings: the first in code order
    more = pa.table({"author": ["Salesforce", "salesforce", "Salesforce"]})
    assert fold_case(more, "author")["author"].to_pylist() == ["Salesforce"] * 3
    assert distinct(table(), "author") == 4
    assert distinct(table(), "author", min_repos=2) == 1


def test_base_edges_are_per_edge_and_case_insensitive() -> None:
    edges = base_edges(table(), FAMILIES).to_pylist()
    assert [(e["row"], e["base_key"], e["relation"], e["base_family"]) for e in edges] == [
        (0, "meta-llama/llama-2-7b-hf", "finetune", "Meta"),
        (3, "gpt2", "unspecified", "OpenAI"),
        (5, "meta-llama/llama-2-7b-hf", "adapter", "Meta"),
        (5, "org/x", "quantized", None),
    ]
    assert edges[0]["base_model"] == edges[2]["base_model"]  # one spelling for both


def test_describe_filters() -> None:
    assert Filters(author="a", license_category=("open-weight",),
                   standard_license=False).describe() == \
        "author=a, license_category=open-weight, standard_license=false"
