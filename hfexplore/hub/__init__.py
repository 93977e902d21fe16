"""The Hub over HTTP: listing pages, single repos, counts; pacing, retries, errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hfexplore.repo_type import PLURAL, REPO_TYPES, RepoType

if TYPE_CHECKING:
    from hfexplore.hub.cache import CacheMode
    from hfexplore.hub.client import CountResult, HubClient, ListQuery
    from hfexplore.hub.ratelimit import RateLimit
    from hfexplore.hub.retry import RetryPolicy
    from hfexplore.hub.transport import Transport, TransportStats
    from hfexplore.hub.walk import Page, SeenIds

# The HTTP stack (requests, huggingface_hub) loads on first use of one of these names, so a
# module that only needs the repo types (a report over a snapshot) does not pay for it.
_LAZY = {"CountResult": "client", "HubClient": "client", "ListQuery": "client",
         "Page": "walk", "SeenIds": "walk", "RateLimit": "ratelimit",
         "RetryPolicy": "retry", "Transport": "transport", "TransportStats": "transport"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f"hfexplore.hub.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'hfexplore.hub' has no attribute {name!r}")


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
    "connect",
]


def connect(
    endpoint: str | None = None,
    token: str | None = None,
    *,
    cache_dir: str | Path | None = None,
    cache_mode: CacheMode | str = "use",
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] | None = None,
    record: str | Path | None = None,
) -> HubClient:
    """A client configured the way the CLI configures it (options, then environment).
    `record`: a directory where every answer received is saved (`hub/record.py`)."""
    from hfexplore.config import resolve_cache_dir, resolve_endpoint, resolve_token
    from hfexplore.hub.cache import CacheMode, open_cache
    from hfexplore.hub.client import HubClient
    from hfexplore.hub.record import Recorder
    from hfexplore.hub.retry import RetryPolicy
    from hfexplore.hub.transport import Transport

    mode = CacheMode(cache_mode)
    url, secret = resolve_endpoint(endpoint), resolve_token(token)
    recorder = Recorder(record, endpoint=url, token=secret) if record is not None else None
    cache = None if mode is CacheMode.OFF else open_cache(resolve_cache_dir(cache_dir))
    transport = Transport(url, secret, cache=cache, cache_mode=mode,
                          policy=policy or RetryPolicy(), recorder=recorder)
    if sleep is not None:
        transport.sleep = sleep
    return HubClient(transport)
