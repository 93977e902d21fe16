"""Weight formats and size buckets as data (`hfexplore/data/formats.toml`): which tags and
`library_name` values say a model holds a format, each with its reason, and the edges of the
parameter-count buckets."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hfexplore.errors import HfExploreError
from hfexplore.knowledge.text import builtin_text, user_text


@dataclass(frozen=True)
class FormatRule:
    name: str
    tags: tuple[str, ...]
    libraries: tuple[str, ...]
    reason: str

    def sql(self, table: str) -> str:
        """A SQL test of whether a row of `table` holds this format: one of its tags (compared
        lower-cased, whole tag) or its library_name is listed for it."""
        def quoted(values: tuple[str, ...]) -> str:
            return ", ".join("'" + v.replace("'", "''") + "'" for v in values)
        tests = []
        if self.tags:
            tests.append(f"list_has_any([lower(t) FOR t IN coalesce({table}.tags, [])], "
                         f"[{quoted(self.tags)}]::VARCHAR[])")
        if self.libraries:
            tests.append(f"coalesce(lower({table}.library_name) IN ({quoted(self.libraries)}), "
                         "false)")
        return "(" + (" OR ".join(tests) or "false") + ")"


@dataclass(frozen=True)
class SizeBucket:
    label: str
    min: int  # inclusive; the bucket ends where the next one starts


@dataclass(frozen=True)
class FormatRules:
    formats: tuple[FormatRule, ...]
    sizes: tuple[SizeBucket, ...]

    @classmethod
    def load(cls, path: str | Path | None = None) -> FormatRules:
        """The built-in rules, or those of a file in the same format."""
        try:
            text = user_text(path, "format rules") if path is not None else \
                builtin_text("formats.toml")
            return cls.parse(tomllib.loads(text))
        except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
            raise HfExploreError(f"format rules {path or 'formats.toml'}: {exc}") from exc

    @classmethod
    def parse(cls, doc: dict[str, Any]) -> FormatRules:
        formats = tuple(
            FormatRule(name, tuple(t.lower() for t in spec.get("tags", [])),
                       tuple(v.lower() for v in spec.get("libraries", [])), spec["reason"])
            for name, spec in doc["formats"].items())
        sizes = tuple(SizeBucket(str(b["label"]), int(b["min"])) for b in doc["sizes"])
        if [b.min for b in sizes] != sorted({b.min for b in sizes}) or sizes[0].min != 0:
            raise ValueError("size buckets must start at 0 and rise")
        return cls(formats, sizes)

    def tokens(self) -> list[tuple[str, str, str]]:
        """(format, "tag" or "library", lower-cased value) for every rule."""
        return [(rule.name, kind, value) for rule in self.formats
                for kind, values in (("tag", rule.tags), ("library", rule.libraries))
                for value in values]
