"""Lineage edges on the query engine: derivatives per base model and per origin family.

An edge is one (derivative, base model) pair with its own relation. Base ids are grouped
case-insensitively and shown in their most frequent spelling (ties: the first in code-point
order); a base's origin family comes from `knowledge/families.py` (namespaces, mirrors, legacy
ids). The engine counts edges per (base, spelling, relation), a few thousand groups; spelling,
family and the pivot by relation are then worked out on those groups, and distinct authors are
counted by the engine only for the bases and families shown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hfexplore.normalize.schema import RELATIONS
from hfexplore.rows import Rows
from hfexplore.stats.engine import Scan

if TYPE_CHECKING:
    import pandas as pd

RELATION_COLUMNS = [*RELATIONS, "unspecified"]
# Grouped on the raw values first (cheap), then case-folded on the groups (few).
EDGE_GROUPS = ("SELECT lower(trim(b)) AS base_key, trim(b) AS base_model, coalesce(r, "
               "'unspecified') AS relation, sum(n)::BIGINT AS n FROM (SELECT b, r, count(*) AS "
               "n FROM (SELECT unnest(base_models) AS b, unnest(base_relations) AS r FROM rows) "
               "GROUP BY ALL) GROUP BY ALL")
AUTHOR_PAIRS = ("SELECT lower(trim(b)) AS base_key, lower(author) AS author FROM (SELECT "
                "DISTINCT b, author FROM (SELECT unnest(base_models) AS b, author FROM rows))")


@dataclass
class Lineage:
    bases: Rows  # base_model, base_family, derivatives, one column per relation, authors
    families: Rows  # base_family, derivatives, relations..., authors
    edges: int

    @property
    def per_base(self) -> pd.DataFrame:
        return self.bases.frame()

    @property
    def per_family(self) -> pd.DataFrame:
        return self.families.frame()


@dataclass(frozen=True)
class EdgeGroup:
    """Edges of one (base key, spelling, relation), and the origin family of the key."""

    key: str
    spelling: str
    relation: str
    edges: int
    family: str | None


def edge_groups(scan: Scan) -> list[EdgeGroup]:
    """Edges per (base_key, spelling, relation) with each key's origin family."""
    found = scan.rows(EDGE_GROUPS)
    origin = {key: scan.families.origin_of(key) for key in {row[0] for row in found}}
    return [EdgeGroup(key, spelling, relation, int(n), origin[key])
            for key, spelling, relation, n in found]


def lineage_of(scan: Scan, *, family: str | None = None, base: str | None = None,
               top: int = 0) -> Lineage:
    groups = edge_groups(scan)
    if family:
        name = scan.families.get(family).name
        groups = [g for g in groups if g.family == name]
    if base:
        groups = [g for g in groups if g.key == base.strip().lower()]
    spelt: dict[tuple[str, str], int] = defaultdict(int)
    for group in groups:
        if group.key is None:
            continue  # a null base id: an edge, in no base's row (as pandas' group-by drops it)
        spelt[group.key, group.spelling] += group.edges
    spelling: dict[str, str] = {}  # the most frequent spelling, then the first in code order
    for (key, text), _ in sorted(spelt.items(), key=lambda item: (-item[1], item[0][1])):
        spelling.setdefault(key, text)
    family_of = {g.key: g.family for g in groups}
    per_base = _pivot((g.key, g) for g in groups if g.key is not None)
    ranked = sorted(per_base.items(), key=lambda item: (-item[1][0], spelling[item[0]]))
    shown = ranked if not top or top <= 0 else ranked[:top]
    per_family = _pivot((g.family, g) for g in groups if g.family is not None)
    authors = _distinct_authors(scan, [key for key, _ in shown], family_of)
    kinds = ("text", "text", *["int"] * (len(RELATION_COLUMNS) + 2))
    bases = Rows(("base_model", "base_family", "derivatives", *RELATION_COLUMNS, "authors"),
                 [(spelling[key], family_of[key] or "", *counts,
                   authors["key"].get(key, 0)) for key, counts in shown], kinds)
    families = Rows(("base_family", "derivatives", *RELATION_COLUMNS, "authors"),
                    [(name, *counts, authors["family"].get(name, 0)) for name, counts in
                     sorted(per_family.items(), key=lambda item: (-item[1][0], item[0]))],
                    kinds[1:])
    return Lineage(bases, families, sum(g.edges for g in groups))


def _pivot(keyed: Any) -> dict[str, list[int]]:
    """Per key: derivatives (the edges of the known relations), then the edges per relation
    of RELATION_COLUMNS."""
    found: dict[str, list[int]] = {}
    for key, group in keyed:
        counts = found.setdefault(key, [0] * (len(RELATION_COLUMNS) + 1))
        if group.relation in RELATION_COLUMNS:
            counts[1 + RELATION_COLUMNS.index(group.relation)] += group.edges
            counts[0] += group.edges
    return found


def _distinct_authors(scan: Scan, keys: list[str], family_of: dict[str, str | None]
                      ) -> dict[str, dict[str, int]]:
    """Distinct (case-folded) authors of the edges of each base in `keys`, and of each
    origin family, counted by the engine in one pass."""
    origins = {key: name for key, name in family_of.items() if name is not None}
    scan.register_values("shown_bases", {"base_key": list(keys)})
    scan.register_values("origins", {"base_key": list(origins),
                                     "base_family": list(origins.values())})
    found = scan.rows(
        "SELECT shown, base_family, count(DISTINCT author) AS authors FROM (SELECT "
        "shown_bases.base_key AS shown, origins.base_family, author FROM "
        f"({AUTHOR_PAIRS}) AS e LEFT JOIN shown_bases USING (base_key) "
        "LEFT JOIN origins USING (base_key)) GROUP BY GROUPING SETS ((shown), (base_family))")
    return {"key": {shown: int(n) for shown, _, n in found if shown is not None},
            "family": {name: int(n) for _, name, n in found if name is not None}}
