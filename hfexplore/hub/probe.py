"""Does the Hub answer? One cheap request through the request loop, once: a short timeout, no
retries, no waits, no token, no cache."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from hfexplore.errors import HubError, HubUnreachableError
from hfexplore.hub.failures import reason
from hfexplore.hub.record import Recorder
from hfexplore.hub.retry import RetryPolicy
from hfexplore.hub.transport import Reply, Transport

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
              clock: Callable[[], float] = time.monotonic,
              recorder: Recorder | None = None) -> HubProbe:
    """GET one model from the listing; never raises for network trouble."""
    once = RetryPolicy(max_attempts=1, connect_attempts=1, give_up_after=0.0, timeout=timeout)
    transport = Transport(endpoint, session=session, policy=once, clock=clock,
                          recorder=recorder)
    url = transport.endpoint + PROBE_PATH
    started = clock()
    try:
        status = transport.request("GET", url, _read_status)
    except HubError as exc:
        if exc.status is None:
            return HubProbe(url, False, problem=_problem(exc, timeout))
        status = exc.status
    seconds = clock() - started
    state = next(iter(transport.pacer.last.values()), None)
    problem = None if status == 200 else f"HTTP {status}"
    return HubProbe(url, status == 200, status, seconds,
                    state.describe() if state else None, problem)


def _read_status(reply: Reply) -> int:
    reply.read()
    return reply.status


def _problem(exc: HubError, timeout: float) -> str:
    """No answer: what stood in the way, in a few words."""
    cause = exc.__cause__
    if isinstance(cause, requests.Timeout):
        return f"no answer within {timeout:g}s"
    if isinstance(cause, requests.RequestException) or isinstance(exc, HubUnreachableError):
        return reason(cause or exc)
    return str(exc)
