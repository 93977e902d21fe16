"""The Hub's published rate-limit quotas (HUB_API.md, "Rate limits"), for planning requests.

These are plan values, not observations: the Transport paces on the `RateLimit` headers the Hub
actually sends. They serve where nothing has been observed yet (an estimate before a crawl, a
request budget before a walk).
"""

from __future__ import annotations

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
