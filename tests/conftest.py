from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED_DATA = Path(os.environ.get("HFEXPLORE_SHARED_DATA", ROOT.parent / "shared" / "data"))
MODELS_2024 = SHARED_DATA / "hf_models_2024-07-11.jsonl.gz"
DATASETS_2024 = SHARED_DATA / "hf_datasets_2024-07-09.jsonl.gz"

needs_shared_data = pytest.mark.skipif(
    not MODELS_2024.exists(),
    reason=f"the real 2024 Hub data is not at {SHARED_DATA} (it lives in ../shared/data beside a "
           "checkout of this project; set HFEXPLORE_SHARED_DATA to point elsewhere)",
)


class FakeClock:
    """A clock that only moves when someone sleeps: retry and pacing tests never really wait."""

    def __init__(self, start: float = 1000.0):
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's token, cache or snapshots."""
    for name in ("HF_TOKEN", "HF_ENDPOINT", "HFEXPLORE_CACHE", "HFEXPLORE_HOME", "HFEXPLORE_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
