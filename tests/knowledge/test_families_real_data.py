"""families.toml against the real July 2024 data: coverage of the most downloaded namespaces,
and the lineage audit of the most-derived base models.

The top namespaces are computed from the raw 2024 items (30-day downloads summed per
namespace, case-insensitively); which of them are personal accounts is a reviewed list,
`tests/data/personal_namespaces.txt`, decided from what is publicly known of each account.
Every other namespace of the top is an organisation and must be in families.toml.

The audit recomputes, in plain Python over the raw tags, the bases with the most direct
derivatives and follows each one's own declared bases to its roots; hfexplore is used only to
name the family of a root id (`Families.origin_of`).
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from hfexplore.knowledge import Families
from tests.conftest import needs_shared_data, real_data_group
from tests.reference import DATA, display_names, family_table

pytestmark = [needs_shared_data, real_data_group]
ROOT = Path(__file__).resolve().parent.parent.parent
PERSONAL = ROOT / "tests" / "data" / "personal_namespaces.txt"
AUDIT = ROOT / "docs" / "lineage-audit.md"
TOP = 300
TOP_BASES = 200
RELATIONS = ("finetune", "adapter", "quantized", "merge")


def personal_namespaces() -> dict[str, str]:
    """Lower-cased namespace -> the reason it is a person's account."""
    found = {}
    for line in PERSONAL.read_text("utf-8").splitlines():
        namespace, _, reason = line.partition("#")
        if namespace.strip():
            assert reason.strip(), f"{PERSONAL.name}: {namespace.strip()} needs a # reason"
            found[namespace.strip().lower()] = reason.strip()
    return found


def data_file() -> dict:
    return tomllib.loads((DATA / "families.toml").read_text("utf-8"))


def fixture_namespaces() -> set[str]:
    return {namespace.lower() for entry in data_file()["families"].values()
            if isinstance(entry, dict) for namespace in entry.get("fixtures", [])}


def listed_unattributed() -> dict[str, str]:
    return {repo_id.lower(): entry["reason"] for entry in data_file().get("unattributed", [])
            for repo_id in entry["ids"]}


@pytest.fixture(scope="module")
def top_namespaces(raw_models) -> pd.Series:
    """The `TOP` namespaces by summed 30-day downloads (most frequent spelling -> downloads)."""
    namespace = raw_models["id"].str.split("/").str[0]
    key = namespace.str.lower()
    downloads = raw_models["downloads"].groupby(key.to_numpy()).sum()
    top = downloads.sort_values(ascending=False, kind="stable").head(TOP)
    names = display_names(key, namespace)
    return pd.Series(top.to_numpy(), index=[names[k] for k in top.index])


def test_the_personal_list_is_about_the_top(top_namespaces) -> None:
    """Each listed account is among the top namespaces and none is a family's namespace."""
    families = family_table()
    personal = personal_namespaces()
    top = {name.lower() for name in top_namespaces.index}
    assert sorted(set(personal) - top) == []
    assert sorted(set(personal) & (set(families.origin) | fixture_namespaces())) == []


def test_families_cover_the_organisations_of_the_top(top_namespaces) -> None:
    families = family_table()
    personal = personal_namespaces()
    organisations = [name for name in top_namespaces.index if name.lower() not in personal]
    assert len(organisations) >= 100, f"only {len(organisations)} organisations in the top {TOP}"
    # Mirrors and test fixtures are organisation accounts families.toml knows on purpose.
    known = set(families.publisher) | set(families.origin) | fixture_namespaces()
    missing = [f"{name} ({top_namespaces[name]:,} downloads)" for name in organisations
               if name.lower() not in known]
    assert missing == [], (f"organisations among the {TOP} most downloaded namespaces missing "
                           f"from families.toml: {', '.join(missing)}")


# -- lineage audit --------------------------------------------------------------------------------
def declared_bases(repo_id: str, tags: list[str]) -> set[str]:
    own = repo_id.strip().lower()
    found = set()
    for tag in tags:
        if tag.startswith("base_model:"):
            head, _, rest = tag[len("base_model:"):].partition(":")
            base = rest if head in RELATIONS and rest else tag[len("base_model:"):]
            if base.strip() and base.strip().lower() != own:
                found.add(base.strip().lower())
    return found


@pytest.fixture(scope="module")
def graph(raw_models) -> dict[str, set[str]]:
    """Lower-case id -> the bases it declares, for every model of the listing."""
    return {repo_id.strip().lower(): declared_bases(repo_id, tags)
            for repo_id, tags in zip(raw_models["id"], raw_models["tags"], strict=True)}


@pytest.fixture(scope="module")
def most_derived(graph) -> list[tuple[str, int]]:
    counts = Counter(base for bases in graph.values() for base in bases)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_BASES]


def roots_of(base: str, graph: dict[str, set[str]]) -> set[str]:
    """Ancestors declaring no base (or absent from the listing); a closed cycle: the base."""
    seen: set[str] = set()
    todo, found = [base], set()
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(graph.get(node, ()))
            if not graph.get(node):
                found.add(node)
    return found or {base}


def test_each_most_derived_base_resolves_or_is_deliberately_unattributed(graph,
                                                                         most_derived) -> None:
    families = Families.load()
    unattributed = listed_unattributed()
    failing = []
    for rank, (base, count) in enumerate(most_derived, 1):
        lost = sorted(root for root in roots_of(base, graph)
                      if families.origin_of(root) is None and root not in unattributed)
        if lost:
            failing.append(f"#{rank} {base} ({count} derivatives): roots {', '.join(lost)}")
    assert failing == [], ("most-derived bases whose roots neither resolve to a family nor are "
                           "listed in [[unattributed]]:\n" + "\n".join(failing))
    # Re-hosted copies are their origin's, not the re-hoster's (the example).
    assert families.origin_of("unsloth/llama-3-8b-bnb-4bit") == "Meta"
    assert ("unsloth/llama-3-8b-bnb-4bit", 2359) in most_derived


def test_unattributed_entries_are_roots_reached_by_the_audit(graph, most_derived) -> None:
    """A listed id must be a root (a model's own base tags win, so listing one that declares
    bases says nothing), reached from the audited bases, and attributed by nothing."""
    families = Families.load()
    reached = set().union(*(roots_of(base, graph) for base, _ in most_derived))
    listed = listed_unattributed()
    assert sorted(i for i in listed if graph.get(i)) == []
    assert sorted(set(listed) - reached) == []
    assert sorted(i for i in listed if families.origin_of(i) is not None) == []


def test_the_committed_audit_table_is_current(graph, most_derived) -> None:
    families = Families.load()
    row = re.compile(r"^\| (\d+) \| `([^`]+)` \| ([\d,]+) \| ([^|]*) \| (\d+) \| [^|]* \|$")
    committed = [m.groups() for line in AUDIT.read_text("utf-8").splitlines()
                 if (m := row.match(line))]
    expected = []
    for rank, (base, count) in enumerate(most_derived, 1):
        roots = roots_of(base, graph)
        named = sorted({f for r in roots if (f := families.origin_of(r)) is not None})
        blank = sum(1 for r in roots if families.origin_of(r) is None)
        expected.append((str(rank), base, f"{count:,}", ", ".join(named) or "-", str(blank)))
    assert committed == expected, ("docs/lineage-audit.md is stale: run "
                                   "python scripts/lineage_audit.py")
