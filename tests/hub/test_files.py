"""The Hub files client against the stand-in's resolve and tree endpoints, over real sockets."""

from __future__ import annotations

import random
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from hfexplore.errors import (
    HubFileChangedError,
    HubNotFoundError,
    HubRateLimitError,
    HubServerError,
    HubUnreachableError,
)
from hfexplore.hub import HubClient, ListQuery, RetryPolicy, Transport
from hfexplore.hub.files import DOWNLOAD_CHUNK, HubFiles, RemoteFileInfo
from hfexplore.hub.remote_file import open_remote
from tests.conftest import FakeClock
from tests.hubsim import SyntheticCatalog
from tests.hubsim.dumps import HUB_STATS, hub_stats_repo, write_dump
from tests.hubsim.files import FileFault, FileStore

FAST = RetryPolicy(base_delay=0.001, max_delay=0.01, timeout=5.0, rng=random.Random(1))
COLUMNS = ["id", "tags", "cardData", "downloads"]


@pytest.fixture(scope="module")
def dump(tmp_path_factory) -> dict[str, Path]:
    catalogs = {"model": SyntheticCatalog("model", 20_000, seed=4)}
    store = FileStore()
    return hub_stats_repo(store, catalogs, "2026-10", tmp_path_factory.mktemp("dump"),
                          row_group_size=4_000)


def serve(make_hub, dump: dict[str, Path], **options) -> tuple[object, FileStore]:
    store = FileStore(**options)
    store.add(HUB_STATS, "models.parquet", dump["model"])
    store.add(HUB_STATS, "models/train/0000.parquet", dump["model"],
              revision="refs/convert/parquet")
    store.add(HUB_STATS, "README.md", b"# hub stats\n", lfs=False)
    return make_hub(models=10, datasets=10, spaces=10, files=store), store


def files_for(sim, policy: RetryPolicy = FAST, token: str | None = None) -> HubFiles:
    return HubFiles(Transport(sim.url, token=token, policy=policy, sleep=lambda s: None))


@pytest.mark.parametrize("redirect", [False, True])
def test_head_then_columns_read_by_range_equal_the_local_file(make_hub, dump, redirect) -> None:
    sim, store = serve(make_hub, dump, redirect=redirect)
    files = files_for(sim)
    info = files.head(HUB_STATS, "models.parquet")
    local = dump["model"]
    assert info.size == local.stat().st_size
    assert info.commit and len(info.commit) == 40
    assert info.location.endswith("/_cdn/" + info.etag.strip('"')) == redirect
    with open_remote(files, info, min_read=8 * 1024) as remote:  # smaller than a column chunk
        got = pq.ParquetFile(remote).read(columns=COLUMNS)
    assert got.equals(pq.read_table(local, columns=COLUMNS))
    fraction = files.bytes_read / info.size
    assert 0 < fraction < 0.7, fraction  # only the footer and four columns' chunks
    assert store.stats["bytes_sent"] == files.bytes_read
    assert store.stats["resolve" if not redirect else "cdn"] == store.stats["ranges"]


def test_the_token_goes_to_the_endpoint_only_not_to_the_cdn(make_hub, dump) -> None:
    sim, store = serve(make_hub, dump, redirect=True, cdn_host="localhost")
    files = files_for(sim, token="hf_secret")
    info = files.head(HUB_STATS, "models.parquet")
    assert "//localhost:" in info.location
    files.read_range(info, 0, 100)
    assert store.stats["resolve_with_token"] == 1  # the HEAD
    assert store.stats["cdn"] == 1 and store.stats["cdn_with_token"] == 0


def test_tree_follows_pagination_and_revisions(make_hub, dump) -> None:
    sim, store = serve(make_hub, dump, page_size=1)
    files = files_for(sim)
    entries = files.tree(HUB_STATS)
    assert [(e.type, e.path) for e in entries] == [("file", "README.md"),
                                                  ("file", "models.parquet")]
    assert store.stats["tree"] == 2  # one entry a page
    assert entries[1].lfs and entries[1].size == dump["model"].stat().st_size
    assert not entries[0].lfs
    converted = "refs/convert/parquet"
    assert [(e.type, e.path) for e in files.tree(HUB_STATS, revision=converted)] == [
        ("directory", "models")]
    assert [e.path for e in files.tree(HUB_STATS, "models/train", revision=converted)] == [
        "models/train/0000.parquet"]
    commit = files.head(HUB_STATS, "models.parquet").commit
    assert commit is not None
    assert files.head(HUB_STATS, "models.parquet", revision=commit).etag == \
        files.head(HUB_STATS, "models.parquet").etag
    with pytest.raises(HubNotFoundError, match="404"):
        files.head(HUB_STATS, "models.parquet", revision="no-such-branch")
    with pytest.raises(HubNotFoundError):
        files.tree(HUB_STATS, "nope")


@pytest.mark.parametrize("kind", ["reset", "short", "500"])
def test_a_broken_range_is_retried_and_the_result_is_exact(make_hub, dump, kind) -> None:
    sim, store = serve(make_hub, dump)
    store.faults.append(FileFault(kind, at=frozenset({2, 4})))
    files = files_for(sim)
    info = files.head(HUB_STATS, "models.parquet")
    with open_remote(files, info, min_read=16 * 1024) as remote:
        got = pq.ParquetFile(remote).read(columns=COLUMNS)
    assert got.equals(pq.read_table(dump["model"], columns=COLUMNS))
    assert store.stats["faults"] == 2 and files.transport.stats.retries == 2


def test_a_file_changed_between_two_reads_is_a_clear_error(make_hub, dump, tmp_path) -> None:
    sim, store = serve(make_hub, dump)
    other = write_dump(SyntheticCatalog("model", 2_000, seed=9), "2026-10", tmp_path / "b.pq")
    store.swap(1, HUB_STATS, "models.parquet", other)  # after the first read (the footer)
    files = files_for(sim)
    info = files.head(HUB_STATS, "models.parquet")
    with (pytest.raises(HubFileChangedError, match="changed on the Hub while it was being read"),
          open_remote(files, info) as remote):
        pq.ParquetFile(remote).read(columns=COLUMNS)


def test_a_server_ignoring_range_is_read_from_a_resumable_download(make_hub, dump,
                                                                   tmp_path) -> None:
    sim, store = serve(make_hub, dump)
    store.faults.append(FileFault("ignore_range", at=frozenset(range(1, 100))))
    files = files_for(sim)
    info = files.head(HUB_STATS, "models.parquet")
    with open_remote(files, info, spool_dir=tmp_path) as remote:
        got = pq.ParquetFile(remote).read(columns=COLUMNS)
    assert got.equals(pq.read_table(dump["model"], columns=COLUMNS))
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_an_interrupted_download_resumes_where_it_stopped(make_hub, dump, tmp_path) -> None:
    sim, store = serve(make_hub, dump)
    store.faults.append(FileFault("reset", at=frozenset({1})))
    files = files_for(sim, RetryPolicy(max_attempts=1, timeout=5.0))
    info = files.head(HUB_STATS, "models.parquet")
    target = tmp_path / "models.parquet"
    with pytest.raises(HubServerError, match="run again to resume"):
        files.download(info, target)
    kept = (tmp_path / "models.parquet.part").stat().st_size
    assert 0 < kept < info.size and not target.exists()
    sent = store.stats["bytes_sent"]
    files_for(sim).download(info, target)
    assert target.read_bytes() == dump["model"].read_bytes()
    assert store.stats["bytes_sent"] - sent == info.size - kept  # only what was missing
    assert sorted(p.name for p in tmp_path.iterdir()) == ["models.parquet"]


def test_no_network_is_a_clear_error() -> None:
    files = HubFiles(Transport("http://127.0.0.1:9", policy=FAST, sleep=lambda s: None))
    with pytest.raises(HubUnreachableError, match="cannot reach"):
        files.head(HUB_STATS, "models.parquet")


# -- the one request loop: file reads wait, retry and give up as listings do --------------------
def test_a_file_read_rate_limited_for_ever_gives_up_by_time_as_a_listing_does(
        make_hub, dump, clock: FakeClock) -> None:
    store = FileStore()
    entry = store.add(HUB_STATS, "models.parquet", dump["model"])
    # Every request in the "resolvers" and "api" buckets is refused, whatever the window.
    sim = make_hub(models=10, datasets=10, spaces=10, files=store, clock=clock,
                   quotas={"resolvers": (0, 300.0), "api": (0, 300.0)})
    policy = RetryPolicy(give_up_after=2_000, rng=random.Random(1))
    files = HubFiles(Transport(sim.url, policy=policy, clock=clock, sleep=clock.sleep))
    url = files.resolve_url(HUB_STATS, "models.parquet")
    info = RemoteFileInfo(HUB_STATS, "models.parquet", "main", url, url, entry.size,
                          entry.etag, None)
    with pytest.raises(HubRateLimitError) as read_error:
        files.read_range(info, 0, 100)
    stats = files.transport.stats
    waited = clock.now - 1_000.0
    # Bounded by time (seven 300 s windows would pass 2,000 s), not by six attempts.
    assert 1_700 < waited <= 2_000 and stats.rate_limited == 7
    assert stats.waits == {"rate limited": pytest.approx(waited)}
    assert stats.waited_seconds == pytest.approx(sum(clock.sleeps)) == pytest.approx(waited)

    walk_clock = FakeClock()
    listing = HubClient(Transport(sim.url, policy=policy, clock=walk_clock,
                                  sleep=walk_clock.sleep))
    with pytest.raises(HubRateLimitError) as walk_error:
        next(listing.iter_pages(ListQuery("model"), use_cache=False))
    assert str(read_error.value).replace(f"/datasets/{HUB_STATS}/resolve/main/models.parquet",
                                         "PATH") == \
        str(walk_error.value).replace("/api/models", "PATH")
    assert "after waiting up to 2000s; set HF_TOKEN" in str(read_error.value)


def test_retry_waits_of_range_reads_are_accounted(make_hub, dump, clock: FakeClock) -> None:
    sim, store = serve(make_hub, dump)
    store.faults.append(FileFault("500", at=frozenset({1})))
    store.faults.append(FileFault("reset", at=frozenset({2})))
    files = HubFiles(Transport(sim.url, policy=RetryPolicy(rng=random.Random(1)), clock=clock,
                               sleep=clock.sleep))
    info = files.head(HUB_STATS, "models.parquet")
    assert files.read_range(info, 10, 5_000) == dump["model"].read_bytes()[10:5_000]
    stats = files.transport.stats
    assert stats.retries == 2 and len(clock.sleeps) == 2
    assert stats.waits == {"retry": pytest.approx(sum(clock.sleeps))}
    assert stats.waited_seconds == pytest.approx(sum(clock.sleeps)) and sum(clock.sleeps) > 0


def test_a_broken_download_resumes_through_the_request_loop(make_hub, dump, tmp_path,
                                                            clock: FakeClock) -> None:
    sim, store = serve(make_hub, dump)
    store.faults.append(FileFault("reset", at=frozenset({1})))
    store.faults.append(FileFault("500", at=frozenset({2})))
    files = HubFiles(Transport(sim.url, policy=RetryPolicy(rng=random.Random(1)), clock=clock,
                               sleep=clock.sleep))
    info = files.head(HUB_STATS, "models.parquet")
    target = tmp_path / "models.parquet"
    files.download(info, target)
    assert target.read_bytes() == dump["model"].read_bytes()
    # The rest was asked from where the break left it: at most the chunk being read when the
    # connection broke came twice (half the file was sent before the break).
    assert info.size <= store.stats["bytes_sent"] < info.size + DOWNLOAD_CHUNK
    stats = files.transport.stats
    assert stats.retries == 2 and stats.requests == 4  # the HEAD, three GETs
    assert stats.waits == {"retry": pytest.approx(sum(clock.sleeps))} and len(clock.sleeps) == 2


def test_a_download_that_keeps_progressing_is_not_cut_short_by_the_time_limit(
        make_hub, dump, tmp_path, clock: FakeClock) -> None:
    sim, store = serve(make_hub, dump)
    store.faults.append(FileFault("reset", at=frozenset({1, 2, 3})))
    # Each wait (5 to 10 s) fits in the limit; three together do not.
    policy = RetryPolicy(base_delay=10, max_delay=10, give_up_after=12, rng=random.Random(1))
    files = HubFiles(Transport(sim.url, policy=policy, clock=clock, sleep=clock.sleep))
    info = files.head(HUB_STATS, "models.parquet")
    files.download(info, tmp_path / "models.parquet")
    assert (tmp_path / "models.parquet").read_bytes() == dump["model"].read_bytes()
    assert files.transport.stats.retries == 3 and sum(clock.sleeps) > 12
