"""Writes `examples/stale-mirror/`: a snapshot dated 2026-02-01 whose models are from July 2024,
as a mirror that stopped updating would serve them (the README's stale-data example).

Every 20th model of the demo snapshot (itself every 38th of the real July 2024 listing): every
760th model. Written by the one snapshot writer, so its manifest records the freshness.

    python scripts/make_stale_example.py
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq

from hfexplore.store.snapshot import build_manifest, demo_snapshot
from hfexplore.store.writer import SnapshotWriter

TARGET = Path(__file__).resolve().parent.parent / "examples" / "stale-mirror"
NAME = "2026-02-01T000000Z"
EVERY = 20


def main() -> None:
    models = pq.read_table(demo_snapshot().file("model"))
    sample = models.take(list(range(0, models.num_rows, EVERY)))
    scratch = TARGET.parent / ".stale-mirror-work"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    writer = SnapshotWriter.create(scratch, NAME, kind="example")
    with writer:
        writer.write("model", [sample])
        manifest = build_manifest(
            name=NAME, endpoint="https://mirror.example (a mirror whose updates stopped in "
            "July 2024)", started_at="2026-02-01T00:00:00Z", finished_at="2026-02-01T00:00:00Z",
            sort="downloads", repo_types={"model": writer.entry("model")}, requests=0,
            retries=0, rate_limited=0, anomalies={"count": 0, "examples": []},
            authenticated=False,
            source_label="a stale mirror (every 760th model of July 2024, served in 2026)",
            origin=demo_snapshot().manifest["origin"],
            sampling={"model": {"fraction": 1 / (38 * EVERY), "population": 760_000,
                                "description": "every 760th model of the downloads-sorted "
                                               "listing of 2024-07-11"}})
        published = writer.publish(NAME, manifest)
    shutil.rmtree(TARGET, ignore_errors=True)
    published.path.rename(TARGET)
    shutil.rmtree(scratch, ignore_errors=True)
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
