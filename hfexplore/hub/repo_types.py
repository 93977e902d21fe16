"""The Hub's repo types as the hub layer names them: a light module (no HTTP stack).

The vocabulary itself is `hfexplore.repo_type`; this re-exports it with the check the hub's
functions use.
"""

from __future__ import annotations

from hfexplore.repo_type import PLURAL, REPO_TYPES, RepoType

__all__ = ["PLURAL", "REPO_TYPES", "RepoType", "check_repo_type"]


def check_repo_type(repo_type: object) -> RepoType:
    """The repo type named (a RepoType or its string); InvalidArgumentError (a ValueError)
    otherwise."""
    return RepoType.parse(repo_type)
