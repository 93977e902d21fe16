"""Start-up: help and usage load no heavy library; commands import what they use when run.

Each command runs in a fresh interpreter, which then lists the heavy modules it loaded: a
report, `claims`, `sql`, `history`, `snapshot list/show` and `doctor` answer from DuckDB's rows
without pandas or pyarrow (issue 25); a plot or an export may load what it needs.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hfexplore.arguments import OUTPUT_FORMATS
from hfexplore.formats import FORMATS

HEAVY = ("pandas", "pyarrow", "duckdb", "numpy", "requests", "huggingface_hub", "diskcache",
         "tqdm", "tabulate", "matplotlib")
DEMO = Path(__file__).resolve().parents[2] / "hfexplore" / "data" / "demo"


def imported_by(argv: list[str], env: dict[str, str] | None = None) -> tuple[set[str], str]:
    """The heavy modules a fresh interpreter holds after running the command, and its output."""
    code = ("import sys\nfrom hfexplore.cli import cli\ntry:\n"
            f"    cli({argv!r}, prog_name='hfexplore')\nexcept SystemExit:\n    pass\n"
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env=env)
    return set(json.loads(done.stderr.strip().splitlines()[-1].replace("'", '"'))), done.stdout


@pytest.mark.subprocess
@pytest.mark.parametrize("argv", [["--help"], ["sql", "--help"], ["stats", "--help"],
                                  ["snapshot", "create", "--help"], ["claims", "--help"]])
def test_help_imports_no_heavy_library(argv) -> None:
    found, output = imported_by(argv)
    assert "Usage:" in output
    assert found == set()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding two snapshots (copies of the demo), for the commands that
    read the data directory."""
    root = tmp_path_factory.mktemp("startup")
    for name in ("2024-07-11T000000Z", "2024-08-11T000000Z"):
        shutil.copytree(DEMO, root / "snapshots" / name)
    return root


# What each command may load besides the CLI itself: DuckDB (and tabulate for a table), never
# pandas, pyarrow or numpy.
ENGINE = {"duckdb", "tabulate"}
LIGHT = {
    "stats": (["stats", "--demo"], ENGINE),
    "licenses": (["licenses", "--demo"], ENGINE),
    "licenses open weight": (["licenses", "--demo", "--open-weight", "--by", "family"], ENGINE),
    "libraries": (["libraries", "--demo", "--repo-type", "dataset"], ENGINE),
    "tasks": (["tasks", "--demo"], ENGINE),
    "authors": (["authors", "--demo", "--by-family"], ENGINE),
    # the lineage graph and its closure are tables of the engine (stats/closure.py)
    "lineage": (["lineage", "--demo", "--family", "Meta"], ENGINE),
    "growth": (["growth", "--demo", "--by", "year"], ENGINE),
    # the built-in claims follow lineage (base_family) on the same engine tables
    "claims": (["claims", "--demo"], ENGINE),
    "sql": (["sql", "--demo", "SELECT license, count(*) AS n, sum(downloads) AS d, "
             "max(created_at) AS t FROM models GROUP BY ALL"], ENGINE),
    "history": (["history", "--metric", "license"], ENGINE),
    "history totals": (["history"], ENGINE),
    "snapshot list": (["snapshot", "list"], ENGINE),
    "snapshot show": (["snapshot", "show", "latest", "--verify"], {"duckdb"}),
    # doctor reads the Hub settings (the saved login through huggingface_hub, the cache)
    "doctor": (["doctor", "--offline"], {"tabulate", "requests", "huggingface_hub",
                                         "diskcache"}),
}


@pytest.mark.subprocess
@pytest.mark.parametrize("name", LIGHT)
@pytest.mark.parametrize("output", ["table", "json"])
def test_reports_load_neither_pandas_nor_pyarrow(name: str, output: str, data_dir: Path,
                                                 tmp_path: Path) -> None:
    argv, allowed = LIGHT[name]
    formatted = argv if argv[0] == "snapshot" and argv[1] == "show" else \
        [*argv, "--format", output]
    env = {"PATH": "", "HOME": str(tmp_path), "HFEXPLORE_HOME": str(data_dir),
           "HFEXPLORE_CACHE": str(tmp_path / "cache"), "HF_ENDPOINT": "http://127.0.0.1:9"}
    found, printed = imported_by(formatted, env)
    assert printed.strip()
    assert found <= allowed, f"{' '.join(formatted)} loaded {sorted(found - allowed)}"


@pytest.mark.subprocess
def test_a_plot_loads_what_it_draws_with(tmp_path: Path) -> None:
    found, _ = imported_by(["growth", "--demo", "--plot", str(tmp_path / "g.png"),
                            "--format", "json"])
    assert "matplotlib" in found


def test_the_format_choices_are_the_formats() -> None:
    assert tuple(FORMATS) == OUTPUT_FORMATS
