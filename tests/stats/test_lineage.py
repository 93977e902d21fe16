"""Lineage on the engine: per edge, case-insensitive, families by origin."""

from __future__ import annotations

from hfexplore.stats.lineage import lineage_of
from tests.stats.test_query import scan


def test_lineage_is_per_edge_and_case_insensitive() -> None:
    found = lineage_of(scan())
    assert found.edges == 4
    bases = found.per_base.frame().set_index("base_model")
    # One spelling for both edges of Llama 2: the most frequent, then the first in code order
    assert list(bases.index) == ["Meta-Llama/llama-2-7b-hf", "gpt2", "org/x"]
    llama = bases.loc["Meta-Llama/llama-2-7b-hf"]
    assert (llama["derivatives"], llama["finetune"], llama["adapter"], llama["authors"],
            llama["base_family"]) == (2, 1, 1, 1, "Meta")  # someone/SOMEONE: one author
    assert bases.loc["gpt2", "base_family"] == "OpenAI"
    assert bases.loc["org/x", "base_family"] == ""
    families = found.per_family.frame().set_index("base_family")["derivatives"].to_dict()
    assert families == {"Meta": 2, "OpenAI": 1}
