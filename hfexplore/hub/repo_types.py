"""The Hub's repo types: a light module (no HTTP stack), imported by every layer."""

from __future__ import annotations

from typing import Literal, cast

RepoType = Literal["model", "dataset", "space"]
REPO_TYPES: tuple[RepoType, ...] = ("model", "dataset", "space")
PLURAL = {"model": "models", "dataset": "datasets", "space": "spaces"}


def check_repo_type(repo_type: str) -> RepoType:
    if repo_type not in REPO_TYPES:
        expected = ", ".join(REPO_TYPES)
        raise ValueError(f"unknown repo type {repo_type!r}; expected one of {expected}")
    return cast(RepoType, repo_type)
