"""Regenerate fixtures/pages/*.json from the real Hub data in ../shared/data.

Run from the project root: python scripts/make_fixtures.py [SHARED_DATA_DIR]
"""

from __future__ import annotations

import gzip
import itertools
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data"
OUT = ROOT / "fixtures" / "pages"


def take(path: Path, start: int, count: int) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in itertools.islice(lines, start, start + count)]


def write(name: str, items: list[dict]) -> None:
    (OUT / name).write_text(json.dumps(items, ensure_ascii=False, indent=0) + "\n")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    models = SHARED / "hf_models_2024-07-11.jsonl.gz"
    datasets = SHARED / "hf_datasets_2024-07-09.jsonl.gz"
    write("models_p1.json", take(models, 0, 100))
    write("models_p2.json", take(models, 100, 100))
    # A page from the long tail, where most repos have no license and no library.
    write("models_tail.json", take(models, 700_000, 100))
    write("datasets_p1.json", take(datasets, 0, 50))
    spaces = [json.loads(line) for line in
              (SHARED / "hf_spaces_info_sample_2026-08.jsonl").read_text().splitlines()[:10]]
    for space in spaces:  # keep the fixture small: siblings are not used by hfexplore
        space["siblings"] = space.get("siblings", [])[:3]
    write("spaces_info.json", spaces)


if __name__ == "__main__":
    main()
