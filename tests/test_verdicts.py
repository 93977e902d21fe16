"""Typed verdicts and the plain rows the JSON document and the CSV write from them."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta, timezone

from hfexplore.formats import get_format
from hfexplore.verdicts import (
    INFINITY,
    ROW_COLUMNS,
    Citation,
    ClaimsReport,
    DataUsed,
    Direction,
    Evidence,
    Finding,
    Measurement,
    Outcome,
    Range,
    Verdict,
)

AS_OF = datetime(2024, 7, 11, tzinfo=UTC)
DEMO = DataUsed("demo", AS_OF, "share over snapshot, estimated from a 1-in-38 sample",
                "a 1-in-38 sample")
LIVE = DataUsed("live", datetime(2026, 1, 25, 18, 0, tzinfo=UTC), "live website-count")


def share_verdict() -> Verdict:
    finding = Finding(Outcome.SUPPORTED, ">= 0.1", "share",
                      measured=Measurement(0.18624612, Range(0.177, 0.1951), DEMO))
    return Verdict("standard", Outcome.SUPPORTED, None, "lack of standard licenses",
                   Citation("a blog, date unknown"), finding=finding, data=DEMO,
                   caveats=("the claim's date is unknown", "estimated from a sample"),
                   evidence=(Evidence("ids", Measurement(56.0, Range(56, INFINITY), DEMO)),
                             Evidence("names", unavailable="no license names")))


def test_a_verdict_row_writes_each_typed_value_once_as_plain_data() -> None:
    assert share_verdict().row() == {
        "id": "standard", "verdict": "supported", "direction": None, "measured": 0.186246,
        "expected": ">= 0.1", "at_claim_date": "between 17.7% and 19.5%",
        "claim_date": "unknown", "data_as_of": "2024-07-11T00:00:00Z",
        "as_of": "2024-07-11T00:00:00Z",
        "caveat": "the claim's date is unknown; estimated from a sample", "source": "demo",
        "method": "share over snapshot, estimated from a 1-in-38 sample", "note": "",
        "quote": "lack of standard licenses", "article": "a blog, date unknown",
        "evidence": {"ids": {"value": 56, "source": "demo", "data_as_of": "2024-07-11T00:00:00Z",
                             "estimated_from": "a 1-in-38 sample"},
                     "names": "unavailable: no license names"}, "readings": []}
    assert list(share_verdict().row()) == ROW_COLUMNS


def test_an_all_claim_lists_its_parts_then_the_figures_beside_them() -> None:
    meta = Finding(Outcome.SUPPORTED, ">= 1", "count", "Meta",
                   measured=Measurement(266.0, Range(266, INFINITY), DEMO))
    mistral = Finding(Outcome.REFUTED, ">= 1", "count", "Mistral", Direction.OVERSTATED,
                      Measurement(0.0, Range(0, 0), DEMO))
    unmeasured = Finding(Outcome.INCONCLUSIVE, "== 1", "rank", "rank", note="no such value")
    verdict = Verdict("groups", Outcome.REFUTED, date(2026, 1, 25), direction=Direction.OVERSTATED,
                      parts=(meta, mistral, unmeasured), data=DEMO,
                      evidence=(Evidence("spaces", Measurement(200.0, Range(0, 200), LIVE)),))
    row = verdict.row()
    assert row["verdict"] == "refuted" and row["direction"] == "overstated"
    assert row["measured"] == {"Meta": 266, "Mistral": 0, "rank": None}
    assert row["expected"] == {"Meta": ">= 1", "Mistral": ">= 1", "rank": "== 1"}
    assert row["at_claim_date"] is None and row["claim_date"] == "2026-01-25"
    assert row["evidence"] == {"Meta": "supported", "Mistral": "refuted",
                               "rank": "inconclusive (no such value)",
                               "spaces": {"value": 200, "source": "live",
                                          "data_as_of": "2026-01-25T18:00:00Z"}}


def test_an_out_of_scope_claim_has_no_figures() -> None:
    row = Verdict("funding", Outcome.OUT_OF_SCOPE, note="not in the catalogue").row()
    assert {k: row[k] for k in ("measured", "expected", "data_as_of", "source", "article")} == \
        dict.fromkeys(("measured", "expected", "data_as_of", "source", "article"))
    assert row["caveat"] == "" and row["evidence"] == {} and row["note"] == "not in the catalogue"


def test_the_data_day_is_the_utc_day_its_iso_time_names() -> None:
    west = datetime(2024, 7, 11, 23, 30, tzinfo=timezone(timedelta(hours=-2)))
    assert DataUsed("x", west, "m").day == date(2024, 7, 12)
    assert DataUsed("x", datetime(2024, 7, 11, 23, 30), "m").day == date(2024, 7, 11)


def report(*verdicts: Verdict, errors: tuple[str, ...] = ()) -> ClaimsReport:
    return ClaimsReport(title="Claims", source="demo", as_of=AS_OF, verdicts=verdicts,
                        errors=errors)


def test_counts_and_exit_status_come_from_the_verdicts() -> None:
    supported, out = share_verdict(), Verdict("o", Outcome.OUT_OF_SCOPE)
    undecided = Verdict("u", Outcome.INCONCLUSIVE, note="no data")
    assert report(supported, out).exit_status == 0
    assert report(supported, undecided).exit_status == 4
    assert report(undecided, out).exit_status == 3
    assert report(supported, errors=("bad.toml: not valid TOML",)).exit_status == 1
    # The most frequent first; equal counts in the order they first appear.
    both = report(out, undecided, supported, undecided, out)
    assert list(both.counts.items()) == [(Outcome.OUT_OF_SCOPE, 2), (Outcome.INCONCLUSIVE, 2),
                                        (Outcome.SUPPORTED, 1)]
    assert both.extra == {}


def test_the_document_keeps_its_keys_and_whole_figures_stay_integers() -> None:
    count = Finding(Outcome.SUPPORTED, "> 10", "count",
                    measured=Measurement(760_000.0, Range(749_394, 770_606), DEMO))
    counted = Verdict("a", Outcome.SUPPORTED, AS_OF.date(), finding=count, data=DEMO)
    checked = report(counted, share_verdict(), errors=("x.toml: no [[claim]] tables",))
    checked.notes.append("claim file error: x.toml: no [[claim]] tables")
    doc = json.loads(get_format("json").render(checked))
    assert list(doc) == ["as_of", "source", "rows", "verdicts", "errors", "exit_status", "notes"]
    assert doc["verdicts"] == {"supported": 2} and doc["exit_status"] == 1
    assert doc["rows"][0]["measured"] == 760_000 and isinstance(doc["rows"][0]["measured"], int)
    rows = list(csv.DictReader(io.StringIO(get_format("csv").render(checked))))
    assert [r["measured"] for r in rows] == ["760000", "0.186246"]
    assert json.loads(rows[1]["evidence"])["names"] == "unavailable: no license names"
    assert checked.rows.loc[0, "measured"] == 760_000
