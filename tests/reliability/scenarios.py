"""Fault scenarios for a crawl against the stand-in Hub over real sockets.

Each scenario runs `create_snapshot` with one kind of trouble and checks the only two
acceptable outcomes: the snapshot is complete and exactly right (every repo once), or the
crawl stopped with one clear sentence and the next run resumed to an exactly right snapshot.
The same scenarios run small in the default tests and large in `nox -s faults`, which
writes RELIABILITY.md. The tests pass a fake clock (`tests.conftest.FakeClock`): the client's
waits (backoff, Retry-After, quota resets) then take no real time, and where a scenario needs
the crawl to be at a given page it waits for the stand-in to say so (a fault's `reached`
event), never for a length of time.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from hfexplore.errors import HfExploreError
from hfexplore.hub import HubClient, RetryPolicy, Transport
from hfexplore.hub.cache import PageCache
from hfexplore.ingest.crawl import create_snapshot
from hfexplore.stats import reports
from hfexplore.store.inventory import list_snapshots
from tests.hubsim import SyntheticCatalog
from tests.hubsim.faults import Fault, FaultPlan
from tests.hubsim.server import HubSim

COMPLETE = "complete and exact"
RESUMED = "stopped, resumed to exact"
RECOVERED = "detected, recovered"


@dataclass
class Outcome:
    scenario: str
    category: str
    outcome: str
    requests: int
    retries: int
    seconds: float
    detail: str = ""


@dataclass
class Scenario:
    name: str
    category: str
    # (work directory, scale, clock): clock None is the real one; else a FakeClock
    run: Callable[[Path, int, Any], Outcome]


def catalogs(models: int, seed: int = 7) -> dict[str, Any]:
    return {"model": SyntheticCatalog("model", models, seed=seed),
            "dataset": SyntheticCatalog("dataset", 1, seed=seed),
            "space": SyntheticCatalog("space", 1, seed=seed)}


def policy(**overrides: Any) -> RetryPolicy:
    settings = {"base_delay": 0.01, "max_delay": 0.1, "timeout": 2.0, "give_up_after": 30.0,
                "rng": random.Random(5), **overrides}
    return RetryPolicy(**settings)


@contextlib.contextmanager
def hub(cats: dict[str, Any], **options: Any) -> Iterator[HubSim]:
    sim = HubSim(cats, **options).start()
    try:
        yield sim
    finally:
        sim.stop()


def expected_ids(cats: dict[str, Any]) -> set[str]:
    catalog = cats["model"]
    return {catalog.ids[i].decode() for i in range(len(catalog.ids)) if catalog.alive[i]}


def exact(snapshot: Any, cats: dict[str, Any]) -> str:
    ids = pq.read_table(snapshot.path / "models.parquet", columns=["_id"])["_id"].to_pylist()
    if len(ids) != len(set(ids)):
        return f"{len(ids) - len(set(ids))} duplicated"
    missing = expected_ids(cats) - set(ids)
    extra = set(ids) - expected_ids(cats)
    return "" if not missing and not extra else f"{len(missing)} missing, {len(extra)} extra"


def crawl(sim: HubSim, data: Path, retry: RetryPolicy | None = None,
          clock: Any = None) -> tuple[Any, HubClient]:
    timing = {} if clock is None else {"clock": clock, "sleep": clock.sleep}
    client = HubClient(Transport(sim.url, policy=retry or policy(), **timing))
    return create_snapshot(client, data, ["model"]), client


def one_line(message: str) -> bool:
    return "\n" not in message and "Traceback" not in message and len(message) < 400


def run_faults(name: str, category: str, faults: list[Fault], *, pages: int,
               retry: RetryPolicy | None = None, **sim_options: Any) -> Callable[[Path, int, Any],
                                                                                  Outcome]:
    """A scenario whose faults the client must ride out: the crawl completes, exactly."""

    def run(workdir: Path, scale: int, clock: Any = None) -> Outcome:
        cats = catalogs(pages * scale * 1000)
        started = time.monotonic()
        with hub(cats, faults=FaultPlan(faults), **sim_options) as sim:
            snapshot, client = crawl(sim, workdir, retry, clock)
        problem = exact(snapshot, cats)
        fired = sum(f.fired for f in faults)
        stats = client.transport.stats
        outcome = COMPLETE if not problem and fired else f"FAILED: {problem or 'no fault fired'}"
        return Outcome(name, category, outcome, stats.requests, stats.retries,
                       time.monotonic() - started, f"{fired} faults injected")

    return run


def run_fatal(name: str, category: str, faults: list[Fault], *, pages: int,
              retry: RetryPolicy, **sim_options: Any) -> Callable[[Path, int, Any], Outcome]:
    """A scenario that outlasts the retry budget: one clear error, then a clean resume."""

    def run(workdir: Path, scale: int, clock: Any = None) -> Outcome:
        cats = catalogs(pages * scale * 1000)
        started = time.monotonic()
        plan = FaultPlan(faults)
        with hub(cats, faults=plan, **sim_options) as sim:
            try:
                crawl(sim, workdir, retry, clock)
            except HfExploreError as exc:
                message = str(exc)
            else:
                return Outcome(name, category, "FAILED: no error", 0, 0, 0.0)
            plan.faults.clear()
            snapshot, _ = crawl(sim, workdir, clock=clock)
        problem = exact(snapshot, cats)
        ok = not problem and one_line(message) and snapshot.manifest["resumed"] == 1
        return Outcome(name, category, RESUMED if ok else f"FAILED: {problem or message}",
                       snapshot.manifest["requests"], snapshot.manifest["retries"],
                       time.monotonic() - started, f'"{message[:90]}..."')

    return run


def network_loss(workdir: Path, scale: int, clock: Any = None) -> Outcome:
    cats = catalogs(12 * scale * 1000)
    started = time.monotonic()
    # Every request from the 6th on stalls; the network goes when the 6th arrives.
    cut = Fault("delay", every=1, start=6 * scale, seconds=120)
    sim = HubSim(cats, faults=FaultPlan([cut])).start()
    port = int(sim.url.rsplit(":", 1)[1])
    stopper = threading.Thread(target=lambda: cut.reached.wait(120) and sim.stop())
    stopper.start()
    try:
        crawl(sim, workdir, policy(connect_attempts=2), clock)
        message = "no error"
    except HfExploreError as exc:
        message = str(exc)
    finally:
        cut.reached.set()  # the stopper never outlives the crawl
        stopper.join()
        sim.stop()
    with hub(cats, port=port) as again:
        snapshot, _ = crawl(again, workdir, clock=clock)
    problem = exact(snapshot, cats)
    ok = not problem and message.startswith("cannot reach") and one_line(message)
    return Outcome("network lost mid-crawl", "network",
                   RESUMED if ok else f"FAILED: {problem or message}",
                   snapshot.manifest["requests"], snapshot.manifest["retries"],
                   time.monotonic() - started, f'"{message}"')


def disk_full(workdir: Path, scale: int, clock: Any = None) -> Outcome:
    import hfexplore.ingest.crawl as crawl_module

    cats = catalogs(6 * scale * 1000)
    started = time.monotonic()
    real_write = crawl_module.write_part_file
    calls = {"n": 0}

    def full_disk(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:  # the second checkpoint
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(*args, **kwargs)

    with hub(cats) as sim:
        crawl_module.write_part_file = full_disk  # type: ignore[assignment]
        try:
            crawl(sim, workdir, clock=clock)
            message = "no error"
        except HfExploreError as exc:
            message = str(exc)
        finally:
            crawl_module.write_part_file = real_write  # type: ignore[assignment]
        snapshot, _ = crawl(sim, workdir, clock=clock)
    problem = exact(snapshot, cats)
    ok = not problem and "No space left on device" in message and one_line(message)
    return Outcome("disk full while writing a page", "process", RESUMED if ok else
                   f"FAILED: {problem or message}", snapshot.manifest["requests"], 0,
                   time.monotonic() - started, f'"{message[:90]}..."')


def kill_during_crawl(workdir: Path, scale: int, clock: Any = None) -> Outcome:
    cats = catalogs(30 * scale * 1000)
    started = time.monotonic()
    # The child stalls on its 7th page until it is killed there: one checkpoint (4 pages) is on
    # disk, the 2 pages after it are lost to the kill and fetched again.
    stall = Fault("delay", every=1, start=7, seconds=120)
    plan = FaultPlan([stall])
    with hub(cats, faults=plan) as sim:
        child = subprocess.Popen(
            [sys.executable, "-m", "hfexplore", "snapshot", "create", "--repo-type", "model",
             "--data-dir", str(workdir), "--endpoint", sim.url, "--no-cache", "--no-progress"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "HF_HUB_DISABLE_TELEMETRY": "1"})
        reached = stall.reached.wait(120)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        plan.faults.clear()
        stall.release.set()
        visible = len(list_snapshots(workdir)[0])
        snapshot, _ = crawl(sim, workdir, clock=clock)
    problem = exact(snapshot, cats)
    ok = reached and not problem and visible == 0 and snapshot.manifest["resumed"] == 1
    return Outcome("kill -9 during the crawl", "process", RESUMED if ok else
                   f"FAILED: {problem or f'{visible} half snapshots visible, reached {reached}'}",
                   snapshot.manifest["requests"], 0, time.monotonic() - started,
                   "SIGKILL after 6 pages")


def kill_after_merge(workdir: Path, scale: int, clock: Any = None) -> Outcome:
    """Dies after the parquet merge and manifest, before the rename: the next run publishes."""
    import hfexplore.ingest.crawl as crawl_module

    cats = catalogs(4 * scale * 1000)
    started = time.monotonic()
    real_replace = crawl_module.os.replace

    def die_on_publish(src: Any, dst: Any) -> None:
        if Path(src).name.startswith(".partial-"):
            raise KeyboardInterrupt  # as abrupt as a kill for the code under test
        real_replace(src, dst)

    with hub(cats) as sim:
        crawl_module.os.replace = die_on_publish  # type: ignore[assignment]
        try:
            crawl(sim, workdir, clock=clock)
        except KeyboardInterrupt:
            pass
        finally:
            crawl_module.os.replace = real_replace  # type: ignore[assignment]
        requests_before = sim.stats["listing"]
        snapshot, _ = crawl(sim, workdir, clock=clock)
        refetched = sim.stats["listing"] - requests_before
    problem = exact(snapshot, cats)
    ok = not problem and refetched == 0
    return Outcome("killed between parquet merge and publish", "process",
                   RESUMED if ok else f"FAILED: {problem or f'{refetched} pages fetched again'}",
                   snapshot.manifest["requests"], 0, time.monotonic() - started,
                   "no page fetched again")


def corrupt_cache(workdir: Path, scale: int, clock: Any = None) -> Outcome:
    started = time.monotonic()
    (workdir / "cache").mkdir()
    (workdir / "cache" / "cache.db").write_bytes(b"SQLite format 3\x00" + b"\xff" * 300)
    cache = PageCache(workdir / "cache")
    cache.set("http://x/api/models", False, b"[]", None, 60)
    readable = cache.get("http://x/api/models", False) is None  # degraded to no cache
    cleared = cache.clear() == 0
    cache.set("http://x/api/models", False, b"[]", None, 60)
    works = cache.get("http://x/api/models", False) is not None
    try:
        sqlite3.connect(workdir / "cache" / "cache.db").execute("select 1")
    except sqlite3.DatabaseError:
        works = False
    ok = readable and cleared and works
    return Outcome("truncated sqlite cache file", "process", RECOVERED if ok else "FAILED",
                   0, 0, time.monotonic() - started,
                   "warning, runs uncached; `cache clear` rebuilds it")


def corrupt_snapshot(workdir: Path, scale: int, clock: Any = None) -> Outcome:
    cats = catalogs(2 * scale * 1000)
    started = time.monotonic()
    with hub(cats) as sim:
        good, _ = crawl(sim, workdir, clock=clock)
        broken, _ = crawl(sim, workdir, clock=clock)
    (broken.path / "models.parquet").write_bytes(b"half a file")
    half = workdir / "snapshots" / "2000-01-01T000000Z"
    half.mkdir()
    _, problems = list_snapshots(workdir)
    still = reports.licenses(good, top=0).rows["count"].sum() == 2 * scale * 1000
    detected = broken.verify() != [] and problems != []
    ok = still and detected
    return Outcome("corrupt and half-deleted snapshots", "process",
                   RECOVERED if ok else "FAILED", 0, 0, time.monotonic() - started,
                   "reported by `snapshot list`/`show --verify`; other snapshots unaffected")


SCENARIOS = [
    Scenario("429 storm with Retry-After", "rate limit",
             run_faults("429 storm with Retry-After", "rate limit",
                        [Fault("429", frozenset(range(2, 8)), retry_after=0.05)], pages=10)),
    Scenario("429 storm, RateLimit reset only", "rate limit",
             run_faults("429 storm, RateLimit reset only", "rate limit",
                        [Fault("429", frozenset(range(3, 8)), seconds=0.05)], pages=10)),
    Scenario("quota exhausted beyond the wait budget", "rate limit",
             run_fatal("quota exhausted beyond the wait budget", "rate limit",
                       [Fault("429", every=1, start=4, seconds=5)], pages=8,
                       retry=policy(give_up_after=1.0))),
    Scenario("5xx burst (500, 502, 503)", "server",
             run_faults("5xx burst (500, 502, 503)", "server",
                        [Fault("500", frozenset({2})), Fault("502", frozenset({3})),
                         Fault("503", frozenset({4, 9}))], pages=10)),
    Scenario("503 outlasting the retries", "server",
             run_fatal("503 outlasting the retries", "server",
                       [Fault("503", every=1, start=5)], pages=8, retry=policy(max_attempts=3))),
    Scenario("connection reset mid-body", "network",
             run_faults("connection reset mid-body", "network",
                        [Fault("reset", frozenset({2, 5, 6}))], pages=10)),
    Scenario("network lost mid-crawl", "network", network_loss),
    Scenario("page slower than the timeout", "network",
             run_faults("page slower than the timeout", "network",
                        [Fault("delay", frozenset({3}), seconds=120)], pages=6)),
    Scenario("truncated JSON", "payload",
             run_faults("truncated JSON", "payload", [Fault("truncate", frozenset({2, 7}))],
                        pages=10)),
    Scenario("invalid JSON (HTML error page)", "payload",
             run_faults("invalid JSON (HTML error page)", "payload",
                        [Fault("garbage", frozenset({4}))], pages=10)),
    Scenario("expired cursor", "payload",
             run_faults("expired cursor", "payload", [Fault("expire_cursor", frozenset({5}))],
                        pages=10)),
    Scenario("page repeating the previous page's item", "payload",
             run_faults("page repeating the previous page's item", "payload",
                        [Fault("repeat", every=2)], pages=10)),
    Scenario("unexpected types (null, string, non-list tags, new fields)", "payload",
             run_faults("unexpected types (null, string, non-list tags, new fields)", "payload",
                        [Fault("odd_types", frozenset({2, 3}))], pages=10)),
    Scenario("disk full while writing a page", "process", disk_full),
    Scenario("kill -9 during the crawl", "process", kill_during_crawl),
    Scenario("killed between parquet merge and publish", "process", kill_after_merge),
    Scenario("truncated sqlite cache file", "process", corrupt_cache),
    Scenario("corrupt and half-deleted snapshots", "process", corrupt_snapshot),
]
