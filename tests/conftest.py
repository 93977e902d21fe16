from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, settings

# Hypothesis times each example (200 ms by default) and fails slow data generation: on a busy
# 2-core machine both fail tests that are right. Properties here are about values, not speed.
settings.register_profile("hfexplore", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("hfexplore")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED_DATA = Path(os.environ.get("HFEXPLORE_SHARED_DATA", ROOT.parent / "shared" / "data"))
MODELS_2024 = SHARED_DATA / "hf_models_2024-07-11.jsonl.gz"
DATASETS_2024 = SHARED_DATA / "hf_datasets_2024-07-09.jsonl.gz"

# Tests of the real data share one xdist worker (`--dist loadgroup`), so the 760,000-model
# catalogue is loaded and crawled once.
real_data_group = pytest.mark.xdist_group("real_data")
needs_shared_data = pytest.mark.skipif(
    not MODELS_2024.exists(),
    reason=f"the real 2024 Hub data is not at {SHARED_DATA} (it lives in ../shared/data beside a "
           "checkout of this project; set HFEXPLORE_SHARED_DATA to point elsewhere)",
)


class FakeClock:
    """A clock that only moves when someone sleeps: retry and pacing tests never really wait.

    One instance can be shared by the client (`Transport(clock=c, sleep=c.sleep)`) and the
    stand-in Hub (`make_hub(clock=c)`): the Hub's quota windows then open and close exactly when
    the client's waits say, however fast or slow the machine is.
    """

    def __init__(self, start: float = 1000.0):
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += max(0.0, seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@contextmanager
def logged_to(handler: logging.Handler, name: str) -> Iterator[logging.Handler]:
    """`handler` receives the INFO records of logger `name` for the block, then the logger
    is as it was."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's token, cache or snapshots."""
    for name in ("HF_TOKEN", "HF_ENDPOINT", "HFEXPLORE_CACHE", "HFEXPLORE_HOME", "HFEXPLORE_DEBUG",
                 "COLUMNS"):  # a table fits $COLUMNS: tests choose their own width
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")


# -- the stand-in Hub ---------------------------------------------------------------------------
@pytest.fixture(scope="session")
def real_catalogs():
    """The real 2024 catalogue (760,000 models, 175,000 datasets), loaded once per worker."""
    if not MODELS_2024.exists():
        pytest.skip(needs_shared_data.kwargs["reason"])
    from tests.hubsim import build_catalogs

    return build_catalogs(data=SHARED_DATA, spaces=2_000)


@pytest.fixture(scope="session")
def real_hub(real_catalogs):
    from tests.hubsim.server import HubSim

    with HubSim(real_catalogs) as sim:
        yield sim


@pytest.fixture
def make_hub():
    """Start stand-in Hubs over small synthetic catalogues; all are stopped after the test."""
    from tests.hubsim import SyntheticCatalog
    from tests.hubsim.server import HubSim

    started = []

    def make(models: int = 5_000, datasets: int = 2_000, spaces: int = 1_000, *, seed: int = 0,
             generation: int = 0, catalogs=None, **options) -> HubSim:
        if catalogs is None:
            catalogs = {kind: SyntheticCatalog(kind, n, seed=seed, generation=generation)
                        for kind, n in (("model", models), ("dataset", datasets),
                                        ("space", spaces))}
        sim = HubSim(catalogs, **options).start()
        started.append(sim)
        return sim

    yield make
    for sim in started:
        sim.stop()


@pytest.fixture
def client_for():
    """`client_for(sim, **transport_options)`: a HubClient for a stand-in Hub, retrying
    fast (a fault costs milliseconds, not the default back-off)."""
    import random

    from hfexplore.hub import HubClient, RetryPolicy, Transport

    def make(sim, *, policy: RetryPolicy | None = None, **options) -> HubClient:
        policy = policy or RetryPolicy(base_delay=0.01, max_delay=0.05, timeout=5.0,
                                       rng=random.Random(3))
        return HubClient(Transport(sim.url, policy=policy, **options))

    return make


@pytest.fixture(scope="session")
def real_snapshot(real_hub, tmp_path_factory):
    """A snapshot crawled by hfexplore from the stand-in Hub serving the real 2024 data."""
    from hfexplore.hub import HubClient, Transport
    from hfexplore.ingest.crawl import create_snapshot

    return create_snapshot(HubClient(Transport(real_hub.url)),
                           tmp_path_factory.mktemp("real-data"), ["model", "dataset"])


@pytest.fixture(scope="session")
def raw_models() -> pd.DataFrame:
    """The raw 2024 model items, read independently of hfexplore's normaliser."""
    if not MODELS_2024.exists():
        pytest.skip(needs_shared_data.kwargs["reason"])
    return pd.read_json(MODELS_2024, lines=True, compression="gzip", dtype=False)


@pytest.fixture(scope="session")
def raw_datasets() -> pd.DataFrame:
    """The raw 2024 dataset items, read independently of hfexplore's normaliser."""
    if not DATASETS_2024.exists():
        pytest.skip(needs_shared_data.kwargs["reason"])
    return pd.read_json(DATASETS_2024, lines=True, compression="gzip", dtype=False)


@pytest.fixture(scope="session")
def reference_models(raw_models) -> pd.DataFrame:
    """Per-model licenses and authors by the independent reference rules (tests/reference.py)."""
    from tests.reference import model_frame

    return model_frame(raw_models)


@pytest.fixture(scope="session")
def reference_edges(raw_models) -> pd.DataFrame:
    """Lineage edges of the raw models by the independent reference rules."""
    from tests.reference import edge_frame

    return edge_frame(raw_models)


@pytest.fixture(scope="session")
def reference_ancestors(reference_edges) -> dict[str, dict[str, int]]:
    """Every model's ancestors (lower-case ids) with their depth, by the reference rules."""
    from tests.reference import ancestors_of, base_sets

    return ancestors_of(base_sets(reference_edges))
