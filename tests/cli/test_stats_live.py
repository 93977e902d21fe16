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


def test_a_walk_standing_in_for_a_count_says_its_cost_first(make_hub, tmp_path) -> None:
    sim = make_hub(models=1_500, datasets=200, spaces=100, counts_enabled=False,
                   shields_enabled=False)
    result = CliRunner().invoke(cli, ["stats", "--live", "--endpoint", sim.url, "--cache-dir",
                                      str(tmp_path), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["totals"] == {"models": 1_500, "datasets": 200, "spaces": 100}
    assert doc["methods"] == dict.fromkeys(("models", "datasets", "spaces"), "listing-walk")
    warnings = [line for line in result.stderr.splitlines() if line.startswith("WARNING")]
    assert [w.split(" (")[0] for w in warnings] == [
        f"WARNING hfexplore.hub.client: counting {kind} by walking the listing"
        for kind in ("models", "datasets", "spaces")]
    assert all("snapshot import hub-stats" in w and "resumes" in w for w in warnings)


def test_on_a_terminal_a_count_walk_shows_a_bar(make_hub, monkeypatch) -> None:
    import io
    import sys

    from hfexplore.cli.options import hub_client
    from hfexplore.cli.progress import CrawlProgress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    sim = make_hub(models=2_500, counts_enabled=False, shields_enabled=False)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert hub_client({"endpoint": sim.url, "no_cache": True}).walk_progress is None
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    client = hub_client({"endpoint": sim.url, "no_cache": True})
    assert client.walk_progress is CrawlProgress
    assert client.count("model").count == 2_500
    shown = terminal.getvalue()
    assert "  models:" in shown and "2.50k" in shown and "pages=3" in shown


def test_ctrl_c_during_a_count_walk_keeps_its_pages_and_the_next_run_resumes(make_hub,
                                                                            tmp_path) -> None:
    """A real SIGINT while the model walk's 4th page is on its way (the stand-in holds it until
    then): exit 130, a line saying what is kept; the same command then asks only for the pages
    it has not walked."""
    import os
    import signal
    import threading

    from tests.hubsim.faults import Fault, FaultPlan

    stall = Fault("delay", at=frozenset({4}), seconds=60.0)
    sim = make_hub(models=7_000, datasets=10, spaces=10, counts_enabled=False,
                   shields_enabled=False, faults=FaultPlan([stall]))

    def interrupt() -> None:
        if stall.reached.wait(60.0):
            os.kill(os.getpid(), signal.SIGINT)

    args = ["stats", "--live", "--endpoint", sim.url, "--cache-dir", str(tmp_path),
            "--format", "json"]
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # whatever runs pytest
    try:
        threading.Thread(target=interrupt, daemon=True).start()
        stopped = CliRunner().invoke(cli, args)
    finally:
        signal.signal(signal.SIGINT, previous)
        stall.release.set()
    assert stopped.exit_code == 130, stopped.output
    assert ("counting models stopped after 3 pages (3,000 repos met); they stay in the page "
            "cache for an hour: the same command resumes from there") in stopped.stderr
    assert stopped.stderr.splitlines()[-1] == "interrupted" and stopped.stdout == ""
    assert sim.stats["listing"] == 4
    resumed = CliRunner().invoke(cli, args)
    assert resumed.exit_code == 0, resumed.output
    doc = json.loads(resumed.stdout)
    assert doc["totals"] == {"models": 7_000, "datasets": 10, "spaces": 10}
    assert doc["rows"][0]["source"] == "cache"  # partly answered by the kept pages
    # Pages 4 to 7 of the models, then one page of datasets and one of Spaces.
    assert sim.stats["listing"] == 4 + 4 + 1 + 1
