from __future__ import annotations

import json
import random

import pandas as pd
import pytest
from click.testing import CliRunner

from hfexplore.catalog.crawl import create_snapshot
from hfexplore.claims import builtin_claim_files, check_claims, evaluator_for, load_claim_files
from hfexplore.cli import cli
from hfexplore.hub import HubClient, RetryPolicy, Transport
from tests.conftest import ROOT, needs_shared_data, real_data_group


def client_for(sim) -> HubClient:
    return HubClient(Transport(sim.url, policy=RetryPolicy(base_delay=0.01,
                                                           rng=random.Random(0))))


def verdicts(report) -> dict[str, tuple]:
    return {row["id"]: (row["verdict"], row["direction"])
            for row in report.rows.to_dict("records")}


def builtin():
    return load_claim_files(builtin_claim_files()).claims


def test_total_claims_go_live_in_a_few_requests(make_hub) -> None:
    sim = make_hub(models=1_200_000, datasets=150_000, spaces=250_000)
    client = client_for(sim)
    report = check_claims(builtin()[:3], evaluator_for(client, None))
    assert verdicts(report) == {
        "models-over-a-million": ("supported", None),
        "datasets-hundreds-of-thousands": ("supported", None),
        "spaces-tens-of-thousands": ("refuted", "understated"),
    }
    assert client.transport.stats.requests == 3  # one count request per claim
    assert set(report.rows["source"]) == {"live"}
    assert set(report.rows["method"]) == {"live website-count"}


def test_snapshot_claims_without_a_snapshot_are_inconclusive_and_say_why(make_hub) -> None:
    sim = make_hub(models=100)
    report = check_claims(builtin(), evaluator_for(client_for(sim), None,
                                                   snapshot_error="no snapshot in /x"))
    got = verdicts(report)
    assert got["transformers-most-used"] == ("inconclusive", None)
    assert got["models-over-a-million"] == ("refuted", "overstated")  # live, needs no snapshot
    assert got["funding-and-valuation"] == ("out-of-scope", None)
    note = report.rows.set_index("id").loc["licenses-not-standardized", "note"]
    assert "no snapshot in /x" in note


def test_every_verdict_path_over_a_snapshot(make_hub, tmp_path) -> None:
    sim = make_hub(models=6_000, datasets=500, spaces=300, seed=3)
    snap = create_snapshot(client_for(sim), tmp_path)
    mine = tmp_path / "mine.toml"
    mine.write_text('''
[[claim]]
id = "fewer-than-ten-models"
metric = { kind = "count", repo_type = "model" }
expect = { op = "<", value = 10 }
[[claim]]
id = "peft-is-first"
metric = { kind = "rank", column = "library", value = "peft" }
expect = { op = "==", value = 1 }
[[claim]]
id = "no-such-library-ranks"
metric = { kind = "rank", column = "library", value = "no-such-library" }
expect = { op = "==", value = 1 }
[[claim]]
id = "some-apache"
metric = { kind = "share", where = { license = "apache-2.0" } }
expect = { op = "between", min = 0.05, max = 0.5 }
''')
    claims = load_claim_files([mine]).claims
    report = check_claims(claims, evaluator_for(None, snap, force_snapshot=True))
    assert verdicts(report) == {
        "fewer-than-ten-models": ("refuted", "understated"),
        "peft-is-first": ("refuted", "overstated"),
        "no-such-library-ranks": ("inconclusive", None),
        "some-apache": ("supported", None),
    }
    rows = report.rows.set_index("id")
    assert rows.loc["fewer-than-ten-models", "measured"] == 6_000
    assert rows.loc["fewer-than-ten-models", "source"] == snap.name
    frame = snap.frame("model", ["license"])
    assert rows.loc["some-apache", "measured"] == pytest.approx(
        (frame["license"] == "apache-2.0").mean(), abs=1e-6)


@needs_shared_data
@real_data_group
def test_the_real_2024_data_implies_these_verdicts(real_hub, real_snapshot, raw_models) -> None:
    claims = builtin()
    report = check_claims(claims, evaluator_for(client_for(real_hub), real_snapshot))
    got = verdicts(report)
    assert got["models-over-a-million"] == ("refuted", "overstated")  # 760,000 in July 2024
    assert got["datasets-hundreds-of-thousands"] == ("supported", None)  # 175,000
    assert got["transformers-most-used"] == ("supported", None)
    assert got["open-weight-meta-mistral-and-hundreds-of-groups"] == ("supported", None)
    assert got["licenses-not-standardized"] == ("supported", None)
    assert got["funding-and-valuation"] == ("out-of-scope", None)
    rows = report.rows.set_index("id")
    assert rows.loc["models-over-a-million", "source"] == "live"
    first_license = raw_models["tags"].map(
        lambda tags: next((t[8:] for t in tags if t.startswith("license:")), None))
    # Categories come from the shipped license table; ids outside it are custom names
    # (category `other`), and so is the bare `cc` family id, which says nothing definite.
    table = pd.read_csv(ROOT / "hfexplore" / "data" / "licenses.csv")
    category = first_license.str.lower().map(dict(zip(table["id"], table["category"],
                                                      strict=True))).fillna("other")
    category[first_license.isna()] = "none"
    unstandard = category.isin(["none", "unknown", "other"])
    assert rows.loc["licenses-not-standardized", "measured"] == pytest.approx(
        unstandard.mean(), abs=1e-6)
    evidence = rows.loc["licenses-not-standardized", "evidence"]
    assert evidence["distinct license ids in use"] == first_license.str.lower().nunique()


def test_cli_claims_with_a_broken_user_file(tmp_path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text('[[claim]]\nid = "broken"\nmetric = { kind = "count" }\n'
                    'expect = { op = ">" }\n')
    result = CliRunner().invoke(cli, ["claims", "--demo", str(mine), "-f", "json"])
    assert result.exit_code == 1
    assert f"{mine}: claim broken: expect.value" in result.stderr
    doc = json.loads(result.stdout)
    assert len(doc["rows"]) == 7 and doc["errors"]
    assert {"id", "verdict", "direction", "measured", "expected", "as_of", "source"} <= set(
        doc["rows"][0])
    assert doc["as_of"] == "2024-07-11T00:00:00Z"


def test_cli_claims_against_an_older_snapshot(make_hub, tmp_path) -> None:
    sim = make_hub(models=1_500, datasets=200, spaces=100)
    create_snapshot(client_for(sim), tmp_path)
    result = CliRunner().invoke(cli, ["claims", "--data-dir", str(tmp_path), "--snapshot",
                                      next((tmp_path / "snapshots").iterdir()).name,
                                      "-f", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert {r["verdict"] for r in doc["rows"]} <= {"supported", "refuted", "inconclusive",
                                                  "out-of-scope"}
    assert all(r["source"] != "live" for r in doc["rows"])
