"""The one request loop: every request to the Hub goes through `Transport.request`, with the
pacing, retries, waits and error mapping around it; `Transport.get` adds the page cache and
JSON decoding for the API's answers.

Everything above this module sees either what it asked for or a `HubError` whose message a
user can act on.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urljoin

import orjson
import requests

from hfexplore import __version__
from hfexplore.config import resolve_endpoint
from hfexplore.errors import CacheMissError, HfExploreError, HubError, HubRateLimitError
from hfexplore.hub.cache import CacheMode, PageCache
from hfexplore.hub.failures import (
    broken_exchange,
    client_error,
    is_connect_failure,
    origin,
    path_of,
    rate_limit_message,
    reason,
)
from hfexplore.hub.ratelimit import Pacer, RateLimit, parse_ratelimit, parse_retry_after
from hfexplore.hub.record import MAX_BODY, Recorder
from hfexplore.hub.retry import RETRYABLE_STATUS, Failure, Patience, RetryPolicy

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
MAX_REDIRECTS = 10  # followed for one request

T = TypeVar("T")


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
    # `--record DIR`: every exchange of `request`, as received (`record.py`).
    recorder: Recorder | None = None

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
        self._origin = origin(self.endpoint)
        if self.recorder is not None:
            self.recorder.add_secret(self.token)

    @property
    def authenticated(self) -> bool:
        return bool(self.token)

    def _headers_for(self, url: str) -> dict[str, str]:
        # The token goes only to the configured endpoint, never to a host a Link points at.
        if self.token and origin(url) == self._origin:
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

        def receive(reply: Reply) -> tuple[Reply, bytes, Any]:
            content = reply.read()
            if reply.status != 200:
                raise self._client_error(reply.url, reply.status, content)
            try:
                return reply, content, decode(content)
            except INVALID_BODY:
                raise Retry("truncated or invalid JSON body") from None

        reply, content, data = self.request("GET", url, receive, bucket=bucket, policy=policy)
        next_url = _next_link(reply.response, reply.url)
        if self.cache is not None and self.cache_mode.writes and ttl is not None:
            self.cache.set(url, self.authenticated, content, next_url, ttl)
        return Response(url, reply.status, data, next_url, parse_ratelimit(reply.headers), False,
                        len(content))

    def request(
        self,
        method: str,
        url: str,
        receive: Callable[[Reply], T],
        *,
        bucket: str | Callable[[str], str] = "api",
        headers: Mapping[str, str] | Callable[[], Mapping[str, str]] | None = None,
        policy: RetryPolicy | None = None,
        follow_redirects: bool = True,
    ) -> T:
        """Send one request until it gets a usable answer, and return what `receive` makes
        of it. Every request to the Hub (and to the CDN its files redirect to) goes here.

        Before each attempt the pacer waits if the bucket (`bucket(url)` when a function: a
        redirect may lead to another bucket) is known to be exhausted. Redirects are followed
        here, so the token goes only to the endpoint's origin (`follow_redirects=False` hands a
        3xx to `receive`). A 429 waits as Retry-After or RateLimit says, for up to
        `policy.give_up_after` seconds; connection failures, timeouts, 5xx and broken bodies
        are retried with backoff, up to `policy.max_attempts` attempts and within the same
        time. `receive` gets every 2xx: it reads the body (streamed, counted in `stats.bytes`)
        and raises `Retry` for an answer worth asking again (a short body). `headers` may be a
        function, called before each attempt (a download resumes where the last one broke).
        """
        assert self.session is not None
        patience = Patience(policy or self.policy, self.clock)
        redirects = 0
        while True:
            where = bucket(url) if callable(bucket) else bucket
            self.pacer.before_request(where)
            self.stats.requests += 1
            extra = headers() if callable(headers) else headers or {}
            reply: Reply | None = None
            try:
                with self.session.request(method, url, headers={**self._headers_for(url),
                                                                **extra},
                                          timeout=patience.policy.timeout, stream=True,
                                          allow_redirects=False) as response:
                    reply = Reply(response, url, self.stats, keep=self.recorder is not None)
                    with self._recording(method, reply, extra):
                        state = parse_ratelimit(reply.headers)
                        self.pacer.observe(state)
                        log.debug("%s %s -> %s", method, url, reply.status)
                        if follow_redirects and response.is_redirect:
                            redirects += 1
                            url = self._redirected(reply, redirects)
                            continue
                        if reply.status == 429:
                            self._rate_limited(reply, state, where, patience)
                            continue
                        if reply.status not in RETRYABLE_STATUS:
                            if reply.status >= 400 or (follow_redirects and reply.status >= 300):
                                raise self._client_error(url, reply.status, reply.read())
                            return receive(reply)
                        reply.read()
                        failure = Failure(f"HTTP {reply.status}", status=reply.status)
            except Retry as exc:
                failure = Failure(exc.problem, cause=exc)
                if exc.progressed:  # what came is kept: the time spent failing starts again
                    patience.restart()
            except requests.ConnectionError as exc:
                if reply is None:
                    self._record_failure(method, url, extra, reason(exc))
                if is_connect_failure(exc):
                    self._pause(patience.unreachable(self._site(url), url, exc), "retry")
                    continue
                failure = Failure(broken_exchange(exc, patience.policy.timeout), cause=exc)
            except requests.RequestException as exc:
                if reply is None:
                    self._record_failure(method, url, extra,
                                         broken_exchange(exc, patience.policy.timeout))
                failure = Failure(broken_exchange(exc, patience.policy.timeout), cause=exc)
            delay = patience.failed(failure, self._site(url), url)
            log.info("%s on %s; retry %d in %.1fs", failure.problem, path_of(url),
                     patience.failures, delay)
            self.stats.retries += 1
            self._pause(delay, "retry")

    @contextlib.contextmanager
    def _recording(self, method: str, reply: Reply, sent: Mapping[str, str]) -> Iterator[None]:
        """Record the exchange once the block is done with it, however it ends."""
        if self.recorder is None:
            yield
            return
        problem = None
        try:
            yield
        except Retry as exc:
            problem = exc.problem
            raise
        except HfExploreError as exc:
            problem = str(exc)
            raise
        except requests.RequestException as exc:
            problem = broken_exchange(exc, self.policy.timeout)
            raise
        except BaseException as exc:
            problem = f"stopped ({type(exc).__name__})"
            raise
        finally:
            kept = reply.kept
            self.recorder.record(
                method, reply.url, status=reply.status, headers=reply.headers,
                request_headers=dict(sent), authenticated=bool(self._headers_for(reply.url)),
                body=bytes(kept) if kept else None, body_bytes=reply.received,
                body_complete=(reply.finished or method == "HEAD")
                and reply.received == len(kept or b""), error=problem)

    def _record_failure(self, method: str, url: str, sent: Mapping[str, str],
                        problem: str) -> None:
        """An attempt that got no answer at all."""
        if self.recorder is not None:
            self.recorder.record(method, url, request_headers=dict(sent),
                                 authenticated=bool(self._headers_for(url)),
                                 body_complete=False, error=problem)

    def _redirected(self, reply: Reply, hops: int) -> str:
        """Where a redirect leads (followed here, so `_headers_for` decides the token)."""
        reply.read()  # an empty body, read so the connection is reused
        if hops > MAX_REDIRECTS:
            raise HubError(f"{self.endpoint} redirected {path_of(reply.url)} more than "
                           f"{MAX_REDIRECTS} times", url=reply.url)
        return urljoin(reply.url, reply.headers["Location"])

    def _rate_limited(self, reply: Reply, state: RateLimit | None, bucket: str,
                      patience: Patience) -> None:
        """A 429: no request on the bucket until the wait the Hub asks for is over, unless that
        would wait past `give_up_after`."""
        reply.read()
        self.stats.rate_limited += 1
        delay = self._rate_limit_delay(reply.headers, state, patience.failures + 1,
                                       patience.policy)
        if not patience.can_wait(delay):
            raise HubRateLimitError(
                rate_limit_message(self.endpoint, reply.url, patience.policy.give_up_after,
                                   self.authenticated), url=reply.url, status=429)
        log.info("rate limited on %s; waiting %.1fs", bucket, delay)
        self.pacer.hold_until(bucket, delay)
        self.stats.retries += 1

    def _site(self, url: str) -> str:
        """The endpoint, or for a URL elsewhere (a CDN) that URL's scheme and host."""
        if origin(url) == self._origin:
            return self.endpoint
        scheme, netloc = origin(url)
        return f"{scheme}://{netloc}"

    def _pacer_sleep(self, seconds: float) -> None:
        self._pause(seconds, self.pacer.reason)

    def _pause(self, seconds: float, why: str) -> None:
        """Sleep, counted by reason; with a heartbeat, in slices so progress lines go on."""
        if self.heartbeat is None:
            self.sleep(seconds)
        else:
            self.waiting = (why, self.clock() + seconds)
            try:
                remaining = seconds
                while remaining > 0:
                    step = min(remaining, max(self.heartbeat(), 0.1))
                    self.sleep(step)
                    remaining -= step
            finally:
                self.waiting = None
        self.stats.waited_seconds += seconds
        self.stats.waits[why] = self.stats.waits.get(why, 0.0) + seconds

    def _rate_limit_delay(self, headers: Mapping[str, str], state: RateLimit | None,
                          attempt: int, policy: RetryPolicy) -> float:
        retry_after = parse_retry_after(headers)
        if retry_after is not None:
            return retry_after
        if state is not None:
            return state.reset_seconds + self.pacer.margin
        return policy.backoff(attempt)

    def _client_error(self, url: str, status: int, content: bytes) -> HubError:
        return client_error(self.endpoint, url, status, content, self.authenticated)


class Retry(Exception):
    """Raised by a `receive` hook: this answer cannot be used, but asking again may help.
    `progressed`: part of it was kept (a download resumes from there)."""

    def __init__(self, problem: str, *, progressed: bool = False):
        super().__init__(problem)
        self.problem = problem
        self.progressed = progressed


class Reply:
    """A response as a `receive` hook sees it; the body bytes read are counted, and with `keep`
    the first `MAX_BODY` of them kept (for a recording)."""

    def __init__(self, response: requests.Response, url: str, stats: TransportStats, *,
                 keep: bool = False):
        self.response = response
        self.url = url  # where it came from, after redirects
        self._stats = stats
        self._content: bytes | None = None
        self.kept: bytearray | None = bytearray() if keep else None
        self.received = 0
        self.finished = False  # the body was read to its end

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def headers(self) -> Mapping[str, str]:
        return self.response.headers

    def chunks(self, size: int) -> Iterator[bytes]:
        for chunk in self.response.iter_content(size):
            self._stats.bytes += len(chunk)
            self.received += len(chunk)
            if self.kept is not None and len(self.kept) < MAX_BODY:
                self.kept += chunk[:MAX_BODY - len(self.kept)]
            yield chunk
        self.finished = True

    def read(self) -> bytes:
        """The whole body (read once)."""
        if self._content is None:
            self._content = b"".join(self.chunks(READ_CHUNK))
        return self._content


def _next_link(response: requests.Response, url: str) -> str | None:
    link = response.links.get("next")
    if not link or not link.get("url"):
        return None
    return urljoin(url, link["url"])
