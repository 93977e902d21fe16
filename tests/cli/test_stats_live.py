from __future__ import annotations

import json

import responses
from click.testing import CliRunner

from hfexplore.cli import cli

EP = "http://hub.test"


def serve_counts(models: int = 3_117_871, datasets: int = 900_000, spaces: int = 1_000_000) -> None:
    for kind, total in (("models", models), ("datasets", datasets), ("spaces", spaces)):
        responses.get(f"{EP}/{kind}-json", json={kind: [], "numTotalItems": total})


@responses.activate
def test_stats_json_live_totals(tmp_path) -> None:
    serve_counts()
    result = CliRunner().invoke(cli, ["stats", "--live", "--endpoint", EP, "--cache-dir",
                                      str(tmp_path), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["source"] == "live"
    assert doc["totals"] == {"models": 3_117_871, "datasets": 900_000, "spaces": 1_000_000}
    assert doc["methods"] == {"models": "website-count", "datasets": "website-count",
                              "spaces": "website-count"}


@responses.activate
def test_stats_reads_hf_endpoint_and_caches(tmp_path, monkeypatch) -> None:
    serve_counts()
    monkeypatch.setenv("HF_ENDPOINT", EP)
    monkeypatch.setenv("HFEXPLORE_CACHE", str(tmp_path / "cache"))
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(cli, ["stats", "--live", "--format", "table"])
        assert result.exit_code == 0, result.output
        assert "3,117,871" in result.stdout
    assert len(responses.calls) == 3  # the second run came from the cache
    assert oct((tmp_path / "cache").stat().st_mode & 0o777) == "0o700"
    offline = runner.invoke(cli, ["stats", "--live", "--offline", "--format", "csv"])
    assert offline.exit_code == 0 and "3117871" in offline.stdout


def test_no_network_is_one_line_and_exit_1(tmp_path) -> None:
    result = CliRunner().invoke(cli, ["stats", "--live", "--endpoint", "http://127.0.0.1:9",
                                      "--no-cache"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: cannot reach http://127.0.0.1:9 (connection refused)"]
    assert "Traceback" not in result.output


def test_the_first_command_offline_says_what_works_offline(tmp_path) -> None:
    """`hfexplore stats`, the README's first command, with no snapshot and no network."""
    from hfexplore.cli.hints import OFFLINE_ADVICE

    result = CliRunner().invoke(cli, ["stats", "--endpoint", "http://127.0.0.1:9", "--no-cache",
                                      "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "error: cannot reach http://127.0.0.1:9 (connection refused), and there is no snapshot "
        f"to read instead; {OFFLINE_ADVICE}")
    assert "--demo" in OFFLINE_ADVICE and "snapshot import" in OFFLINE_ADVICE


def test_contradictory_cache_flags_are_a_usage_error(tmp_path) -> None:
    result = CliRunner().invoke(cli, ["stats", "--live", "--offline", "--no-cache"])
    assert result.exit_code == 2
    assert "cannot be combined" in result.stderr


def test_offline_miss_is_a_clear_error(tmp_path) -> None:
    result = CliRunner().invoke(cli, ["stats", "--live", "--offline", "--endpoint", EP,
                                      "--cache-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "offline mode: the cache holds no answer" in result.stderr
    assert "run the same command once without --offline" in result.stderr


@responses.activate
def test_cache_info_and_clear(tmp_path) -> None:
    serve_counts()
    runner = CliRunner()
    runner.invoke(cli, ["stats", "--live", "--endpoint", EP, "--cache-dir", str(tmp_path)])
    info = runner.invoke(cli, ["cache", "info", "--cache-dir", str(tmp_path)])
    assert "entries:   3" in info.stdout
    cleared = runner.invoke(cli, ["cache", "clear", "--cache-dir", str(tmp_path)])
    assert "removed 3" in cleared.stdout
    assert "entries:   0" in runner.invoke(cli, ["cache", "info", "--cache-dir",
                                                  str(tmp_path)]).stdout


def test_corrupt_cache_is_reported_and_cleared(tmp_path) -> None:
    (tmp_path / "cache.db").write_bytes(b"this is not sqlite" * 100)
    runner = CliRunner()
    info = runner.invoke(cli, ["cache", "info", "--cache-dir", str(tmp_path)])
    assert info.exit_code == 0
    cleared = runner.invoke(cli, ["cache", "clear", "--cache-dir", str(tmp_path)])
    assert cleared.exit_code == 0
    assert "entries:   0" in runner.invoke(cli, ["cache", "info", "--cache-dir",
                                                  str(tmp_path)]).stdout


# -- live means fetched now (issue 11) -------------------------------------------------------------
class WallClock:
    def __init__(self, now: float = 1_700_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@responses.activate
def test_a_cached_count_is_labelled_and_expires_after_minutes(tmp_path) -> None:
    from hfexplore.hub import HubClient, Transport
    from hfexplore.hub.cache import COUNT_TTL, CacheMode, PageCache
    from hfexplore.stats.live import live_totals

    clock = WallClock()
    cache = PageCache(tmp_path / "cache", now=clock)

    def client(mode: CacheMode = CacheMode.USE) -> HubClient:
        return HubClient(Transport(EP, cache=cache, cache_mode=mode))

    serve_counts(models=1_000)
    first = live_totals(client(), ["model"])
    assert first.source == "live" and first.rows.iloc[0]["source"] == "live"
    clock.now += 60  # a minute later: the cached count is still fresh, and says so
    second = live_totals(client(), ["model"])
    assert second.source == "cache" and second.extra["age_s"] == 60
    assert second.rows.iloc[0]["age_s"] == 60 and "60 s ago" in second.notes[0]
    assert len(responses.calls) == 1
    # The catalogue grows; past the count's freshness the next answer is fetched again.
    responses.replace(responses.GET, f"{EP}/models-json", json={"models": [],
                                                                 "numTotalItems": 1_500})
    clock.now += COUNT_TTL
    third = live_totals(client(), ["model"])
    assert third.source == "live" and third.extra["totals"] == {"models": 1_500}
    # --offline may serve an old answer, and labels it with its age.
    clock.now += 3_600
    offline = live_totals(client(CacheMode.OFFLINE), ["model"])
    assert offline.source == "cache" and offline.extra["age_s"] == 3_600 + 0.0
    assert offline.extra["totals"] == {"models": 1_500}
