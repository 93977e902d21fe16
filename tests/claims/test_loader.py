from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from click.testing import CliRunner

from hfexplore.claims.evaluate import live_filters
from hfexplore.claims.loader import (
    ClaimDefinitionError,
    Expectation,
    builtin_claim_files,
    load_claim_files,
    parse_date,
    parse_metric,
)
from hfexplore.cli import cli
from hfexplore.stats.filters import Filters


def test_the_builtin_claims_load_cleanly() -> None:
    loaded = load_claim_files(builtin_claim_files())
    assert loaded.errors == []
    assert [c.id for c in loaded.claims] == [
        "models-over-a-million", "datasets-hundreds-of-thousands", "spaces-tens-of-thousands",
        "transformers-most-used", "transformers-monthly-downloads",
        "open-weight-meta-mistral-and-hundreds-of-groups", "licenses-not-standardized",
        "open-source-captures-cios-and-vcs", "funding-and-valuation",
        "open-source-ai-funding-2022-2023", "top-1pct-of-models-99pct-of-downloads",
        "most-models-have-no-downloads", "top-1-5pct-of-repos-99-2pct-of-downloads"]
    funding = next(c for c in loaded.claims if c.id == "open-source-ai-funding-2022-2023")
    assert funding.scope == "out" and funding.reason


def test_each_builtin_claim_names_its_article_and_date() -> None:
    claims = {c.id: c for c in load_claim_files(builtin_claim_files()).claims}
    for claim in claims.values():
        assert claim.article is not None and claim.article.title and claim.article.publisher
        assert claim.quote
    first = claims["models-over-a-million"]
    assert first.article.publisher == "VentureTrend" and first.date == date(2026, 1, 25)
    # The Strategic Machines piece is undated: its claims say so instead of inventing a date.
    standardised = claims["licenses-not-standardized"]
    assert standardised.date is None and "date unknown" in standardised.source
    # Every vague quantifier is read in the claim's notes, with the reason.
    for claim_id, words in (("datasets-hundreds-of-thousands", "100,000"),
                            ("spaces-tens-of-thousands", "10,000"),
                            ("open-weight-meta-mistral-and-hundreds-of-groups", "at least 200"),
                            ("models-over-a-million", "more than 1,000,000")):
        assert words in claims[claim_id].notes, claim_id


@pytest.mark.parametrize(("raw", "expected"), [
    (date(2026, 1, 25), date(2026, 1, 25)), ("2026-01-25", date(2026, 1, 25)),
    ("unknown", None), (None, None), (datetime(2026, 1, 25, 18, 30), date(2026, 1, 25)),
])
def test_claim_dates(raw, expected) -> None:
    assert parse_date(raw, "date") == expected


def test_where_and_among_are_the_engines_filters_with_standard_license_a_bool() -> None:
    metric = parse_metric({"kind": "share", "where": {"standard_license": False,
                                                      "license": "mit"},
                           "among": {"license_category": ["permissive", "copyleft"]}}, "metric")
    assert metric.where == Filters(standard_license=False, license=("mit",))
    assert metric.among == Filters(license_category=("permissive", "copyleft"))
    assert parse_metric({"kind": "count"}, "metric").where == Filters()


@pytest.mark.parametrize(("where", "asked"), [
    ({}, {}),
    ({"author": "meta-llama", "task": "text-generation"},
     {"author": "meta-llama", "pipeline_tag": "text-generation"}),
    ({"license": ["mit", "apache-2.0"]}, None),  # the Hub's count takes one value
    ({"standard_license": True}, None),  # the Hub knows no license table
    ({"family": "Meta"}, None),
])
def test_only_filters_the_hubs_count_understands_go_live(where, asked) -> None:
    assert live_filters(parse_metric({"kind": "count", "where": where}, "metric").where) == asked


def test_a_bad_date_or_article_is_named(tmp_path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('[article.a]\ntitle = "T"\ndate = "last year"\n' + GOOD)
    assert "article.a.date: must be a date" in load_claim_files([path]).errors[0]
    path.write_text(GOOD.replace('id = "fine"', 'id = "fine"\narticle = "nowhere"'))
    assert "article: no [article.nowhere] table" in load_claim_files([path]).errors[0]
    path.write_text(GOOD.replace('id = "fine"', 'id = "fine"\ndate = "soon"'))
    assert "date: must be a date" in load_claim_files([path]).errors[0]


GOOD = '''
[[claim]]
id = "fine"
metric = { kind = "count", repo_type = "model" }
expect = { op = ">", value = 1 }
'''


@pytest.mark.parametrize(("body", "message"), [
    ('[[claim]]\nid = "a"\nmetric = { kind = "sum" }\nexpect = { op = ">", value = 1 }',
     "claim a: metric.kind: must be one of"),
    ('[[claim]]\nid = "b"\nmetric = { kind = "count" }\nexpect = { op = "~", value = 1 }',
     "claim b: expect.op: must be one of"),
    ('[[claim]]\nid = "c"\nmetric = { kind = "count" }\nexpect = { op = ">", value = "x" }',
     "claim c: expect.value: must be a number"),
    ('[[claim]]\nid = "d"\nmetric = { kind = "count", where = { colour = "red" } }\n'
     'expect = { op = ">", value = 1 }', "claim d: metric.where.colour: unknown filter"),
    ('[[claim]]\nid = "e"\nmetric = { kind = "rank", column = "library" }\n'
     'expect = { op = "==", value = 1 }', "claim e: metric.value: a rank needs"),
    ('[[claim]]\nid = "f"\nmetric = { kind = "count" }\n'
     'expect = { op = "between", min = 5, max = 1 }', "claim f: expect: between needs"),
    ('[[claim]]\nmetric = { kind = "count" }\nexpect = { op = ">", value = 1 }',
     "claim #2: id: required"),
    ('[[claim]]\nid = "g"\nscope = "out"', "claim g: reason: an out-of-scope claim needs"),
    ('[[claim]]\nid = "fine"\nscope = "out"\nreason = "x"', "claim fine: id: defined twice"),
])
def test_a_malformed_claim_names_file_claim_and_field_and_the_rest_still_load(
        tmp_path, body: str, message: str) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(GOOD + body)
    loaded = load_claim_files([path])
    assert [c.id for c in loaded.claims] == ["fine"]
    assert len(loaded.errors) == 1
    assert loaded.errors[0].startswith(str(path)) and message in loaded.errors[0]


def test_unreadable_and_invalid_files(tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[[claim]\nid=")
    loaded = load_claim_files([bad, tmp_path / "missing.toml"])
    assert "not valid TOML" in loaded.errors[0] and "cannot read" in loaded.errors[1]


def test_expectations_and_directions() -> None:
    over = Expectation(">", value=1_000_000)
    assert over.holds(1_000_001) and not over.holds(760_000)
    assert over.direction(760_000) == "overstated"
    band = Expectation("between", min=10_000, max=100_000)
    assert band.holds(10_000) and not band.holds(100_000)
    assert band.direction(1_000_000) == "understated" and band.direction(5) == "overstated"
    assert Expectation("<", value=3).direction(9) == "understated"
    assert band.describe() == "between 10,000 and 100,000"


@pytest.mark.parametrize(("expect", "message"), [
    ('{ op = ">", value = nan }', "expect.value: must be a finite number, not nan"),
    ('{ op = "<", value = inf }', "expect.value: must be a finite number, not inf"),
    ('{ op = ">", value = -inf }', "expect.value: must be a finite number, not -inf"),
    ('{ op = "between", min = 0, max = inf }', "expect: between needs finite numbers min < "),
    ('{ op = "between", min = nan, max = 1 }', "expect: between needs finite numbers min < "),
])
def test_nan_and_infinity_are_no_expected_value(tmp_path, expect: str, message: str) -> None:
    """A count or share compared with nan is always false: the claim would be judged refuted
    by a value no article wrote."""
    path = tmp_path / "mine.toml"
    path.write_text(GOOD + f'[[claim]]\nid = "odd"\nmetric = {{ kind = "count" }}\n'
                           f'expect = {expect}\n')
    loaded = load_claim_files([path])
    assert [c.id for c in loaded.claims] == ["fine"]
    [error] = loaded.errors
    assert error.startswith(f"{path}: claim odd: {message}")


def test_huge_expected_values_are_written_in_a_few_characters() -> None:
    assert Expectation("<", value=1e308).describe() == "< 1e+308"
    assert Expectation(">", value=1e15).describe() == "> 1e+15"
    assert Expectation(">", value=999_999_999_999_999).describe() == "> 999,999,999,999,999"
    assert Expectation("between", min=0.5, max=2e20).describe() == "between 0.5 and 2e+20"


def _nested_all(depth: int) -> str:
    metric = '{ kind = "count" }'
    for _ in range(depth):
        metric = f'{{ kind = "all", parts = [{metric}] }}'
    return metric


def test_a_claim_nested_too_deeply_is_named_and_the_others_still_load(tmp_path) -> None:
    """`all` parts inside parts, 2,000 deep: the TOML reader runs out of stack. The file is
    read again claim by claim: the deep claim is named, the others load."""
    path = tmp_path / "deep.toml"
    path.write_text(f'[article.a]\ntitle = "A"\ndate = 2024-01-01\n{GOOD}'
                    f'[[claim]]\nid = "deep"\narticle = "a"\nmetric = {_nested_all(2_000)}\n'
                    '[[claim]]\nid = "after"\narticle = "a"\n'
                    'metric = { kind = "count" }\nexpect = { op = ">", value = 1 }\n')
    loaded = load_claim_files([path])
    assert [c.id for c in loaded.claims] == ["fine", "after"]
    assert loaded.claims[1].date == date(2024, 1, 1)  # its article still found
    assert loaded.errors == [f"{path}: claim deep: tables and arrays nested too deeply to read "
                             "(hundreds of levels inside one another)"]


def test_deep_claims_through_the_cli_are_one_line_each(tmp_path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(f'{GOOD}[[claim]]\nid = "deep"\nmetric = {_nested_all(2_000)}\n')
    result = CliRunner().invoke(cli, ["claims", "--demo", "--no-builtin", str(path),
                                      "-f", "json"])
    assert result.exit_code == 1  # a claim file has errors; the other claim ran
    assert [row["id"] for row in json.loads(result.stdout)["rows"]] == ["fine"]
    assert result.stderr.splitlines() == [
        f"error: {path}: claim deep: tables and arrays nested too deeply to read (hundreds of "
        "levels inside one another)"]


def test_concentration_metrics() -> None:
    metric = parse_metric({"kind": "top_value_share", "of": "downloads_all_time",
                           "top": "1.5%", "unit": "author"}, "m")
    assert (metric.of, metric.top, metric.unit) == ("downloads_all_time", "1.5%", "author")
    assert parse_metric({"kind": "gini"}, "m").of == "downloads"
    for raw, field in (({"kind": "gini", "of": "sha"}, "m.of"),
                       ({"kind": "top_value_share", "top": 0.01}, "m.top"),
                       ({"kind": "top_value_share", "top": "150%"}, "m.top"),
                       ({"kind": "gini", "top": "1%"}, "m.top"),
                       ({"kind": "gini", "unit": "org"}, "m.unit"),
                       ({"kind": "count", "of": "likes"}, "m.of")):
        with pytest.raises(ClaimDefinitionError, match=field.replace(".", r"\.")):
            parse_metric(raw, "m")
