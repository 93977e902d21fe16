"""Walking the lineage graph (`stats/closure.py`) from one model, and reading the rows of a
set of models, for the tree and repo views.

A walk is breadth first, so each model reached gets its depth: the length of the shortest path
(1: a direct base, or a direct derivative). Each model is reached once, so a cycle ends it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hfexplore.stats.closure import LineageGraph, node_key
from hfexplore.stats.engine import Scan

# The columns of a model the views show, for the ids spelt as in `wanted_ids`, or (`BY_KEY`)
# for the lower-case ids of `wanted_keys`: folding every id of the source costs a pass over
# the whole id column, so it is the last resort.
COLUMNS = (f"{node_key('id')} AS key, id, author, downloads, likes, license, license_category, "
           "base_models, base_relations")
BY_ID = f"SELECT {COLUMNS} FROM rows WHERE id IN (SELECT id FROM wanted_ids)"
BY_KEY = f"SELECT {COLUMNS} FROM rows WHERE {node_key('id')} IN (SELECT key FROM wanted_keys)"


@dataclass
class Reached:
    """The models a walk reached (node numbers) and their depth, in order of depth."""

    nodes: np.ndarray
    depths: np.ndarray

    def depth_of(self) -> dict[int, int]:
        return dict(zip(self.nodes.tolist(), self.depths.tolist(), strict=True))


def walk(graph: LineageGraph, start: int, *, down: bool, max_depth: int = 0) -> Reached:
    """The ancestors (`down` false) or the descendants of node `start`, breadth first, to
    `max_depth` (0: all); the start itself is left out."""
    edges = graph.edges
    model = edges["model"].to_numpy()
    base = edges["base"].to_numpy()
    source, target = (base, model) if down else (model, base)
    order = np.argsort(source, kind="stable")
    sorted_source, targets = source[order], target[order]
    seen = np.zeros(len(graph.keys), dtype=bool)
    seen[start] = True
    frontier = np.array([start], dtype=np.int64)
    nodes, depths = [], []
    depth = 0
    while len(frontier) and (max_depth <= 0 or depth < max_depth):
        depth += 1
        lo = np.searchsorted(sorted_source, frontier, side="left")
        hi = np.searchsorted(sorted_source, frontier, side="right")
        lengths = hi - lo
        starts = np.repeat(lo - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
        found = np.unique(targets[starts + np.arange(int(lengths.sum()))])
        found = found[~seen[found]]
        seen[found] = True
        nodes.append(found)
        depths.append(np.full(len(found), depth, dtype=np.int64))
        frontier = found
    if not nodes:
        return Reached(np.array([], dtype=np.int64), np.array([], dtype=np.int64))
    return Reached(np.concatenate(nodes).astype(np.int64), np.concatenate(depths))


def node_of(graph: LineageGraph, repo_id: str) -> int | None:
    """The node of a model id (any case), or None when no edge touches it."""
    found = pc.index(graph.keys, repo_id.strip().lower()).as_py()
    return None if found < 0 else int(found)


def has_bases(graph: LineageGraph) -> np.ndarray:
    """Per node: whether it declares a base (a node without any is a root)."""
    declares = np.zeros(len(graph.keys), dtype=bool)
    declares[graph.edges["model"].to_numpy()] = True
    return declares


def details(scan: Scan, keys: list[str], spelt: Sequence[str] = ()) -> pd.DataFrame:
    """The rows of the models with these lower-case ids (those the source holds), by key.

    Looked up by id as spelt first: the models declaring a base as the graph holds them, then
    `spelt` and the spellings the rows found give their bases; only the ids still missing are
    looked for case-insensitively."""
    wanted = sorted(set(keys))
    graph = scan.lineage(closure=False)
    spellings = graph.spellings
    nodes = pc.index_in(pa.array(wanted, pa.string()), value_set=graph.keys)
    held = pc.is_in(spellings["node"], value_set=pc.drop_null(nodes).cast(pa.int32()))
    found = _by_id(scan, pc.filter(spellings["id"], held).to_pylist() + list(spelt))
    missing = set(wanted) - set(found.index)
    if missing:
        named = [str(b).strip() for bases in found["base_models"] if bases is not None
                 for b in bases if str(b).strip().lower() in missing]
        found = pd.concat([found, _by_id(scan, named)])
        missing -= set(found.index)
    if missing:
        scan.register("wanted_keys", pa.table({"key": pa.array(sorted(missing), pa.string())}))
        found = pd.concat([found, scan.frame(BY_KEY).set_index("key")])
    found = found[found.index.isin(wanted)]
    return found[~found.index.duplicated()]


def _by_id(scan: Scan, ids: list[str]) -> pd.DataFrame:
    scan.register("wanted_ids", pa.table({"id": pa.array(sorted(set(ids)), pa.string())}))
    return scan.frame(BY_ID).set_index("key")


def spelling(keys: list[str], found: pd.DataFrame) -> dict[str, str]:
    """Each lower-case id as the source spells it: its own row's id, else as the rows found
    name it among their base models (the first in id order), else in lower case."""
    spelt = found["id"].to_dict() if len(found) else {}
    named: dict[str, str] = {}
    for _, bases in sorted(zip(found["id"], found["base_models"], strict=True),
                           key=lambda pair: str(pair[0])) if len(found) else []:
        for name in bases if bases is not None else []:
            named.setdefault(str(name).strip().lower(), str(name).strip())
    return {key: spelt.get(key, named.get(key, key)) for key in keys}


def edge_relations(rows: pd.DataFrame) -> dict[tuple[str, str], str]:
    """(model key, base key) -> the edge's relation, from the models' own rows."""
    found: dict[tuple[str, str], str] = {}
    for key, bases, relations in zip(rows.index, rows["base_models"], rows["base_relations"],
                                     strict=True):
        if bases is None:
            continue
        relations = list(relations) if relations is not None else []
        for index, name in enumerate(bases):
            relation = relations[index] if index < len(relations) else None
            found.setdefault((key, str(name).strip().lower()), relation or "unspecified")
    return found
