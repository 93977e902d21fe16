"""The crawl estimate: requests from the repo count, time from the fixed-window quota."""

from __future__ import annotations

from hfexplore.hub import HubClient, Transport
from hfexplore.ingest.estimate import crawl_estimate, estimate_crawl


def test_the_census_of_october_2026_takes_about_31_minutes_anonymously() -> None:
    # HUB_API.md: 3,117,871 models, an exact census walk of 3,118 requests; "a full anonymous
    # walk of ~3.1 M models cannot take less than about 31 minutes; with a free token about 16".
    anonymous = crawl_estimate(3_117_871, authenticated=False)
    assert anonymous.requests == 3_118 and anonymous.quota == 500
    # 6 full windows of 500 waited out, then 118 requests at 0.3 s each.
    assert anonymous.seconds == 6 * 300 + 118 * 0.3
    token = crawl_estimate(3_117_871, authenticated=True)
    assert token.quota == 1_000 and 15 <= token.minutes <= 16.5


def test_a_walk_within_one_window_is_bound_by_page_latency() -> None:
    small = crawl_estimate(20_000, authenticated=False)
    assert small.requests == 20 and small.seconds == 20 * 0.3
    assert crawl_estimate(0, authenticated=False).requests == 1


def test_estimate_crawl_makes_one_count_request(make_hub) -> None:
    sim = make_hub(models=2_345, datasets=100, spaces=10)
    estimate = estimate_crawl(HubClient(Transport(sim.url)), "model")
    assert (estimate.repos, estimate.requests) == (2_345, 3)
    assert sim.stats["requests"] == 1 and sim.stats["count"] == 1
