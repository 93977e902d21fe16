from __future__ import annotations

import json

import pytest

from hfexplore import hub
from hfexplore.errors import InvalidArgumentError
from hfexplore.repo_type import PLURAL, REPO_TYPES, RepoType


def test_a_member_is_its_plain_string() -> None:
    assert [t for t in REPO_TYPES] == ["model", "dataset", "space"]
    assert RepoType.DATASET == "dataset" and {"dataset": 1}[RepoType.DATASET] == 1
    assert f"{RepoType.SPACE}s" == "spaces" and str(RepoType.MODEL) == "model"
    assert json.dumps({"repo_type": RepoType.MODEL}) == '{"repo_type": "model"}'


def test_plural_is_the_hub_path_segment() -> None:
    assert [t.plural for t in RepoType] == ["models", "datasets", "spaces"]
    assert PLURAL["model"] == "models" and PLURAL[RepoType.SPACE] == "spaces"


@pytest.mark.parametrize("given", ["model", RepoType.MODEL])
def test_parse_takes_a_string_or_a_member(given: object) -> None:
    assert RepoType.parse(given) is RepoType.MODEL


@pytest.mark.parametrize("given", ["models", "Model", "", None, 3])
def test_parse_refuses_anything_else_with_the_allowed_values(given: object) -> None:
    with pytest.raises(InvalidArgumentError, match="repo_type must be one of 'model', "
                                                   "'dataset', 'space'") as caught:
        RepoType.parse(given)
    assert isinstance(caught.value, ValueError)


def test_the_hub_layer_uses_the_same_vocabulary() -> None:
    assert hub.RepoType is RepoType and hub.REPO_TYPES is REPO_TYPES
    assert hub.ListQuery("dataset").repo_type is RepoType.DATASET
    with pytest.raises(ValueError, match="repo_type must be one of"):
        hub.ListQuery("models")  # type: ignore[arg-type]
