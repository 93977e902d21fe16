"""Operator progress lines: at least every 30 s of the (fake) clock, with waits and reasons."""

from __future__ import annotations

import itertools
import logging
import random

import pytest

from hfexplore.hub import HubClient, RetryPolicy, Transport
from hfexplore.ingest.crawl import create_snapshot
from tests.conftest import logged_to


class ClockedLines(logging.Handler):
    """Keeps each progress line with the fake-clock time it was logged at."""

    def __init__(self, clock) -> None:
        super().__init__(logging.INFO)
        self.clock = clock
        self.lines: list[tuple[float, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "pages" in message:
            self.lines.append((self.clock(), message))


@pytest.fixture
def progress_lines(clock):
    with logged_to(ClockedLines(clock), "hfexplore.ingest.crawl") as handler:
        yield handler


def test_a_quota_bound_crawl_logs_a_line_every_30_seconds(make_hub, clock, tmp_path,
                                                          progress_lines) -> None:
    # 3 pages per 100-second window: 7 pages need two long waits for the quota's reset.
    sim = make_hub(models=7_000, datasets=1, spaces=1, clock=clock,
                   quotas={"api": (3, 100.0), "pages": (100, 300.0)})
    client = HubClient(Transport(sim.url, clock=clock, sleep=clock.sleep,
                                 policy=RetryPolicy(rng=random.Random(1))))
    started = clock()
    snap = create_snapshot(client, tmp_path, ["model"])
    assert snap.count("model") == 7_000 and sim.stats["rate_limited"] == 0
    times = [started] + [t for t, _ in progress_lines.lines] + [clock()]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(progress_lines.lines) >= 6  # ~200 s of waiting
    assert max(gaps) <= 30.0 + 1e-9  # never more than 30 s without a line
    assert all(g == pytest.approx(30.0) for g in gaps[1:-1])  # and not more often either
    # The waits were slept in slices, so the lines could come during them.
    assert max(clock.sleeps) <= 30.0 and sum(clock.sleeps) == pytest.approx(
        client.transport.stats.waited_seconds)
    text = progress_lines.lines[0][1]
    assert text.startswith("models: 3 pages, 3,000 repos (")
    assert "repos/s this run" in text and "api 0/3 left" in text
    assert "waiting 70s more (quota)" in text  # 100 s window + 0.05 s margin, 30 s in
    last = progress_lines.lines[-1][1]
    assert "waited" in last and "(quota " in last


def test_no_line_before_30_seconds(make_hub, clock, tmp_path, progress_lines) -> None:
    sim = make_hub(models=3_000, datasets=1, spaces=1, clock=clock)
    client = HubClient(Transport(sim.url, clock=clock, sleep=clock.sleep))
    create_snapshot(client, tmp_path, ["model"])
    assert progress_lines.lines == []  # time did not move: nothing is due


def test_an_incremental_refresh_logs_its_progress_too(make_hub, clock, tmp_path,
                                                     progress_lines) -> None:
    from hfexplore.ingest.refresh import refresh_snapshot

    base_sim = make_hub(models=3_000, datasets=1, spaces=1, seed=4, clock=clock)
    base = create_snapshot(HubClient(Transport(base_sim.url, clock=clock, sleep=clock.sleep)),
                           tmp_path, ["model"])
    assert progress_lines.lines == []  # the base crawl took no time on the fake clock
    later = make_hub(models=3_000, datasets=1, spaces=1, seed=4, generation=1, clock=clock)
    client = HubClient(Transport(later.url, clock=clock, sleep=clock.sleep))
    refreshed = refresh_snapshot(client, tmp_path, base=base, log_every=0.0)  # a line a page
    pages = refreshed.manifest["repo_types"]["model"]["pages"]
    assert [text.split(" (")[0] for _, text in progress_lines.lines] == [
        f"models: {n} pages, {1000 * n:,} repos" for n in range(1, pages + 1)]
