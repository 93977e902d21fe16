"""Long work in a terminal: the progress bar of a crawl, and SIGTERM (what `kill`, systemd,
Docker and CI runners send) ending a command like Ctrl-C."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from hfexplore.repo_type import PLURAL, RepoType

if TYPE_CHECKING:  # every command imports this module: no HTTP or tqdm before a crawl
    from types import FrameType

    from hfexplore.hub import HubClient, Page, TransportStats


class CrawlProgress:
    """A tqdm bar: items, pages, rate, ETA and the quota left."""

    def __init__(self, repo_type: RepoType, total: int | None, items: int, pages: int):
        from tqdm import tqdm

        self.pages = pages
        self.bar = tqdm(total=total, initial=items, unit=" repos", unit_scale=True,
                        desc=f"{PLURAL[repo_type]:>8}", dynamic_ncols=True, leave=True)

    def update(self, page: Page, stats: TransportStats) -> None:
        self.pages += 1
        postfix: dict[str, Any] = {"pages": self.pages}
        if page.ratelimit is not None:
            postfix["quota"] = page.ratelimit.describe()
        if stats.retries:
            postfix["retries"] = stats.retries
        self.bar.set_postfix(postfix, refresh=False)
        self.bar.update(len(page.items))

    def close(self) -> None:
        self.bar.close()


def progress_factory(client: HubClient) -> Callable[[RepoType, int | None, int, int],
                                                    CrawlProgress]:
    """Bars whose total comes from the count path (no total if that fails)."""

    def make(repo_type: RepoType, total: int | None, items: int, pages: int) -> CrawlProgress:
        if total is None:
            try:
                total = client.count(repo_type, walk_fallback=False).count
            except Exception:  # a progress bar never stops a crawl
                total = None
        return CrawlProgress(repo_type, total, items, pages)

    return make


class Terminated(KeyboardInterrupt):
    """Raised in the main thread on SIGTERM: everything that cleans up after Ctrl-C runs."""

    exit_code = 128 + signal.SIGTERM


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises `Terminated`; the previous handler comes back after."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
