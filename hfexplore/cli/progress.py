"""A tqdm progress bar for crawls: items, pages, rate, ETA and the quota left."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tqdm import tqdm

from hfexplore.hub import PLURAL, HubClient, Page, RepoType, TransportStats


class CrawlProgress:
    def __init__(self, repo_type: RepoType, total: int | None, items: int, pages: int):
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
