"""Make repo-provided text inert: for terminals (no escapes) and spreadsheets (no formulas)."""

from __future__ import annotations

import re
from typing import Any

# C0/C1 control characters and ANSI escape sequences: repo-provided strings must not drive the
# terminal (colours, cursor moves, hyperlinks, title changes).
_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean_text(value: str) -> str:
    """Strip terminal escapes and control characters; newlines and tabs become spaces."""
    return _CONTROL.sub("", _ANSI.sub("", value)).replace("\n", " ").replace("\t", " ")


def neutralise(value: Any) -> Any:
    """Make a cell inert for spreadsheets: text starting like a formula gets a leading quote."""
    if isinstance(value, list | tuple):
        value = ";".join(str(v) for v in value)
    if isinstance(value, str):
        cleaned = clean_text(value)
        return "'" + cleaned if value.startswith(_FORMULA_START) else cleaned
    return value
