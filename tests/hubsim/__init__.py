"""A loopback stand-in for the Hugging Face Hub, for tests, benchmarks and offline try-outs."""

from __future__ import annotations

from pathlib import Path

from tests.hubsim.catalog import Catalog, RecordedCatalog
from tests.hubsim.synthetic import SyntheticCatalog


def build_catalogs(*, data: Path | None = None, models: int = 3_200_000,
                   datasets: int = 900_000, spaces: int = 1_000_000, seed: int = 0,
                   generation: int = 0, limit: int | None = None) -> dict[str, Catalog]:
    """The real 2024 catalogue when `data` is given (spaces stay synthetic), else synthetic."""
    catalogs: dict[str, Catalog] = {}
    if data is not None:
        catalogs["model"] = RecordedCatalog.from_jsonl(
            "model", data / "hf_models_2024-07-11.jsonl.gz", limit)
        catalogs["dataset"] = RecordedCatalog.from_jsonl(
            "dataset", data / "hf_datasets_2024-07-09.jsonl.gz", limit)
    else:
        catalogs["model"] = SyntheticCatalog("model", models, seed=seed, generation=generation)
        catalogs["dataset"] = SyntheticCatalog("dataset", datasets, seed=seed,
                                               generation=generation)
    catalogs["space"] = SyntheticCatalog("space", spaces, seed=seed, generation=generation)
    return catalogs


__all__ = ["Catalog", "RecordedCatalog", "SyntheticCatalog", "build_catalogs"]
