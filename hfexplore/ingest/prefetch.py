"""Fetch ahead: the next listing page is requested while the caller handles the previous one.

One thread makes the walk's requests (`ListingWalk.responses()`: request, Link, nothing else) and
hands each answer over a small bounded queue, with the request counters as they stood right
after it (so a checkpoint records only the requests of the pages it covers). The caller, on its
own thread, decodes, de-duplicates, normalises and writes. Network waits, socket reads and
Arrow kernels release the GIL, so the two overlap; the walk itself stays one sequential stream,
so pacing, the quota and "requests = pages" are exactly as without the thread.

An error in the walk reaches the caller after the pages fetched before it, in order. When the
walk is over, `close()` joins its thread. When the caller stops early (an error of its own,
Ctrl-C, SIGTERM), the walk is told to stop and not waited for: a request in flight (which may
be a long wait for the quota) must not hold up the exit. The thread then ends after that request
without handing anything over; its requests are not in the crawl's counts. Until it has ended,
do not use the same client again (`stopped()` tells when it has).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Generic, TypeVar

from hfexplore.hub import TransportStats

AHEAD = 2  # pages waiting in the queue; one more can be in flight


@dataclass(frozen=True)
class Counters:
    requests: int
    retries: int
    rate_limited: int

    @classmethod
    def of(cls, stats: TransportStats) -> Counters:
        return cls(stats.requests, stats.retries, stats.rate_limited)


_END = object()
T = TypeVar("T")


class Prefetcher(Generic[T]):
    """Iterate over `(page, counters after it)` while the next pages are being fetched."""

    def __init__(self, pages: Iterator[T], stats: TransportStats, ahead: int = AHEAD):
        self._pages = pages
        self._stats = stats
        self._queue: queue.Queue[object] = queue.Queue(maxsize=ahead)
        self._stop = threading.Event()
        self._progress = threading.Condition()
        self._handed = self._handled = 0  # items put in the queue; items the caller is done with
        self._thread = threading.Thread(target=self._walk, name="hfexplore-fetch", daemon=True)
        self._thread.start()

    def _put(self, value: object) -> bool:
        with self._progress:
            self._handed += 1
        while not self._stop.is_set():
            try:
                self._queue.put(value, timeout=0.2)  # wakes up to notice a stop
                return True
            except queue.Full:
                continue
        return False

    def _walk(self) -> None:
        try:
            for page in self._pages:
                if not self._put((page, Counters.of(self._stats))):
                    return
            self._put(_END)
        except BaseException as exc:  # handed to the caller, raised on its thread
            self._put(exc)
        finally:
            close = getattr(self._pages, "close", None)
            if close is not None:
                close()

    def __iter__(self) -> Iterator[tuple[T, Counters]]:
        while True:
            value = self._queue.get()
            if value is _END:
                return
            if isinstance(value, BaseException):
                raise value
            yield value  # type: ignore[misc]
            with self._progress:  # the caller asks for the next one: it is done with this one
                self._handled += 1
                self._progress.notify_all()

    def settle(self) -> None:
        """On the walk's thread: wait until the caller is done with every item handed over (or
        has stopped), so what it counted is up to date. Elsewhere: return at once."""
        if threading.current_thread() is not self._thread:
            return
        with self._progress:
            while self._handled < self._handed and not self._stop.is_set():
                self._progress.wait()

    def close(self, wait: bool = True) -> None:
        self._stop.set()
        with self._progress:
            self._progress.notify_all()
        if wait:
            self._thread.join()

    def stopped(self) -> bool:
        return not self._thread.is_alive()

    def __enter__(self) -> Prefetcher[T]:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close(wait=kind is None)
