"""The Hub's RateLimit headers, and a pacer that slows down before the quota runs out.

The Hub sends, on every response (not only on a 429):
    RateLimit: "api";r=<remaining>;t=<seconds to reset>
    RateLimit-Policy: "fixed window";"api";q=<quota>;w=<window seconds>
Windows are fixed, so the best a client can do is go at full speed while requests remain and
wait for the reset when they run out.

Why not huggingface_hub's parser (`huggingface_hub.utils.parse_ratelimit_headers`, 2.4): it
reads the two forms above, but not these, which `parse_ratelimit` reads
(tests/hub/test_ratelimit.py):
- a reset in fractions of a second (`t=0.950`): it reads the whole seconds and drops the rest,
  so `t=0.950` becomes 0 and the next request goes out before the reset, into a 429. The
  stand-in Hub sends such resets for its sub-minute test windows (the quota pacing tests get
  429s with it);
- the parameters in another order (`"api";t=17;r=42`), valid in the IETF draft it follows:
  it reads nothing;
- a RateLimit-Policy with `w` before `q`: it drops the quota and the window.
Retry-After has no public parser there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

_PARAM = re.compile(r'([A-Za-z]+)\s*=\s*"?([^;,"]*)"?')
_QUOTED = re.compile(r'"([^"]*)"')


@dataclass(frozen=True)
class RateLimit:
    """One bucket's state as the last response described it."""

    bucket: str
    remaining: int
    reset_seconds: float
    quota: int | None = None
    window_seconds: float | None = None

    def describe(self) -> str:
        quota = f"/{self.quota}" if self.quota is not None else ""
        return f"{self.bucket} {self.remaining}{quota} left, resets in {self.reset_seconds:g}s"


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value >= 0 and value == value and value != float("inf") else None


def _params(part: str) -> dict[str, str]:
    return {key.lower(): value.strip() for key, value in _PARAM.findall(part)}


def parse_ratelimit(headers: Mapping[str, str]) -> RateLimit | None:
    """Parse RateLimit (+ RateLimit-Policy). None when absent or unreadable; never raises."""
    raw = _header(headers, "RateLimit")
    if not raw:
        return None
    quoted = _QUOTED.findall(raw)
    bucket = quoted[0] if quoted else "api"
    params = _params(raw)
    remaining = _number(params.get("r"))
    reset = _number(params.get("t"))
    if remaining is None or reset is None:
        return None
    quota = window = None
    policy = _header(headers, "RateLimit-Policy")
    if policy:
        policy_params = _params(policy)
        quota_value = _number(policy_params.get("q"))
        quota = int(quota_value) if quota_value is not None else None
        window = _number(policy_params.get("w"))
    return RateLimit(bucket, int(remaining), reset, quota, window)


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Retry-After in seconds (the HTTP-date form is not used by the Hub; ignored)."""
    return _number(_header(headers, "Retry-After"))


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value


class Pacer:
    """Waits before a request when the bucket it draws on is known to be exhausted.

    `reserve` requests per window are left unused, for other tools sharing the quota.
    """

    def __init__(
        self,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        reserve: int = 0,
        margin: float = 0.05,
    ):
        self._clock = clock
        self._sleep = sleep
        self.reserve = reserve
        self.margin = margin
        self._resume_at: dict[str, float] = {}
        self._why: dict[str, str] = {}
        self.reason = ""  # why the current (or last) wait happened: "quota" or "rate limited"
        self.last: dict[str, RateLimit] = {}
        self.waits = 0  # how many waits (the Transport accounts their seconds, by reason)

    def observe(self, state: RateLimit | None) -> None:
        if state is None:
            return
        self.last[state.bucket] = state
        if state.remaining <= self.reserve:
            self._resume_at[state.bucket] = self._clock() + state.reset_seconds + self.margin
            self._why[state.bucket] = "quota"
        else:
            self._resume_at.pop(state.bucket, None)

    def hold_until(self, bucket: str, seconds_from_now: float) -> None:
        """After a 429: no request on this bucket before the given delay."""
        resume = self._clock() + seconds_from_now
        if resume >= self._resume_at.get(bucket, 0.0):
            self._resume_at[bucket] = resume
            self._why[bucket] = "rate limited"

    def before_request(self, bucket: str) -> float:
        """Sleep if needed; return the seconds slept."""
        resume = self._resume_at.get(bucket)
        if resume is None:
            return 0.0
        delay = resume - self._clock()
        self._resume_at.pop(bucket, None)
        if delay <= 0:
            return 0.0
        self.reason = self._why.get(bucket, "quota")
        self._sleep(delay)
        self.waits += 1
        return delay
