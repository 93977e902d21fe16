"""Repo-provided text made inert for terminals and spreadsheets."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hfexplore.sanitize import clean_text, neutralise

ESCAPES = ["\x1b[31mred\x1b[0m", "\x1b]0;title\x07", "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\",
           "\x1bc", "\x9bcsi", "bell\x07", "nul\x00"]
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.mark.parametrize("text", ESCAPES)
def test_no_escape_or_control_character_survives(text: str) -> None:
    cleaned = clean_text(text)
    assert "\x1b" not in cleaned and not CONTROL.search(cleaned)


def test_newlines_and_tabs_become_spaces_and_plain_text_is_kept() -> None:
    assert clean_text("two\nlines\tand a tab") == "two lines and a tab"
    assert clean_text("Llama-3 · 8B – ünïcödé") == "Llama-3 · 8B – ünïcödé"


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"x\")", "+1", "-1+2", "@SUM(A1)", "\t=1",
                                  "\r=1", "\t\x1b[31m=1"])
def test_a_formula_start_gets_a_quote_and_no_escape(cell: str) -> None:
    value = neutralise(cell)
    assert value.startswith("'") and "\x1b" not in value and not CONTROL.search(value)


def test_lists_are_joined_and_other_values_pass_through() -> None:
    assert neutralise(["mit", "=evil"]) == "mit;=evil"  # joined first: the cell starts "mit"
    assert neutralise(("=a", "b")) == "'=a;b"
    assert neutralise(3) == 3 and neutralise(None) is None and neutralise(-2.5) == -2.5


@given(st.text())
def test_any_text_comes_out_inert(text: str) -> None:
    for value in (clean_text(text), neutralise(text)):
        assert "\x1b" not in value and "\n" not in value and not CONTROL.search(value)
