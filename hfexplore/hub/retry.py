"""How long and how often to retry what can be retried."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from hfexplore.errors import HubServerError, HubUnreachableError
from hfexplore.hub.failures import path_of, reason

RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass
class RetryPolicy:
    """Capped exponential backoff with jitter, bounded in attempts and in total time.

    `max_attempts` bounds server errors and broken responses; 429s are bounded by
    `give_up_after` only, since a rate-limit wait is expected to end when the window resets.
    """

    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    give_up_after: float = 900.0
    connect_attempts: int = 2
    timeout: float = 60.0
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, attempt: int) -> float:
        """Delay before retry number `attempt` (1-based): half fixed, half random."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)


@dataclass(frozen=True)
class Failure:
    """One attempt that asking again may mend: what went wrong, and the status or exception
    behind it (kept on the error if it was the last attempt)."""

    problem: str
    status: int | None = None
    cause: BaseException | None = None


class Patience:
    """What one request has left: attempts and seconds, as its `RetryPolicy` allows."""

    def __init__(self, policy: RetryPolicy, clock: Callable[[], float]):
        self.policy = policy
        self.clock = clock
        self.started = clock()
        self.failures = 0
        self.connect_failures = 0

    def restart(self) -> None:
        """Part of the answer was kept: the time spent failing counts from now."""
        self.started = self.clock()

    def can_wait(self, seconds: float) -> bool:
        return self.clock() - self.started + seconds <= self.policy.give_up_after

    def failed(self, failure: Failure, site: str, url: str) -> float:
        """The wait before the next attempt; `HubServerError` when none is left."""
        self.failures += 1
        if self.failures >= self.policy.max_attempts:
            raise HubServerError(
                f"{site} kept failing ({failure.problem}) for {path_of(url)} after "
                f"{self.failures} attempts; the Hub may be having trouble, try again later",
                url=url, status=failure.status,
            ) from failure.cause
        delay = self.policy.backoff(self.failures)
        if not self.can_wait(delay):
            raise HubServerError(
                f"{site} kept failing ({failure.problem}) for {path_of(url)} for "
                f"{self.clock() - self.started:.0f}s; try again later",
                url=url, status=failure.status,
            ) from failure.cause
        return delay

    def unreachable(self, site: str, url: str, exc: requests.ConnectionError) -> float:
        """No connection made: the wait before trying again; `HubUnreachableError` when the
        connect attempts are used up."""
        self.connect_failures += 1
        if self.connect_failures >= self.policy.connect_attempts:
            raise HubUnreachableError(f"cannot reach {site} ({reason(exc)})", url=url) from exc
        return self.policy.backoff(self.connect_failures)
