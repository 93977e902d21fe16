"""`--record DIR`: every answer received, as received, in the documented layout (hub/record.py);
never the token, an Authorization header or a cookie; a recording replays as a fixture."""

from __future__ import annotations

import json
import random
import re
import stat
from pathlib import Path

import pytest
import responses
from click.testing import CliRunner

from hfexplore.cli import cli
from hfexplore.hub import HubClient, ListQuery, RetryPolicy, Transport, connect
from hfexplore.hub.record import FORMAT, Recorder
from hfexplore.stats.live import live_totals
from tests.conftest import FIXTURES
from tests.hubsim.faults import Fault, FaultPlan
from tests.replay import body_of, recording, replay

TOKEN = "hf_PLANTEDrecordToken0123456789"
FIXTURE = FIXTURES / "recordings" / "stats-live-no-twins"


def every_byte(directory: Path) -> bytes:
    return b"".join(p.read_bytes() + p.name.encode() for p in directory.rglob("*")
                    if p.is_file())


def test_a_recording_holds_every_answer_in_the_documented_layout(make_hub, tmp_path) -> None:
    sim = make_hub(models=1_500, datasets=10, spaces=10, counts_enabled=False,
                   shields_enabled=False)
    directory = tmp_path / "rec"
    client = connect(sim.url, cache_mode="off", record=directory)
    assert client.count("model").count == 1_500
    meta, exchanges = recording(directory)
    assert meta["format"] == FORMAT and meta["endpoint"] == sim.url
    assert [(e["n"], e["method"], e["status"]) for e in exchanges] == [
        (1, "GET", 404), (2, "GET", 404), (3, "GET", 200), (4, "GET", 200)]
    assert exchanges[0]["url"] == f"{sim.url}/models-json?p=0&withCount=true"
    assert exchanges[1]["url"] == f"{sim.url}/api/shields/models"
    first, last = exchanges[2], exchanges[3]
    assert first["url"] == f"{sim.url}/api/models?expand=likes&limit=1000"
    assert last["url"] == re.search(r"<([^>]+)>", first["headers"]["Link"]).group(1)
    # Bodies byte for byte: 1,000 then 500 repos, as the stand-in renders them.
    assert [len(json.loads(body_of(directory, e))) for e in (first, last)] == [1_000, 500]
    for exchange in exchanges:
        body = body_of(directory, exchange)
        assert exchange["body_bytes"] == len(body) == int(exchange["headers"]["Content-Length"])
        assert exchange["body_complete"] and exchange["authenticated"] is False
        assert exchange["headers"]["RateLimit"].startswith(('"api"', '"pages"'))
    assert "HTTP 404" in exchanges[0]["error"] and exchanges[2]["error"] is None
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    # A second command adds to the same recording.
    connect(sim.url, cache_mode="off", record=directory).count("dataset")
    assert [e["n"] for e in recording(directory)[1]] == list(range(1, 8))


def test_no_token_anywhere_in_a_recording_of_commands_sent_with_one(make_hub, tmp_path) -> None:
    sim = make_hub(models=1_200, datasets=30, spaces=20, counts_enabled=False)
    directory = tmp_path / "rec"
    runner = CliRunner()
    for args in (["stats", "--live", "--no-cache"], ["doctor"],
                 ["licenses", "--live", "--top", "3", "--no-cache"]):
        result = runner.invoke(cli, [*args, "--endpoint", sim.url, "--token", TOKEN,
                                     "--record", str(directory), "--format", "json"])
        assert result.exit_code == 0, result.output
    exchanges = recording(directory)[1]
    assert len(exchanges) >= 8
    assert any(e["authenticated"] for e in exchanges)  # the token was sent...
    written = every_byte(directory)
    assert TOKEN.encode() not in written and b"PLANTED" not in written  # ...and never written
    assert b"uthorization" not in written


@responses.activate
def test_a_token_the_hub_echoes_back_is_scrubbed_and_cookies_dropped(tmp_path) -> None:
    responses.get("http://hub.test/api/shields/models",
                  json={"schemaVersion": 1, "message": "12", "echo": f"Bearer {TOKEN}"},
                  headers={"Set-Cookie": f"session={TOKEN}; HttpOnly",
                           "X-Echo": f"you sent {TOKEN}", "Link": f"<http://x/?t={TOKEN}>"})
    directory = tmp_path / "rec"
    client = connect("http://hub.test", TOKEN, cache_mode="off", record=directory)
    assert client.count("model", website=False).count == 12
    (exchange,) = recording(directory)[1]
    assert "Set-Cookie" not in exchange["headers"]
    assert exchange["headers"]["X-Echo"] == "you sent [token]"
    assert b'"echo": "Bearer [token]"' in body_of(directory, exchange)
    assert exchange["body_bytes"] > len(body_of(directory, exchange))  # what came, unscrubbed
    assert TOKEN.encode() not in every_byte(directory)


def test_retries_failures_and_long_bodies_are_recorded_as_they_happened(
        make_hub, clock, tmp_path, monkeypatch) -> None:
    faults = FaultPlan([Fault("429", at=frozenset({1}), retry_after=1.0),
                        Fault("truncate", at=frozenset({2}))])
    sim = make_hub(models=1_000, faults=faults, clock=clock)
    directory = tmp_path / "rec"
    monkeypatch.setattr("hfexplore.hub.transport.MAX_BODY", 10_000)
    transport = Transport(sim.url, clock=clock, sleep=clock.sleep,
                          policy=RetryPolicy(rng=random.Random(1)),
                          recorder=Recorder(directory, endpoint=sim.url))
    pages = list(HubClient(transport).iter_pages(ListQuery("model"), use_cache=False))
    assert sum(len(p.items) for p in pages) == 1_000
    exchanges = recording(directory)[1]
    assert [e["status"] for e in exchanges] == [429, 200, 200]
    assert exchanges[0]["error"] is None and exchanges[0]["headers"]["Retry-After"] == "1"
    assert exchanges[1]["error"] == "truncated or invalid JSON body"
    whole = exchanges[2]
    assert len(body_of(directory, whole)) == 10_000 < whole["body_bytes"]  # cut at MAX_BODY
    assert not whole["body_complete"]
    refused = tmp_path / "refused"
    with pytest.raises(Exception, match="connection refused"):
        connect("http://127.0.0.1:9", cache_mode="off", record=refused).count("model")
    (attempt, *_) = recording(refused)[1]
    assert (attempt["status"], attempt["body"], attempt["error"]) == \
        (None, None, "connection refused")


def test_a_recording_directory_that_cannot_be_made_is_one_line(tmp_path) -> None:
    (tmp_path / "file").write_text("x")
    result = CliRunner().invoke(cli, ["stats", "--live", "--endpoint", "http://127.0.0.1:9",
                                      "--record", str(tmp_path / "file" / "rec")])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: cannot use {tmp_path / 'file' / 'rec'}")
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_committed_recording_replays_to_what_its_bodies_say() -> None:
    """fixtures/recordings/stats-live-no-twins, served back: the totals are those of the
    recorded answers, read here with plain json (the badges' messages, the walk's _ids)."""
    _meta, exchanges = recording(FIXTURE)
    bodies = {e["url"].split("/", 3)[3]: body_of(FIXTURE, e) for e in exchanges}
    expected = {
        "models": int(json.loads(bodies["api/shields/models"])["message"].replace(",", "")),
        "datasets": int(json.loads(bodies["api/shields/datasets"])["message"].replace(",", "")),
        "spaces": len({i["_id"] for i in json.loads(bodies["api/spaces?expand=likes&limit=1000"])}),
    }
    with replay(FIXTURE) as endpoint:
        doc = live_totals(HubClient(Transport(endpoint))).document()
    assert doc["totals"] == expected == {"models": 2_500, "datasets": 1_500, "spaces": 300}
    assert doc["methods"] == {"models": "shields", "datasets": "shields",
                              "spaces": "listing-walk"}


def test_a_recording_replays_what_the_stand_in_answered(make_hub, tmp_path) -> None:
    sim = make_hub(models=2_345, datasets=120, spaces=50, counts_enabled=False,
                   shields_enabled=False)
    directory = tmp_path / "rec"
    live = live_totals(connect(sim.url, cache_mode="off", record=directory)).document()
    sim.stop()
    with replay(directory) as endpoint:
        replayed = live_totals(HubClient(Transport(endpoint))).document()
    assert replayed["totals"] == live["totals"] == {"models": 2_345, "datasets": 120,
                                                    "spaces": 50}


def test_every_request_of_an_import_and_a_crawl_is_recorded(make_hub, tmp_path) -> None:
    """HEADs answered by a redirect, the CDN's ranged downloads and a crawl's pages (fetched
    on another thread than they are decoded): all go through the one request loop, so the
    recording holds as many exchanges as the stand-in answered, and a download's body is the
    file byte for byte."""
    import hashlib

    from tests.hubsim import SyntheticCatalog
    from tests.hubsim.dumps import hub_stats_repo
    from tests.hubsim.files import FileStore

    store = FileStore(redirect=True)
    catalogs = {t: SyntheticCatalog(t, n) for t, n in (("model", 1_200), ("dataset", 2_500),
                                                       ("space", 50))}
    written = hub_stats_repo(store, catalogs, "2025-02", tmp_path / "dump")
    sim = make_hub(catalogs=catalogs, files=store)
    directory = tmp_path / "rec"
    runner = CliRunner()
    for args in (["snapshot", "import", "hub-stats"],
                 ["snapshot", "create", "--repo-type", "dataset"]):
        result = runner.invoke(cli, [*args, "--endpoint", sim.url, "--data-dir",
                                     str(tmp_path / "data"), "--no-cache", "--record",
                                     str(directory)])
        assert result.exit_code == 0, result.output
    served = sim.stats["requests"] + sum(store.stats[k] for k in ("head", "tree", "cdn",
                                                                  "resolve"))
    exchanges = recording(directory)[1]
    assert len(exchanges) == served
    assert [e["n"] for e in exchanges] == list(range(1, served + 1))
    heads = [e for e in exchanges if e["method"] == "HEAD"]
    assert [(e["status"], e["url"].rsplit("/", 1)[1]) for e in heads] == [
        (302, "models.parquet"), (302, "datasets.parquet"), (302, "spaces.parquet")]
    assert all("/_cdn/" in e["headers"]["Location"] for e in heads)
    models = written["model"].read_bytes()
    (download,) = [e for e in exchanges if e["url"].endswith(heads[0]["headers"]["Location"])]
    assert (download["status"], download["request_headers"]) == \
        (206, {"Range": f"bytes=0-{len(models) - 1}"})
    assert download["body_complete"] and download["body_bytes"] == len(models)
    assert hashlib.sha256(body_of(directory, download)).digest() == \
        hashlib.sha256(models).digest()
    pages = [e for e in exchanges if "/api/datasets?" in e["url"]]
    assert len(pages) == 3 and all(e["status"] == 200 for e in pages)  # 2,500 datasets
