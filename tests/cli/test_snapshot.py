"""`snapshot create` for operators: SIGTERM, leftovers of other crawls, discarding them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
from click.testing import CliRunner

from hfexplore.cli import cli
from hfexplore.errors import HubServerError
from hfexplore.hub import HubClient, RetryPolicy, Transport
from hfexplore.ingest.crawl import create_snapshot
from hfexplore.store.unfinished import STATE, unfinished_crawls
from tests.hubsim.faults import Fault, FaultPlan

RESUME_MESSAGE = "the crawl stopped; every completed page is saved: run the same command again " \
                 "to resume"


@pytest.mark.subprocess
def test_sigterm_stops_a_crawl_like_ctrl_c_and_the_next_run_resumes(make_hub, tmp_path) -> None:
    stall = Fault("delay", every=1, start=3, seconds=120)  # the crawl waits on its 3rd page
    sim = make_hub(models=5_000, datasets=1, spaces=1, faults=FaultPlan([stall]))
    child = subprocess.Popen(
        [sys.executable, "-m", "hfexplore", "snapshot", "create", "--repo-type", "model",
         "--data-dir", str(tmp_path), "--endpoint", sim.url, "--no-cache", "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "HF_HUB_DISABLE_TELEMETRY": "1"})
    try:
        assert stall.reached.wait(60), "the crawl never reached its third page"
        child.send_signal(signal.SIGTERM)
        # Alone it exits within a second; once, in a loaded full run, it took over 60 s (cause
        # not found: see the issue notes), so the bound is past the stalled page's 120 s.
        _, stderr = child.communicate(timeout=180)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 128 + signal.SIGTERM
    assert stderr.strip().splitlines() == [RESUME_MESSAGE, "terminated"]
    work = next((tmp_path / "snapshots").glob(".partial-*"))
    # Pages 1 and 2 came in before the signal; page 2 is kept unless the signal came while it
    # was still being decoded (the fetch thread is already waiting on page 3 by then).
    kept = json.loads((work / STATE).read_text())["types"]["model"]["pages"]
    assert kept in (1, 2)
    sim.faults.faults.clear()
    client = HubClient(Transport(sim.url))
    resumed = create_snapshot(client, tmp_path, ["model"])
    assert resumed.manifest["resumed"] == 1 and resumed.count("model") == 5_000
    assert client.transport.stats.requests == 5 - kept  # the resume starts after the last kept


def leave_unfinished(sim, data_dir) -> None:
    """A crawl of `sim` that stops at its 2nd page and leaves its work directory."""
    sim.faults.faults[:] = [Fault("503", at=frozenset({sim.faults.listing_requests + 2}))]
    with pytest.raises(HubServerError):
        create_snapshot(HubClient(Transport(sim.url, policy=RetryPolicy(max_attempts=1))),
                        data_dir, ["model"])
    sim.faults.faults.clear()


def test_a_crawl_stopped_before_any_page_does_not_claim_pages_were_saved(tmp_path) -> None:
    result = CliRunner().invoke(cli, ["snapshot", "create", "--repo-type", "model",
                                      "--data-dir", str(tmp_path), "--endpoint",
                                      "http://127.0.0.1:9", "--no-cache", "--no-progress"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: cannot reach http://127.0.0.1:9 (connection refused)"]
    assert [c.pages for c in unfinished_crawls(tmp_path)] in ([], [0])


def test_an_unfinished_crawl_of_another_endpoint_is_reported_and_can_be_discarded(
        make_hub, tmp_path) -> None:
    other = make_hub(models=3_000, datasets=1, spaces=1)
    leave_unfinished(other, tmp_path)
    here = make_hub(models=1_000, datasets=1, spaces=1)
    runner = CliRunner()
    data = ["--data-dir", str(tmp_path)]
    created = runner.invoke(cli, ["snapshot", "create", "--repo-type", "model", "--no-progress",
                                  "--no-cache", "--endpoint", here.url, *data])
    assert created.exit_code == 0, created.output
    [leftover] = unfinished_crawls(tmp_path)  # not resumed by a crawl of another endpoint
    assert leftover.endpoint == other.url and leftover.pages == 1
    note = created.stderr.strip().splitlines()
    assert len(note) == 1 and note[0].startswith(f"note: an unfinished crawl of {other.url}")
    assert f"hfexplore snapshot discard {leftover.name}" in note[0]

    listed = json.loads(runner.invoke(cli, ["snapshot", "list", "--format", "json", *data]).stdout)
    assert len(listed["rows"]) == 1
    assert any(other.url in n and leftover.name in n for n in listed["notes"])

    assert runner.invoke(cli, ["snapshot", "discard", *data]).exit_code == 2  # name or --all
    missing = runner.invoke(cli, ["snapshot", "discard", "nope", *data])
    assert missing.exit_code == 1 and "no unfinished crawl named" in missing.stderr
    discarded = runner.invoke(cli, ["snapshot", "discard", leftover.name, *data])
    assert discarded.exit_code == 0 and leftover.name in discarded.stdout
    assert unfinished_crawls(tmp_path) == [] and not leftover.path.exists()
    listed = json.loads(runner.invoke(cli, ["snapshot", "list", "--format", "json", *data]).stdout)
    assert "notes" not in listed and len(listed["rows"]) == 1


def test_discard_all_and_unreadable_leftovers(make_hub, tmp_path) -> None:
    leave_unfinished(make_hub(models=3_000, datasets=1, spaces=1), tmp_path)
    broken = tmp_path / "snapshots" / ".partial-2020-01-01T000000Z"
    broken.mkdir()  # a stopped incremental refresh leaves no state
    crawls = unfinished_crawls(tmp_path)
    assert [c.endpoint is None for c in crawls] == [True, False]
    assert "cannot be read" in crawls[0].describe()
    result = CliRunner().invoke(cli, ["snapshot", "discard", "--all", "--data-dir",
                                      str(tmp_path)])
    assert result.exit_code == 0 and "2 unfinished" in result.stdout
    assert unfinished_crawls(tmp_path) == []
