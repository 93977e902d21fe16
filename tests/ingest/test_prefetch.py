"""The fetch-ahead thread: order, counters, errors, and stopping without waiting on the network."""

from __future__ import annotations

import threading

import pytest

from hfexplore.hub import Page, TransportStats
from hfexplore.ingest.prefetch import Counters, Prefetcher


def page(index: int) -> Page:
    return Page("model", index, f"u{index}", 200, [{"_id": str(index)}], f"u{index + 1}", 1, 0,
                None, False)


def walk(stats: TransportStats, count: int, error: Exception | None = None):
    for index in range(count):
        stats.requests += 1
        yield page(index)
    if error is not None:
        stats.requests += 1
        raise error


def test_pages_arrive_in_order_with_the_counters_right_after_each() -> None:
    stats = TransportStats()
    with Prefetcher(walk(stats, 7), stats) as fetched:
        got = list(fetched)
    assert [p.index for p, _ in got] == list(range(7))
    assert [c for _, c in got] == [Counters(i + 1, 0, 0) for i in range(7)]


def test_an_error_in_the_walk_comes_after_the_pages_before_it() -> None:
    stats = TransportStats()
    seen = []
    with pytest.raises(RuntimeError, match="boom"), \
            Prefetcher(walk(stats, 3, RuntimeError("boom")), stats) as fetched:
        for item, _ in fetched:
            seen.append(item.index)
    assert seen == [0, 1, 2]


def test_a_caller_that_stops_does_not_wait_for_a_request_in_flight() -> None:
    stats = TransportStats()
    in_flight, release = threading.Event(), threading.Event()

    def stuck():
        yield page(0)
        in_flight.set()
        release.wait()  # a request that takes as long as the test wants
        yield page(1)

    prefetcher = Prefetcher(stuck(), stats)
    with pytest.raises(KeyboardInterrupt), prefetcher as fetched:
        for _ in fetched:
            assert in_flight.wait(10)
            raise KeyboardInterrupt  # Ctrl-C while the next page is in flight
    assert not prefetcher.stopped()  # returned without waiting for it
    release.set()
    prefetcher._thread.join(10)
    assert prefetcher.stopped() and prefetcher._queue.empty()  # page 1 was not handed over
