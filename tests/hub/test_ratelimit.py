from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hfexplore.hub.ratelimit import Pacer, RateLimit, parse_ratelimit, parse_retry_after
from tests.conftest import FakeClock


def test_parses_the_hub_headers() -> None:
    state = parse_ratelimit({"RateLimit": '"api";r=42;t=17',
                             "RateLimit-Policy": '"fixed window";"api";q=500;w=300'})
    assert state == RateLimit("api", 42, 17.0, 500, 300.0)


def test_header_names_are_case_insensitive_and_policy_optional() -> None:
    state = parse_ratelimit({"ratelimit": '"pages";r=0;t=3'})
    assert state == RateLimit("pages", 0, 3.0, None, None)


def test_forms_huggingface_hub_does_not_read() -> None:
    """Why hfexplore keeps its own parser (hub/ratelimit.py says more)."""
    assert parse_ratelimit({"RateLimit": '"api";r=0;t=0.950'}) == RateLimit("api", 0, 0.95)
    assert parse_ratelimit({"RateLimit": '"api";t=17;r=42'}) == RateLimit("api", 42, 17.0)
    assert parse_ratelimit({"RateLimit": '"api";r=42;t=17',
                            "RateLimit-Policy": '"fixed window";"api";w=300;q=500'}) == \
        RateLimit("api", 42, 17.0, 500, 300.0)


def test_unreadable_headers_are_ignored() -> None:
    assert parse_ratelimit({}) is None
    assert parse_ratelimit({"RateLimit": "garbage"}) is None
    assert parse_ratelimit({"RateLimit": '"api";r=-1;t=3'}) is None
    assert parse_retry_after({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) is None
    assert parse_retry_after({"Retry-After": "12"}) == 12.0


@given(st.text(max_size=80), st.text(max_size=80))
def test_parsers_never_raise(ratelimit: str, policy: str) -> None:
    state = parse_ratelimit({"RateLimit": ratelimit, "RateLimit-Policy": policy})
    assert state is None or (state.remaining >= 0 and state.reset_seconds >= 0)


def test_pacer_waits_for_the_reset_only_when_the_bucket_is_exhausted() -> None:
    clock = FakeClock()
    pacer = Pacer(clock, clock.sleep)
    pacer.observe(RateLimit("api", 5, 10.0))
    assert pacer.before_request("api") == 0.0
    pacer.observe(RateLimit("api", 0, 10.0))
    assert pacer.before_request("pages") == 0.0  # other buckets are not held
    waited = pacer.before_request("api")
    assert 10.0 <= waited <= 10.1
    assert clock.sleeps == [waited]
    assert pacer.before_request("api") == 0.0  # the window has reset


def test_pacer_reserve_keeps_requests_unused() -> None:
    clock = FakeClock()
    pacer = Pacer(clock, clock.sleep, reserve=10)
    pacer.observe(RateLimit("api", 10, 4.0))
    assert pacer.before_request("api") > 4.0
