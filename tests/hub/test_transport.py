from __future__ import annotations

import json
import random

import pytest
import requests
import responses

from hfexplore.errors import (
    CacheMissError,
    HubAuthError,
    HubError,
    HubNotFoundError,
    HubRateLimitError,
    HubServerError,
    HubUnreachableError,
)
from hfexplore.hub.cache import CacheMode, PageCache
from hfexplore.hub.retry import RetryPolicy
from hfexplore.hub.transport import Transport
from tests.conftest import FakeClock

EP = "http://hub.test"
URL = f"{EP}/api/models?limit=1000"


def make(clock: FakeClock, **kwargs) -> Transport:
    policy = kwargs.pop("policy", RetryPolicy(rng=random.Random(0)))
    return Transport(EP, clock=clock, sleep=clock.sleep, policy=policy, **kwargs)


@responses.activate
def test_retries_5xx_with_growing_capped_backoff(clock: FakeClock) -> None:
    for status in (500, 502, 503):
        responses.get(URL, status=status)
    responses.get(URL, json=[{"_id": "a"}])
    response = make(clock).get(URL)
    assert response.data == [{"_id": "a"}]
    assert len(clock.sleeps) == 3
    assert clock.sleeps[0] < clock.sleeps[2] <= 30.0
    assert all(s > 0 for s in clock.sleeps)


@responses.activate
def test_gives_up_on_persistent_5xx_with_a_clear_message(clock: FakeClock) -> None:
    responses.get(URL, status=503)
    with pytest.raises(HubServerError, match=r"kept failing \(HTTP 503\).*after 6 attempts"):
        make(clock).get(URL)
    assert len(responses.calls) == 6


@responses.activate
def test_429_waits_as_retry_after_says(clock: FakeClock) -> None:
    responses.get(URL, status=429, body="We had to rate limit you", headers={"Retry-After": "7"})
    responses.get(URL, json=[])
    transport = make(clock)
    transport.get(URL)
    assert clock.sleeps == [pytest.approx(7.0)]
    assert transport.stats.rate_limited == 1


@responses.activate
def test_429_without_retry_after_waits_for_the_ratelimit_reset(clock: FakeClock) -> None:
    responses.get(URL, status=429, body="We had to rate limit you",
                  headers={"RateLimit": '"api";r=0;t=42',
                           "RateLimit-Policy": '"fixed window";"api";q=500;w=300'})
    responses.get(URL, json=[])
    make(clock).get(URL)
    assert sum(clock.sleeps) == pytest.approx(42.05)


@responses.activate
def test_429_forever_gives_up_after_the_bounded_time_and_advises_a_token(clock: FakeClock) -> None:
    responses.get(URL, status=429, headers={"RateLimit": '"api";r=0;t=300'})
    transport = make(clock, policy=RetryPolicy(give_up_after=1000))
    with pytest.raises(HubRateLimitError, match="set HF_TOKEN"):
        transport.get(URL)
    assert clock.now - 1000.0 <= 1000


@responses.activate
def test_pacing_slows_down_before_the_quota_runs_out(clock: FakeClock) -> None:
    responses.get(URL, json=[], headers={"RateLimit": '"api";r=0;t=12'})
    responses.get(URL, json=[], headers={"RateLimit": '"api";r=499;t=300'})
    transport = make(clock)
    transport.get(URL)
    assert clock.sleeps == []
    transport.get(URL)  # the first answer said nothing remains: wait before asking again
    assert clock.sleeps == [pytest.approx(12.05)]
    assert transport.stats.rate_limited == 0


@responses.activate
def test_waits_are_counted_by_reason_and_sliced_for_a_heartbeat(clock: FakeClock) -> None:
    responses.get(URL, status=503)
    responses.get(URL, status=429, headers={"Retry-After": "70"})
    responses.get(URL, json=[], headers={"RateLimit": '"api";r=0;t=40'})
    responses.get(URL, json=[])
    transport = make(clock)
    beats: list[tuple[float, tuple[str, float] | None]] = []

    def heartbeat() -> float:
        beats.append((clock(), transport.waiting))
        return 30.0

    transport.heartbeat = heartbeat
    transport.get(URL)
    transport.get(URL)
    retry = clock.sleeps[0]
    assert clock.sleeps == pytest.approx([retry, 30.0, 30.0, 10.0, 30.0, 10.05])
    assert transport.stats.waits == pytest.approx({"retry": retry, "rate limited": 70.0,
                                                   "quota": 40.05})
    assert transport.stats.waited_seconds == pytest.approx(retry + 110.05)
    # While waiting, the heartbeat can tell why and until when.
    assert beats[1] == (pytest.approx(1000.0 + retry), ("rate limited",
                                                         pytest.approx(1070.0 + retry)))
    assert transport.waiting is None


def test_connect_sleep_is_used_for_quota_waits_too(clock: FakeClock) -> None:
    from hfexplore.hub import connect

    transport = connect(EP, cache_mode="off", sleep=clock.sleep).transport
    transport.pacer.hold_until("api", 1e6)  # by the real clock: a wait nobody could sit out
    transport.pacer.before_request("api")
    assert len(clock.sleeps) == 1 and 0 < clock.sleeps[0] <= 1e6


@pytest.mark.parametrize(("status", "error", "text"), [
    (401, HubAuthError, "needs a token"),
    (403, HubAuthError, "refused access"),
    (404, HubNotFoundError, "HTTP 404"),
])
@responses.activate
def test_client_errors_are_not_retried(clock: FakeClock, status: int, error: type,
                                       text: str) -> None:
    responses.get(URL, status=status, json={"error": "nope"})
    with pytest.raises(error, match=text):
        make(clock).get(URL)
    assert len(responses.calls) == 1
    assert clock.sleeps == []


@responses.activate
def test_truncated_json_and_resets_are_retried(clock: FakeClock) -> None:
    responses.get(URL, body='[{"_id": "a"', status=200)
    responses.get(URL, body=requests.exceptions.ChunkedEncodingError("Connection reset"))
    responses.get(URL, body=requests.exceptions.ReadTimeout())
    responses.get(URL, json=[{"_id": "a"}])
    transport = make(clock)
    assert transport.get(URL).data == [{"_id": "a"}]
    assert transport.stats.retries == 3


def test_no_network_is_one_sentence(clock: FakeClock) -> None:
    transport = make(clock)
    transport.endpoint = "http://127.0.0.1:9"
    with pytest.raises(HubUnreachableError, match=r"^cannot reach http://127.0.0.1:9"):
        transport.get("http://127.0.0.1:9/api/models")


@responses.activate
def test_token_is_sent_to_the_endpoint_only(clock: FakeClock) -> None:
    other = "http://elsewhere.test/api/models"
    responses.get(URL, json=[])
    responses.get(other, json=[])
    transport = make(clock, token="hf_secret")
    transport.get(URL)
    transport.get(other)
    assert responses.calls[0].request.headers["authorization"] == "Bearer hf_secret"
    assert "authorization" not in responses.calls[1].request.headers
    assert responses.calls[0].request.headers["user-agent"].startswith("hfexplore/")


@responses.activate
def test_redirects_are_followed_one_request_each_and_the_token_stays_on_the_endpoint(
        clock: FakeClock) -> None:
    cdn = "http://cdn.test/models/new"
    responses.get(f"{EP}/api/models/old", status=307, headers={"Location": "/api/models/new"})
    responses.get(f"{EP}/api/models/new", status=302, headers={"Location": cdn})
    responses.get(cdn, json={"id": "new"})
    transport = make(clock, token="hf_secret")
    assert transport.get(f"{EP}/api/models/old").data == {"id": "new"}
    sent = [call.request.headers.get("authorization") for call in responses.calls]
    assert sent == ["Bearer hf_secret", "Bearer hf_secret", None]
    assert transport.stats.requests == 3 and transport.stats.retries == 0


@responses.activate
def test_a_redirect_loop_is_one_clear_error(clock: FakeClock) -> None:
    responses.get(URL, status=302, headers={"Location": URL})
    with pytest.raises(HubError, match="redirected /api/models more than 10 times"):
        make(clock).get(URL)
    assert len(responses.calls) == 11 and clock.sleeps == []


@responses.activate
def test_cache_modes(clock: FakeClock, tmp_path) -> None:
    responses.get(URL, json=[{"_id": "1"}], headers={"Link": f'<{URL}&cursor=x>; rel="next"'})
    cache = PageCache(tmp_path / "cache")
    transport = make(clock, cache=cache)
    first = transport.get(URL, ttl=60)
    second = transport.get(URL, ttl=60)
    assert not first.from_cache and second.from_cache
    assert second.next_url == f"{URL}&cursor=x" and second.data == [{"_id": "1"}]
    assert len(responses.calls) == 1

    transport.cache_mode = CacheMode.REFRESH
    assert not transport.get(URL, ttl=60).from_cache
    transport.cache_mode = CacheMode.OFF
    assert not transport.get(URL, ttl=60).from_cache
    assert len(responses.calls) == 3

    transport.cache_mode = CacheMode.OFFLINE
    assert transport.get(URL, ttl=60).from_cache
    with pytest.raises(CacheMissError, match="offline mode: the cache holds no answer") as miss:
        transport.get(URL + "&other=1", ttl=60)
    assert "--offline" not in str(miss.value)
    assert len(responses.calls) == 3


@responses.activate
def test_authenticated_and_anonymous_answers_are_cached_apart(clock: FakeClock, tmp_path) -> None:
    responses.get(URL, json=[{"_id": "private-too"}])
    responses.get(URL, json=[{"_id": "public"}])
    cache = PageCache(tmp_path / "cache")
    make(clock, cache=cache, token="hf_secret").get(URL, ttl=60)
    anonymous = make(clock, cache=cache).get(URL, ttl=60)
    assert anonymous.data == [{"_id": "public"}]
    stored = b"".join(p.read_bytes() for p in (tmp_path / "cache").rglob("*") if p.is_file())
    assert b"hf_secret" not in stored
    assert json.dumps(anonymous.data)
