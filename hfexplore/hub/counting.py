"""Counting without the website's count twin: the shields badges' totals, and the walk of the
listing that stands in for a count, planned before it starts (what it will cost at this
caller's quota, and what is faster).

The shields endpoints (`/api/shields/models`, `/api/shields/datasets`) serve the badge the
transformers README shows: a shields.io "endpoint" document, `{"schemaVersion": 1, "label":
..., "message": ..., "color": ...}`, whose message carries the live total. Its exact form is
unconfirmed (HUB_API.md): a message is read as a count only when it is an exact integer
("2,161,698", "2161698 models"); a rounded one ("2.2M", "200k+") is refused, and the count goes
on to the next source. They count unfiltered totals only, and there is none for Spaces.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from hfexplore.hub.quotas import PUBLISHED_SIZES, WINDOW_SECONDS, api_quota, walk_seconds
from hfexplore.hub.ratelimit import RateLimit
from hfexplore.repo_type import PLURAL, RepoType

SHIELDS = {RepoType.MODEL: "models", RepoType.DATASET: "datasets"}

# An exact count, with or without thousands separators, and optional words around it
# ("models", "Checkpoints on Hub:"); a word glued to the number ("200k") is no word here.
_EXACT = re.compile(r"(?:[A-Za-z][A-Za-z ]*[:\s]\s*)?"
                    r"(\d{1,3}(?:[,.\u00a0\u202f' ]\d{3})+|\d+)"
                    r"(?:\s+[A-Za-z]{3,}[A-Za-z ]*)?")


def shields_url(endpoint: str, repo_type: RepoType) -> str | None:
    """The badge of `repo_type`'s total, or None where the Hub has none (Spaces)."""
    name = SHIELDS.get(repo_type)
    return f"{endpoint}/api/shields/{name}" if name else None


def parse_shields(data: Any) -> int:
    """The exact total a shields.io endpoint document carries in its `message`; `ValueError`,
    saying why, when it carries none."""
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, str):
        raise ValueError("no shields.io `message` in the answer")
    match = _EXACT.fullmatch(message.strip())
    if match is None:
        raise ValueError(f"its message {message[:40]!r} is not an exact count")
    return int(re.sub(r"\D", "", match.group(1)))


@dataclass(frozen=True)
class WalkPlan:
    """What a walk standing in for a count will cost, from what is known before it starts."""

    repo_type: RepoType
    repos: int | None  # the most repos the walk can meet, if anything says so
    repos_from: str  # where that figure comes from
    filtered: bool  # a filtered walk meets only the repos matching it: `repos` bounds it
    quota: int  # API requests per window
    window: float
    quota_from: str
    remaining: int | None  # requests left in the current window, where the Hub said so
    reset: float | None  # seconds until that window resets
    authenticated: bool
    page_size: int

    @property
    def requests(self) -> int | None:
        return None if self.repos is None else max(1, math.ceil(self.repos / self.page_size))

    @property
    def seconds(self) -> float | None:
        requests = self.requests
        if requests is None:
            return None
        return walk_seconds(requests, self.quota, self.window, remaining=self.remaining,
                            reset=self.reset)

    def describe(self, why: str, *, resumable: bool) -> str:
        """The warning before the walk: why it happens, its cost, what is faster."""
        plural = PLURAL[self.repo_type]
        rate = (f"{self.quota:,} API requests per {_duration(self.window)} "
                f"({self.quota_from}")
        if self.remaining is not None and self.reset is not None:
            rate += f"; {self.remaining:,} left now, the window resets in {self.reset:.0f} s"
        rate += ")"
        requests, seconds = self.requests, self.seconds
        if requests is None or seconds is None:
            cost = (f"one request per {self.page_size:,} {plural}: how many there are is "
                    f"unknown here; at {rate}")
        else:
            bound = "at most about" if self.filtered else "about"
            cost = (f"{bound} {requests:,} requests of {self.page_size:,} ({self.repos:,} "
                    f"{self.repos_from}), at least {_duration(seconds)} at {rate}")
        faster = ("faster: the public daily dump of the catalogue (`hfexplore snapshot "
                  "import hub-stats`) and counts over it")
        if not self.authenticated:
            faster += (f", or a token (HF_TOKEN or --token): {api_quota(True):,} API requests "
                       "per 5 minutes with a free account, more with PRO")
        stop = ("Ctrl-C stops the walk; the pages walked stay in the page cache for an hour "
                "and the same command resumes from them" if resumable else
                "Ctrl-C stops the walk; without the page cache nothing walked is kept")
        return f"counting {plural} by walking the listing ({why}): {cost}; {faster}. {stop}"


def plan_walk(repo_type: RepoType, *, bound: tuple[int, str] | None, filtered: bool,
              authenticated: bool, observed: RateLimit | None, page_size: int) -> WalkPlan:
    """The plan of a walk of up to `bound` repos (count, where the figure comes from) at the
    quota the Hub's last RateLimit headers stated for the "api" bucket, else the published
    quota for an anonymous caller or a free token."""
    quota = api_quota(authenticated)
    window: float = WINDOW_SECONDS
    quota_from = ("the published quota of a free account" if authenticated
                  else "the published anonymous quota")
    remaining = reset = None
    if observed is not None:
        remaining, reset = observed.remaining, observed.reset_seconds
        if observed.quota:
            quota = observed.quota
            quota_from = "your quota, as the Hub's RateLimit-Policy states it"
            window = observed.window_seconds or window
    repos, repos_from = bound if bound is not None else (None, "")
    return WalkPlan(repo_type, repos, repos_from, filtered, quota, window, quota_from, remaining,
                    reset, authenticated, page_size)


def published_bound(repo_type: RepoType) -> tuple[int, str]:
    repos, source = PUBLISHED_SIZES[repo_type.value]
    return repos, f"{source}, a published figure"


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:,.0f} minutes"
