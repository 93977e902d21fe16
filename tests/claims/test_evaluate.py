from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
import pytest
from click.testing import CliRunner

from hfexplore.claims import builtin_claim_files, check_claims, evaluator_for, load_claim_files
from hfexplore.cli import cli
from hfexplore.hub import HubClient, Transport
from hfexplore.ingest.crawl import create_snapshot


def verdicts(report) -> dict[str, tuple]:
    return {row["id"]: (row["verdict"], row["direction"])
            for row in report.rows.to_dict("records")}


def builtin():
    return load_claim_files(builtin_claim_files()).claims


CLAIM_DAY = datetime(2026, 1, 25, 18, 0, tzinfo=UTC)  # the first article's date


def at(moment: datetime):
    return lambda: moment


def test_live_counts_on_the_claims_day_decide_in_a_request_each(make_hub, client_for) -> None:
    sim = make_hub(models=1_200_000, datasets=150_000, spaces=250_000)
    client = client_for(sim)
    report = check_claims(builtin()[:3], evaluator_for(client, None, now=at(CLAIM_DAY)))
    assert verdicts(report) == {
        "models-over-a-million": ("supported", None),
        "datasets-hundreds-of-thousands": ("supported", None),
        "spaces-tens-of-thousands": ("refuted", "understated"),
    }
    assert client.transport.stats.requests == 3  # one count request per claim
    rows = report.rows.set_index("id")
    assert set(rows["source"]) == {"live"} and set(rows["method"]) == {"live website-count"}
    assert set(rows["caveat"]) == {""} and set(rows["claim_date"]) == {"2026-01-25"}


def test_a_live_count_after_the_claim_bounds_it_only_from_above(make_hub, client_for) -> None:
    later = datetime(2026, 11, 24, tzinfo=UTC)
    small = check_claims(builtin()[:1], evaluator_for(client_for(make_hub(models=800_000)),
                                                      None, now=at(later)))
    # 800,000 today: at most 800,000 on the claim's day (the catalogue only grows).
    assert verdicts(small) == {"models-over-a-million": ("refuted", "overstated")}
    assert "303 days after" in small.rows.iloc[0]["caveat"]
    big = check_claims(builtin()[:1], evaluator_for(client_for(make_hub(models=1_200_000)),
                                                    None, now=at(later)))
    # 1.2 million today says nothing of January: there may have been fewer then.
    row = big.rows.iloc[0]
    assert row["verdict"] == "inconclusive" and row["at_claim_date"] == "between 0 and 1,200,000"
    assert "does not decide > 1,000,000" in row["note"]


def claim_file(tmp_path, body: str):
    path = tmp_path / "mine.toml"
    path.write_text(body)
    loaded = load_claim_files([path])
    assert not loaded.errors, loaded.errors
    return loaded.claims


def count_claim(claim_id: str, day: str, op: str, value: int) -> str:
    return (f'[[claim]]\nid = "{claim_id}"\ndate = {day}\n'
            f'metric = {{ kind = "count", repo_type = "model" }}\n'
            f'expect = {{ op = "{op}", value = {value} }}\n')


def test_a_snapshot_after_the_claim_bounds_the_count_from_creation_dates(make_hub, client_for,
                                                                         tmp_path) -> None:
    snap = create_snapshot(client_for(make_hub(models=6_000, datasets=10, spaces=10)),
                           tmp_path / "data")
    created = pd.read_parquet(snap.path / "models.parquet", columns=["created_at"])
    day = created["created_at"].quantile(0.5).date()
    # Independently: repos created on or before the claim's day (still there) are a lower
    # bound; the total at the data's date an upper bound.
    low = int((created["created_at"] < pd.Timestamp(day, tz="UTC") + pd.Timedelta(days=1))
              .sum())
    assert 0 < low < 6_000
    claims = claim_file(tmp_path, count_claim("above-the-bound", day.isoformat(), ">", low - 1)
                        + count_claim("above-the-total", day.isoformat(), ">", 6_000)
                        + count_claim("in-between", day.isoformat(), ">", low + 10))
    report = check_claims(claims, evaluator_for(None, snap, force_snapshot=True))
    assert verdicts(report) == {"above-the-bound": ("supported", None),
                                "above-the-total": ("refuted", "overstated"),
                                "in-between": ("inconclusive", None)}
    rows = report.rows.set_index("id")
    assert rows.loc["in-between", "at_claim_date"] == f"between {low:,} and 6,000"
    assert rows.loc["above-the-bound", "measured"] == 6_000


def test_a_snapshot_before_the_claim_supports_only_what_it_already_exceeds(make_hub, client_for,
                                                                          tmp_path) -> None:
    snap = create_snapshot(client_for(make_hub(models=3_000, datasets=10, spaces=10)),
                           tmp_path / "data")
    future = "2099-01-01"
    claims = claim_file(tmp_path, count_claim("already-over", future, ">", 2_000)
                        + count_claim("not-yet-over", future, ">", 5_000)
                        + count_claim("under", future, "<", 5_000))
    report = check_claims(claims, evaluator_for(None, snap, force_snapshot=True))
    assert verdicts(report) == {"already-over": ("supported", None),
                                "not-yet-over": ("inconclusive", None),
                                "under": ("inconclusive", None)}
    assert "days before the claim" in report.rows.iloc[0]["caveat"]


def test_the_snapshot_nearest_the_claims_date_is_used(make_hub, client_for, tmp_path) -> None:
    data = tmp_path / "data"
    old = create_snapshot(client_for(make_hub(models=1_000, datasets=10, spaces=10)), data)
    new = create_snapshot(client_for(make_hub(models=2_000, datasets=10, spaces=10, seed=1)),
                          data)
    manifest = json.loads((old.path / "manifest.json").read_text())
    manifest["started_at"] = "2025-01-01T00:00:00Z"
    (old.path / "manifest.json").write_text(json.dumps(manifest))
    from hfexplore.store.inventory import list_snapshots

    snapshots, _ = list_snapshots(data)
    claims = claim_file(tmp_path, count_claim("early", "2025-01-02", ">", 500))
    report = check_claims(claims, evaluator_for(None, snapshots))
    row = report.rows.iloc[0]
    assert row["source"] == old.name and row["data_as_of"] == "2025-01-01T00:00:00Z"
    assert new.name != old.name


def test_the_demo_is_a_sample_and_says_so() -> None:
    from hfexplore.store.snapshot import demo_snapshot

    report = check_claims(builtin(), evaluator_for(None, demo_snapshot(), force_snapshot=True))
    got = verdicts(report)
    rows = report.rows.set_index("id")
    # 20,000 sampled models stand for about 760,000; from before the claim, below a million:
    # that cannot refute it. No longer "refuted with 20,000".
    assert got["models-over-a-million"] == ("inconclusive", None)
    assert rows.loc["models-over-a-million", "measured"] == 760_000
    assert "1-in-38 sample" in rows.loc["models-over-a-million", "method"]
    # No Mistral model in a 1-in-38 sample does not mean none on the Hub.
    assert got["open-weight-meta-mistral-and-hundreds-of-groups"] == ("inconclusive", None)
    assert "Mistral AI open-weight models" in rows.loc[
        "open-weight-meta-mistral-and-hundreds-of-groups", "note"]
    # The 123 demo Spaces are no sample of known size: their count says nothing.
    assert got["spaces-tens-of-thousands"] == ("inconclusive", None)
    assert "says nothing of their number" in rows.loc["spaces-tens-of-thousands", "note"]


def test_every_verdict_path_over_a_snapshot(make_hub, client_for, tmp_path) -> None:
    sim = make_hub(models=6_000, datasets=500, spaces=300, seed=3)
    snap = create_snapshot(client_for(sim), tmp_path)
    mine = tmp_path / "mine.toml"
    mine.write_text('''
[[claim]]
id = "fewer-than-ten-models"
date = "unknown"
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
        "fewer-than-ten-models": ("refuted", "understated"),  # undated: about the data's date
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


def test_cli_claims_with_a_broken_user_file(tmp_path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text('[[claim]]\nid = "broken"\nmetric = { kind = "count" }\n'
                    'expect = { op = ">" }\n')
    result = CliRunner().invoke(cli, ["claims", "--demo", str(mine), "-f", "json"])
    assert result.exit_code == 1
    assert f"{mine}: claim broken: expect.value" in result.stderr
    doc = json.loads(result.stdout)
    assert len(doc["rows"]) == len(builtin()) and doc["errors"]
    assert {"id", "verdict", "direction", "measured", "expected", "as_of", "source",
            "claim_date", "data_as_of", "caveat", "at_claim_date", "article"} <= set(doc["rows"][0])
    assert doc["as_of"] == "2024-07-11T00:00:00Z" and doc["exit_status"] == 1


def test_cli_exit_status_tells_what_could_be_measured(tmp_path) -> None:
    measurable = tmp_path / "ok.toml"
    measurable.write_text('[[claim]]\nid = "transformers-leads"\ndate = 2024-07-11\n'
                          'metric = { kind = "rank", column = "library", value = "transformers" }'
                          '\nexpect = { op = "==", value = 1 }\n')
    runner = CliRunner()
    every = runner.invoke(cli, ["claims", "--demo", "--no-builtin", str(measurable), "-f", "json"])
    assert every.exit_code == 0, every.output
    some = runner.invoke(cli, ["claims", "--demo", "-f", "json"])
    assert some.exit_code == 4  # the built-in claims: some inconclusive on the 2024 sample
    assert json.loads(some.stdout)["exit_status"] == 4
    nothing = runner.invoke(cli, ["claims", "--no-builtin", str(measurable), "--data-dir",
                                  str(tmp_path / "empty"), "--endpoint", "http://127.0.0.1:9",
                                  "-f", "json"])
    assert nothing.exit_code == 3, nothing.output  # no snapshot, no Hub: nothing measured
    row = json.loads(nothing.stdout)["rows"][0]
    assert row["verdict"] == "inconclusive" and "no snapshot" in row["note"]


def test_cli_claims_text_fits_80_columns_and_csv_cells_are_plain(tmp_path) -> None:
    runner = CliRunner()
    text = runner.invoke(cli, ["claims", "--demo", "-f", "table"])
    assert max(len(line) for line in text.stdout.splitlines()) <= 80
    assert "models-over-a-million: INCONCLUSIVE" in text.stdout
    assert "caveat" in text.stdout and "563 days before the claim" in text.stdout
    csv_text = runner.invoke(cli, ["claims", "--demo", "-f", "csv"]).stdout
    assert "{'" not in csv_text and "': " not in csv_text  # no Python reprs
    import csv as csv_module
    import io

    rows = list(csv_module.DictReader(io.StringIO(csv_text)))
    row = next(r for r in rows if r["id"] == "transformers-most-used")
    assert json.loads(row["measured"]) == {"by repos": 1, "by downloads": 1}
    assert json.loads(row["evidence"])["share of models using transformers"]["value"] > 0.4


def test_cli_claims_against_an_older_snapshot(make_hub, client_for, tmp_path) -> None:
    sim = make_hub(models=1_500, datasets=200, spaces=100)
    create_snapshot(client_for(sim), tmp_path)
    result = CliRunner().invoke(cli, ["claims", "--data-dir", str(tmp_path), "--snapshot",
                                      next((tmp_path / "snapshots").iterdir()).name,
                                      "-f", "json"])
    assert result.exit_code in (0, 4), result.output
    doc = json.loads(result.stdout)
    assert {r["verdict"] for r in doc["rows"]} <= {"supported", "refuted", "contested",
                                                  "inconclusive", "out-of-scope"}
    assert all(r["source"] != "live" for r in doc["rows"])


def test_a_claim_measured_from_the_cache_says_so(make_hub, tmp_path) -> None:
    from hfexplore.hub.cache import PageCache

    sim = make_hub(models=1_200_000)
    now = [1_700_000_000.0]
    cache = PageCache(tmp_path / "cache", now=lambda: now[0])
    client = HubClient(Transport(sim.url, cache=cache))
    check_claims(builtin()[:1], evaluator_for(client, None, now=at(CLAIM_DAY)))
    now[0] += 90
    again = check_claims(builtin()[:1], evaluator_for(client, None, now=at(CLAIM_DAY)))
    row = again.rows.iloc[0]
    assert row["source"] == "cache" and "fetched 90 s ago" in row["caveat"]
    assert row["verdict"] == "supported"


def test_verdicts_stay_typed_and_the_exit_status_is_no_json_key_read_back() -> None:
    from datetime import date

    from hfexplore.store.snapshot import demo_snapshot
    from hfexplore.verdicts import Direction, Outcome

    report = check_claims(builtin(), evaluator_for(None, demo_snapshot(), force_snapshot=True))
    first = report.verdicts[0]
    assert first.id == "models-over-a-million" and first.verdict is Outcome.INCONCLUSIVE
    assert first.claim_date == date(2026, 1, 25)
    assert first.data is not None and first.data.as_of == datetime(2024, 7, 11, tzinfo=UTC)
    assert first.finding is not None and first.finding.measured.value == 760_000
    assert all(v.direction is None or isinstance(v.direction, Direction)
               for v in report.verdicts)
    assert report.exit_status == 4 and "exit_status" not in report.extra


COUNTS_AND_A_SHARE = (count_claim("counted", "2024-07-11", ">", 10)
                      + '[[claim]]\nid = "shared"\ndate = 2024-07-11\n'
                        'metric = { kind = "share", where = { license = "mit" } }\n'
                        'expect = { op = ">", value = 0.01 }\n')


def test_a_whole_figure_stays_an_integer_whatever_the_other_rows_hold(tmp_path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text(COUNTS_AND_A_SHARE)
    runner = CliRunner()
    args = ["claims", "--demo", "--no-builtin", str(mine)]
    rows = json.loads(runner.invoke(cli, [*args, "-f", "json"]).stdout)["rows"]
    # 20,000 sampled models stand for 760,000 (1 in 38): a count, never 760000.0.
    assert [r["measured"] for r in rows] == [760_000, 0.0675]
    assert isinstance(rows[0]["measured"], int)
    csv_text = runner.invoke(cli, [*args, "-f", "csv"]).stdout
    assert csv_text.splitlines()[1].split(",")[3] == "760000"


def test_a_part_no_data_measures_is_said_in_words(tmp_path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text('[[claim]]\nid = "both"\ndate = 2024-07-11\n'
                    'metric = { kind = "all", parts = [\n'
                    '  { name = "spaces", kind = "count", repo_type = "space", '
                    'expect = { op = ">", value = 1 } },\n'
                    '  { name = "models", kind = "count", expect = { op = ">", value = 1 } } ] }\n')
    text = CliRunner().invoke(cli, ["claims", "--demo", "--no-builtin", str(mine),
                                    "-f", "table"]).stdout
    # The demo's 123 Spaces are no sample of known size: their number is not measured.
    assert "measured spaces: not measured; models: 760,000 (demo, 2024-07-11)" in text
    assert "None" not in text


def test_a_sample_cannot_measure_a_top_share_but_measures_a_zero_share() -> None:
    from hfexplore.claims.loader import parse_claim
    from hfexplore.store.snapshot import demo_snapshot

    demo = demo_snapshot()
    claims = [parse_claim({"id": "top", "metric": {"kind": "top_value_share", "top": "1%"},
                           "expect": {"op": ">", "value": 0.5}}, "test"),
              parse_claim({"id": "zero", "metric": {"kind": "zero_value_share"},
                           "expect": {"op": ">", "value": 0.1}}, "test")]
    rows = check_claims(claims, evaluator_for(None, demo, force_snapshot=True)).rows
    found = rows.set_index("id")
    assert found.loc["top", "verdict"] == "inconclusive"
    assert "sample" in found.loc["top", "note"]
    frame = demo.frame("model", ["downloads"])
    assert found.loc["zero", "verdict"] == "supported"
    assert found.loc["zero", "measured"] == pytest.approx((frame["downloads"] == 0).mean(),
                                                          abs=1e-6)
