"""Bulk re-uploaders (`hfexplore/data/reuploads.toml`): accounts whose models are mostly
copies of other models (quantizations, format conversions), told from relation tags, formats
and names. The judgement is data; this module reads it and says how a query applies it."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from typing import Any

from hfexplore.errors import HfExploreError
from hfexplore.knowledge.text import builtin_text


@dataclass(frozen=True)
class Reuploads:
    """A model is a copy when a base edge has one of `relations`, it has one of `formats`, or
    the name after its namespace matches `name_pattern` (case-insensitive); an account is a
    bulk re-uploader when more than `share` of its models are copies."""

    relations: tuple[str, ...]
    formats: tuple[str, ...]
    name_pattern: str
    share: float

    @classmethod
    def load(cls) -> Reuploads:
        raw: dict[str, Any] = tomllib.loads(builtin_text("reuploads.toml"))
        try:
            found = cls(tuple(raw["relations"]), tuple(raw["formats"]),
                        str(raw["name_pattern"]), float(raw["share"]))
            re.compile(found.name_pattern)
        except (KeyError, TypeError, ValueError, re.error) as exc:
            raise HfExploreError(f"the re-uploader definition (reuploads.toml) is broken: "
                                 f"{exc}") from exc
        return found

    def accounts_sql(self, name: str) -> tuple[str, dict[str, Any]]:
        """SQL selecting the (lower-case) bulk re-uploading authors of the table `source`,
        and its parameters, named `{name}_...`."""
        copy = (f"coalesce(list_has_any(base_relations, ${name}_relations), false) "
                f"OR coalesce(list_has_any(formats, ${name}_formats), false) "
                f"OR coalesce(regexp_matches(lower(split_part(id, '/', 2)), ${name}_pattern), "
                "false)")
        sql = (f"SELECT lower(author) FROM source WHERE author IS NOT NULL GROUP BY ALL "
               f"HAVING avg(CASE WHEN {copy} THEN 1.0 ELSE 0.0 END) > ${name}_share")
        return sql, {f"{name}_relations": list(self.relations),
                     f"{name}_formats": list(self.formats),
                     f"{name}_pattern": self.name_pattern, f"{name}_share": self.share}
