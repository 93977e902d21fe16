"""Progress lines for operators: what a walk of the listing (a crawl, a refresh, a count by
walking) is doing, at least every 30 seconds, on the log.

A cron job has no progress bar; with `-v` (INFO) it gets lines like

    models: 120 pages, 120,000 repos (this run), 412 repos/s; api 380/500 left, resets in 120s;
    waited 63s (quota 60s, retries 3s)
    models: 121 pages, ...; waiting 240s more (quota)

Time is read from the transport's clock, so tests drive it with a fake one. Lines come after
each page fetched and during every wait (the transport calls `tick` between slices of a long
sleep); only a single request stuck in a socket read can hold one back, for at most the request
timeout. A line counts every page fetched before it: the crawl decodes pages on another thread,
and the line waits for it to catch up (`settle`), which takes a page or two of decoding.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator

from hfexplore.hub.transport import Transport
from hfexplore.hub.walk import Page
from hfexplore.repo_type import PLURAL, RepoType

log = logging.getLogger("hfexplore.hub.progress")
EVERY = 30.0


class CrawlLog:
    """Counts pages and repos and logs one line per `every` seconds of the transport's clock.

    `label` comes before the repo type ("counting" gives "counting models: ..."); with
    `expected_pages`, a line says how far along the walk is ("120 of about 5,500 pages")."""

    def __init__(self, transport: Transport, every: float = EVERY, *,
                 logger: logging.Logger = log, label: str = "",
                 expected_pages: int | None = None):
        self.transport = transport
        self.every = every
        self.logger = logger
        self.label = label
        self.expected_pages = expected_pages
        self.started = transport.clock()
        self.last = self.started
        self.repo_type: RepoType | None = None
        self.pages = 0
        self.items = 0
        self.items_this_run = 0
        # Called before a line is written, to let the counts catch up: the pipeline's `settle`.
        self.settle: Callable[[], None] = lambda: None

    def begin(self, repo_type: RepoType, pages: int, items: int) -> None:
        """A repo type starts (or resumes with `pages` and `items` already on disk)."""
        self.repo_type, self.pages, self.items = repo_type, pages, items

    def page(self, page: Page) -> None:
        """Count a page once decoded (on whichever thread decodes it; `tick` logs)."""
        self.pages += 1
        self.items += len(page.items)
        self.items_this_run += len(page.items)

    def tick(self) -> float:
        """Log a line if one is due; return the seconds until the next one is."""
        now = self.transport.clock()
        if now - self.last >= self.every:
            self.settle()
            self.logger.info("%s", self.line(now))
            self.last = now
        return max(0.0, self.last + self.every - now)

    def line(self, now: float) -> str:
        what = PLURAL[self.repo_type] if self.repo_type else "crawl"
        if self.label:
            what = f"{self.label} {what}"
        elapsed = max(now - self.started, 1e-9)
        pages = f"{self.pages:,}" if self.expected_pages is None else \
            f"{self.pages:,} of about {self.expected_pages:,}"
        parts = [f"{what}: {pages} pages, {self.items:,} repos "
                 f"({self.items_this_run / elapsed:,.0f} repos/s this run)"]
        quota = self.transport.pacer.last.get("api")
        if quota is not None:
            parts.append(quota.describe())
        stats = self.transport.stats
        if stats.waits:
            reasons = ", ".join(f"{reason} {seconds:,.0f}s"
                                for reason, seconds in sorted(stats.waits.items()))
            parts.append(f"waited {stats.waited_seconds:,.0f}s ({reasons})")
        waiting = self.transport.waiting
        if waiting is not None:
            reason, until = waiting
            parts.append(f"waiting {max(0.0, until - now):,.0f}s more ({reason})")
        return "; ".join(parts)


@contextlib.contextmanager
def progress_lines(transport: Transport, every: float = EVERY, *, logger: logging.Logger = log,
                   label: str = "", expected_pages: int | None = None) -> Iterator[CrawlLog]:
    """A `CrawlLog` that the transport also ticks during its waits, for the block's length."""
    monitor = CrawlLog(transport, every, logger=logger, label=label,
                       expected_pages=expected_pages)
    heartbeat, transport.heartbeat = transport.heartbeat, monitor.tick
    try:
        yield monitor
    finally:
        transport.heartbeat = heartbeat
