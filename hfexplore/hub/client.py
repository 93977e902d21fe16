"""The Hub's listing, single-repo and count endpoints, as hfexplore uses them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol
from urllib.parse import quote, urlencode

from hfexplore.config import DEFAULT_ENDPOINT
from hfexplore.errors import HubError, HubUnreachableError
from hfexplore.hub.cache import COUNT_TTL, COUNT_WALK_TTL, LISTING_TTL, REPO_TTL
from hfexplore.hub.counting import (
    SHIELDS,
    WalkPlan,
    parse_shields,
    plan_walk,
    published_bound,
    shields_url,
)
from hfexplore.hub.progress import EVERY, progress_lines
from hfexplore.hub.retry import RetryPolicy
from hfexplore.hub.transport import Response, Transport, TransportStats
from hfexplore.hub.walk import ListingWalk, Page, SeenIds
from hfexplore.repo_type import PLURAL, RepoType, RepoTypeLike

log = logging.getLogger(__name__)

SORT_KEYS = ("createdAt", "downloads", "lastModified", "likes", "trendingScore")
PAGE_SIZE = 1000
# A field every repo type can expand and that adds a few bytes per item: used to count by walking.
CHEAP_EXPAND = "likes"


class _Sources:
    """Count sources tried in turn: each failure is noted (what failed, the last error) and
    the next source tried; an unreachable Hub ends the count at once."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.error: HubError | None = None

    @contextmanager
    def source(self, name: str) -> Iterator[None]:
        try:
            yield
        except HubUnreachableError:
            raise
        except HubError as exc:
            self.error = exc
            self.problems.append(f"{name}: {exc}")
            log.info("%s unavailable (%s)", name, exc)


@dataclass(frozen=True)
class ListQuery:
    """One listing: a repo type, the fields to expand and the filters."""

    repo_type: RepoType
    expand: tuple[str, ...] = ()
    sort: str | None = None
    author: str | None = None
    search: str | None = None
    filters: tuple[str, ...] = ()
    pipeline_tag: str | None = None
    limit: int = PAGE_SIZE

    def __post_init__(self) -> None:
        object.__setattr__(self, "repo_type", RepoType.parse(self.repo_type))
        if self.sort is not None and self.sort not in SORT_KEYS:
            raise ValueError(f"unknown sort {self.sort!r}; expected one of {', '.join(SORT_KEYS)}")
        if self.pipeline_tag and self.repo_type != "model":
            raise ValueError("pipeline_tag filters models only")

    def params(self) -> list[tuple[str, str]]:
        params: list[tuple[str, str]] = []
        for key, value in (("author", self.author), ("search", self.search),
                           ("pipeline_tag", self.pipeline_tag), ("sort", self.sort)):
            if value:
                params.append((key, value))
        params.extend(("filter", tag) for tag in self.filters)
        params.extend(("expand", name) for name in self.expand)
        params.append(("limit", str(self.limit)))
        return params

    def url(self, endpoint: str) -> str:
        return f"{endpoint}/api/{PLURAL[self.repo_type]}?{urlencode(self.params())}"


CountMethod = Literal["website-count", "shields", "listing-walk"]


@dataclass(frozen=True)
class CountResult:
    repo_type: RepoType
    count: int
    method: CountMethod
    requests: int
    filters: dict[str, Any] = field(default_factory=dict)
    from_cache: bool = False  # answered (wholly or partly) from the page cache
    age_s: float | None = None  # then: the age of the oldest cached answer used


class ProgressBar(Protocol):
    def update(self, page: Page, stats: TransportStats) -> None: ...

    def close(self) -> None: ...


# Makes the bar of a walk: (repo type, total repos if known, repos and pages already walked).
ProgressFactory = Callable[[RepoType, int | None, int, int], ProgressBar]


class HubClient:
    """Listing walks, single repos and counts over one `Transport`.

    `walk_progress` makes a progress bar for a walk standing in for a count (the CLI gives one
    on a terminal); `log_every`: seconds between the walk's progress lines on the log."""

    def __init__(self, transport: Transport, *, walk_progress: ProgressFactory | None = None,
                 log_every: float = EVERY):
        self.transport = transport
        self.walk_progress = walk_progress
        self.log_every = log_every

    @property
    def endpoint(self) -> str:
        return self.transport.endpoint

    def iter_pages(
        self,
        query: ListQuery,
        *,
        start_url: str | None = None,
        seen: SeenIds | None = None,
        first_index: int = 0,
        use_cache: bool = True,
        ttl: float = LISTING_TTL,
        typed: bool = False,
    ) -> Iterator[Page]:
        """Walk a listing page by page, following `Link: rel="next"` (`walk.py`).

        Items already met in this walk (same `_id`) are dropped: the cursor is a keyset on the
        sort key, so a repo re-sorted during the walk can come back. `start_url` and `seen`
        resume an interrupted walk. An expired cursor (400) restarts the walk from its first
        page; the de-duplication makes that lossless, at the cost of requests. `typed`: items
        are decoded into `ListItem` structs where the page allows it (`hub/items.py`), else
        they are plain dicts.
        """
        return iter(self.walk(query, start_url=start_url, seen=seen, first_index=first_index,
                              ttl=ttl if use_cache else None, typed=typed))

    def walk(self, query: ListQuery, *, start_url: str | None = None,
             seen: SeenIds | None = None, first_index: int = 0, ttl: float | None = None,
             typed: bool = False, defer_decoding: bool = False,
             check_first: bool = False) -> ListingWalk:
        """The same walk as `iter_pages`, as an object whose requests (`responses()`) and
        decoding (`page()`) can run on two threads; `ttl=None` leaves the cache out."""
        return ListingWalk(self.transport, query.repo_type, query.url(self.endpoint),
                           start_url=start_url, seen=seen, first_index=first_index, ttl=ttl,
                           typed=typed, defer_decoding=defer_decoding,
                           check_first=check_first)

    def repo_info(self, repo_type: RepoTypeLike, repo_id: str,
                  expand: Iterable[str] = ()) -> dict[str, Any]:
        repo_type = RepoType.parse(repo_type)
        params = urlencode([("expand", name) for name in expand])
        url = f"{self.endpoint}/api/{PLURAL[repo_type]}/{quote(repo_id, safe='/')}"
        response = self.transport.get(url + (f"?{params}" if params else ""), ttl=REPO_TTL)
        if not isinstance(response.data, dict) or "id" not in response.data:
            raise HubError(f"{self.endpoint} sent an unexpected answer for {repo_type} {repo_id}",
                           url=url)
        return response.data

    def count(
        self,
        repo_type: RepoTypeLike,
        *,
        author: str | None = None,
        search: str | None = None,
        pipeline_tag: str | None = None,
        license: str | None = None,
        library: str | None = None,
        tags: Iterable[str] = (),
        website: bool = True,
        shields: bool = True,
        walk_fallback: bool = True,
    ) -> CountResult:
        """How many public repos match, with as few requests as possible.

        First the website's JSON twin (`/models-json?...&withCount=true`, one request in the
        "pages" bucket); then, for an unfiltered total of models or datasets, the shields badge
        (`/api/shields/models`, one request). If neither answers, walk the listing with one
        cheap expand field and count unique `_id`s (one request per 1,000 repos), after a
        warning saying what the walk will cost and what is faster (`counting.py`), with
        progress lines on the log and `walk_progress`'s bar. `website` and `shields` say
        which endpoints may answer; without `walk_fallback`, the error of the last source tried
        is raised instead of walking.
        """
        repo_type = RepoType.parse(repo_type)
        tags = tuple(tags)
        filters: dict[str, Any] = {k: v for k, v in (("author", author), ("search", search),
                                     ("pipeline_tag", pipeline_tag), ("license", license),
                                     ("library", library)) if v}
        if tags:
            filters["tags"] = list(tags)
        before = self.transport.stats.requests
        tried = _Sources()

        def result(count: int, method: CountMethod, response: Response) -> CountResult:
            return CountResult(repo_type, count, method, self.transport.stats.requests - before,
                               filters, response.from_cache, response.age)

        if website:
            with tried.source("the website's count endpoint"):
                value, response = self._website_count(repo_type, author, search, pipeline_tag,
                                                      license, library, tags)
                return result(value, "website-count", response)
        bound: tuple[int, str] | None = None
        if shields and repo_type in SHIELDS and (walk_fallback or not filters):
            # Unfiltered, the badge is the count; filtered, it bounds the walk's cost.
            with tried.source("the shields badge"):
                value, response = self._shields_count(repo_type)
                if not filters:
                    return result(value, "shields", response)
                bound = (value, f"{PLURAL[repo_type]} in all, by the Hub's shields badge")
                tried.problems.append("the shields badge counts unfiltered totals only")
        if not walk_fallback:
            raise tried.error or HubError(f"no count endpoint of {self.endpoint} counts "
                                          f"{PLURAL[repo_type]} with these filters")
        api_filters = list(tags)
        if license:
            api_filters.append(f"license:{license}")
        if library:
            api_filters.append(library)
        query = ListQuery(repo_type, expand=(CHEAP_EXPAND,), author=author, search=search,
                          pipeline_tag=pipeline_tag, filters=tuple(api_filters))
        seen = SeenIds()
        plan = self.walk_plan(repo_type, bound=bound, filtered=bool(filters))
        ages = [page.age for page in self.counting_walk(query, plan, seen=seen,
                                                        why="; ".join(tried.problems))
                if page.from_cache]
        return CountResult(repo_type, len(seen), "listing-walk",
                           self.transport.stats.requests - before, filters, bool(ages),
                           max((a for a in ages if a is not None), default=None))

    def walk_bound(self, repo_type: RepoType) -> tuple[int, str] | None:
        """How many repos a walk of `repo_type`'s whole listing meets, with where the figure
        comes from: the shields badge (one request), else for the real Hub its published size."""
        if repo_type in SHIELDS:
            with _Sources().source("the shields badge"):
                value, _ = self._shields_count(repo_type)
                return value, f"{PLURAL[repo_type]} in all, by the Hub's shields badge"
        return published_bound(repo_type) if self.endpoint == DEFAULT_ENDPOINT else None

    def walk_plan(self, repo_type: RepoType, *, bound: tuple[int, str] | None,
                  filtered: bool) -> WalkPlan:
        """What a walk standing in for a count will cost (`counting.py`), at the quota the
        Hub's last RateLimit headers stated; `bound`: see `walk_bound` (for the real Hub, its
        published size stands in when None)."""
        if bound is None and self.endpoint == DEFAULT_ENDPOINT:
            bound = published_bound(repo_type)
        return plan_walk(repo_type, bound=bound, filtered=filtered,
                         authenticated=self.transport.authenticated,
                         observed=self.transport.pacer.last.get("api"), page_size=PAGE_SIZE)

    def counting_walk(self, query: ListQuery, plan: WalkPlan, *, seen: SeenIds, why: str = "",
                      ttl: float = COUNT_WALK_TTL) -> Generator[Page, None, None]:
        """The pages of a walk standing in for one or more counts. First a warning says what it
        costs and what is faster; then a bar (`walk_progress`) and progress lines on the log at
        least every `log_every` seconds; Ctrl-C says what is kept. Pages serve from the page
        cache for `ttl` seconds, so a stopped walk resumes. Close the generator (or exhaust
        it) before other requests: until then, the transport's waits tick its progress."""
        transport = self.transport
        resumable = transport.cache is not None and transport.cache_mode.writes
        log.warning("%s", plan.describe(why or "no count endpoint answers",
                                        resumable=resumable))
        bar = self.walk_progress(query.repo_type, None if plan.filtered else plan.repos, 0, 0) \
            if self.walk_progress is not None else None
        pages = 0
        try:
            with progress_lines(transport, self.log_every, logger=log, label="counting",
                                expected_pages=None if plan.filtered else plan.requests
                                ) as monitor:
                monitor.begin(query.repo_type, 0, 0)
                for page in self.iter_pages(query, seen=seen, ttl=ttl):
                    pages += 1
                    monitor.page(page)
                    monitor.tick()
                    if bar is not None:
                        bar.update(page, transport.stats)
                    yield page
        except KeyboardInterrupt:
            kept = ("they stay in the page cache for an hour: the same command resumes from "
                    "there" if resumable else "nothing is kept without the page cache")
            log.warning("counting %s stopped after %s pages (%s repos met); %s",
                        PLURAL[query.repo_type], f"{pages:,}", f"{len(seen):,}", kept)
            raise
        finally:
            if bar is not None:
                bar.close()

    def _shields_count(self, repo_type: RepoType) -> tuple[int, Response]:
        url = shields_url(self.endpoint, repo_type)
        assert url is not None
        quick = RetryPolicy(max_attempts=2, give_up_after=10.0,
                            timeout=self.transport.policy.timeout)
        response = self.transport.get(url, ttl=COUNT_TTL, policy=quick)
        try:
            return parse_shields(response.data), response
        except ValueError as exc:
            raise HubError(f"{url} counts nothing usable: {exc}", url=url) from None

    def _website_count(self, repo_type: RepoType, author: str | None, search: str | None,
                       pipeline_tag: str | None, license: str | None, library: str | None,
                       tags: tuple[str, ...]) -> tuple[int, Response]:
        params: list[tuple[str, str]] = []
        for key, value in (("author", author), ("search", search),
                           ("pipeline_tag", pipeline_tag), ("library", library)):
            if value:
                params.append((key, value))
        if license:
            params.append(("license", f"license:{license}"))
        params.extend(("other", tag) for tag in tags)
        params += [("p", "0"), ("withCount", "true")]
        url = f"{self.endpoint}/{PLURAL[repo_type]}-json?{urlencode(params)}"
        # The website bucket is small: do not wait out its 429s, fall back to the API instead.
        quick = RetryPolicy(max_attempts=2, give_up_after=10.0,
                            timeout=self.transport.policy.timeout)
        response = self.transport.get(url, bucket="pages", ttl=COUNT_TTL, policy=quick)
        data = response.data
        total = data.get("numTotalItems") if isinstance(data, dict) else None
        if not isinstance(total, int) or isinstance(total, bool) or total < 0:
            raise HubError(f"{url} has no usable numTotalItems", url=url)
        return total, response

