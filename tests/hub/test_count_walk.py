"""A walk standing in for a count: the other count sources first (the website's count twin,
then the shields badge), a warning with the walk's cost before it starts, progress lines at
least every 30 s of the (fake) clock and a bar, and Ctrl-C keeping what was walked for the next
run to resume. Every time is the fake clock's, shared by the client and the stand-in Hub."""

from __future__ import annotations

import itertools
import logging
import random

import pytest

from hfexplore.hub import HubClient, RepoType, RetryPolicy, Transport
from hfexplore.hub.cache import PageCache
from hfexplore.hub.counting import parse_shields, plan_walk, published_bound
from hfexplore.hub.quotas import walk_seconds
from hfexplore.hub.ratelimit import RateLimit
from hfexplore.stats.live import live_totals
from tests.conftest import logged_to

COUNT_LOG = "hfexplore.hub.client"


class Lines(logging.Handler):
    """The client's log lines, each with the fake-clock time and the stand-in's listing
    requests so far at the moment it was logged."""

    def __init__(self, clock, sim=None) -> None:
        super().__init__(logging.INFO)
        self.clock, self.sim = clock, sim
        self.lines: list[tuple[float, int, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        listing = self.sim.stats["listing"] if self.sim is not None else 0
        self.lines.append((self.clock(), listing, record.levelno, record.getMessage()))

    def texts(self, start: str) -> list[str]:
        return [text for _, _, _, text in self.lines if text.startswith(start)]


@pytest.fixture
def count_log(clock):
    with logged_to(Lines(clock), COUNT_LOG) as handler:
        yield handler


def clocked_client(sim, clock, cache_dir=None, **options) -> HubClient:
    cache = PageCache(cache_dir, now=clock) if cache_dir is not None else None
    return HubClient(Transport(sim.url, clock=clock, sleep=clock.sleep, cache=cache,
                               policy=RetryPolicy(rng=random.Random(1))), **options)


def alive(catalog) -> int:
    return int(catalog.alive.sum())


class Bars:
    """A progress-bar factory that keeps what each bar was told; `stop_after` pages, it
    raises KeyboardInterrupt, as Ctrl-C during a walk would."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.made: list[tuple[RepoType, int | None]] = []
        self.pages: list[int] = []
        self.closed = 0
        self.stop_after = stop_after

    def __call__(self, repo_type, total, items, pages):
        self.made.append((repo_type, total))
        return self

    def update(self, page, stats) -> None:
        self.pages.append(len(page.items))
        if self.stop_after is not None and len(self.pages) >= self.stop_after:
            raise KeyboardInterrupt

    def close(self) -> None:
        self.closed += 1


def test_shields_answer_before_any_walk_and_the_json_says_which_answered(make_hub) -> None:
    sim = make_hub(models=2_500, datasets=1_500, spaces=700, counts_enabled=False)
    report = live_totals(HubClient(Transport(sim.url)))
    doc = report.document()
    catalogs = sim.catalogs
    assert doc["totals"] == {"models": alive(catalogs["model"]),
                             "datasets": alive(catalogs["dataset"]),
                             "spaces": alive(catalogs["space"])}
    assert doc["methods"] == {"models": "shields", "datasets": "shields",
                              "spaces": "listing-walk"}  # the Hub has no badge for Spaces
    assert [r["requests"] for r in doc["rows"]] == [2, 2, 2]  # the twin, then badge or page
    assert sim.stats["shields"] == 2 and sim.stats["listing"] == 1
    twins = make_hub(models=10, datasets=10, spaces=10)
    live_totals(HubClient(Transport(twins.url)))
    assert twins.stats["shields"] == 0  # the count twin answered: nothing else was asked


def test_the_warning_before_a_walk_says_its_cost_at_the_quota_the_hub_states(
        make_hub, clock, count_log) -> None:
    sim = make_hub(models=7_000, counts_enabled=False, clock=clock,
                   quotas={"api": (3, 100.0), "pages": (100, 300.0)})
    count_log.sim = sim
    catalog = sim.catalogs["model"]
    author = catalog.item(0)["id"].split("/")[0]
    result = clocked_client(sim, clock).count("model", author=author)
    expected = sum(catalog.alive[i] and catalog.item(i)["id"].startswith(author + "/")
                   for i in range(len(catalog.ids)))
    assert (result.method, result.count) == ("listing-walk", expected)
    warnings = [(listing, text) for _, listing, level, text in count_log.lines
                if level == logging.WARNING]
    assert len(warnings) == 1 and warnings[0][0] == 0  # said before the first page was asked
    text = warnings[0][1]
    # The badge (one "api" request, 2 of 3 left) bounds the walk: 7 pages. 2 go out now, the
    # window resets in 100 s, 3 more in the next, the last 2 after one more window:
    # 100 + 100 + 2 * 0.3 = 200.6 s.
    assert text.startswith("counting models by walking the listing (the website's count "
                           "endpoint: ")
    assert "the shields badge counts unfiltered totals only" in text
    assert ("at most about 7 requests of 1,000 (7,000 models in all, by the Hub's shields "
            "badge), at least 3 minutes at 3 API requests per 100 s (your quota, as the Hub's "
            "RateLimit-Policy states it; 2 left now, the window resets in 100 s)") in text
    assert "`hfexplore snapshot import hub-stats`" in text and "or a token" in text
    assert "without the page cache nothing walked is kept" in text


def test_a_walk_with_nothing_to_size_it_says_so_at_the_published_quota(make_hub, count_log) \
        -> None:
    sim = make_hub(models=1_200, counts_enabled=False, shields_enabled=False,
                   send_ratelimit=False)  # no RateLimit header: the quota is the plan's
    assert HubClient(Transport(sim.url, token="hf_x")).count("model").count == 1_200
    (text,) = count_log.texts("counting models by walking")
    assert ("one request per 1,000 models: how many there are is unknown here; at 1,000 API "
            "requests per 5 minutes (the published quota of a free account)") in text
    assert "or a token" not in text  # it has one


def test_the_plan_of_a_walk_of_the_real_hub() -> None:
    # HUB_API.md: 3,117,871 models, 3,118 requests; anonymously at least 31 minutes (6 windows
    # of 500 waited out, then 118 requests at the Hub's 0.3 s a page: 1,835.4 s).
    plan = plan_walk(RepoType.MODEL, bound=published_bound(RepoType.MODEL), filtered=False,
                     authenticated=False, observed=None, page_size=1000)
    assert (plan.requests, plan.seconds) == (3_118, 6 * 300 + 118 * 0.3)
    text = plan.describe("no count endpoint answers", resumable=True)
    assert ("about 3,118 requests of 1,000 (3,117,871 models listed on 2026-10-03, by an exact "
            "census walk, a published figure), at least 31 minutes at 500 API requests per 5 "
            "minutes (the published anonymous quota)") in text
    assert "stay in the page cache for an hour and the same command resumes" in text
    # A PRO token's window with 200 requests left and 60 s to go: 200 now, 2,918 later in
    # 3 windows, the first two waited out: 60 + 2 * 300 + 918 * 0.3 = 935.4 s.
    pro = RateLimit("api", 200, 60.0, 1_000, 300.0)
    assert walk_seconds(3_118, 1_000, 300.0, remaining=200, reset=60.0) == \
        pytest.approx(60 + 2 * 300 + 918 * 0.3)
    assert plan_walk(RepoType.MODEL, bound=(3_117_871, "x"), filtered=False, authenticated=True,
                     observed=pro, page_size=1000).seconds == pytest.approx(935.4)
    assert walk_seconds(10, 500, remaining=10, reset=250) == pytest.approx(3.0)  # no wait


def test_a_walk_logs_a_line_every_30_seconds_and_feeds_the_bar(make_hub, clock,
                                                               count_log) -> None:
    # 3 pages per 100-second window: 7 pages wait out two windows (~200 s of fake time).
    sim = make_hub(models=7_000, counts_enabled=False, shields_enabled=False, clock=clock,
                   quotas={"api": (3, 100.0), "pages": (100, 300.0)})
    bars = Bars()
    started = clock()
    result = clocked_client(sim, clock, walk_progress=bars).count("model")
    assert (result.count, result.method) == (7_000, "listing-walk")
    lines = [(t, text) for t, _, _, text in count_log.lines if text.startswith("counting models:")]
    times = [started] + [t for t, _ in lines] + [clock()]
    assert len(lines) >= 6
    assert max(b - a for a, b in itertools.pairwise(times)) <= 30.0 + 1e-9
    assert "pages, " in lines[0][1] and "api 0/3 left" in lines[0][1]
    assert "waiting" in lines[0][1] and "(quota)" in lines[0][1]
    assert bars.made == [(RepoType.MODEL, None)] and bars.pages == [1000] * 7
    assert bars.closed == 1


def test_ctrl_c_keeps_what_was_walked_and_the_next_run_resumes_it(make_hub, clock, tmp_path,
                                                                  count_log) -> None:
    sim = make_hub(models=7_000, counts_enabled=False, shields_enabled=False, clock=clock)
    stopped = Bars(stop_after=4)
    with pytest.raises(KeyboardInterrupt):
        clocked_client(sim, clock, tmp_path, walk_progress=stopped).count("model")
    assert sim.stats["listing"] == 4 and stopped.closed == 1
    (said,) = count_log.texts("counting models stopped")
    assert said == ("counting models stopped after 4 pages (4,000 repos met); they stay in the "
                    "page cache for an hour: the same command resumes from there")
    clock.sleep(1_000)  # longer than a count stays fresh (5 min), within the walk's hour
    resumed = clocked_client(sim, clock, tmp_path).count("model")
    assert (resumed.count, resumed.method) == (7_000, "listing-walk")
    assert sim.stats["listing"] == 4 + 3  # the 4 kept pages cost no request
    assert resumed.from_cache and resumed.age_s == pytest.approx(1_000)
    clock.sleep(3_601)  # an hour on: the pages are too old, the next count walks afresh
    again = clocked_client(sim, clock, tmp_path).count("model")
    assert again.count == 7_000 and sim.stats["listing"] == 7 + 7 and not again.from_cache


@pytest.mark.parametrize(("message", "count"), [
    ("5,000", 5_000), ("2161698", 2_161_698), ("2,161,698 models", 2_161_698),
    ("Checkpoints on Hub: 1 234 567", 1_234_567), ("1.234.567", 1_234_567), ("0", 0),
])
def test_an_exact_shields_message_is_a_count(message: str, count: int) -> None:
    assert parse_shields({"schemaVersion": 1, "label": "models", "message": message}) == count


@pytest.mark.parametrize("document", [
    {"message": "2.2M"}, {"message": "200k+"}, {"message": "200k"}, {"message": "1 M"},
    {"message": "many"}, {"message": 5000}, {"label": "models"}, [1, 2], "5,000",
    {"message": "1,23,456"},
])
def test_a_rounded_or_missing_shields_message_is_refused(document) -> None:
    with pytest.raises(ValueError):
        parse_shields(document)
