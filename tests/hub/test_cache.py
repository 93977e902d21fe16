"""The page cache: keys without the token, freshness on an injected clock, damage degrades."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import responses

from hfexplore.errors import HfExploreError
from hfexplore.hub import HubClient, Transport
from hfexplore.hub.cache import RETENTION, CacheMode, PageCache, open_cache

TOKEN = "hf_secretTOKEN0123456789"
URL = "https://hub.test/api/models?limit=1000"


class Clock:
    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_keys_say_authenticated_or_not_and_never_hold_the_token(tmp_path: Path) -> None:
    cache = PageCache(tmp_path / "cache")
    with responses.RequestsMock() as mock:
        mock.get(URL, json=[{"_id": "1", "id": "a/b"}])
        transport = Transport("https://hub.test", TOKEN, cache=cache, cache_mode=CacheMode.USE)
        transport.get(URL, ttl=60)
    keys = list(cache._cache.iterkeys())  # type: ignore[union-attr]
    assert keys == [PageCache.key(URL, True)] == [f"auth {URL}"]
    cache.close()
    for path in (tmp_path / "cache").rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


def test_an_anonymous_run_is_not_served_an_authenticated_answer(tmp_path: Path) -> None:
    cache = PageCache(tmp_path / "cache")
    cache.set(URL, True, b"[1]", None, ttl=60)
    assert cache.get(URL, False) is None and cache.get(URL, True) is not None


def test_max_age_follows_the_injected_clock(tmp_path: Path) -> None:
    clock = Clock()
    cache = PageCache(tmp_path / "cache", now=clock)
    cache.set(URL, False, b"[]", "https://hub.test/next", ttl=300)
    clock.now += 299
    entry = cache.get(URL, False, max_age=300)
    assert entry is not None and entry.next_url == "https://hub.test/next"
    assert cache.age(entry) == 299
    clock.now += 2
    assert cache.get(URL, False, max_age=300) is None  # too old to count as fresh
    assert cache.get(URL, False) is not None  # still kept for --offline
    assert cache.age(entry) == 301


def test_entries_are_kept_for_the_retention_period_at_least(tmp_path: Path,
                                                            monkeypatch) -> None:
    cache = PageCache(tmp_path / "cache")
    expires: list[float | None] = []
    real_set = cache._cache.set  # type: ignore[union-attr]
    monkeypatch.setattr(cache._cache, "set",
                        lambda key, value, expire=None: expires.append(expire) or
                        real_set(key, value, expire=expire))
    cache.set(URL, False, b"[]", None, ttl=60)
    cache.set(URL + "&x", False, b"[]", None, ttl=RETENTION * 2)
    assert expires == [RETENTION, RETENTION * 2]


def test_modes_say_what_they_read_and_write() -> None:
    assert [(m.reads, m.writes) for m in CacheMode] == [(True, True), (False, True),
                                                        (False, False), (True, False)]


def test_a_corrupt_cache_degrades_to_no_cache_and_clear_repairs_it(tmp_path: Path,
                                                                    caplog) -> None:
    directory = tmp_path / "cache"
    PageCache(directory).close()
    (directory / "cache.db").write_bytes(b"this is not sqlite" * 100)
    with caplog.at_level(logging.WARNING, logger="hfexplore.hub.cache"):
        broken = PageCache(directory)
    assert "unreadable" in caplog.text and "hfexplore cache clear" in caplog.text
    broken.set(URL, False, b"[]", None, ttl=60)  # ignored, not raised
    assert broken.get(URL, False) is None
    assert broken.info().entries == 0 and broken.info().size_bytes > 0
    assert broken.clear() == 0
    broken.set(URL, False, b"[]", None, ttl=60)
    assert broken.get(URL, False) is not None and broken.info().entries == 1


def test_a_client_with_a_corrupt_cache_still_answers(tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    PageCache(directory).close()
    (directory / "cache.db").write_bytes(b"garbage" * 200)
    with responses.RequestsMock() as mock:
        mock.get("https://hub.test/api/models/a/b", json={"id": "a/b"})
        client = HubClient(Transport("https://hub.test", cache=PageCache(directory)))
        assert client.repo_info("model", "a/b")["id"] == "a/b"


def test_a_cache_directory_that_cannot_be_created_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(HfExploreError, match=str(blocker)):
        open_cache(blocker / "cache")
