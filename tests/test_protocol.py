"""`hfexplore doctor --protocol`: every check holds against the stand-in Hub, in under 30
requests; with each switch or fault that breaks one assumption, that check says how it differs
and every other still holds; without a Hub, every check is unreachable after one attempt."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from hfexplore.cli import cli
from hfexplore.protocol import CHECKS, check_protocol
from tests.hubsim import SyntheticCatalog
from tests.hubsim.dumps import HUB_STATS, WEEKLY, hub_stats_repo, write_dump
from tests.hubsim.files import FileFault, FileStore
from tests.hubsim.server import HubSim
from tests.replay import recording

NAMES = [name for name, _ in CHECKS]
TOKEN = "hf_PLANTEDprotocolToken987"


@pytest.fixture(scope="module")
def catalogs():
    return {kind: SyntheticCatalog(kind, n)
            for kind, n in (("model", 2_400), ("dataset", 300), ("space", 200))}


@pytest.fixture(scope="module")
def dumps(catalogs, tmp_path_factory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("dumps")
    written = hub_stats_repo(FileStore(), catalogs, "2026-10", work / "hub-stats")
    written["old-models"] = write_dump(catalogs["model"], "2025-02", work / "old.parquet",
                                       drop=("downloadsAllTime", "baseModels"))
    return written


def files_for(catalogs, dumps, *, weekly: bool = True, hub_stats: bool = True,
              models: Path | None = None) -> FileStore:
    """The two dumps' repos as the Hub holds them (LFS files redirected to its CDN)."""
    store = FileStore(redirect=True)
    if hub_stats:
        for repo_type in ("model", "dataset", "space"):
            path = models if repo_type == "model" and models is not None else dumps[repo_type]
            store.add(HUB_STATS, f"{repo_type}s.parquet", path)
    if weekly:
        for day in ("2025-01-06", "2025-02-03"):
            store.add(WEEKLY, f"models/{day}/models.parquet", dumps["model"])
    return store


def run(catalogs, dumps, files: FileStore | None = None, **options):
    store = files if files is not None else files_for(catalogs, dumps)
    with HubSim(catalogs, files=store, **options) as sim:
        result = check_protocol(sim.url)
        served = sim.stats["requests"] + sum(store.stats[k] for k in ("head", "tree", "cdn",
                                                                      "resolve"))
    return result, served


def statuses(result) -> dict[str, str]:
    return {c.check: c.status for c in result.checks}


def test_every_check_holds_against_the_stand_in_in_under_30_requests(catalogs, dumps) -> None:
    result, served = run(catalogs, dumps)
    assert [c.check for c in result.checks] == NAMES
    assert statuses(result) == dict.fromkeys(NAMES, "holds"), result.checks
    assert result.holds
    assert result.requests == served < 30  # what hfexplore sent is what the stand-in served
    detail = {c.check: c.detail for c in result.checks}
    assert "models 2,400, datasets 300, spaces 200" in detail["count-twins"]
    assert detail["shields"] == "exact totals: models 2,400, datasets 300"
    assert detail["page-size"] == "limit=1,000 gives 1,000 repos a page"
    assert "2 dated folders, 2025-01-06 to 2025-02-03" in detail["weekly-files"]
    assert "api q=" in detail["ratelimit-headers"] and "pages q=" in detail["ratelimit-headers"]


BREAKS = [
    # (what the stand-in does differently, the checks that say so, words of their detail)
    ({"send_link": False}, ["listing-link"], 'no Link: rel="next"'),
    ({"max_limit": 100}, ["page-size"], "got 100 with more to come"),
    ({"unexpandable": ("gated",)}, ["expand-fields"], '"expand" has invalid value(s): gated'),
    ({"counts_enabled": False}, ["count-twins", "count-twin-filters"], "has no /models-json"),
    ({"ignored_count_filters": ("library",)}, ["count-twin-filters"],
     "the filter is ignored"),
    ({"shields_enabled": False}, ["shields"], "has no /api/shields/models"),
    ({"single_repo": False}, ["single-repo"], "HTTP 404"),
    ({"send_ratelimit": False}, ["ratelimit-headers"], 'no RateLimit header for the "api"'),
    ({"send_ratelimit_policy": False}, ["ratelimit-headers"], "no readable RateLimit-Policy"),
    ({"ratelimit_form": "draft-7"}, ["ratelimit-headers"],
     "RateLimit 'limit=1000000000, remaining="),
    ({"faults": "garbage@1"}, ["listing-link", "count-twin-filters", "single-repo"],
     "not JSON"),
    ({"files": "no-weekly"}, ["weekly-files"], "hub_weekly_snapshots"),
    ({"files": "no-hub-stats"}, ["hub-stats-files", "dump-footer"], "hub-stats"),
    ({"files": "ignore-range"}, ["dump-footer"], "ignores HTTP Range"),
    ({"files": "old-dump"}, ["dump-footer"], "no column for downloadsAllTime, baseModels"),
]


@pytest.mark.parametrize(("change", "broken", "words"), BREAKS,
                         ids=[",".join(f"{k}={v}" for k, v in c.items()) for c, _, _ in BREAKS])
def test_a_broken_assumption_is_reported_by_its_check_alone(catalogs, dumps, change, broken,
                                                            words) -> None:
    from tests.hubsim.faults import Fault, FaultPlan

    options = dict(change)
    files = None
    kind = options.pop("files", None)
    if kind is not None:
        files = files_for(catalogs, dumps, weekly=kind != "no-weekly",
                          hub_stats=kind != "no-hub-stats",
                          models=dumps["old-models"] if kind == "old-dump" else None)
        if kind == "ignore-range":
            files.faults.append(FileFault("ignore_range", at=frozenset({1})))
    if "faults" in options:
        options["faults"] = FaultPlan([Fault.parse(options["faults"])])
    result, served = run(catalogs, dumps, files, **options)
    found = statuses(result)
    assert {name for name, status in found.items() if status != "holds"} == set(broken), \
        result.checks
    for check in result.checks:
        if check.check in broken:
            assert check.status == "differs" and words in check.detail, check
    assert not result.holds and result.requests == served < 30


def test_a_check_without_a_usable_answer_is_unreachable_and_the_others_still_run(
        catalogs, dumps, clock) -> None:
    # The CDN fails every read of the dump's bytes: the footer check gets no answer at all,
    # which says nothing about the protocol (unreachable, not differs).
    files = files_for(catalogs, dumps)
    files.faults.append(FileFault("500", at=frozenset(range(1, 20)), path="models.parquet"))
    with HubSim(catalogs, files=files) as sim:
        result = check_protocol(sim.url, clock=clock, sleep=clock.sleep)
    found = statuses(result)
    assert found == {**dict.fromkeys(NAMES, "holds"), "dump-footer": "unreachable"}
    (footer,) = [c for c in result.checks if c.check == "dump-footer"]
    assert "HTTP 500" in footer.detail and files.stats["faults"] == 2  # one retry, then given up
    report = CliRunner().invoke(cli, ["doctor", "--protocol", "--endpoint", "http://127.0.0.1:9",
                                      "--timeout", "1", "--format", "json"])
    assert report.exit_code == 1
    assert json.loads(report.stdout)["notes"] == [
        "0 of 11 checks hold; 1 request",
        "an unreachable check got no usable answer (the network, the Hub's load or its quota): "
        "run it again later; `hfexplore doctor` says whether the Hub answers at all"]


def test_without_a_hub_every_check_is_unreachable_after_one_attempt() -> None:
    with socket.socket() as held:  # bound, not listening: connections are refused
        held.bind(("127.0.0.1", 0))
        result = check_protocol(f"http://127.0.0.1:{held.getsockname()[1]}", timeout=2.0)
    assert statuses(result) == dict.fromkeys(NAMES, "unreachable")
    assert result.requests == 1
    assert "connection refused" in result.checks[0].detail
    assert result.checks[1].detail.startswith("not tried: cannot reach")


def test_the_cli_prints_a_line_per_check_and_exits_1_unless_all_hold(catalogs, dumps,
                                                                     tmp_path) -> None:
    runner = CliRunner()
    with HubSim(catalogs, files=files_for(catalogs, dumps)) as sim:
        table = runner.invoke(cli, ["doctor", "--protocol", "--endpoint", sim.url,
                                    "--format", "table"])
        record = tmp_path / "rec"
        as_json = runner.invoke(cli, ["doctor", "--protocol", "--endpoint", sim.url,
                                      "--token", TOKEN, "--record", str(record),
                                      "--format", "json"])
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    for name in NAMES:
        (line,) = [text for text in lines if text.startswith(name + " ")]
        assert " holds " in line
    assert as_json.exit_code == 0, as_json.output
    doc = json.loads(as_json.stdout)
    assert [r["check"] for r in doc["rows"]] == NAMES
    assert {r["status"] for r in doc["rows"]} == {"holds"} and doc["holds"] is True
    assert set(doc["rows"][0]) == {"check", "status", "detail"}
    exchanges = recording(record)[1]
    assert len(exchanges) == doc["requests"] < 30
    assert any(e["authenticated"] for e in exchanges)
    written = b"".join(p.read_bytes() for p in record.rglob("*") if p.is_file())
    assert TOKEN.encode() not in written
    with HubSim(catalogs, files=files_for(catalogs, dumps), shields_enabled=False) as sim:
        broken = runner.invoke(cli, ["doctor", "--protocol", "--endpoint", sim.url,
                                     "--format", "json"])
    assert broken.exit_code == 1
    rows = {r["check"]: r for r in json.loads(broken.stdout)["rows"]}
    assert rows["shields"]["status"] == "differs"
    assert "--record DIR" in json.loads(broken.stdout)["notes"][-1]
    usage = runner.invoke(cli, ["doctor", "--protocol", "--offline"])
    assert usage.exit_code == 2 and "cannot be combined" in usage.stderr
