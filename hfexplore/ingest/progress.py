"""Progress lines for crawls and refreshes, on the crawl's logger (`hfexplore.ingest.crawl`).

The machinery lives in `hub/progress.py`, where a count by walking the listing uses it too.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from hfexplore.hub import Transport
from hfexplore.hub.progress import EVERY, CrawlLog
from hfexplore.hub.progress import progress_lines as _progress_lines

__all__ = ["EVERY", "CrawlLog", "progress_lines"]

log = logging.getLogger("hfexplore.ingest.crawl")


@contextlib.contextmanager
def progress_lines(transport: Transport, every: float = EVERY) -> Iterator[CrawlLog]:
    """A `CrawlLog` on the crawl's logger, ticked by the transport during its waits."""
    with _progress_lines(transport, every, logger=log) as monitor:
        yield monitor
