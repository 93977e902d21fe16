"""The Hub's published rate-limit quotas (HUB_API.md, "Rate limits"), for planning requests.

These are plan values, not observations: the Transport paces on the `RateLimit` headers the Hub
actually sends. They serve where nothing has been observed yet (an estimate before a crawl, a
request budget before a walk).
"""

from __future__ import annotations

import math

WINDOW_SECONDS = 300  # fixed 5-minute windows
# Per window: anonymous (per IP) and a free account's token. PRO and above have more; a token
# is assumed to be a free account's, so estimates with a token are upper bounds of the time.
API_QUOTA = {False: 500, True: 1_000}
# What the real Hub takes to answer one 1,000-item listing page (0.3 to 1 s, BENCHMARKS.md):
# the floor of a walk's time when the quota does not bound it.
PAGE_SECONDS = 0.3


def api_quota(authenticated: bool) -> int:
    """API requests per 5-minute window for an anonymous caller or a free token."""
    return API_QUOTA[bool(authenticated)]


def walk_seconds(requests: int, quota: int, window: float = WINDOW_SECONDS, *,
                 remaining: int | None = None, reset: float | None = None) -> float:
    """The least time `requests` API requests take at `quota` requests per fixed window of
    `window` seconds, with `remaining` requests left in the current window, which ends in
    `reset` seconds (a fresh window when not given): the requests left go out now, then every
    full window is waited out, and each request takes at least the Hub's page latency."""
    quota = max(1, quota)
    remaining = quota if remaining is None else max(0, remaining)
    reset = window if reset is None else max(0.0, reset)
    floor = requests * PAGE_SECONDS
    if requests <= remaining:
        return floor
    later = requests - remaining
    windows = math.ceil(later / quota)  # opened after this one; the last one is not waited out
    return max(reset + (windows - 1) * window + (later - (windows - 1) * quota) * PAGE_SECONDS,
               floor)


# What the Hub lists, as published (HUB_API.md, "Scale"): the size of a walk of the real Hub's
# listing when no count endpoint answers. Each is (repos, where the figure comes from).
PUBLISHED_SIZES = {
    "model": (3_117_871, "models listed on 2026-10-03, by an exact census walk"),
    "dataset": (900_000, "datasets, roughly, in 2026 (secondary sources)"),
    "space": (900_000, "Spaces, roughly, in 2026 (secondary sources)"),
}
