"""Several readings of a claim's vague words: declared in the claim file, each judged, and a
`contested` verdict when the data decides them differently."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from hfexplore.claims import builtin_claim_files, check_claims, evaluator_for, load_claim_files
from hfexplore.cli import cli
from hfexplore.formats.claims_text import ClaimBlocks
from hfexplore.page.gather import ReportPage
from hfexplore.page.html import claim_cards, render_html
from hfexplore.stats.filters import Filters
from hfexplore.store.snapshot import demo_snapshot
from hfexplore.verdicts import (
    EXIT_ALL_MEASURED,
    ClaimsReport,
    Finding,
    Outcome,
    combine_readings,
)

# On the demo (July 2024): about 62.6% of models declare no license, about 2.3% are `other`.
READINGS = '''
[[claim]]
id = "unlicensed"
source = "a test"
date = 2024-07-11
quote = "most models have no usable license"
expect = { op = ">", value = 0.5 }

[[claim.reading]]
name = "none declared"
reason = "no license at all is no usable license"
cannot_see = "licenses written only in the card"
metric = { kind = "share", where = { license_category = "none" } }

[[claim.reading]]
name = "custom terms"
reason = "custom terms must be read one by one"
metric = { kind = "share", where = { license_category = "other" } }
'''


def load(tmp_path: Path, body: str):
    path = tmp_path / "claims.toml"
    path.write_text(body)
    return load_claim_files([path])


def check(tmp_path: Path, body: str) -> ClaimsReport:
    loaded = load(tmp_path, body)
    assert loaded.errors == []
    return check_claims(loaded.claims, evaluator_for(None, demo_snapshot(), force_snapshot=True))


def finding(verdict: Outcome) -> Finding:
    return Finding(verdict, "> 1", "count")


@pytest.mark.parametrize(("found", "combined"), [
    ((Outcome.SUPPORTED, Outcome.SUPPORTED), Outcome.SUPPORTED),
    ((Outcome.REFUTED, Outcome.REFUTED), Outcome.REFUTED),
    ((Outcome.SUPPORTED, Outcome.REFUTED), Outcome.CONTESTED),
    ((Outcome.SUPPORTED, Outcome.REFUTED, Outcome.INCONCLUSIVE), Outcome.CONTESTED),
    ((Outcome.SUPPORTED, Outcome.INCONCLUSIVE), Outcome.INCONCLUSIVE),
    ((Outcome.INCONCLUSIVE, Outcome.INCONCLUSIVE), Outcome.INCONCLUSIVE),
])
def test_supported_or_refuted_only_when_every_reading_is(found, combined) -> None:
    assert combine_readings(tuple(finding(v) for v in found))[0] == combined


def test_readings_that_disagree_make_the_claim_contested(tmp_path) -> None:
    report = check(tmp_path, READINGS)
    row = report.document()["rows"][0]
    assert row["verdict"] == "contested" and row["direction"] is None
    readings = {r["name"]: r for r in row["readings"]}
    assert list(readings) == ["none declared", "custom terms"]
    assert readings["none declared"]["verdict"] == "supported"
    assert readings["custom terms"]["verdict"] == "refuted"
    assert readings["custom terms"]["direction"] == "overstated"
    assert readings["none declared"]["reason"] == "no license at all is no usable license"
    assert readings["none declared"]["cannot_see"] == "licenses written only in the card"
    assert readings["none declared"]["measured"] > 0.5 > readings["custom terms"]["measured"]
    assert row["measured"] == {name: r["measured"] for name, r in readings.items()}
    # A contested claim got a verdict: the data decided every reading.
    assert report.exit_status == EXIT_ALL_MEASURED
    assert report.document()["verdicts"] == {"contested": 1}


def test_readings_that_agree_give_their_verdict(tmp_path) -> None:
    body = READINGS.replace('where = { license_category = "other" }',
                            'where = { license_category = ["none", "other"] }')
    row = check(tmp_path, body).document()["rows"][0]
    assert row["verdict"] == "supported"
    assert [r["verdict"] for r in row["readings"]] == ["supported", "supported"]


def test_a_reading_may_carry_its_own_expectation(tmp_path) -> None:
    body = READINGS.replace('metric = { kind = "share", where = { license_category = "other" } }',
                            'metric = { kind = "share", where = { license_category = "other" } }'
                            '\nexpect = { op = "<", value = 0.5 }')
    row = check(tmp_path, body).document()["rows"][0]
    assert row["verdict"] == "supported"
    assert [r["expected"] for r in row["readings"]] == ["> 0.5", "< 0.5"]


def test_the_terminal_block_the_csv_and_the_html_card_show_each_reading(tmp_path) -> None:
    report = check(tmp_path, READINGS)
    text = ClaimBlocks().render(report)
    assert "unlicensed: CONTESTED" in text
    lines = [line for line in text.splitlines() if line.startswith("  reading ")]
    assert len(lines) == 2 and "none declared: 62.6%, supported." in lines[0]
    assert "custom terms: 2.3%, refuted (overstated)." in lines[1]
    assert "Cannot see: licenses written only in the card." in " ".join(text.split())
    assert max(len(line) for line in text.splitlines()) <= 80
    row = next(csv.DictReader(io.StringIO(CliRunner().invoke(
        cli, ["claims", "--demo", "--no-builtin", str(tmp_path / "claims.toml"),
              "--format", "csv"]).stdout)))
    assert row["verdict"] == "contested"
    assert [r["name"] for r in json.loads(row["readings"])] == ["none declared", "custom terms"]
    page = ReportPage(datetime(2024, 7, 11, tzinfo=UTC), None, Filters(), [], claims=report)
    cards = claim_cards(page)
    assert cards[0]["css"] == "contested"
    assert [(r["name"], r["verdict"]) for r in cards[0]["readings"]] == [
        ("none declared", "supported"), ("custom terms", "refuted (overstated)")]
    html = render_html(page)
    assert html.count('<dd class="reading">') == 2
    assert "Cannot see: licenses written only in the card" in html


def test_a_part_with_readings_contests_an_all_claim_unless_another_part_refutes_it(
        tmp_path) -> None:
    def claim(count_expect: str) -> str:
        return f'''
[[claim]]
id = "parts"
source = "a test"
date = 2024-07-11
[claim.metric]
kind = "all"
[[claim.metric.parts]]
name = "models"
kind = "count"
expect = {count_expect}
[[claim.metric.parts]]
name = "licenses"
expect = {{ op = ">", value = 0.5 }}
[[claim.metric.parts.reading]]
name = "none declared"
reason = "r"
metric = {{ kind = "share", where = {{ license_category = "none" }} }}
[[claim.metric.parts.reading]]
name = "custom terms"
reason = "r"
metric = {{ kind = "share", where = {{ license_category = "other" }} }}
'''
    row = check(tmp_path, claim('{ op = ">", value = 1 }')).document()["rows"][0]
    assert row["verdict"] == "contested"
    assert set(row["measured"]["licenses"]) == {"none declared", "custom terms"}
    assert [r["name"] for r in row["readings"]] == ["none declared", "custom terms"]
    refuted = check(tmp_path, claim('{ op = "<", value = 1 }')).document()["rows"][0]
    assert refuted["verdict"] == "refuted"


@pytest.mark.parametrize(("change", "message"), [
    (("name = \"custom terms\"\n", ""), "reading[1].name: required"),
    (("reason = \"custom terms must be read one by one\"\n", ""), "reading[1].reason: required"),
    (("expect = { op = \">\", value = 0.5 }\n", ""), "reading[0].expect: missing"),
    (("name = \"custom terms\"", "name = \"none declared\""), "two readings share a name"),
    (("quote = ", 'metric = { kind = "count" }\nquote = '), "either a metric or readings"),
])
def test_a_malformed_reading_is_named(tmp_path, change, message) -> None:
    loaded = load(tmp_path, READINGS.replace(*change, 1))
    assert loaded.claims == [] and len(loaded.errors) == 1
    assert message in loaded.errors[0] and "claim unlicensed" in loaded.errors[0]


def test_the_builtin_vague_claims_declare_their_readings() -> None:
    claims = {c.id: c for c in load_claim_files(builtin_claim_files()).claims}
    licenses = claims["licenses-not-standardized"].metric
    assert licenses is not None
    assert [r.name for r in licenses.readings] == [
        "custom terms only", "any non-standard license", "no license declared"]
    transformers = claims["transformers-most-used"].metric
    assert transformers is not None
    assert [(r.name, r.metric.by) for r in transformers.readings] == [
        ("by repos", "count"), ("by downloads", "downloads")]
    groups = claims["open-weight-meta-mistral-and-hundreds-of-groups"].metric
    assert groups is not None
    readings = groups.parts[2].readings
    assert [r.name for r in readings] == [
        "active accounts", "without bulk re-uploaders",
        "known academic, non-profit and government organisations"]
    for reading in (*licenses.readings, *transformers.readings, *readings):
        assert reading.reason and reading.cannot_see, reading.name


def test_the_demo_contests_the_lack_of_standardized_licenses() -> None:
    result = CliRunner().invoke(cli, ["claims", "--demo", "--only", "licenses-not-standardized",
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)["rows"][0]
    assert row["verdict"] == "contested"
    assert [r["verdict"] for r in row["readings"]] == ["refuted", "supported", "supported"]


def test_only_names_claims_that_exist() -> None:
    result = CliRunner().invoke(cli, ["claims", "--demo", "--only", "no-such-claim"])
    assert result.exit_code == 2
    assert "no claim with id no-such-claim" in result.stderr
