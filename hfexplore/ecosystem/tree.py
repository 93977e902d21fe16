"""One model's tree: its ancestors up to the roots and its descendants down to the leaves.

Rules (those of `stats/closure.py`: ids case-insensitive, no self edge, cycles safe):
- `children`: the models declaring it as a base (direct derivatives), per relation by the
  relation of that edge; `descendants`: the models descending from it at any depth, each once.
- A descendant's depth is the length of its shortest path to the model (1: a child); its
  relations are those of its edges to the tree one level up (the model itself, or descendants
  one depth nearer), so a model merged from two tree members with different relations counts
  under each of them in `descendants_by_relation`, and once in `descendants`.
- Ancestors are the same walk upwards; a root is an ancestor without a base of its own (one the
  snapshot does not hold has none). The path to each root is one shortest path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hfexplore.ecosystem.graph import (
    Reached,
    details,
    edge_relations,
    has_bases,
    node_of,
    spelling,
    walk,
)
from hfexplore.errors import HfExploreError
from hfexplore.normalize.schema import RELATIONS
from hfexplore.report import Report
from hfexplore.stats.engine import Scan
from hfexplore.store.snapshot import Snapshot

RELATION_ORDER = [*RELATIONS, "unspecified"]


@dataclass
class Tree:
    """A walk both ways from one model, with the rows of every model it reached."""

    key: str
    depth_up: dict[str, int]
    depth_down: dict[str, int]
    rows: pd.DataFrame  # graph.details: per lower-case id, for the models the source holds
    roots: list[str]
    spelt: dict[str, str]
    relation: dict[tuple[str, str], str]  # (model key, base key) -> relation


def tree(snapshot: Snapshot, repo: str, *, up: bool = True, down: bool = True,
         depth: int = 0, top: int = 10) -> Report:
    """Ancestors (`up`) and descendants (`down`) of model `repo`, to `depth` levels (0: all):
    counts per relation and per depth, the most downloaded descendants, the paths to the roots,
    and both trees nested (JSON)."""
    scan = Scan(snapshot, "model")
    found = walk_tree(scan, repo, up=up, down=down, depth=depth)
    if found is None:
        raise HfExploreError(f"{repo} is not a model of snapshot {snapshot.name}, nor a base "
                             "model any of its models names")
    return _report(snapshot, found, up=up, down=down, top=top)


def walk_tree(scan: Scan, repo: str, *, up: bool = True, down: bool = True,
              depth: int = 0) -> Tree | None:
    """The tree of `repo` in the scan's source, or None when the source knows no such model."""
    graph = scan.lineage(closure=False)  # a walk from one model needs no closure
    key = repo.strip().lower()
    node = node_of(graph, repo)
    empty = Reached(np.array([], np.int64), np.array([], np.int64))
    above = walk(graph, node, down=False, max_depth=depth) if node is not None and up else empty
    below = walk(graph, node, down=True, max_depth=depth) if node is not None and down else empty
    keys = graph.keys
    depth_up = {keys[int(n)].as_py(): int(d) for n, d in zip(above.nodes, above.depths,
                                                             strict=True)}
    depth_down = {keys[int(n)].as_py(): int(d) for n, d in zip(below.nodes, below.depths,
                                                               strict=True)}
    rows = details(scan, [key, *depth_up, *depth_down], [repo.strip()])
    if node is None and key not in rows.index:
        return None
    declares = has_bases(graph)
    roots = sorted(keys[int(n)].as_py() for n in above.nodes if not declares[int(n)])
    all_keys = [key, *depth_up, *depth_down]
    return Tree(key, depth_up, depth_down, rows, roots, spelling(all_keys, rows),
                edge_relations(rows))


def links_down(found: Tree) -> dict[str, list[str]]:
    """Parent key -> its children in the tree (one depth further, an edge between them)."""
    depth = {found.key: 0, **found.depth_down}
    children: dict[str, list[str]] = {}
    for (model, base) in found.relation:
        if model in found.depth_down and depth.get(base) == depth[model] - 1:
            children.setdefault(base, []).append(model)
    return {parent: sorted(kids) for parent, kids in children.items()}


def links_up(found: Tree) -> dict[str, list[str]]:
    """Model key -> its bases one depth further up the tree."""
    depth = {found.key: 0, **found.depth_up}
    bases: dict[str, list[str]] = {}
    for (model, base) in found.relation:
        if model in depth and base in found.depth_up and found.depth_up[base] == depth[model] + 1:
            bases.setdefault(model, []).append(base)
    return {model: sorted(found) for model, found in bases.items()}


def descendant_relations(found: Tree) -> dict[str, list[str]]:
    """Each descendant's distinct relations to its parents in the tree."""
    found_relations: dict[str, set[str]] = {}
    for parent, kids in links_down(found).items():
        for kid in kids:
            found_relations.setdefault(kid, set()).add(found.relation[(kid, parent)])
    return {kid: sorted(r, key=RELATION_ORDER.index) for kid, r in found_relations.items()}


def counts(found: Tree) -> dict[str, Any]:
    """The top-level counts of a tree."""
    relations = descendant_relations(found)
    children = [k for k, d in found.depth_down.items() if d == 1]
    by_child = {r: 0 for r in RELATION_ORDER}
    for kid in children:
        by_child[found.relation[(kid, found.key)]] += 1
    by_relation = {r: 0 for r in RELATION_ORDER}
    for kid_relations in relations.values():
        for relation in kid_relations:
            by_relation[relation] += 1
    by_depth: dict[str, int] = {}
    for depth in sorted(found.depth_down.values()):
        by_depth[str(depth)] = by_depth.get(str(depth), 0) + 1
    return {"children": len(children), "descendants": len(found.depth_down),
            "children_by_relation": by_child, "descendants_by_relation": by_relation,
            "descendants_by_depth": by_depth,
            "bases": sum(1 for d in found.depth_up.values() if d == 1),
            "ancestors": len(found.depth_up), "roots": len(found.roots)}


def paths_to_roots(found: Tree) -> list[list[str]]:
    """One shortest path from the model to each root (lower-case ids, the model first)."""
    child_of: dict[str, str] = {}
    for model, bases in sorted(links_up(found).items(), key=lambda kv: (
            found.depth_up.get(kv[0], 0), kv[0])):
        for base in bases:
            child_of.setdefault(base, model)
    paths = []
    for root in found.roots:
        path = [root]
        while path[-1] != found.key:
            path.append(child_of[path[-1]])
        paths.append(path[::-1])
    return paths


class _Nodes:
    """What a nested tree shows of each model, looked up once."""

    def __init__(self, found: Tree) -> None:
        self.found = found
        rows = found.rows
        self.license = dict(zip(rows.index, rows["license"], strict=True))
        self.downloads = dict(zip(rows.index, rows["downloads"], strict=True))

    def node(self, key: str, depth: int, relation: str | None) -> dict[str, Any]:
        held = key in self.license
        return {"id": self.found.spelt.get(key, key), "depth": depth, "relation": relation,
                "in_snapshot": held, "license": self.license.get(key),
                "downloads": _int(self.downloads.get(key))}


def nested(found: Tree, up: bool) -> list[dict[str, Any]]:
    """The tree one way as nested nodes: each base under `bases` (up), each derivative
    under `derivatives` (down)."""
    links, nodes = (links_up if up else links_down)(found), _Nodes(found)
    below = "bases" if up else "derivatives"

    def build(key: str, depth: int) -> list[dict[str, Any]]:
        return [{**nodes.node(other, depth + 1,
                              found.relation[(key, other) if up else (other, key)]),
                 below: build(other, depth + 1)} for other in links.get(key, [])]
    return build(found.key, 0)


def top_descendants(found: Tree, top: int) -> pd.DataFrame:
    relations = descendant_relations(found)
    rows = found.rows[found.rows.index.isin(list(found.depth_down))]
    frame = pd.DataFrame({
        "id": rows["id"], "depth": [found.depth_down[k] for k in rows.index],
        "relation": [", ".join(relations.get(k, [])) for k in rows.index],
        "author": rows["author"], "downloads": rows["downloads"].astype("Int64"),
        "likes": rows["likes"].astype("Int64"), "license": rows["license"]})
    frame = frame.sort_values(["downloads", "id"], ascending=[False, True], kind="stable")
    return (frame.head(top) if top > 0 else frame).reset_index(drop=True)


def _report(snapshot: Snapshot, found: Tree, *, up: bool, down: bool, top: int) -> Report:
    figures = counts(found)
    repo = found.spelt[found.key]
    paths = paths_to_roots(found)
    spelt = [[found.spelt.get(k, k) for k in path] for path in paths]
    summary = pd.DataFrame([{k: figures[k] for k in ("bases", "ancestors", "roots", "children",
                                                     "descendants")}])
    by_relation = pd.DataFrame({"relation": RELATION_ORDER,
                                "children": [figures["children_by_relation"][r]
                                             for r in RELATION_ORDER],
                                "descendants": [figures["descendants_by_relation"][r]
                                                for r in RELATION_ORDER]})
    by_depth = pd.DataFrame({"depth": [int(d) for d in figures["descendants_by_depth"]],
                             "descendants": list(figures["descendants_by_depth"].values())},
                            columns=["depth", "descendants"])
    roots = pd.DataFrame({"root": [p[-1] for p in spelt], "depth": [len(p) - 1 for p in spelt],
                          "path": [" > ".join(p) for p in spelt]},
                         columns=["root", "depth", "path"])
    report = Report(title=f"Model tree of {repo}", rows=top_descendants(found, top) if down
                    else roots, source=snapshot.source, as_of=snapshot.as_of,
                    extra={"repo": repo, "in_snapshot": found.key in found.rows.index,
                           **figures,
                           **({"up": nested(found, up=True)} if up else {}),
                           **({"down": nested(found, up=False)} if down else {})})
    report.lead["summary"] = summary
    report.rows_heading = "Most downloaded descendants" if down else "Paths to roots"
    if down:
        report.sections["by_relation"] = by_relation
        report.sections["by_depth"] = by_depth
        if up:
            report.sections["paths_to_roots"] = roots
    report.notes += [
        "children: models declaring it as a base; descendants: models descending from it at "
        "any depth, each once (depth: the shortest path); a descendant's relation is that of "
        "its edges to the tree one level up, so one merged from two members counts under each",
        "roots: ancestors declaring no base (or not held by the snapshot); one shortest path "
        "to each"]
    if found.key not in found.rows.index:
        report.notes.append(f"{repo} is not in the snapshot itself (deleted, private or "
                            "outside a sample): models name it as their base")
    return report


def _int(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)
