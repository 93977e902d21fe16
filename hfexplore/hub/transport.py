"""One GET against the Hub, with the cache, pacing, retries and error mapping around it.

Everything above this module sees either a decoded JSON body or an `HubError` whose message
a user can act on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import orjson
import requests
from urllib3.exceptions import NewConnectionError

from hfexplore import __version__
from hfexplore.config import resolve_endpoint
from hfexplore.errors import (
    CacheMissError,
    HubAuthError,
    HubBadRequestError,
    HubError,
    HubNotFoundError,
    HubRateLimitError,
    HubServerError,
    HubUnreachableError,
)
from hfexplore.hub.cache import CacheMode, PageCache
from hfexplore.hub.ratelimit import Pacer, RateLimit, parse_ratelimit, parse_retry_after
from hfexplore.hub.retry import RETRYABLE_STATUS, RetryPolicy

try:
    from huggingface_hub.utils import build_hf_headers
except ValueError:  # huggingface_hub parses HF_ENDPOINT on import; a malformed one fails here
    resolve_endpoint()  # the usage error that says what is wrong with it
    raise

log = logging.getLogger(__name__)

decode_json: Callable[[bytes], Any] = orjson.loads
# What decoding a truncated or invalid body raises (orjson's JSONDecodeError is a ValueError).
INVALID_BODY = (ValueError, UnicodeDecodeError)
# Bodies are read in chunks this large: a 1,000-item page (about 0.4 MB) in one or two reads,
# so a fetch thread takes the GIL back a few times per page rather than forty (requests: 10 kB).
READ_CHUNK = 1 << 20


@dataclass(frozen=True)
class Response:
    """A decoded 200 response."""

    url: str
    status: int
    data: Any
    next_url: str | None
    ratelimit: RateLimit | None
    from_cache: bool
    size: int
    age: float | None = None  # seconds since it was fetched, for an answer from the cache


@dataclass
class TransportStats:
    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    bytes: int = 0
    waited_seconds: float = 0.0
    waits: dict[str, float] = field(default_factory=dict)  # seconds waited, by reason


@dataclass
class Transport:
    endpoint: str
    token: str | None = None
    session: requests.Session | None = None
    cache: PageCache | None = None
    cache_mode: CacheMode = CacheMode.USE
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    reserve: int = 0
    # Called during long waits (see `_pause`); returns the seconds until it wants a call again.
    heartbeat: Callable[[], float] | None = None

    def __post_init__(self) -> None:
        self.endpoint = self.endpoint.rstrip("/")
        if self.session is None:
            self.session = requests.Session()
        self.session.headers.update(
            build_hf_headers(token=False, library_name="hfexplore", library_version=__version__)
        )
        self.pacer = Pacer(self.clock, self._pacer_sleep, reserve=self.reserve)
        self.stats = TransportStats()
        self.waiting: tuple[str, float] | None = None  # (reason, clock time it ends)
        self._origin = _origin(self.endpoint)

    @property
    def authenticated(self) -> bool:
        return bool(self.token)

    def _headers_for(self, url: str) -> dict[str, str]:
        # The token goes only to the configured endpoint, never to a host a Link points at.
        if self.token and _origin(url) == self._origin:
            return {"authorization": f"Bearer {self.token}"}
        return {}

    def get(
        self,
        url: str,
        *,
        bucket: str = "api",
        ttl: float | None = None,
        policy: RetryPolicy | None = None,
        decode: Callable[[bytes], Any] | None = None,
    ) -> Response:
        """GET `url` and decode its JSON body (with `decode` if given: it must raise
        `ValueError` on malformed JSON); the cache answers first where allowed."""
        decode = decode or decode_json
        if self.cache is not None and self.cache_mode.reads and ttl is not None:
            # --offline serves whatever is kept, however old; otherwise only fresh answers.
            max_age = None if self.cache_mode is CacheMode.OFFLINE else ttl
            cached = self.cache.get(url, self.authenticated, max_age=max_age)
            if cached is not None:
                return Response(url, 200, decode(cached.content), cached.next_url, None, True,
                                len(cached.content), self.cache.age(cached))
        if self.cache_mode is CacheMode.OFFLINE:
            raise CacheMissError(
                f"offline mode: the cache holds no answer for {url}", url=url
            )
        response, content, data = self._fetch(url, bucket, policy or self.policy, decode)
        next_url = _next_link(response, url)
        if self.cache is not None and self.cache_mode.writes and ttl is not None:
            self.cache.set(url, self.authenticated, content, next_url, ttl)
        return Response(url, response.status_code, data, next_url,
                        parse_ratelimit(response.headers), False, len(content))

    def _fetch(
        self, url: str, bucket: str, policy: RetryPolicy,
        decode: Callable[[bytes], Any] = decode_json,
    ) -> tuple[requests.Response, bytes, Any]:
        assert self.session is not None
        started = self.clock()
        failures = 0
        connect_failures = 0
        while True:
            self.pacer.before_request(bucket)
            self.stats.requests += 1
            problem: str
            try:
                response = self.session.get(url, headers=self._headers_for(url),
                                            timeout=policy.timeout, stream=True)
                content = b"".join(response.iter_content(READ_CHUNK))
            except requests.ConnectionError as exc:
                if _is_connect_failure(exc):
                    connect_failures += 1
                    if connect_failures >= policy.connect_attempts:
                        raise HubUnreachableError(
                            f"cannot reach {self.endpoint} ({_reason(exc)})", url=url
                        ) from exc
                    self._wait(policy.backoff(connect_failures), url)
                    continue
                problem = f"connection broken ({_reason(exc)})"
            except requests.Timeout:
                problem = f"no answer within {policy.timeout:g}s"
            except requests.RequestException as exc:
                problem = f"broken response ({_reason(exc)})"
            else:
                log.debug("GET %s -> %s (%d bytes)", url, response.status_code, len(content))
                self.stats.bytes += len(content)
                state = parse_ratelimit(response.headers)
                self.pacer.observe(state)
                status = response.status_code
                if status == 200:
                    try:
                        return response, content, decode(content)
                    except INVALID_BODY:
                        problem = "truncated or invalid JSON body"
                elif status == 429:
                    self.stats.rate_limited += 1
                    delay = self._rate_limit_delay(response.headers, state, failures + 1, policy)
                    if self.clock() - started + delay > policy.give_up_after:
                        raise HubRateLimitError(self._rate_limit_message(url, policy),
                                                url=url, status=429)
                    log.info("rate limited on %s; waiting %.1fs", bucket, delay)
                    self.pacer.hold_until(bucket, delay)
                    self.stats.retries += 1
                    continue
                elif status not in RETRYABLE_STATUS:
                    raise self._client_error(url, response.status_code, content)
                else:
                    problem = f"HTTP {status}"
            failures += 1
            if failures >= policy.max_attempts:
                raise HubServerError(
                    f"{self.endpoint} kept failing ({problem}) for {_path(url)} after "
                    f"{failures} attempts; the Hub may be having trouble, try again later",
                    url=url,
                )
            delay = policy.backoff(failures)
            if self.clock() - started + delay > policy.give_up_after:
                raise HubServerError(
                    f"{self.endpoint} kept failing ({problem}) for {_path(url)} for "
                    f"{self.clock() - started:.0f}s; try again later",
                    url=url,
                )
            log.info("%s on %s; retry %d in %.1fs", problem, _path(url), failures, delay)
            self.stats.retries += 1
            self._wait(delay, url)

    def _wait(self, seconds: float, url: str) -> None:
        self._pause(seconds, "retry")

    def _pacer_sleep(self, seconds: float) -> None:
        self._pause(seconds, self.pacer.reason)

    def _pause(self, seconds: float, reason: str) -> None:
        """Sleep, counted by reason; with a heartbeat, in slices so progress lines go on."""
        if self.heartbeat is None:
            self.sleep(seconds)
        else:
            self.waiting = (reason, self.clock() + seconds)
            try:
                remaining = seconds
                while remaining > 0:
                    step = min(remaining, max(self.heartbeat(), 0.1))
                    self.sleep(step)
                    remaining -= step
            finally:
                self.waiting = None
        self.stats.waited_seconds += seconds
        self.stats.waits[reason] = self.stats.waits.get(reason, 0.0) + seconds

    def _rate_limit_delay(self, headers: Mapping[str, str], state: RateLimit | None,
                          attempt: int, policy: RetryPolicy) -> float:
        retry_after = parse_retry_after(headers)
        if retry_after is not None:
            return retry_after
        if state is not None:
            return state.reset_seconds + self.pacer.margin
        return policy.backoff(attempt)

    def _rate_limit_message(self, url: str, policy: RetryPolicy) -> str:
        advice = (
            "a PRO or Enterprise token has a higher quota; otherwise try again later"
            if self.authenticated
            else "set HF_TOKEN (or run `hf auth login`) for a higher quota, or try again later"
        )
        return (
            f"{self.endpoint} is still rate-limiting us (HTTP 429) on {_path(url)} after waiting "
            f"up to {policy.give_up_after:.0f}s; {advice}"
        )

    def _client_error(self, url: str, status: int, content: bytes) -> HubError:
        detail = _error_detail(content)
        where = _path(url)
        if status in (401, 403):
            hint = (
                "check that the token is valid and has read access"
                if self.authenticated
                else "this needs a token: set HF_TOKEN or run `hf auth login`"
            )
            return HubAuthError(f"{self.endpoint} refused access to {where} (HTTP {status}); "
                                f"{hint}", url=url, status=status)
        if status == 404:
            return HubNotFoundError(f"{self.endpoint} has no {where} (HTTP 404){detail}",
                                    url=url, status=status)
        if status == 400:
            return HubBadRequestError(f"{self.endpoint} rejected {where} (HTTP 400){detail}",
                                      url=url, status=status)
        return HubError(f"{self.endpoint} answered HTTP {status} for {where}{detail}",
                        url=url, status=status)


def _next_link(response: requests.Response, url: str) -> str | None:
    link = response.links.get("next")
    if not link or not link.get("url"):
        return None
    return urljoin(url, link["url"])


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _path(url: str) -> str:
    """The path of a URL for messages; the query (expand lists, cursors) is noise there."""
    parts = urlsplit(url)
    return parts.path + (" (a later page)" if "cursor=" in parts.query else "")


def _is_connect_failure(exc: requests.ConnectionError) -> bool:
    """True when no connection was ever made (DNS failure, refused, unreachable)."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, NewConnectionError | ConnectionRefusedError):
            return True
        stack.extend([getattr(current, "reason", None), current.__cause__, current.__context__])
        stack.extend(arg for arg in current.args if isinstance(arg, BaseException))
    return False


def _reason(exc: BaseException) -> str:
    text = str(exc)
    for marker in ("Failed to resolve", "Connection refused", "Connection reset",
                   "Name or service not known", "Temporary failure in name resolution",
                   "IncompleteRead", "Connection aborted", "Network is unreachable"):
        if marker in text:
            return marker.lower()
    return type(exc).__name__


def _error_detail(content: bytes) -> str:
    try:
        body = orjson.loads(content)
    except ValueError:
        text = content.decode("utf-8", "replace").strip().splitlines()
        return f": {text[0][:200]}" if text else ""
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return f": {body['error'][:200]}"
    return ""
