"""`licenses --live`, `libraries --live`, and the advice when no snapshot exists yet."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from hfexplore.cli import cli
from hfexplore.cli.hints import message_for
from hfexplore.errors import WalkLimitError


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


def test_licenses_live_json_says_what_was_counted(make_hub) -> None:
    sim = make_hub(models=3_000, datasets=500, spaces=100)
    result = run("licenses", "--live", "--endpoint", sim.url, "--no-cache", "-f", "json",
                 "--top", "0")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["source"] == "live" and doc["total"] == 3_000
    assert doc["requests"] == len(doc["counted"]) + 1 == sim.stats["count"]
    none_row = next(row for row in doc["rows"] if row["license"] == "(none)")
    assert none_row["count"] == doc["none_row"]["count"] == 3_000 - doc["none_row"]["counted_sum"]
    assert sum(row["count"] for row in doc["rows"]) == 3_000
    assert {"license", "category", "count", "share", "source", "age_s"} <= set(doc["rows"][0])


def test_libraries_live_table_and_cache(make_hub, tmp_path) -> None:
    sim = make_hub(models=2_000, datasets=100, spaces=100)
    args = ("libraries", "--live", "--endpoint", sim.url, "--cache-dir", str(tmp_path), "-f",
            "table", "--top", "5")
    first = run(*args)
    assert first.exit_code == 0, first.output
    assert "(none or unlisted)" in first.stdout and "source: live" in first.stdout
    again = run(*args)
    assert "source: cache" in again.stdout and "page cache" in again.stdout
    assert sim.stats["count"] == 62  # 61 listed libraries + the total, once


def test_library_list_adds_names(make_hub, tmp_path) -> None:
    sim = make_hub(models=1_000, datasets=100, spaces=100)
    extra = tmp_path / "more.txt"
    extra.write_text("# mine\nmy-own-library\ntransformers\n")
    result = run("libraries", "--live", "--endpoint", sim.url, "--no-cache", "-f", "json",
                 "--library-list", str(extra), "--top", "0")
    doc = json.loads(result.stdout)
    assert doc["counted"][-1] == "my-own-library" and doc["counted"].count("transformers") == 1
    assert doc["requests"] == 63


@pytest.mark.parametrize("args", [
    ("licenses", "--live", "--demo"),
    ("licenses", "--live", "--snapshot", "latest"),
    ("licenses", "--live", "--created-after", "2024-01-01"),
    ("libraries", "--live", "--library", "transformers"),
    ("libraries", "--library-list", "README.md"),
])
def test_options_that_do_not_apply_live_are_usage_errors(args) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output


def test_the_walk_limit_names_the_faster_ways() -> None:
    message = message_for(WalkLimitError("stopped", limit=500, seen=500_000))
    assert "snapshot import hub-stats" in message and "snapshot create" in message


# -- no snapshot yet -------------------------------------------------------------------------------
def test_no_snapshot_advice_estimates_the_crawl_from_one_count(make_hub, tmp_path) -> None:
    sim = make_hub(models=5_500, datasets=2_000, spaces=100)
    # A catalogue whose crawl fits one window: the token's higher quota would not help.
    result = run("authors", "--data-dir", str(tmp_path), env={"HF_ENDPOINT": sim.url})
    assert result.exit_code == 1
    message = result.stderr
    assert "snapshot import hub-stats" in message
    assert "snapshot create --repo-type model`: 5,500 models, 6 requests" in message
    assert "anonymous quota of 500 API requests per 5 minutes" in message
    assert "with a free token" not in message
    assert sim.stats["requests"] == 1 and sim.stats["count"] == 1
    datasets = run("licenses", "--repo-type", "dataset", "--data-dir", str(tmp_path),
                   "--endpoint", sim.url, "--token", "hf_test")
    assert "2,000 datasets, 2 requests" in datasets.stderr
    assert "a free token's quota of 1,000" in datasets.stderr


@pytest.mark.parametrize("shields_enabled", [True, False])
def test_no_snapshot_advice_without_the_count_twin_does_not_walk(make_hub, tmp_path,
                                                                shields_enabled) -> None:
    sim = make_hub(models=1_000, datasets=100, spaces=100, counts_enabled=False,
                   shields_enabled=shields_enabled)
    result = run("lineage", "--data-dir", str(tmp_path), env={"HF_ENDPOINT": sim.url})
    assert result.exit_code == 1
    assert "snapshot import hub-stats" in result.stderr
    if shields_enabled:  # the shields badge's total stands in for the twin's
        assert "1,000 models, 1 requests" in result.stderr and sim.stats["shields"] == 1
    else:
        assert "not estimated" in result.stderr
    assert sim.stats["listing"] == 0


def test_no_snapshot_advice_offline_says_what_works_offline(make_hub, tmp_path) -> None:
    closed = run("growth", "--data-dir", str(tmp_path), env={"HF_ENDPOINT": "http://127.0.0.1:9"})
    assert closed.exit_code == 1
    assert "cannot reach http://127.0.0.1:9" in closed.stderr
    for offline_way in ("--demo", "snapshot import FILE.parquet", "--live --offline"):
        assert offline_way in closed.stderr
    sim = make_hub(models=1_000, datasets=100, spaces=100)
    offline = run("licenses", "--offline", "--data-dir", str(tmp_path), "--endpoint", sim.url)
    assert offline.exit_code == 1 and "--demo" in offline.stderr
    assert sim.stats["requests"] == 0  # --offline: the Hub is not asked
