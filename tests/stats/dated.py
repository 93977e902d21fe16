"""Dated snapshots and exports built from the demo's real rows, for cross-snapshot tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from hfexplore.store.export import export_snapshot
from hfexplore.store.snapshot import Snapshot, demo_snapshot, file_name, open_snapshot


def dated_snapshots(data_dir: Path, days: list[str]) -> list[Snapshot]:
    """One snapshot per day under `data_dir/snapshots`: a different random subset of the demo's
    rows each day (so every count moves), with a manifest dated that day."""
    demo = demo_snapshot()
    made = []
    for number, day in enumerate(days):
        name = f"{day}T000000Z"
        path = data_dir / "snapshots" / name
        path.mkdir(parents=True)
        rng = np.random.default_rng(number)
        counts = {}
        for repo_type in demo.repo_types():
            table = pq.read_table(demo.path / file_name(repo_type))
            keep = rng.random(table.num_rows) < 0.5 + 0.4 * rng.random()
            table = table.filter(pa.array(keep))
            pq.write_table(table, path / file_name(repo_type))
            counts[repo_type] = {"count": table.num_rows}
        manifest = {"name": name, "started_at": f"{day}T00:00:00Z", "repo_types": counts}
        (path / "manifest.json").write_text(json.dumps(manifest))
        made.append(open_snapshot(path))
    return made


def dated_export(snapshots: list[Snapshot], dest: Path) -> Path:
    for snapshot in snapshots:
        export_snapshot(snapshot, dest, ["parquet"])
    return dest
