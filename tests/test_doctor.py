"""`hfexplore doctor`: configuration, directories, snapshots and the Hub, never the token."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from hfexplore.cli import cli
from hfexplore.config import DEFAULT_ENDPOINT
from hfexplore.doctor import diagnose
from hfexplore.hub import HubClient, Transport
from hfexplore.ingest.crawl import create_snapshot

SECRET = "hf_SECRETdoctorToken42"


def tree_size(path) -> tuple[int, int]:
    sizes = [os.path.getsize(os.path.join(root, name))
             for root, _, names in os.walk(path) for name in names]
    return sum(sizes), len(sizes)


def test_doctor_against_a_hub_that_answers(make_hub, tmp_path, monkeypatch, clock) -> None:
    sim = make_hub(models=1_500, datasets=1, spaces=1, quotas={"api": (500, 300.0)},
                   clock=clock)
    monkeypatch.setenv("HF_ENDPOINT", sim.url)
    monkeypatch.setenv("HF_TOKEN", SECRET)
    data = tmp_path / "data"
    first = create_snapshot(HubClient(Transport(sim.url)), data, ["model"])
    newest = create_snapshot(HubClient(Transport(sim.url)), data, ["model"])
    cache = tmp_path / "cache"
    (cache / "sub").mkdir(parents=True)
    (cache / "a.bin").write_bytes(b"x" * 1234)
    (cache / "sub" / "b.bin").write_bytes(b"y" * 10)
    before = sim.stats["requests"]

    found = diagnose(cache_dir=cache, data_dir=data, clock=clock)
    assert sim.stats["requests"] == before + 1  # one cheap request
    assert (found.endpoint, found.endpoint_from) == (sim.url, "HF_ENDPOINT")
    assert (found.token_present, found.token_from) == (True, "HF_TOKEN")
    assert (found.cache.size_bytes, found.cache.files) == (1244, 2)
    assert (found.data.size_bytes, found.data.files) == tree_size(data)
    assert (found.snapshots, found.newest_snapshot) == (2, newest.name) and first != newest
    assert found.hub is not None and found.hub.answered and found.hub.status == 200
    assert found.hub.quota == f"api {500 - sim.stats['requests']}/500 left, resets in 300s"
    assert SECRET not in repr(found)


def test_doctor_when_the_hub_is_down_or_not_asked(tmp_path) -> None:
    import socket

    # A port held (bound, not listening) for the whole test: connections to it are refused,
    # and no other test can start a server on it meanwhile.
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{held.getsockname()[1]}"
        found = diagnose(url, data_dir=tmp_path / "none", cache_dir=tmp_path / "nocache")
    assert found.hub is not None and not found.hub.answered
    assert found.hub.problem == "connection refused"
    assert not found.data.exists and not found.cache.exists and found.snapshots == 0
    assert not (tmp_path / "none").exists()  # the doctor creates nothing
    assert diagnose(url, data_dir=tmp_path, check_hub=False).hub is None


def test_doctor_cli_table_and_json(make_hub, tmp_path, monkeypatch) -> None:
    sim = make_hub(models=10, datasets=1, spaces=1)
    monkeypatch.setenv("HFEXPLORE_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HFEXPLORE_CACHE", str(tmp_path / "cache"))
    runner = CliRunner()
    table = runner.invoke(cli, ["doctor", "--endpoint", sim.url, "--token", SECRET,
                                "--format", "table"])
    assert table.exit_code == 0, table.output
    assert SECRET not in table.output
    assert "present (from option)" in table.stdout and f"{sim.url} (from option)" in table.stdout
    assert "answers (HTTP 200" in table.stdout and "not created yet" in table.stdout
    doc = json.loads(runner.invoke(cli, ["doctor", "--offline", "--format", "json"]).stdout)
    assert doc["diagnosis"]["endpoint"] == DEFAULT_ENDPOINT
    assert doc["diagnosis"]["hub"] is None and doc["diagnosis"]["token_present"] is False
    assert {r["check"] for r in doc["rows"]} >= {"endpoint", "token", "hub", "snapshots"}


def test_doctor_reports_unfinished_crawls_and_bad_endpoints(tmp_path) -> None:
    work = tmp_path / "snapshots" / ".partial-2020-01-01T000000Z"
    work.mkdir(parents=True)
    result = CliRunner().invoke(cli, ["doctor", "--offline", "--data-dir", str(tmp_path),
                                      "--format", "json"])
    doc = json.loads(result.stdout)
    assert [c["name"] for c in doc["diagnosis"]["unfinished_crawls"]] == ["2020-01-01T000000Z"]
    assert any("snapshot discard 2020-01-01T000000Z" in n for n in doc["notes"])
    bad = CliRunner().invoke(cli, ["doctor", "--endpoint", "garbage"])
    assert bad.exit_code == 2 and "is not a Hub URL" in bad.stderr


@pytest.mark.parametrize("status", [500, 401])
def test_doctor_says_when_the_hub_answers_with_an_error(status, tmp_path) -> None:
    import responses

    with responses.RequestsMock() as mock:
        mock.get("http://hub.test/api/models", status=status, body="no")
        found = diagnose("http://hub.test", data_dir=tmp_path)
    assert found.hub is not None and not found.hub.answered and found.hub.status == status
    assert found.hub.problem == f"HTTP {status}"
