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
