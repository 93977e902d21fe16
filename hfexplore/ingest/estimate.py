"""How long a crawl would take: the repos to walk, from one count request, against the quota."""

from __future__ import annotations

import math
from dataclasses import dataclass

from hfexplore.hub import HubClient, RepoType
from hfexplore.hub.client import PAGE_SIZE
from hfexplore.hub.quotas import WINDOW_SECONDS, api_quota, walk_seconds


@dataclass(frozen=True)
class CrawlEstimate:
    """A lower bound of a crawl's duration, from the number of repos and the API quota."""

    repo_type: RepoType
    repos: int
    requests: int  # listing pages of 1,000
    quota: int  # API requests per window assumed (the plan's, HUB_API.md)
    window_seconds: int
    authenticated: bool
    seconds: float  # at least this long: the quota, or the Hub's page latency, bounds it

    @property
    def minutes(self) -> float:
        return self.seconds / 60


def crawl_estimate(repos: int, *, authenticated: bool, repo_type: RepoType = RepoType.MODEL,
                   quota: int | None = None) -> CrawlEstimate:
    """The estimate for `repos` repos: ceil(repos / 1,000) requests at `quota` requests per
    fixed 5-minute window (the anonymous or free-token quota unless given), each taking at
    least the real Hub's page latency."""
    requests = max(1, math.ceil(repos / PAGE_SIZE))
    quota = quota or api_quota(authenticated)
    seconds = walk_seconds(requests, quota, WINDOW_SECONDS)
    return CrawlEstimate(repo_type, repos, requests, quota, WINDOW_SECONDS, authenticated,
                         seconds)


def estimate_crawl(client: HubClient, repo_type: RepoType = RepoType.MODEL) -> CrawlEstimate:
    """Count the repos with one request of the count endpoint (no listing walk: that would
    cost what it estimates) and estimate their crawl for this client's quota."""
    result = client.count(repo_type, walk_fallback=False)
    return crawl_estimate(result.count, authenticated=client.transport.authenticated,
                          repo_type=repo_type)
