"""The shared filter and aggregation path, on small hand-made tables."""

from __future__ import annotations

import pyarrow as pa

from hfexplore.knowledge import Families
from hfexplore.stats.query import (
    Filters,
    Scan,
    count_folded,
    distinct,
    rank_of,
    value_counts,
)

FAMILIES = Families.load()


def table() -> pa.Table:
    return pa.table({
        "_id": [f"id{n}" for n in range(6)],
        "id": ["someone/a", "mistralai/b", "facebook/c", "Someone/d", "meta-llama/e",
               "SOMEONE/f"],
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


def scan(*filters: Filters) -> Scan:
    return Scan(table(), "dataset", filters, families=FAMILIES)


def authors(*filters: Filters) -> list[str]:
    return [row[0] for row in scan(*filters).rows("SELECT author FROM rows ORDER BY _id")]


def test_rank_with_a_filter_stays_aligned() -> None:
    # Regression: ranking a filtered pandas frame mapped families by index label onto the
    # wrong rows. Here the filter drops the first rows, so any misalignment would show.
    open_weight = scan(Filters(license_category="open-weight"))
    rank, ranking = rank_of(open_weight, "family", "Meta")
    assert ranking["value"].tolist()[:2] == ["Meta", "Mistral AI"]
    assert rank == 1
    assert ranking.set_index("value")["count"].to_dict() == {"Meta": 1, "Mistral AI": 1}
    by_downloads, _ = rank_of(open_weight, "family", "Mistral AI", by="downloads")
    assert by_downloads == 2  # 500 downloads against Meta's 1,000


def test_a_ranking_by_downloads_is_ordered_by_downloads() -> None:
    # "permissive" has the most repos (3, 503 downloads); "open-weight-restricted" the most
    # downloads (1,000). A rank claim's evidence names the ranking's first row as the leader.
    rank, ranking = rank_of(scan(), "license_category", "non-commercial", by="downloads")
    assert rank == 3
    assert ranking["value"].tolist()[:3] == ["open-weight-restricted", "permissive",
                                             "non-commercial"]
    rank, ranking = rank_of(scan(), "license_category", "non-commercial")
    assert rank == 2 and ranking["value"].tolist()[0] == "permissive"


def test_filters_compose_and_keep_rows_in_place() -> None:
    got = authors(Filters(family=("Meta", "Mistral AI"), library="transformers"))
    assert got == ["mistralai", "facebook", "meta-llama"]
    assert authors(Filters(not_family_kind="company")) == ["someone", "Someone", "SOMEONE"]
    assert authors(Filters(author="someone")) == ["someone", "Someone", "SOMEONE"]
    assert authors(Filters(base_family="Meta")) == ["someone", "SOMEONE"]
    assert authors(Filters(base_family="OpenAI")) == ["Someone"]  # gpt2, through an alias
    assert authors(Filters(family="Meta"), Filters(library="peft")) == []  # all must hold


def test_standard_license_filter() -> None:
    assert authors(Filters(standard_license=False)) == ["meta-llama"]  # llama3
    standard = authors(Filters(standard_license=True))
    assert standard == ["someone", "mistralai", "facebook", "SOMEONE"]  # no license: neither


def test_bulk_reuploaders_are_accounts_whose_models_are_mostly_copies() -> None:
    """reuploads.toml: a copy has a `quantized` base edge, a converted format, or a name that
    says so; an account is a bulk re-uploader when more than half of its models are copies."""
    data = pa.table({
        "_id": [f"id{n}" for n in range(7)],
        "id": ["quant/Llama-3-8B-GGUF", "quant/Mistral-7B-AWQ", "quant/my-finetune",
               "lab/model-a", "lab/model-b-4bit", "half/x", "half/y"],
        "author": ["quant", "Quant", "quant", "lab", "lab", "half", "half"],
        "formats": [[], [], [], [], [], ["mlx"], []],
        "base_relations": [[], [], ["quantized"], [], [], [], ["finetune"]],
    })
    kept = Scan(data, "model", Filters(not_bulk_reuploader=True)).rows(
        "SELECT id FROM rows ORDER BY _id")
    assert [r[0] for r in kept] == ["lab/model-a", "lab/model-b-4bit", "half/x", "half/y"]
    left_out = Scan(data, "model", Filters(not_bulk_reuploader=False)).rows(
        "SELECT id FROM rows ORDER BY _id")
    assert [r[0] for r in left_out] == ["quant/Llama-3-8B-GGUF", "quant/Mistral-7B-AWQ",
                                        "quant/my-finetune"]
    # Judged over the whole source, not the rows other filters keep.
    narrowed = Scan(data, "model", [Filters(author="quant"), Filters(not_bulk_reuploader=True)])
    assert narrowed.count() == 0


def test_list_columns_count_a_repo_under_each_value() -> None:
    counts = value_counts(scan(), "libraries", "library").set_index("library")["count"]
    assert counts.to_dict() == {"transformers": 3, "peft": 2, "(none)": 1}


def test_authors_fold_case_to_the_most_frequent_spelling() -> None:
    found, groups = count_folded(scan(), "author", top=2)
    assert groups == 4  # someone, mistralai, facebook, meta-llama
    folded = found.set_index("author")["count"].to_dict()
    assert len(folded) == 2
    assert folded["SOMEONE"] == 3  # a tie of three spellings: the first in code order
    more = pa.table({"author": ["Salesforce", "salesforce", "Salesforce"]})
    assert count_folded(Scan(more, "dataset"), "author")[0]["author"].tolist() == ["Salesforce"]
    assert distinct(scan(), "author") == 4
    assert distinct(scan(), "author", min_repos=2) == 1


def test_describe_filters() -> None:
    assert Filters(author="a", license_category=("open-weight",),
                   standard_license=False).describe() == \
        "author=a, license_category=open-weight, standard_license=false"
