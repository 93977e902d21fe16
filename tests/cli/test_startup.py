"""Start-up: help and usage load no heavy library; commands import what they use when run."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hfexplore.arguments import OUTPUT_FORMATS
from hfexplore.formats import FORMATS

HEAVY = ("pandas", "pyarrow", "duckdb", "numpy", "requests", "huggingface_hub", "diskcache",
         "tqdm", "tabulate")


@pytest.mark.subprocess
@pytest.mark.parametrize("argv", [["--help"], ["sql", "--help"], ["stats", "--help"],
                                  ["snapshot", "create", "--help"], ["claims", "--help"]])
def test_help_imports_no_heavy_library(argv) -> None:
    code = ("import sys\nfrom hfexplore.cli import cli\ntry:\n"
            f"    cli({argv!r}, prog_name='hfexplore')\nexcept SystemExit:\n    pass\n"
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert "Usage:" in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "[]"


def test_the_format_choices_are_the_formats() -> None:
    assert tuple(FORMATS) == OUTPUT_FORMATS
