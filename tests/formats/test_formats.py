from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pandas as pd
import pytest

from hfexplore.formats import FORMATS, get_format
from hfexplore.formats.base import clean_text
from hfexplore.formats.csv import neutralise
from hfexplore.report import Report


def sample() -> Report:
    rows = pd.DataFrame({"license": ["apache-2.0", "\x1b[31mevil\x1b[0m\x07", "=HYPERLINK()"],
                         "count": [1_234_567, 10, 3], "share": [0.5, 0.25, 0.125]})
    return Report(title="Licenses", rows=rows, source="live",
                  as_of=datetime(2026, 11, 22, 10, 0, tzinfo=UTC),
                  extra={"totals": {"models": 3}},
                  sections={"by_family": pd.DataFrame({"family": ["Meta"], "count": [2]})})


def test_json_contract() -> None:
    doc = json.loads(get_format("json").render(sample()))
    assert doc["as_of"] == "2026-11-22T10:00:00Z" and doc["source"] == "live"
    assert doc["rows"][0] == {"license": "apache-2.0", "count": 1234567, "share": 0.5}
    assert doc["totals"] == {"models": 3}
    assert doc["by_family"] == [{"family": "Meta", "count": 2}]


def test_table_is_readable_and_inert() -> None:
    text = get_format("table").render(sample())
    assert "1,234,567" in text and "50.00%" in text and "as of 2026-11-22T10:00:00Z" in text
    assert "\x1b" not in text and "\x07" not in text and "evil" in text
    assert "By family" in text


def test_markdown_has_github_tables() -> None:
    text = get_format("markdown").render(sample())
    assert text.startswith("### Licenses")
    assert "|" in text.splitlines()[2]


def test_csv_rows_round_trip_and_formulas_are_neutralised() -> None:
    rows = list(csv.DictReader(io.StringIO(get_format("csv").render(sample()))))
    assert rows[0] == {"license": "apache-2.0", "count": "1234567", "share": "0.5"}
    assert rows[2]["license"] == "'=HYPERLINK()"


@pytest.mark.parametrize("value", ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\t=x"])
def test_neutralise_formula_starts(value: str) -> None:
    assert neutralise(value).startswith("'")


def test_neutralise_leaves_numbers_and_plain_text() -> None:
    assert neutralise(-5) == -5 and neutralise("apache-2.0") == "apache-2.0"


def test_clean_text_strips_escapes() -> None:
    assert clean_text("a\x1b]8;;http://x\x07link\x1b]8;;\x07b\r\n") == "alinkb "


def test_every_format_renders_an_empty_report() -> None:
    empty = Report(title="Nothing", rows=pd.DataFrame({"a": []}), source="live")
    for name in FORMATS:
        assert get_format(name).render(empty).endswith("\n")


LONG_SOURCE = ("demo (real Hub data: 1 in 38 models and 1 in 35 datasets of July 2024, 123 Spaces "
               "of August 2026)")


@pytest.mark.parametrize(("name", "heading"), [("table", "Licenses"), ("markdown", "### Licenses")])
def test_titles_stay_short_and_provenance_is_a_footer(name: str, heading: str) -> None:
    report = sample()
    report.source = LONG_SOURCE
    report.extra["snapshot_name"] = "2026-11-22T100000Z"
    lines = get_format(name).render(report).splitlines()
    assert lines[0] == heading
    assert lines[-1] == ("as of 2026-11-22T10:00:00Z, source: " + LONG_SOURCE +
                         ", snapshot 2026-11-22T100000Z")
    assert sum(LONG_SOURCE in line for line in lines) == 1
    doc = json.loads(get_format("json").render(report))
    assert doc["source"] == LONG_SOURCE and doc["as_of"] == "2026-11-22T10:00:00Z"


def test_a_snapshot_named_in_the_source_is_not_repeated() -> None:
    report = sample()
    report.source = "/data/snapshots/2026-11-22T100000Z"
    report.extra["snapshot_name"] = "2026-11-22T100000Z"
    footer = get_format("table").render(report).splitlines()[-1]
    assert footer == "as of 2026-11-22T10:00:00Z, source: /data/snapshots/2026-11-22T100000Z"


def test_lead_tables_come_before_the_rows_and_json_keeps_extra() -> None:
    report = sample()
    report.rows_heading = "Changed repos"
    report.lead["summary"] = pd.DataFrame({"repo_type": ["model"], "added": [12_345]})
    text = get_format("table").render(report)
    assert text.index("Summary") < text.index("12,345") < text.index("Changed repos") \
        < text.index("apache-2.0")
    doc = json.loads(get_format("json").render(report))
    assert doc["summary"] == [{"repo_type": "model", "added": 12345}]
    report.extra["summary"] = {"model": {"added": 12345}}
    assert json.loads(get_format("json").render(report))["summary"] == {"model": {"added": 12345}}


def test_sizes_are_human_readable_and_counts_have_separators() -> None:
    rows = pd.DataFrame({"models": pd.array([1_200_000, None], dtype="Int64"),
                         "size_bytes": pd.array([1_284_404, 950], dtype="Int64")})
    text = get_format("table").render(Report("Snapshots", rows, source="x"))
    assert "1,200,000" in text and "1.28 MB" in text and "950 B" in text
