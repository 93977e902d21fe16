"""An independent reference implementation of hfexplore's catalogue rules, over the raw Hub items.

Written from the rules as documented (issue 11), in plain Python and pandas, without importing
anything from hfexplore: the real-data tests compare hfexplore's figures with these. The only
shared inputs are the package's knowledge files (`hfexplore/data/licenses.csv` and
`families.toml`), parsed here with the standard library.
"""

from __future__ import annotations

import csv
import fnmatch
import tomllib
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

DATA = Path(__file__).resolve().parent.parent / "hfexplore" / "data"
RELATIONS = ("finetune", "adapter", "quantized", "merge")
# Least to most restrictive: a repo's category is the most restrictive of its licenses'.
RESTRICTIVENESS = ("permissive", "copyleft", "open-weight-restricted", "other", "unknown",
                   "non-commercial")
OPEN_WEIGHT = frozenset({"permissive", "copyleft", "open-weight-restricted"})


# -- knowledge files ------------------------------------------------------------------------------
@dataclass(frozen=True)
class LicenseRow:
    category: str
    standard: bool


def license_table() -> dict[str, LicenseRow]:
    lines = [line for line in (DATA / "licenses.csv").read_text("utf-8").splitlines()
             if not line.lstrip().startswith("#")]
    table = {}
    for row in csv.DictReader(lines):
        table[row["id"].strip().lower()] = LicenseRow(
            row["category"].strip(), (row.get("standard") or "").strip().lower() == "true")
    return table


@dataclass
class FamilyTable:
    kinds: dict[str, str] = field(default_factory=dict)  # family -> kind
    publisher: dict[str, str] = field(default_factory=dict)  # lower-cased namespace -> family
    origin: dict[str, str] = field(default_factory=dict)  # publishers and mirrors
    fixture: dict[str, str] = field(default_factory=dict)  # test-fixture namespace -> family
    exact: dict[str, str] = field(default_factory=dict)  # alias without `*` -> family
    prefixes: list[tuple[str, str]] = field(default_factory=list)  # (prefix, family)
    patterns: list[tuple[str, str]] = field(default_factory=list)  # (lower-case glob, family)

    def origin_of(self, base: str) -> str | None:
        key = base.strip().lower()
        if "/" in key:
            # An exact id first, then the glob with the most literal characters, then file order.
            hits = [("*" in glob, -len(glob.replace("*", "")), n, family)
                    for n, (glob, family) in enumerate(self.patterns)
                    if fnmatch.fnmatchcase(key, glob)]
            if hits:
                return min(hits)[3]
            return self.origin.get(key.split("/")[0])
        if key in self.exact:
            return self.exact[key]
        matches = [(len(prefix), family) for prefix, family in self.prefixes
                   if key.startswith(prefix)]
        return max(matches)[1] if matches else None


def family_table() -> FamilyTable:
    data = tomllib.loads((DATA / "families.toml").read_text("utf-8"))
    table = FamilyTable()
    for entry in data.get("origins", []):
        table.patterns.extend((glob.lower(), entry["family"]) for glob in entry["patterns"])
    for alias, family in data.get("aliases", {}).items():
        if alias.endswith("*"):
            table.prefixes.append((alias[:-1].lower(), family))
        else:
            table.exact[alias.lower()] = family
    for name, entry in data["families"].items():
        if isinstance(entry, list):
            entry = {"publishers": entry}
        table.kinds[name] = entry.get("kind", "")
        for namespace in entry.get("mirrors", []):
            table.origin[namespace.lower()] = name
        for namespace in entry.get("fixtures", []):
            table.fixture[namespace.lower()] = name
        for namespace in entry.get("publishers", []):
            table.publisher[namespace.lower()] = name
            table.origin[namespace.lower()] = name
    return table


# -- per repo -------------------------------------------------------------------------------------
def tag_values(tags: list[str], prefix: str) -> list[str]:
    """Distinct non-empty stripped values of `prefix` tags, in order."""
    found = (t[len(prefix):].strip() for t in tags if t.startswith(prefix))
    return list(dict.fromkeys(v for v in found if v))


def licenses_of(tags: list[str]) -> list[str]:
    found = (t[8:].strip().lower() for t in tags if t.startswith("license:"))
    return list(dict.fromkeys(v for v in found if v))


def category(license_id: str | None, table: dict[str, LicenseRow]) -> str:
    if license_id is None:
        return "none"
    row = table.get(license_id)
    return row.category if row else "other"


def policy_category(ids: list[str], table: dict[str, LicenseRow]) -> str:
    if not ids:
        return "none"
    return max((category(i, table) for i in ids), key=RESTRICTIVENESS.index)


def edges_of(repo_id: str, tags: list[str]) -> list[tuple[str, str]]:
    """(base id, relation) per lineage edge of one model."""
    own = repo_id.strip().lower()
    kept: dict[str, list] = {}
    for tag in tags:
        if not tag.startswith("base_model:"):
            continue
        parts = tag.split(":", 2)
        if len(parts) == 3 and parts[1] in RELATIONS:
            relation, base = parts[1], parts[2]
        else:
            relation, base = None, tag[len("base_model:"):]
        base = base.strip()
        if not base or base.lower() == own:
            continue
        entry = kept.setdefault(base.lower(), [base, relation])
        if entry[1] is None:
            entry[1] = relation
    return [(base, relation or "unspecified") for base, relation in kept.values()]


def display_names(keys: pd.Series, spellings: pd.Series) -> dict[str, str]:
    """Lower-cased key -> its most frequent spelling (ties: the alphabetically first)."""
    pairs = pd.DataFrame({"key": keys.to_numpy(), "spelling": spellings.to_numpy()})
    counts = pairs.value_counts().rename("n").reset_index()
    counts = counts.sort_values(["key", "n", "spelling"], ascending=[True, False, True])
    return counts.drop_duplicates("key").set_index("key")["spelling"].to_dict()


# -- whole catalogues -----------------------------------------------------------------------------
def model_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """One row per model: id, namespace, key (lower-cased namespace), licenses, primary
    license, its table category, policy category, downloads, likes."""
    table = license_table()
    ids = [licenses_of(tags) for tags in raw["tags"]]
    namespace = raw["id"].str.split("/").str[0]
    return pd.DataFrame({
        "id": raw["id"], "namespace": namespace, "key": namespace.str.lower(),
        "licenses": ids,
        "license": [i[0] if i else None for i in ids],
        "first_category": [category(i[0] if i else None, table) for i in ids],
        "policy": [policy_category(i, table) for i in ids],
        "downloads": raw["downloads"], "likes": raw["likes"],
    }, index=raw.index)


def edge_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """One row per lineage edge: id, author key, base, base key, relation, origin family."""
    families = family_table()
    rows = [(repo_id, base, relation)
            for repo_id, tags in zip(raw["id"], raw["tags"], strict=True)
            for base, relation in edges_of(repo_id, tags)]
    edges = pd.DataFrame(rows, columns=["id", "base", "relation"])
    edges["author"] = edges["id"].str.split("/").str[0].str.lower()
    edges["base_key"] = edges["base"].str.lower()
    origin = {key: families.origin_of(key) for key in edges["base_key"].unique()}
    edges["base_family"] = edges["base_key"].map(origin)
    return edges


# -- lineage followed to the roots -------------------------------------------------------------
def ancestors_of(bases: dict[str, set[str]]) -> dict[str, dict[str, int]]:
    """Every model's ancestors with their shortest depth, breadth first from each model over
    `bases` (lower-case model id -> its lower-case base ids); a model is never its own."""
    found = {}
    for model in bases:
        depth = {}
        queue = deque((base, 1) for base in bases[model])
        while queue:
            node, steps = queue.popleft()
            if node == model or node in depth:
                continue
            depth[node] = steps
            queue.extend((base, steps + 1) for base in bases.get(node, ()))
        found[model] = depth
    return found


def base_sets(edges: pd.DataFrame) -> dict[str, set[str]]:
    """Lower-case model id -> its lower-case base ids, from `edge_frame`."""
    found: dict[str, set[str]] = {}
    for repo_id, base in zip(edges["id"].str.lower(), edges["base_key"], strict=True):
        found.setdefault(repo_id, set()).add(base)
    return found


def origin_families(model: str, ancestors: dict[str, dict[str, int]],
                    families: FamilyTable) -> list[str]:
    """The families of the attributed nodes among a model and its ancestors that have no
    attributed ancestor of their own (a node in the same cycle does not count as above)."""
    def above(node: str) -> bool:
        mine = ancestors.get(node, {})
        return any(families.origin_of(a) is not None and node not in ancestors.get(a, {})
                   for a in mine)

    nodes = [model, *ancestors.get(model, {})]
    return sorted({families.origin_of(n) for n in nodes
                   if families.origin_of(n) is not None and not above(n)})
