"""The lineage closure against a plain-Python closure, on generated graphs with cycles,
self-references, case variants, whitespace and empty ids.

The expected side is `tests/reference.py` (breadth first from each model, in plain Python); the
only hfexplore code it uses is `Families.origin_of`, to attribute one id at a time.
"""

from __future__ import annotations

import gc
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hfexplore.knowledge import Families
from hfexplore.stats.closure import EDGES, closure_sql, node_key
from hfexplore.stats.filters import Filters
from hfexplore.stats.lineage import lineage_of
from hfexplore.stats.query import Scan
from tests.reference import ancestors_of, origin_families

FAMILIES = Families.load()
# Models and bases: case variants and whitespace of one id, origin patterns (an Unsloth copy of
# Llama 3 is Meta's), namespaces of known families, a legacy id, unattributed ids.
MODELS = ["org/a", "Org/A", "org/b", "ORG/b", "x/c", "x/d", "someone/merge",
          "meta-llama/Llama-2-7b-hf", "unsloth/llama-3-8b-bnb-4bit", "unsloth/other",
          "mistralai/Mistral-7B-v0.1", "NousResearch/Hermes-2-Pro-Mistral-7B"]
BASES = [*MODELS, " org/a ", "X/C", "gpt2", "", "elsewhere/gone"]

# Model ids are unique ignoring case, as on the Hub; their bases are spelt any way.
rows = st.lists(
    st.tuples(st.sampled_from(MODELS), st.lists(st.sampled_from(BASES), max_size=3)),
    max_size=14, unique_by=lambda row: row[0].lower())


def table(data: list[tuple[str, list[str]]]) -> pa.Table:
    return pa.table({
        "id": pa.array([repo_id for repo_id, _ in data], pa.string()),
        "author": pa.array([repo_id.split("/")[0] for repo_id, _ in data], pa.string()),
        "base_models": pa.array([bases for _, bases in data], pa.list_(pa.string())),
        "base_relations": pa.array([[None] * len(bases) for _, bases in data],
                                   pa.list_(pa.string())),
    })


def plain_bases(data: list[tuple[str, list[str]]]) -> dict[str, set[str]]:
    """Lower-case model id -> its lower-case bases: stripped, no empty id, no self-reference."""
    found: dict[str, set[str]] = {}
    for repo_id, bases in data:
        key = repo_id.strip().lower()
        for base in bases:
            if base.strip() and base.strip().lower() != key:
                found.setdefault(key, set()).add(base.strip().lower())
    return found


def closure_pairs(scan: Scan) -> set[tuple[str, str]]:
    graph = scan.lineage()
    keys = graph.keys.to_pylist()
    return {(keys[m], keys[a]) for m, a in scan.rows(
        "SELECT model, ancestor FROM lineage_ancestors")}


@settings(max_examples=100, deadline=None)
@given(data=rows)
def test_the_closure_is_every_ancestor_once(data: list[tuple[str, list[str]]]) -> None:
    expected = ancestors_of(plain_bases(data))
    scan = Scan(table(data), "model", families=FAMILIES)
    assert closure_pairs(scan) == {(m, a) for m, found in expected.items() for a in found}
    # With depth (the shortest path), on the graph's numbers and on lower-case ids.
    graph = scan.lineage()
    keys = graph.keys.to_pylist()
    with_depth = {(keys[m], keys[a]): d for m, a, d in scan.rows(
        f"SELECT * FROM ({closure_sql('lineage_edges', depth=True)})")}
    wanted = {(m, a): d for m, found in expected.items() for a, d in found.items()}
    assert with_depth == wanted
    connection = duckdb.connect()
    connection.register("models", table(data))
    connection.execute(f"CREATE VIEW lineage_edges AS {EDGES.format(source='models')}")
    by_id = connection.execute(closure_sql("lineage_edges", depth=True)).fetchall()
    assert {(m, a): d for m, a, d in by_id} == wanted


def test_cycles_end_and_no_model_is_its_own_ancestor() -> None:
    data = [("x/a", ["x/b"]), ("x/b", ["X/C"]), ("x/c", ["x/a", "x/c"]), ("x/d", ["x/d"])]
    scan = Scan(table(data), "model", families=FAMILIES)
    assert closure_pairs(scan) == {("x/a", "x/b"), ("x/a", "x/c"), ("x/b", "x/c"),
                                   ("x/b", "x/a"), ("x/c", "x/a"), ("x/c", "x/b")}


def expected_lineage(data: list[tuple[str, list[str]]], kept: list[str]
                     ) -> tuple[dict[str, int], dict[str, int]]:
    """Descendants of the `kept` rows per base key (the bases the kept rows name directly: the
    report's rows) and per family of an ancestor (every family reached)."""
    bases = plain_bases(data)
    ancestors = ancestors_of(bases)
    shown = {base for repo_id in kept for base in bases.get(repo_id.lower(), ())}
    per_base: dict[str, int] = {}
    per_family: dict[str, int] = {}
    for repo_id in kept:
        found = ancestors.get(repo_id.strip().lower(), {})
        for base in set(found) & shown:
            per_base[base] = per_base.get(base, 0) + 1
        for family in {FAMILIES.origin_of(a) for a in found} - {None}:
            per_family[family] = per_family.get(family, 0) + 1
    return per_base, per_family


def normalised(data: list[tuple[str, list[str]]]) -> list[tuple[str, list[str]]]:
    """Base ids as a snapshot holds them: stripped, no empty id, no self-reference (the
    normaliser's rules, which the report's direct counts rely on)."""
    return [(repo_id, list(dict.fromkeys(
        b.strip() for b in bases if b.strip() and b.strip().lower() != repo_id.lower())))
        for repo_id, bases in data]


@settings(max_examples=30, deadline=None)
@given(data=rows.map(normalised), author=st.sampled_from([None, "org", "x", "unsloth"]))
def test_descendants_and_origins_per_base_and_family(data: list[tuple[str, list[str]]],
                                                     author: str | None) -> None:
    filters = Filters(author=author) if author else Filters()
    kept = [repo_id for repo_id, _ in data if not author or
            repo_id.split("/")[0].lower() == author]
    per_base, per_family = expected_lineage(data, kept)
    found = lineage_of(Scan(table(data), "model", filters, families=FAMILIES))
    per_base_rows = found.per_base.frame()
    got = per_base_rows.set_index(per_base_rows["base_model"].str.strip().str.lower())
    assert {k: v for k, v in got["descendants"].items() if v} == per_base
    families = found.per_family.frame().set_index("base_family")["descendants"]
    assert {k: v for k, v in families.items() if v} == per_family
    ancestors = ancestors_of(plain_bases(data))
    origins = {key: ", ".join(origin_families(key, ancestors, FAMILIES)) for key in got.index}
    assert got["origin_family"].to_dict() == origins


def test_the_origin_is_the_attributed_ancestor_nearest_the_root() -> None:
    data = [
        # Meta's root through an Unsloth copy the patterns attribute to Meta.
        ("org/ft", ["unsloth/llama-3-8b-bnb-4bit"]),
        # An unattributed root: the Mistral AI model below it stands for it, not Nous Research
        # (nearer the derivative) nor the derivative's own namespace.
        ("mistralai/Mistral-7B-v0.1", ["someone/merge"]),
        ("NousResearch/Hermes-2-Pro-Mistral-7B", ["mistralai/Mistral-7B-v0.1"]),
        ("x/c", ["NousResearch/Hermes-2-Pro-Mistral-7B"]),
        # A merge of both: two origins.
        ("x/d", ["org/ft", "x/c"]),
        # Nothing attributed at all.
        ("someone/other", ["elsewhere/gone"]),
    ]
    found = lineage_of(Scan(table(data), "model", families=FAMILIES))
    origin = dict(zip(found.per_base.column("base_model"),
                      found.per_base.column("origin_family"), strict=True))
    assert origin == {"unsloth/llama-3-8b-bnb-4bit": "Meta", "someone/merge": "",
                      "mistralai/Mistral-7B-v0.1": "Mistral AI",
                      "NousResearch/Hermes-2-Pro-Mistral-7B": "Mistral AI",
                      "org/ft": "Meta", "x/c": "Mistral AI", "elsewhere/gone": ""}
    base_family = dict(zip(found.per_base.column("base_model"),
                           found.per_base.column("base_family"), strict=True))
    assert base_family["NousResearch/Hermes-2-Pro-Mistral-7B"] == "Nous Research"


FAMILY_CHOICES = ["Meta", "Mistral AI", "Nous Research", "OpenAI", ("Meta", "Mistral AI")]


@settings(max_examples=100, deadline=None)
@given(data=rows, chosen=st.sampled_from(FAMILY_CHOICES),
       key=st.sampled_from(["base_family", "parent_family"]))
def test_family_filters_follow_the_chain_or_the_parent(data: list[tuple[str, list[str]]],
                                                       chosen: Any, key: str) -> None:
    names = {chosen} if isinstance(chosen, str) else set(chosen)
    bases = plain_bases(data)
    ancestors = ancestors_of(bases)
    reach = ancestors if key == "base_family" else {m: dict.fromkeys(b) for m, b in
                                                    bases.items()}
    expected = sorted(repo_id for repo_id, _ in data
                      if {FAMILIES.origin_of(a) for a in reach.get(repo_id.lower(), {})} & names)
    scan = Scan(table(data), "model", Filters(**{key: chosen}), families=FAMILIES)
    assert sorted(row[0] for row in scan.rows("SELECT id FROM rows")) == expected


def test_base_family_reaches_through_a_re_upload_and_parent_family_does_not() -> None:
    data = [("org/ft", ["unsloth/llama-3-8b-bnb-4bit"]), ("org/ft2", ["org/ft"])]
    count = {key: Scan(table(data), "model", Filters(**{key: "Meta"}), families=FAMILIES).count()
             for key in ("base_family", "parent_family")}
    assert count == {"base_family": 2, "parent_family": 1}


@pytest.mark.parametrize("selection", [{"family": "Mistral AI"},
                                       {"parent_family": "Mistral AI"}])
def test_family_selection_of_the_lineage_report(selection: dict[str, str]) -> None:
    data = [("NousResearch/Hermes-2-Pro-Mistral-7B", ["mistralai/Mistral-7B-v0.1"]),
            ("x/c", ["NousResearch/Hermes-2-Pro-Mistral-7B"]), ("x/d", ["gpt2"]),
            ("x/e", ["mistralai/Mistral-7B-v0.1"])]
    found = lineage_of(Scan(table(data), "model", families=FAMILIES), **selection)
    bases = set(found.per_base.column("base_model"))
    tree = {"mistralai/Mistral-7B-v0.1", "NousResearch/Hermes-2-Pro-Mistral-7B"}
    assert bases == (tree if "family" in selection else {"mistralai/Mistral-7B-v0.1"})
    row = found.per_family.frame().set_index("base_family").loc["Mistral AI"]
    assert (row["derivatives"], row["descendants"]) == (2, 3)
    assert found.per_family.column("base_family") == ["Mistral AI"]


def test_node_keys_strip_what_python_strips() -> None:
    """The engine's node key strips exactly the characters `str.strip()` does (and folds case,
    as DuckDB's lower() does: ids on the Hub are ASCII)."""
    spaces = [chr(i) for i in range(0x110000) if chr(i).isspace()]
    others = [chr(i) for i in range(1, 0x3100) if not chr(i).isspace()
              and not 0xD800 <= i < 0xE000]
    found = duckdb.connect().execute(
        f"SELECT [{node_key('s || $v || s')} FOR s IN $spaces], "
        f"[{node_key('o || $v || o')} = lower(o || $v || o) FOR o IN $others]",
        {"spaces": spaces, "others": others, "v": "Org/A b"}).fetchall()[0]
    assert found[0] == ["org/a b"] * len(spaces)
    assert all(found[1])


def test_a_graph_no_longer_used_is_dropped_when_the_next_is_built() -> None:
    """The graph's tables live in the process's database: once no scan holds the graph, the
    next graph built drops them (memory is not kept for the process's life)."""
    from hfexplore.store.footer import database

    def tables() -> set[str]:
        return {name for (name,) in database().execute(
            "SELECT table_name FROM duckdb_tables()").fetchall()}

    data = [("x/a", ["x/b"]), ("x/b", ["x/c"])]
    first = Scan(table(data), "model", families=FAMILIES)
    prefix = first.lineage().prefix
    assert {f"{prefix}{name}" for name in ("nodes", "edges", "ancestors")} <= tables()
    del first
    gc.collect()
    second = Scan(table(data), "model", families=FAMILIES)
    assert closure_pairs(second) == {("x/a", "x/b"), ("x/a", "x/c"), ("x/b", "x/c")}
    assert not {name for name in tables() if name.startswith(prefix)}
