"""Faults the stand-in Hub injects on listing requests, by configuration.

A fault names a kind and which listing requests it hits (1-based request numbers `at`, or
`every` n-th request from `start`, at most `times` times). Kinds:

- `429`, `500`, `502`, `503`: answer with that status (429 with the Hub's text body, and
  `Retry-After` when `retry_after` is set).
- `reset`: send the headers and half the body, then close the connection.
- `truncate`: a 200 whose JSON body is cut in half (Content-Length matches the cut body).
- `garbage`: a 200 whose body is an HTML error page, not JSON.
- `delay`: wait `seconds` before answering, or less if the fault's `release` event is set or
  the stand-in stops: a long delay stalls a request until the test says so.
- `repeat`: the page starts one item early, repeating the previous page's last item.
- `expire_cursor`: a request carrying a cursor gets a 400 "invalid cursor".
- `odd_types`: the page's items carry values of unexpected types (null downloads, string
  likes, tags that are not a list, unknown fields).

A 429 says the bucket is exhausted (`RateLimit: ...;r=0;t=<seconds>`, 1 s unless `seconds`).

Every fault sets its `reached` event when it fires, so a test can wait for "the crawl is now at
request n" instead of sleeping and hoping.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

KINDS = ("429", "500", "502", "503", "reset", "truncate", "garbage", "delay", "repeat",
         "expire_cursor", "odd_types")


@dataclass
class Fault:
    kind: str
    at: frozenset[int] = frozenset()
    every: int = 0
    start: int = 1
    times: int | None = None
    seconds: float = 0.0
    retry_after: float | None = None
    fired: int = 0
    reached: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)
    release: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {KINDS}")
        self.at = frozenset(self.at)

    def hits(self, request_number: int) -> bool:
        if self.times is not None and self.fired >= self.times:
            return False
        if request_number in self.at:
            return True
        return bool(self.every) and request_number >= self.start and \
            (request_number - self.start) % self.every == 0

    @classmethod
    def parse(cls, spec: str) -> Fault:
        """`kind[@n,m,...][/every[+start]][*times][:seconds]`, e.g. `503/7*5`, `reset@3`."""
        seconds = 0.0
        times = None
        every = 0
        start = 1
        at: set[int] = set()
        body = spec
        if ":" in body:
            body, secs = body.rsplit(":", 1)
            seconds = float(secs)
        if "*" in body:
            body, count = body.rsplit("*", 1)
            times = int(count)
        if "/" in body:
            body, step = body.split("/", 1)
            step, _, first = step.partition("+")
            every = int(step)
            start = int(first) if first else 1
        if "@" in body:
            body, numbers = body.split("@", 1)
            at = {int(n) for n in numbers.split(",") if n}
        return cls(body, frozenset(at), every, start, times, seconds)


@dataclass
class FaultPlan:
    faults: list[Fault] = field(default_factory=list)
    latency: tuple[float, float] | None = None  # seconds per listing page, uniform
    seed: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(self.seed)
        self.listing_requests = 0

    def next_request(self) -> tuple[int, list[Fault], float]:
        """Number this listing request; return the faults that hit it and its latency."""
        with self._lock:
            self.listing_requests += 1
            number = self.listing_requests
            hit = [f for f in self.faults if f.hits(number)]
            for fault in hit:
                fault.fired += 1
                fault.reached.set()
            delay = self._rng.uniform(*self.latency) if self.latency else 0.0
        return number, hit, delay

    def release_all(self) -> None:
        """End every stalled `delay` now and let later ones pass at once."""
        for fault in self.faults:
            fault.release.set()
