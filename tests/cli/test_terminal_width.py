"""Tables fit the terminal (issue 22): at COLUMNS=80 no line of any report's table output is
wider than 80 columns, and what had to be left out is said."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hfexplore.cli import cli
from tests.stats.dated import dated_snapshots

WIDTH = 80
COMMANDS = {
    "stats": ["stats"],
    "licenses": ["licenses"],
    "licenses by category": ["licenses", "--by", "category", "--repo-type", "dataset"],
    "licenses by family": ["licenses", "--by", "family"],
    "licenses open weight": ["licenses", "--open-weight"],
    "libraries": ["libraries"],
    "libraries of datasets": ["libraries", "--repo-type", "dataset"],
    "libraries of spaces": ["libraries", "--repo-type", "space"],
    "tasks": ["tasks", "--repo-type", "dataset"],
    "authors": ["authors"],
    "authors by family": ["authors", "--by-family", "--sort", "downloads"],
    "lineage": ["lineage"],
    "lineage of a family": ["lineage", "--family", "Meta"],
    "growth": ["growth"],
    "history": ["history"],
    "history of licenses": ["history", "--metric", "license"],
    "history of libraries": ["history", "--metric", "library", "--repo-type", "space"],
    "snapshot diff": ["snapshot", "diff"],
    "snapshot list": ["snapshot", "list"],
    "sql": ["sql", "SELECT * FROM models ORDER BY downloads DESC LIMIT 5"],
    "sql history": ["sql", "SELECT snapshot, license_category, count(*) AS n FROM "
                    "history_models GROUP BY ALL ORDER BY ALL"],
    "claims": ["claims"],
    "doctor": ["doctor", "--offline"],
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("width")
    dated_snapshots(root, ["2024-07-01", "2024-08-01"])
    return root


def run(argv: list[str], data_dir: Path, columns: str | None = str(WIDTH)) -> str:
    env = {"HFEXPLORE_HOME": str(data_dir), "HFEXPLORE_CACHE": str(data_dir / "cache"),
           "HF_ENDPOINT": "http://127.0.0.1:9", "COLUMNS": columns}
    result = CliRunner().invoke(cli, [*argv, "--format", "table"], env=env)
    assert result.exit_code in (0, 4), result.output  # claims: 4, some are inconclusive
    return result.stdout


@pytest.mark.parametrize("name", COMMANDS)
def test_no_line_is_wider_than_the_terminal(name: str, data_dir: Path) -> None:
    printed = run(COMMANDS[name], data_dir)
    wide = [line for line in printed.splitlines() if len(line) > WIDTH]
    assert printed.strip() and wide == []


def test_what_is_left_out_is_said_and_the_key_stays_whole(data_dir: Path) -> None:
    printed = run(["lineage", "--demo"], data_dir)
    assert "stabilityai/stable-diffusion-xl-base-1.0" in printed  # the key, never shortened
    note = " ".join(printed.split())  # the note is wrapped over several lines
    assert "left out finetune, adapter, quantized, merge: 0 in every row" in note
    assert "to fit 80 columns" in note and "--format json or csv shows every column" in note
    shown = run(["sql", "--demo", "SELECT * FROM models ORDER BY id LIMIT 3"], data_dir)
    header = shown.splitlines()[2].split()
    assert header[0] == "id" and "tasks" not in header
    assert "…" in " ".join(shown.split()) or "left out" in shown


def test_a_wider_terminal_or_a_pipe_gets_every_column(data_dir: Path) -> None:
    for columns in ("300", None):
        printed = run(["lineage", "--demo"], data_dir, columns)
        header = printed.splitlines()[2].split()
        assert header == ["base_model", "base_family", "origin_family", "derivatives",
                          "descendants", "finetune", "adapter", "quantized", "merge",
                          "unspecified", "authors"]
        assert "left out" not in printed
