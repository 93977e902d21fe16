from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

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
