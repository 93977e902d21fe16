"""The Hub over HTTP: listing pages, single repos, counts; pacing, retries, errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hfexplore.cache import CacheMode, open_cache
from hfexplore.config import resolve_cache_dir, resolve_endpoint, resolve_token
from hfexplore.hub.client import CountResult, HubClient, ListQuery, Page, SeenIds, check_repo_type
from hfexplore.hub.ratelimit import RateLimit
from hfexplore.hub.retry import RetryPolicy
from hfexplore.hub.transport import Transport, TransportStats
from hfexplore.repo_type import PLURAL, REPO_TYPES, RepoType

__all__ = [
    "PLURAL",
    "REPO_TYPES",
    "CountResult",
    "HubClient",
    "ListQuery",
    "Page",
    "RateLimit",
    "RepoType",
    "RetryPolicy",
    "SeenIds",
    "Transport",
    "TransportStats",
    "check_repo_type",
    "connect",
]


def connect(
    endpoint: str | None = None,
    token: str | None = None,
    *,
    cache_dir: str | Path | None = None,
    cache_mode: CacheMode | str = CacheMode.USE,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] | None = None,
) -> HubClient:
    """A client configured the way the CLI configures it (options, then environment)."""
    mode = CacheMode(cache_mode)
    cache = None if mode is CacheMode.OFF else open_cache(resolve_cache_dir(cache_dir))
    transport = Transport(resolve_endpoint(endpoint), resolve_token(token), cache=cache,
                          cache_mode=mode, policy=policy or RetryPolicy())
    if sleep is not None:
        transport.sleep = sleep
    return HubClient(transport)
