"""Build the demo snapshot shipped in hfexplore/data/demo from the real 2024 Hub data.

A systematic sample (every 38th model, every 35th dataset of the downloads-sorted listings,
and the 123 recorded Spaces) is served by the stand-in Hub and crawled by hfexplore itself, so
the demo is exactly what `snapshot create` produces. Run from the project root:
    python scripts/make_demo.py [SHARED_DATA_DIR]
"""

from __future__ import annotations

import gzip
import itertools
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hfexplore.hub import HubClient, Transport  # noqa: E402
from hfexplore.ingest.crawl import create_snapshot  # noqa: E402
from hfexplore.store.freshness import freshness_of, parse_dated  # noqa: E402
from hfexplore.store.snapshot import file_name  # noqa: E402
from tests.hubsim import RecordedCatalog  # noqa: E402
from tests.hubsim.server import HubSim  # noqa: E402

SHARED = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data"
TARGET = ROOT / "hfexplore" / "data" / "demo"


def every(path: Path, step: int) -> list[bytes]:
    with gzip.open(path, "rb") as lines:
        return [line.strip() for line in itertools.islice(lines, 0, None, step)]


def main() -> None:
    spaces = []
    for line in (SHARED / "hf_spaces_info_sample_2026-08.jsonl").read_text().splitlines():
        item = json.loads(line)
        item.pop("captured_at", None)
        item.pop("siblings", None)
        spaces.append(item)
    catalogs = {
        "model": RecordedCatalog("model", every(SHARED / "hf_models_2024-07-11.jsonl.gz", 38)),
        "dataset": RecordedCatalog("dataset",
                                   every(SHARED / "hf_datasets_2024-07-09.jsonl.gz", 35)),
        "space": RecordedCatalog.from_items("space", spaces),
    }
    with HubSim(catalogs) as sim, tempfile.TemporaryDirectory() as tmp:
        snap = create_snapshot(HubClient(Transport(sim.url)), Path(tmp))
        manifest = snap.manifest
        manifest.update({
            "endpoint": "https://huggingface.co (recorded responses)",
            "started_at": "2024-07-11T00:00:00Z",
            "finished_at": "2024-07-11T00:00:00Z",
            "source_label": "demo (real Hub data: 1 in 38 models and 1 in 35 datasets of July "
                            "2024, 123 Spaces of August 2026)",
            "sample": {"model": "every 38th of 760,000 (sorted by downloads), 2024-07-11",
                       "dataset": "every 35th of 175,000 (sorted by downloads), 2024-07-09",
                       "space": "123 single-repo responses, 2026-08"},
            # Machine-readable: claims scale a sample's counts by 1/fraction (with the sampling
            # error) instead of reading them as totals. The Spaces are not a sample of known
            # size: their counts say nothing of the catalogue's.
            "sampling": {
                "model": {"fraction": 1 / 38, "population": 760_000,
                          "description": "every 38th model of the downloads-sorted listing "
                                         "of 2024-07-11"},
                "dataset": {"fraction": 1 / 35, "population": 175_000,
                            "description": "every 35th dataset of the downloads-sorted "
                                           "listing of 2024-07-09"},
                "space": {"fraction": None,
                          "description": "123 Spaces fetched one by one in August 2026"},
            },
            "origin": "TStalnaker44/hugging_face_analysis_replication (GPL-3.0), see "
                      "fixtures/README.md",
        })
        # Dated as its data: how new its newest repos are is recorded against that date (the
        # writer recorded it against today's), so no report reads the files' statistics.
        manifest["freshness"] = freshness_of(parse_dated(manifest), {
            str(t): snap.path / file_name(t) for t in snap.repo_types()}).record()
        (snap.path / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        if TARGET.exists():
            shutil.rmtree(TARGET)
        shutil.copytree(snap.path, TARGET)
    size = sum(p.stat().st_size for p in TARGET.iterdir())
    print(f"wrote {TARGET} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
