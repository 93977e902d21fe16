"""A walk whose bodies are decoded after its Link was followed (the crawl's pipeline): a broken
body starts a new walk at that page, and never ends a walk early."""

from __future__ import annotations

import random

import pytest
import responses

from hfexplore.errors import HubServerError
from hfexplore.hub import HubClient, ListQuery, Transport
from hfexplore.hub.items import ListItem
from hfexplore.hub.retry import RetryPolicy
from hfexplore.hub.walk import BrokenBody
from tests.conftest import FakeClock
from tests.hub.test_client import get_exact

EP = "http://hub.test"
BASE = ListQuery("model").url(EP)
HTML = b"<html><body>502 Bad Gateway</body></html>"


def items(start: int, stop: int) -> list[dict]:
    return [{"_id": f"{i:024x}", "id": f"org/m{i}"} for i in range(start, stop)]


def url(number: int) -> str:
    return BASE if number == 0 else f"{BASE}&cursor=c{number}"


def link(number: int) -> dict[str, str]:
    return {"Link": f'<{url(number)}>; rel="next"'}


def client(clock: FakeClock, attempts: int = 5) -> HubClient:
    return HubClient(Transport(EP, clock=clock, sleep=clock.sleep,
                               policy=RetryPolicy(max_attempts=attempts, rng=random.Random(1))))


def deferred(hub: HubClient):
    return hub.walk(ListQuery("model"), typed=True, defer_decoding=True)


def requested() -> list[str]:
    return [call.request.url for call in responses.calls]


def ids(pages) -> list[str]:
    return [item.oid for page in pages for item in page.items]


@responses.activate
def test_a_broken_body_starts_a_new_walk_that_follows_the_new_answer(clock: FakeClock) -> None:
    get_exact(url(0), json=items(0, 3), headers=link(1))
    get_exact(url(1), body=b'[{"_id": "00000000000000000000000', headers=link(2))  # cut short
    get_exact(url(1), json=items(3, 5), headers=link(3))  # the window moved: it ends earlier
    get_exact(url(2), json=items(6, 9))  # where the broken answer's Link led: item 5 skipped
    get_exact(url(3), json=items(5, 9))
    hub = client(clock)
    walk = deferred(hub)
    answers = list(walk.responses())  # the fetch thread's half runs ahead, as in the crawl
    first = walk.page(answers[0])
    with pytest.raises(BrokenBody) as broken:
        walk.page(answers[1])
    assert broken.value.answer.index == 1 and len(walk.seen) == 3  # nothing recorded
    again = hub.walk(ListQuery("model"), start_url=broken.value.answer.url, seen=walk.seen,
                     first_index=1, typed=True, defer_decoding=True, check_first=True)
    pages = [first, *again]
    assert ids(pages) == [f"{i:024x}" for i in range(9)]  # item 5 is not lost
    assert all(type(item) is ListItem for page in pages for item in page.items)
    assert requested() == [url(0), url(1), url(2), url(1), url(3)]
    assert [p.index for p in pages] == [0, 1, 2]


@responses.activate
def test_a_broken_body_without_a_link_does_not_end_the_walk(clock: FakeClock) -> None:
    get_exact(url(0), json=items(0, 3), headers=link(1))
    get_exact(url(1), body=HTML, content_type="text/html")  # a proxy's page: no Link header
    get_exact(url(1), json=items(3, 6), headers=link(2))
    get_exact(url(2), json=items(6, 8))
    walk = deferred(client(clock))
    answers = list(walk.responses())
    assert [a.index for a in answers] == [0, 1, 2]
    pages = [walk.page(answer) for answer in answers]
    assert ids(pages) == [f"{i:024x}" for i in range(8)]
    assert requested() == [url(0), url(1), url(1), url(2)]  # checked before going on
    assert [p.is_last for p in pages] == [False, False, True]


@responses.activate
def test_a_broken_last_page_is_fetched_again_before_the_walk_ends(clock: FakeClock) -> None:
    get_exact(url(0), json=items(0, 3), headers=link(1))
    get_exact(url(1), body=b'[{"_id": "0000', status=200)
    get_exact(url(1), json=items(3, 5))
    pages = list(deferred(client(clock)))
    assert ids(pages) == [f"{i:024x}" for i in range(5)]
    assert len(responses.calls) == 3


@responses.activate
def test_a_body_that_stays_broken_is_a_clear_error(clock: FakeClock) -> None:
    get_exact(url(1), body=HTML, headers=link(2), content_type="text/html")
    again = client(clock, attempts=3).walk(ListQuery("model"), start_url=url(1), first_index=1,
                                           typed=True, defer_decoding=True, check_first=True)
    with pytest.raises(HubServerError, match=r"kept failing \(truncated or invalid JSON body\) "
                                             r"for /api/models \(a later page\) after 3 attempts"):
        list(again)
    assert len(responses.calls) == 3


@responses.activate
def test_deferred_and_plain_walks_give_the_same_pages(clock: FakeClock) -> None:
    get_exact(url(0), json=items(0, 3), headers=link(1))
    get_exact(url(1), json=items(2, 6))  # repeats item 2: dropped either way
    plain = list(client(clock).walk(ListQuery("model"), typed=True))
    later = list(deferred(client(clock)))
    assert ids(plain) == ids(later) == [f"{i:024x}" for i in range(6)]
    assert [p.duplicates for p in later] == [0, 1]


def test_deferred_decoding_never_uses_the_page_cache(clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="cannot use the page cache"):
        client(clock).walk(ListQuery("model"), ttl=60.0, defer_decoding=True)
