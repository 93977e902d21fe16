"""The order of restrictiveness license drift is judged by (`hfexplore/data/drift.toml`): a
level per license category, with its reason, and the categories that cannot be placed."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hfexplore.errors import HfExploreError
from hfexplore.knowledge.licenses import CATEGORIES
from hfexplore.knowledge.text import builtin_text, user_text

# What comparing a derivative's license with its base's can give, in report order.
OUTCOMES = ("same", "more_restrictive", "less_restrictive", "undeclared", "base_undeclared",
            "unclear", "base_missing")
OUTCOME_MEANING = {
    "same": "the same level of restrictiveness (the licenses may differ)",
    "more_restrictive": "the derivative's license is more restrictive than the base's",
    "less_restrictive": "the derivative's license is less restrictive than the base's",
    "undeclared": "the derivative declares no license (its base does)",
    "base_undeclared": "the base declares no license",
    "unclear": "custom or unknown terms on either side: no level to compare",
    "base_missing": "the base is not in the snapshot (deleted, private, or outside a sample)",
}


@dataclass(frozen=True)
class DriftOrder:
    """Level per license category (higher: more restrictive), and the reasons."""

    levels: dict[str, int]
    reasons: dict[str, str]

    @classmethod
    def load(cls, extra: str | Path | None = None) -> DriftOrder:
        levels, reasons = _parse(builtin_text("drift.toml"), "the built-in drift order")
        if extra is not None:
            more = _parse(user_text(extra, "drift order"), str(extra))
            for category in more[1]:  # a user's entry replaces the built-in one
                levels.pop(category, None)
            levels.update(more[0])
            reasons.update(more[1])
        return cls(levels, reasons)

    def level(self, category: str | None) -> int | None:
        return self.levels.get(category or "none")

    def outcome(self, base: str | None, derivative: str | None) -> str:
        """The outcome for a base of category `base` (None: not in the snapshot) and a
        derivative of category `derivative` ("none": no license declared)."""
        if base is None:
            return "base_missing"
        if (derivative or "none") == "none":
            return "undeclared"
        if base == "none":
            return "base_undeclared"
        was, now = self.level(base), self.level(derivative)
        if was is None or now is None:
            return "unclear"
        return "same" if now == was else "more_restrictive" if now > was else "less_restrictive"


def drift_metric_problem(outcome: object, to: object) -> str | None:
    """What is wrong with a `drift_share` claim metric's outcome and target, if anything."""
    if outcome not in OUTCOMES:
        return f"outcome: must be one of {', '.join(OUTCOMES)}"
    if to not in ("parent", "root"):
        return 'to: must be "parent" or "root"'
    return None


def _parse(text: str, origin: str) -> tuple[dict[str, int], dict[str, str]]:
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise HfExploreError(f"{origin}: not valid TOML ({exc})") from exc
    levels: dict[str, int] = {}
    reasons: dict[str, str] = {}
    for index, entry in enumerate(data.get("level", [])):
        category, level = entry.get("category"), entry.get("level")
        if category not in CATEGORIES or category == "none" or not isinstance(level, int) \
                or isinstance(level, bool):
            raise HfExploreError(f"{origin}: level[{index}] needs a license category (one of "
                                 f"{', '.join(CATEGORIES[:-1])}) and an integer level")
        levels[category] = level
        reasons[category] = str(entry.get("reason", ""))
    for index, entry in enumerate(data.get("unranked", [])):
        category = entry.get("category")
        if category not in CATEGORIES or category == "none":
            raise HfExploreError(f"{origin}: unranked[{index}] needs a license category")
        reasons[category] = str(entry.get("reason", ""))
    return levels, reasons
