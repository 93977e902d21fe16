"""The three kinds of Hub repo: one vocabulary for the library, the command line and claim files.

`RepoType` is a `StrEnum`, so a member is the plain string ("model" == RepoType.MODEL): it keys
dicts, formats and serialises as the string, and a Python user or a claim file may pass either.
Imports nothing heavy: the CLI builds its option type from it at start-up.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from hfexplore.errors import InvalidArgumentError


class RepoType(StrEnum):
    MODEL = "model"
    DATASET = "dataset"
    SPACE = "space"

    @property
    def plural(self) -> str:
        """The Hub's API path segment and the snapshot's file stem: models, datasets, spaces."""
        return f"{self.value}s"

    @classmethod
    def parse(cls, value: object, name: str = "repo_type") -> RepoType:
        """The member a user named, or InvalidArgumentError naming the allowed values."""
        if isinstance(value, str):
            try:
                return cls(value)
            except ValueError:
                pass
        allowed = ", ".join(repr(t.value) for t in cls)
        raise InvalidArgumentError(f"{name} must be one of {allowed}, not {value!r}")


RepoTypeName = Literal["model", "dataset", "space"]
# What a caller may pass: a member, or its name as a string (checked by RepoType.parse).
RepoTypeLike = RepoType | RepoTypeName

REPO_TYPES: tuple[RepoType, ...] = tuple(RepoType)
PLURAL: dict[str, str] = {t: t.plural for t in RepoType}
