"""Does the Hub answer? One cheap request, a short timeout, no retries, no token, no cache."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from hfexplore.hub.ratelimit import parse_ratelimit
from hfexplore.hub.transport import _reason

PROBE_PATH = "/api/models?limit=1"


@dataclass(frozen=True)
class HubProbe:
    url: str
    answered: bool
    status: int | None = None
    seconds: float | None = None
    quota: str | None = None  # the RateLimit header, described
    problem: str | None = None


def probe_hub(endpoint: str, *, timeout: float = 5.0, session: requests.Session | None = None,
              clock: Callable[[], float] = time.monotonic) -> HubProbe:
    """GET one model from the listing; never raises for network trouble."""
    url = endpoint.rstrip("/") + PROBE_PATH
    started = clock()
    try:
        response = (session or requests).get(url, timeout=timeout)
    except requests.Timeout:
        return HubProbe(url, False, problem=f"no answer within {timeout:g}s")
    except requests.RequestException as exc:
        return HubProbe(url, False, problem=_reason(exc))
    seconds = clock() - started
    state = parse_ratelimit(response.headers)
    problem = None if response.status_code == 200 else f"HTTP {response.status_code}"
    return HubProbe(url, response.status_code == 200, response.status_code, seconds,
                    state.describe() if state else None, problem)
