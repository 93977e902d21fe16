"""The page cache: keys without the token, freshness on an injected clock, damage degrades,
nothing stored or read is a pickle."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import diskcache
import pytest
import responses
from click.testing import CliRunner

from hfexplore.cli import cli
from hfexplore.errors import HfExploreError
from hfexplore.hub import HubClient, Transport
from hfexplore.hub.cache import (
    ENTRY_MARKER,
    RETENTION,
    CacheMode,
    ForeignEntryError,
    PageCache,
    open_cache,
)

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


# -- nothing read from the cache is ever unpickled (issue 22) ------------------------------------
class Planted:
    """A pickle that touches `marker` when loaded: proof that a cache row was unpickled."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def plant(directory: Path, keys: list[str], marker: Path) -> None:
    """Store pickles under `keys` with diskcache's own default (pickling) Disk: small ones in
    cache.db, large ones (over diskcache's 32 KB) in a value file beside it."""
    raw = diskcache.Cache(str(directory))
    for number, key in enumerate(keys):
        raw.set(key, Planted(marker) if number % 2 else [Planted(marker), b"x" * 50_000],
                expire=RETENTION)
    raw.close()


def test_rows_in_any_other_form_are_misses_and_nothing_is_unpickled(tmp_path: Path,
                                                                     caplog) -> None:
    directory, marker = tmp_path / "cache", tmp_path / "unpickled"
    cache = PageCache(directory)
    cache.set(URL, False, b"[1]", None, ttl=60)
    assert cache.get(URL, False) is not None
    cache.close()
    urls = [f"{URL}&page={n}" for n in range(8)]
    plant(directory, [PageCache.key(u, False) for u in urls[:4]], marker)
    raw = diskcache.Cache(str(directory))
    for url, value in zip(urls[4:], [12345, "a string", b"[] without the marker",
                                     ENTRY_MARKER + b"{not json\n[]"], strict=True):
        raw.set(PageCache.key(url, False), value)
    raw.close()
    with caplog.at_level(logging.WARNING, logger="hfexplore.hub.cache"):
        cache = PageCache(directory)
        assert [cache.get(u, False) for u in urls] == [None] * 8
    assert not marker.exists()
    assert caplog.text.count("in a form this version does not read") == 1  # once, not per row
    assert cache.get(URL, False) is not None  # the entries of this version still serve
    cache.set(urls[0], False, b"[2]", None, ttl=60)  # a foreign row is simply replaced
    entry = cache.get(urls[0], False)
    assert entry is not None and entry.content == b"[2]"
    assert cache.info().entries == 9
    assert not marker.exists()


def test_a_pickled_key_is_never_loaded(tmp_path: Path) -> None:
    marker = tmp_path / "unpickled"
    raw = diskcache.Cache(str(tmp_path / "cache"))
    raw.set((Planted(marker),), b"x")  # a key that is not a string is pickled by diskcache
    raw.close()
    cache = PageCache(tmp_path / "cache")
    with pytest.raises(ForeignEntryError):
        list(cache._cache.iterkeys())  # type: ignore[union-attr]
    assert cache.info().entries == 1 and cache.clear() == 1
    assert not marker.exists()


def test_a_row_naming_a_file_elsewhere_neither_reads_nor_deletes_it(tmp_path: Path) -> None:
    directory, victim = tmp_path / "cache", tmp_path / "precious.txt"
    victim.write_text("the user's")
    cache = PageCache(directory)
    cache.set(URL, False, b"[]", None, ttl=60)
    cache.close()
    with sqlite3.connect(directory / "cache.db") as db:  # a crafted row: "my value is in..."
        db.execute("UPDATE Cache SET mode = ?, filename = ?, value = NULL",
                   (diskcache.core.MODE_BINARY, str(victim)))
    cache = PageCache(directory)
    assert cache.get(URL, False) is None
    assert cache.clear() == 1
    assert victim.read_text() == "the user's"


def test_entries_are_bytes_and_one_line_of_json(tmp_path: Path) -> None:
    cache = PageCache(tmp_path / "cache", now=Clock(1234.5))
    cache.set(URL, False, b'[{"id": "a/b"}]\n', "https://hub.test/next", ttl=60)
    cache.close()
    with sqlite3.connect(tmp_path / "cache" / "cache.db") as db:
        ((mode, value),) = db.execute("SELECT mode, value FROM Cache").fetchall()
    assert mode == diskcache.core.MODE_RAW and isinstance(value, bytes)
    header, body = value[len(ENTRY_MARKER):].split(b"\n", 1)
    assert value.startswith(ENTRY_MARKER) and body == b'[{"id": "a/b"}]\n'
    assert json.loads(header) == {"next_url": "https://hub.test/next", "stored_at": 1234.5}


def counts(table: str) -> list[tuple[str, str]]:
    return [tuple(line.split(",")[:2]) for line in table.splitlines()]  # type, count


def test_commands_reading_a_planted_cache_never_unpickle_it(make_hub, tmp_path: Path) -> None:
    sim = make_hub(models=200, datasets=50, spaces=20)
    directory, marker = tmp_path / "cache", tmp_path / "unpickled"
    runner = CliRunner()

    def run(*args: str):
        result = runner.invoke(cli, [*args, "--cache-dir", str(directory)])
        assert not marker.exists(), f"{args} unpickled a cache row"
        assert "Traceback" not in result.output
        return result

    assert run("stats", "--live", "--endpoint", sim.url).exit_code == 0
    raw = diskcache.Cache(str(directory))
    keys = list(raw.iterkeys())
    raw.close()
    assert len(keys) == 3
    plant(directory, keys, marker)

    offline = run("stats", "--live", "--offline", "--endpoint", sim.url)
    assert offline.exit_code == 1  # every entry is a miss, and offline a miss is an error
    assert "offline mode: the cache holds no answer" in offline.stderr
    assert offline.stderr.count("in a form this version does not read") == 1
    info = run("cache", "info")
    assert info.exit_code == 0 and "entries:   3" in info.stdout
    live = run("stats", "--live", "--endpoint", sim.url, "-f", "csv")
    assert live.exit_code == 0 and "model" in live.stdout  # fetched again...
    again = run("stats", "--live", "--offline", "--endpoint", sim.url, "-f", "csv")
    assert again.exit_code == 0 and ",cache," in again.stdout  # ...and cached as bytes
    assert counts(again.stdout) == counts(live.stdout)
    assert "does not read" not in again.stderr
