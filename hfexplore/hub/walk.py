"""Walking a listing page by page, in two halves that can run on two threads.

`ListingWalk.responses()` makes the requests: it follows `Link: rel="next"` and restarts from
the first page when the Hub rejects an expired cursor. `ListingWalk.page()` decodes one answer's
body and drops the repos met earlier in the walk. Iterating the walk does both, one page after
the other; the crawl runs the first half on a fetch thread and the second on its own, so that
the next request goes out as soon as a page's headers and body are in, not after its decoding.

A body is then decoded after the walk has followed its Link. If it turns out truncated or
invalid, `page()` raises `BrokenBody`: the answers fetched after it came from a Link that may
not match the page's real content, so the caller drops them and starts a new walk at the
broken page (`start_url`, `first_index`, the same `seen`), whose first page is decoded on the
fetch thread with the transport's retry policy (`check_first`). One thread makes every
request, so pacing and the quota are exactly as in a sequential walk. A page without a Link
(the last one, or what looks like it) is decoded before the walk ends, so a broken body can
never end a walk early.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from hfexplore.errors import HubBadRequestError, HubError
from hfexplore.hub.items import TypedItems, decode_page, item_key
from hfexplore.hub.ratelimit import RateLimit
from hfexplore.hub.transport import INVALID_BODY, Response, Transport, decode_json
from hfexplore.repo_type import RepoType

log = logging.getLogger(__name__)

MAX_CURSOR_RESTARTS = 3


@dataclass
class Page:
    """One listing page, de-duplicated against every earlier page of the same walk."""

    repo_type: RepoType
    index: int
    url: str
    status: int
    items: list[Any]  # `ListItem` structs for a typed walk, else dicts
    next_url: str | None
    received: int
    duplicates: int
    ratelimit: RateLimit | None
    from_cache: bool
    age: float | None = None  # seconds, for a page from the cache

    @property
    def is_last(self) -> bool:
        return self.next_url is None


class SeenIds:
    """The `_id`s met so far in a walk. Hub ids are 24 hex digits, kept as ints to save memory."""

    def __init__(self, ids: Iterable[str] = ()):
        self._ids: set[int | str] = set()
        for repo_id in ids:
            self.add(repo_id)

    @staticmethod
    def _key(repo_id: str) -> int | str:
        if len(repo_id) == 24:
            try:
                return int(repo_id, 16)
            except ValueError:
                pass
        return repo_id

    def add(self, repo_id: str) -> bool:
        """Record `repo_id`; False if it was already there."""
        key = self._key(repo_id)
        if key in self._ids:
            return False
        self._ids.add(key)
        return True

    def __len__(self) -> int:
        return len(self._ids)


@dataclass(frozen=True)
class Answer:
    """One page as the Hub answered it; `body_decoded` tells whether `response.data` is the
    decoded body yet or still its bytes."""

    index: int
    url: str
    response: Response
    body_decoded: bool


class BrokenBody(Exception):
    """A deferred body did not decode: walk again from `answer` (see the module's text)."""

    def __init__(self, answer: Answer):
        super().__init__(f"truncated or invalid JSON body on {answer.url}")
        self.answer = answer


def _keep_bytes(content: bytes) -> bytes:
    return content


class ListingWalk:
    """One walk over a listing (see the module's text). `defer_decoding` leaves bodies to
    `page()`: it needs a walk that does not use the page cache (`ttl=None`), since the cache
    must only ever hold bodies that decoded. `check_first`: decode the first page on the
    fetch thread even so (a walk started again at a broken page)."""

    def __init__(self, transport: Transport, repo_type: RepoType, first_url: str, *,
                 start_url: str | None = None, seen: SeenIds | None = None,
                 first_index: int = 0, ttl: float | None = None, typed: bool = False,
                 defer_decoding: bool = False, check_first: bool = False):
        if defer_decoding and ttl is not None:
            raise ValueError("a walk that defers decoding cannot use the page cache")
        self.transport = transport
        self.repo_type = repo_type
        self.first_url = first_url
        self.start_url = start_url
        self.seen = seen if seen is not None else SeenIds()
        self.first_index = first_index
        self.ttl = ttl
        self.decode: Callable[[bytes], Any] = decode_page if typed else decode_json
        self.defer_decoding = defer_decoding
        self.check_first = check_first

    def __iter__(self) -> Iterator[Page]:
        for answer in self.responses():
            yield self.page(answer)

    def responses(self) -> Iterator[Answer]:
        """The walk's answers in order, one request per page (without faults)."""
        url: str | None = self.start_url or self.first_url
        index = self.first_index
        restarts = 0
        while url is not None:
            defer = self.defer_decoding and not (self.check_first and index == self.first_index)
            decode = _keep_bytes if defer else self.decode
            try:
                response = self.transport.get(url, ttl=self.ttl, decode=decode)
            except HubBadRequestError:
                if "cursor=" not in url or restarts >= MAX_CURSOR_RESTARTS:
                    raise
                restarts += 1
                log.warning("the Hub rejected a pagination cursor (expired?); restarting the "
                            "walk from its first page, skipping the %d repos already seen",
                            len(self.seen))
                url = self.first_url
                continue
            answer = Answer(index, url, response, not defer)
            if response.next_url is None and not answer.body_decoded:
                answer = self._decoded(answer)  # before the walk ends on it
            yield answer
            index += 1
            url = answer.response.next_url

    def page(self, answer: Answer) -> Page:
        """The page of an answer: its body decoded, repos met before dropped. `BrokenBody` if
        a deferred body does not decode (nothing is changed then)."""
        if not answer.body_decoded:
            try:
                answer = self._decode(answer)
            except INVALID_BODY:
                raise BrokenBody(answer) from None
        response = answer.response
        items = response.data if type(response.data) is TypedItems else \
            _as_items(response.data, answer.url)
        fresh = [item for item in items if self.seen.add(item_key(item))]
        return Page(self.repo_type, answer.index, answer.url, response.status, fresh,
                    response.next_url, len(items), len(items) - len(fresh),
                    response.ratelimit, response.from_cache, response.age)

    def _decode(self, answer: Answer) -> Answer:
        """`answer` with its body decoded; raises one of `INVALID_BODY` if it does not decode."""
        response = answer.response
        return replace(answer, response=replace(response, data=self.decode(response.data)),
                       body_decoded=True)

    def _decoded(self, answer: Answer) -> Answer:
        """On the fetch thread: decode a page that has no Link before the walk ends on it; a
        broken one is fetched again, and the walk follows that answer."""
        try:
            return self._decode(answer)
        except INVALID_BODY:
            log.info("truncated or invalid JSON body on %s; fetching it again", answer.url)
            self.transport.stats.retries += 1
            again = self.transport.get(answer.url, ttl=self.ttl, decode=self.decode)
            return Answer(answer.index, answer.url, again, True)


def _as_items(data: Any, url: str) -> list[dict[str, Any]]:
    if not isinstance(data, list):
        raise HubError(f"expected a JSON list of repos from {url}, got {type(data).__name__}",
                       url=url)
    items = [item for item in data if isinstance(item, dict) and item.get("_id") is not None]
    if len(items) != len(data):
        log.warning("%d entries without an _id ignored on %s", len(data) - len(items), url)
    return items
