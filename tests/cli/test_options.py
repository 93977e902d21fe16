from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from hfexplore.cli import cli
from hfexplore.cli.options import REPO_TYPE, REPO_TYPE_LIST, repo_type_option
from hfexplore.repo_type import RepoType


def test_one_repo_type_reaches_the_command_as_a_member() -> None:
    seen: list[object] = []

    @click.command()
    @repo_type_option
    def command(repo_type: RepoType) -> None:
        seen.append(repo_type)

    runner = CliRunner()
    assert runner.invoke(command, []).exit_code == 0
    assert runner.invoke(command, ["--repo-type", "space"]).exit_code == 0
    assert seen == [RepoType.MODEL, RepoType.SPACE]
    assert all(type(t) is RepoType for t in seen)
    refused = runner.invoke(command, ["--repo-type", "models"])
    assert refused.exit_code == 2 and "'models' is not one of" in refused.output


def test_a_repo_type_list_keeps_the_order_asked() -> None:
    assert REPO_TYPE_LIST.convert("dataset, model", None, None) == [RepoType.DATASET,
                                                                   RepoType.MODEL]
    assert REPO_TYPE.convert("dataset", None, None) is RepoType.DATASET


@pytest.mark.parametrize("given", ["", ",", "model,models"])
def test_a_repo_type_list_refuses_unknown_or_empty(given: str) -> None:
    with pytest.raises(click.BadParameter, match="comma-separated list of model, dataset, space"):
        REPO_TYPE_LIST.convert(given, None, None)


@pytest.mark.parametrize("command", [["authors"], ["stats"], ["lineage"], ["snapshot", "diff"],
                                     ["history"]])
def test_a_top_beyond_any_catalogue_is_a_usage_error(command: list[str]) -> None:
    """Not passed to DuckDB, whose 64-bit LIMIT fails with lines of SQL and ^^^ markers."""
    result = CliRunner().invoke(cli, [*command, "--top", "99999999999999999999999"])
    assert result.exit_code == 2
    assert "'--top': 99999999999999999999999 is not in the range 0<=x<=1000000000" \
        in result.stderr
    assert "LINE 1" not in result.output and "^^^" not in result.output


@pytest.mark.parametrize("option", ["--snapshot", "--author", "--library", "--task"])
def test_an_empty_name_is_not_no_filter(option: str) -> None:
    result = CliRunner().invoke(cli, ["licenses", "--demo", option, ""])
    assert result.exit_code == 2 and result.stdout == ""
    assert f"Invalid value for '{option}': must not be empty" in result.stderr
    for flag in ("--family", "--base"):
        lineage = CliRunner().invoke(cli, ["lineage", "--demo", flag, " "])
        assert lineage.exit_code == 2 and "must not be empty" in lineage.stderr


def test_an_empty_snapshot_name_is_a_usage_error_everywhere(tmp_path) -> None:
    for command in (["snapshot", "show", ""], ["snapshot", "diff", "", "latest"]):
        result = CliRunner().invoke(cli, [*command, "--data-dir", str(tmp_path)])
        assert result.exit_code == 2
        assert result.stderr.splitlines() == ["error: a snapshot name must not be empty"]


def test_plots_need_no_extra_and_matplotlib_is_listed_once() -> None:
    """matplotlib is a default dependency: --plot's help asks for no extra, and pyproject
    lists it once."""
    import tomllib

    from tests.conftest import ROOT

    for command in ("growth", "history"):
        help_text = CliRunner().invoke(cli, [command, "--help"]).stdout
        assert "--plot" in help_text and "extra" not in help_text
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    listed = [r for r in [*project["dependencies"],
                          *(r for extra in project["optional-dependencies"].values()
                            for r in extra)]
              if r.startswith("matplotlib")]
    assert listed == ["matplotlib>=3.8"]
