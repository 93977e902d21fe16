"""Checks of library arguments: a value outside the allowed ones is a typed error naming them,
never a silent default or a bare KeyError."""

from __future__ import annotations

from collections.abc import Sequence

from hfexplore.errors import InvalidArgumentError
from hfexplore.repo_type import RepoType

# As hfexplore.formats.FORMATS, without importing pandas.
OUTPUT_FORMATS = ("table", "json", "csv", "markdown")
PLOT_EXTENSIONS = ("png", "svg", "pdf")
EXPORT_FORMATS = ("parquet", "csv", "jsonl")
LATEST, PREVIOUS = "latest", "previous"  # snapshot names that mean the newest and the one before


def check_arguments(*, repo_type: object = None, **choices: tuple[object, Sequence[str]]) -> None:
    """Raise InvalidArgumentError unless `repo_type` (when given) is a repo type and every
    `name=(value, allowed)` has its value among the allowed ones."""
    if repo_type is not None:
        RepoType.parse(repo_type)
    for name, (value, allowed) in choices.items():
        check_choice(name, value, allowed)


def check_choice(name: str, value: object, allowed: Sequence[str]) -> None:
    if not isinstance(value, str) or value not in allowed:
        raise InvalidArgumentError(f"{name} must be one of {', '.join(map(repr, allowed))}, "
                                   f"not {value!r}")


# How `licenses` groups: by license id, by category, or by the license's own family (cc-by,
# gpl, llama...). `family` is the old spelling of `license_family`, kept as an alias: beside
# the publisher families of the open-weight section, the bare word was ambiguous.
LICENSE_GROUPINGS = ("license", "category", "license_family")
LICENSE_GROUPING_ALIASES = {"family": "license_family"}


def license_grouping(by: object) -> str:
    """`by` for the licenses report, its alias resolved (InvalidArgumentError if unknown)."""
    resolved = LICENSE_GROUPING_ALIASES.get(by, by) if isinstance(by, str) else by
    check_choice("by", resolved, LICENSE_GROUPINGS)
    return str(resolved)
