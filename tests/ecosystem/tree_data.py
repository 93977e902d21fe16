"""A small hand-made lineage graph, written as a snapshot: every figure of the tree, repo,
drift and org tests is worked out by hand from it (see each test).

    meta-llama/Base (llama3, Meta)           gone/missing (not held)     h/self (names itself)
      |- a/ft1 (finetune, apache-2.0)           |- g/orphan (mit)
      |    |- c/merge (merge, cc-by-nc-4.0) <---|-- also a merge of meta-llama/Base-GGUF
      |    |    |- e/deep (finetune, custom terms "other")
      |    |         |- f/cyc1 (finetune, mit)  <-> f/cyc2 (adapter, no license): a cycle
      |    |- d/adapter (adapter, no license)
      |- meta-llama/Base-GGUF (quantized, llama3, gguf, published by Meta itself)
      |- z/gguf (quantized, llama3, gguf)
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from hfexplore.store.snapshot import Snapshot, open_snapshot
from tests.stats.test_engine import write_snapshot

CATEGORY = {"llama3": "open-weight-restricted", "apache-2.0": "permissive", "mit": "permissive",
            "cc-by-nc-4.0": "non-commercial", "other": "other", None: "none"}
# id, bases, relations, license, downloads, formats
MODELS = [
    ("meta-llama/Base", [], [], "llama3", 1000, []),
    ("meta-llama/Base-GGUF", ["meta-llama/base"], ["quantized"], "llama3", 500, ["gguf"]),
    ("z/gguf", ["Meta-Llama/Base "], ["quantized"], "llama3", 50, ["gguf"]),
    ("a/ft1", ["meta-llama/Base"], ["finetune"], "apache-2.0", 300, []),
    ("c/merge", ["a/ft1", "meta-llama/Base-GGUF"], ["merge", "merge"], "cc-by-nc-4.0", 200, []),
    ("d/adapter", ["A/FT1"], ["adapter"], None, 10, []),
    ("e/deep", ["c/merge"], ["finetune"], "other", 5, []),
    ("f/cyc1", ["e/deep", "f/cyc2"], ["finetune", "merge"], "mit", 3, []),
    ("f/cyc2", ["f/cyc1"], ["adapter"], None, 2, []),
    ("g/orphan", ["gone/missing"], ["unspecified"], "mit", 1, []),
    ("h/self", [], [], "mit", 0, []),
]


def models(extra: list[tuple[str, list[str], list[str], str | None, int, list[str]]] = ()
           ) -> pa.Table:
    rows = [*MODELS, *extra]
    return pa.table({
        "id": [r[0] for r in rows], "author": [r[0].split("/")[0] for r in rows],
        "created_at": pa.array([datetime(2024, 1 + n % 3, 5, tzinfo=UTC)
                                for n in range(len(rows))], pa.timestamp("ms", tz="UTC")),
        "downloads": pa.array([r[4] for r in rows], pa.int64()),
        "likes": pa.array([r[4] // 10 for r in rows], pa.int64()),
        "license": [r[3] for r in rows],
        "licenses": pa.array([[r[3]] if r[3] else [] for r in rows], pa.list_(pa.string())),
        "license_category": [CATEGORY[r[3]] for r in rows],
        "base_models": pa.array([r[1] for r in rows], pa.list_(pa.string())),
        "base_relations": pa.array([r[2] for r in rows], pa.list_(pa.string())),
        "formats": pa.array([r[5] for r in rows], pa.list_(pa.string())),
        "tags": pa.array([r[5] for r in rows], pa.list_(pa.string())),  # the Hub tags formats
        "library_name": pa.array([None for _ in rows], pa.string()),
    })


def snapshot(path: Path, extra: list = ()) -> Snapshot:
    return open_snapshot(write_snapshot(path / "snap", models(extra)))
