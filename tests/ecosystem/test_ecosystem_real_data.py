"""Model trees and license drift on the real July 2024 data, against an independent
computation: plain Python and pandas over the raw JSON lines (`tests/reference.py` and the
walks below), never hfexplore's own code. The only shared inputs are the knowledge files
(licenses.csv, families.toml, drift.toml), parsed here with the standard library."""

from __future__ import annotations

import tomllib
from collections import Counter, deque
from functools import cache

import pytest

from hfexplore.ecosystem.drift import drift
from hfexplore.ecosystem.org import org
from hfexplore.ecosystem.tree import tree
from tests.conftest import needs_shared_data, real_data_group
from tests.reference import DATA, family_table, origin_families

pytestmark = [needs_shared_data, real_data_group]
WELL_KNOWN = ["mistralai/Mistral-7B-v0.1", "meta-llama/Meta-Llama-3-8B"]


def walk_down(children: dict[str, set[str]], start: str) -> dict[str, int]:
    """Breadth first from `start` along derivative links: each model's shortest depth."""
    depth: dict[str, int] = {}
    queue = deque((kid, 1) for kid in sorted(children.get(start, ())))
    while queue:
        node, steps = queue.popleft()
        if node == start or node in depth:
            continue
        depth[node] = steps
        queue.extend((kid, steps + 1) for kid in sorted(children.get(node, ())))
    return depth


@pytest.mark.parametrize("base", WELL_KNOWN)
def test_tree_counts_of_a_well_known_base(real_snapshot, raw_models, reference_edges,
                                          base) -> None:
    children: dict[str, set[str]] = {}
    for model, key in zip(reference_edges["id"].str.lower(), reference_edges["base_key"],
                          strict=True):
        children.setdefault(key.strip(), set()).add(model)
    key = base.lower()
    depth = walk_down(children, key)
    direct = reference_edges[reference_edges["base_key"].str.strip() == key]
    doc = tree(real_snapshot, base).document()
    assert doc["children"] == len(set(direct["id"].str.lower())) > 100
    assert doc["descendants"] == len(depth)
    assert doc["children_by_relation"] == {
        r: int(n) for r, n in {**dict.fromkeys(doc["children_by_relation"], 0),
                               **Counter(direct["relation"])}.items()}
    assert doc["descendants_by_depth"] == {
        str(d): n for d, n in sorted(Counter(depth.values()).items())}
    downloads = dict(zip(raw_models["id"].str.lower(), raw_models["downloads"], strict=True))
    assert [row["downloads"] for row in doc["rows"]] == sorted(
        (int(downloads[m]) for m in depth), reverse=True)[:10]


def outcome(levels: dict[str, int], base: str | None, derived: str) -> str:
    """The drift rules of drift.toml, written again from its comments."""
    if base is None:
        return "base_missing"
    if derived == "none":
        return "undeclared"
    if base == "none":
        return "base_undeclared"
    if base not in levels or derived not in levels:
        return "unclear"
    if levels[base] == levels[derived]:
        return "same"
    return "more_restrictive" if levels[derived] > levels[base] else "less_restrictive"


def test_drift_counts_for_one_family(real_snapshot, reference_models, reference_edges,
                                     reference_ancestors) -> None:
    order = tomllib.loads((DATA / "drift.toml").read_text("utf-8"))
    levels = {entry["category"]: entry["level"] for entry in order["level"]}
    policy = dict(zip(reference_models["id"].str.lower(), reference_models["policy"],
                      strict=True))
    families = family_table()
    bases = reference_edges["base_key"].str.strip()
    origins = {b: origin_families(b, reference_ancestors, families) for b in bases.unique()}
    meta = reference_edges[[("Meta" in origins[b]) for b in bases]]
    expected = Counter(outcome(levels, policy.get(b.strip()), policy[m.lower()])
                       for m, b in zip(meta["id"], meta["base_key"], strict=True))
    report = drift(real_snapshot, family="Meta")
    totals = report.extra["totals"]
    assert totals["pairs"] == len(meta) > 10_000
    assert {k: totals[k] for k in expected} == dict(expected)
    assert totals["less_restrictive"] > 0 and totals["more_restrictive"] > 0
    # and the same pairs, by their own base families, in the per-family rows
    assert report.rows.set_index("origin_family").loc["Meta", "pairs"] == len(meta)


def test_org_of_a_family_against_the_raw_data(real_snapshot, raw_models, reference_models,
                                              reference_edges, reference_ancestors) -> None:
    """`org "Mistral AI"`: its models, open-weight share and derivative footprint, each
    recomputed from the raw items by the rules of org.py's docstring."""
    families = family_table()
    publishers = {ns for ns, name in families.publisher.items() if name == "Mistral AI"}
    own_models = reference_models[reference_models["key"].isin(publishers)]
    open_weight = own_models["policy"].isin(["permissive", "copyleft", "open-weight-restricted"])

    @cache  # the same bases come back for thousands of models
    def mistral(node: str) -> bool:
        return families.origin_of(node) == "Mistral AI"

    direct: dict[str, set[str]] = {}  # lower-case model id -> relations of its edges to bases
    for model, base, relation in zip(reference_edges["id"].str.lower(),
                                     reference_edges["base_key"].str.strip(),
                                     reference_edges["relation"], strict=True):
        if mistral(base):
            direct.setdefault(model, set()).add(relation or "unspecified")
    formats = {"gguf", "gguf-my-repo"}
    rows = []
    for repo_id, tags, library in zip(raw_models["id"], raw_models["tags"],
                                      raw_models["library_name"], strict=True):
        key = repo_id.lower()
        if any(mistral(a) for a in reference_ancestors.get(key, {})):
            rows.append({"own": key.split("/")[0] in publishers,
                         "gguf": bool(formats & {t.lower() for t in tags})
                         or str(library).lower() == "gguf",
                         "relations": direct.get(key, set())})
    own = [r for r in rows if r["own"]]
    report = org(real_snapshot, "Mistral AI")
    summary = report.extra["summary"]
    assert summary["models"] == len(own_models) >= 10
    assert summary["open_weight_share"] == pytest.approx(open_weight.mean())
    assert summary["descendants"] == len(rows) > 1_000
    assert summary["derivatives"] == sum(bool(r["relations"]) for r in rows)
    assert summary["own_descendants"] == len(own)
    assert summary["third_party_descendants"] == len(rows) - len(own)
    assert summary["gguf_descendants"] == sum(r["gguf"] for r in rows) > 0
    assert summary["gguf_own"] == sum(r["gguf"] for r in own)
    by_relation = report.sections["derivatives_by_relation"]
    counted = Counter(rel for r in rows for rel in r["relations"])
    assert by_relation.set_index("relation")["models"].drop("any depth").to_dict() == {
        rel: counted.get(rel, 0) for rel in by_relation["relation"] if rel != "any depth"}
