"""Snapshots of schema version 1 (before per-edge lineage, list columns and the license policy)
read as if they were new."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq

from hfexplore.store.snapshot import open_snapshot


def version_1_models() -> pa.Table:
    """Three models as a version-1 snapshot held them (also used by the engine's tests)."""
    return pa.table({
        "_id": ["1", "2", "3"], "id": ["a/x", "b/y", "c/z"], "author": ["a", "b", "c"],
        "library_name": ["peft", None, ""], "pipeline_tag": [None, "text-generation", None],
        "base_models": [["m/base", "n/other"], [], ["q/r"]],
        "base_relation": ["adapter", None, None],
        "license": ["mit", "apache-2.0", None],
        "licenses": [["mit", "cc-by-nc-4.0"], ["apache-2.0"], []],
        "license_category": ["permissive", "permissive", "none"],  # v1: by the first license
        "tags": [[], [], []],
    })


def test_a_version_1_snapshot_gets_the_new_columns(tmp_path) -> None:
    models = version_1_models()
    datasets = pa.table({"id": ["d/1"], "tags": [["library:pandas", "task_categories:translation",
                                                  "library:datasets"]],
                         "licenses": [[]], "license_category": ["none"]})
    pq.write_table(models, tmp_path / "models.parquet")
    pq.write_table(datasets, tmp_path / "datasets.parquet")
    (tmp_path / "manifest.json").write_text(json.dumps({
        "schema_version": 1, "started_at": "2024-07-11T00:00:00Z",
        "repo_types": {"model": {"count": 3}, "dataset": {"count": 1}}}))
    snap = open_snapshot(tmp_path)
    got = snap.table("model", ["base_relations", "libraries", "tasks", "license_category"])
    assert got.to_pydict() == {
        "base_relations": [["adapter", "adapter"], [], ["unspecified"]],
        "libraries": [["peft"], [], []],
        "tasks": [[], ["text-generation"], []],
        "license_category": ["non-commercial", "permissive", "none"],  # the policy, applied
    }
    assert snap.table("dataset", ["libraries", "tasks"]).to_pydict() == {
        "libraries": [["pandas", "datasets"]], "tasks": [["translation"]]}
