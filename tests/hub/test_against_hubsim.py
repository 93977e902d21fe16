"""hfexplore's client against the stand-in Hub over real sockets."""

from __future__ import annotations

import json
import random

import pytest
import requests
from click.testing import CliRunner

from hfexplore.cli import cli
from hfexplore.errors import HubBadRequestError
from hfexplore.hub import HubClient, ListQuery, RetryPolicy, SeenIds, Transport
from tests.conftest import needs_shared_data, real_data_group
from tests.hubsim.faults import Fault, FaultPlan

FAST = RetryPolicy(base_delay=0.01, max_delay=0.05, timeout=5.0, rng=random.Random(3))


def client_for(sim, **kwargs) -> HubClient:
    return HubClient(Transport(sim.url, policy=kwargs.pop("policy", FAST), **kwargs))


def alive_ids(catalog) -> set[str]:
    return {catalog.ids[i].decode() for i in range(len(catalog.ids)) if catalog.alive[i]}


@needs_shared_data
@real_data_group
def test_full_walk_of_the_real_760000_models(real_hub) -> None:
    hub = client_for(real_hub)
    seen = SeenIds()
    pages = received = 0
    for page in hub.iter_pages(ListQuery("model", sort="createdAt"), seen=seen, use_cache=False):
        pages += 1
        received += page.received
    assert len(seen) == received == 760_000
    assert pages == hub.transport.stats.requests == 760


@pytest.mark.parametrize("spec", [
    "429@2,5", "500@2", "502@3,4", "503/3*4", "reset@2,6", "truncate@3", "garbage@4",
    "repeat/2", "expire_cursor@4", "delay@3:60",
])
def test_walk_survives_every_fault_kind(make_hub, clock, spec: str) -> None:
    fault = Fault.parse(spec)
    if fault.kind == "429":
        fault.retry_after = 0.05
    sim = make_hub(models=8_000, faults=FaultPlan([fault]), clock=clock)
    # Waits run on the fake clock. Only `delay` needs a real socket timeout: its request stalls
    # (60 s, or until the stand-in stops), so any timeout works and other pages get a wide one.
    policy = RetryPolicy(base_delay=0.01, max_delay=0.05, timeout=2.0, rng=random.Random(3))
    hub = client_for(sim, policy=policy, clock=clock, sleep=clock.sleep)
    ids = [item["_id"] for page in hub.iter_pages(ListQuery("model", sort="downloads"),
                                                  use_cache=False) for item in page.items]
    assert len(ids) == len(set(ids)) == 8_000  # nothing lost, nothing duplicated
    assert set(ids) == alive_ids(sim.catalogs["model"])
    assert fault.fired >= 1


def test_quota_pacing_keeps_a_long_walk_free_of_429s(make_hub, clock) -> None:
    # 25 pages at 10 per 1-second window: the walk cannot finish without waiting for resets.
    # Server and client share one fake clock: time passes only when the client waits.
    sim = make_hub(models=25_000, quotas={"api": (10, 1.0), "pages": (100, 300)}, clock=clock)
    hub = client_for(sim, clock=clock, sleep=clock.sleep)
    pages = list(hub.iter_pages(ListQuery("model", sort="createdAt"), use_cache=False))
    assert sum(len(p.items) for p in pages) == 25_000
    assert sim.stats["rate_limited"] == 0 and hub.transport.stats.rate_limited == 0
    # Pages 10 and 20 empty the window: exactly two waits, each to the window's reset plus the
    # margin (the second window was entered `margin` late, so its reset is that much nearer).
    margin = hub.transport.pacer.margin
    assert hub.transport.pacer.waits == 2
    assert clock.sleeps == pytest.approx([1.0 + margin, 1.0])


def test_without_pacing_the_same_walk_is_rate_limited(make_hub, clock) -> None:
    """The control for the test above: a client that ignores RateLimit headers gets 429s."""
    sim = make_hub(models=25_000, quotas={"api": (10, 1.0), "pages": (100, 300)}, clock=clock)
    url = ListQuery("model", sort="createdAt").url(sim.url)
    statuses = [requests.get(url, timeout=30).status_code for _ in range(12)]
    assert statuses == [200] * 10 + [429] * 2


@pytest.mark.parametrize(("counts_enabled", "shields_enabled", "method", "requests"), [
    (True, True, "website-count", 1),
    (False, True, "shields", 1 + 1),  # the failed twin, the badge
    (False, False, "listing-walk", 1 + 1 + 5),  # the failed twin and badge, 5 pages
])
def test_count_with_and_without_the_count_twin(make_hub, counts_enabled: bool,
                                               shields_enabled: bool, method: str,
                                               requests: int) -> None:
    sim = make_hub(models=4_321, counts_enabled=counts_enabled, shields_enabled=shields_enabled)
    hub = client_for(sim)
    result = hub.count("model")
    assert result.count == 4_321
    assert (result.method, result.requests) == (method, requests)
    catalog = sim.catalogs["model"]
    mit = sum("license:mit" in catalog.item(i)["tags"] for i in range(len(catalog.ids)))
    assert hub.count("model", license="mit").count == mit


def test_unknown_expand_is_a_clear_error(make_hub) -> None:
    sim = make_hub(models=10)
    with pytest.raises(HubBadRequestError, match="invalid value"):
        list(client_for(sim).iter_pages(ListQuery("model", expand=("nonsense",))))


def test_single_repo_info(make_hub) -> None:
    sim = make_hub(models=10)
    repo_id = sim.catalogs["model"].repo_id(4)
    assert client_for(sim).repo_info("model", repo_id)["id"] == repo_id


@pytest.mark.parametrize("counts_enabled", [True, False])
def test_stats_cli_survives_a_429_and_a_503(make_hub, tmp_path, monkeypatch,
                                            counts_enabled: bool) -> None:
    faults = FaultPlan([Fault("429", at=frozenset({1}), retry_after=0.1),
                        Fault("503", at=frozenset({2}))])
    sim = make_hub(models=2_345, datasets=1_234, spaces=345, counts_enabled=counts_enabled,
                   shields_enabled=False, faults=faults,
                   quotas={"api": (10_000, 300), "pages": (1, 0.3)})
    monkeypatch.setenv("HF_ENDPOINT", sim.url)
    monkeypatch.setenv("HF_TOKEN", "hf_SECRETtoken123")
    monkeypatch.setenv("HFEXPLORE_CACHE", str(tmp_path / "cache"))
    result = CliRunner().invoke(cli, ["stats", "--live", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["totals"] == {"models": 2_345, "datasets": 1_234, "spaces": 345}
    if not counts_enabled:
        assert set(doc["methods"].values()) == {"listing-walk"}
    assert faults.faults[0].fired == 1 and faults.faults[1].fired == 1 if not counts_enabled \
        else True
    written = b"".join(p.read_bytes() for p in (tmp_path / "cache").rglob("*") if p.is_file())
    assert written and b"SECRETtoken123" not in written
