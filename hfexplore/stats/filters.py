"""Row filters shared by reports, claims and diffs, compiled to one SQL condition.

Every rule of what a filter means is here, once: authors match case-insensitively; a
multi-valued column (`libraries`, `tasks`) matches when any of its values does; `family` is
the publisher family of the author; `base_family` matches a model descending from the family
at any depth: some ancestor up its chain of base models is attributed to the family (origin
patterns, namespaces and mirrors, legacy ids: see `knowledge/families.py` and
`stats/closure.py`); `parent_family` matches when a direct base model is; a row whose filtered
column is missing never matches (nor does it match a negated filter on families, which it is
not published by). Knowledge (the family and license tables) enters as query parameters, never
as SQL text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any, Protocol

from hfexplore.knowledge import OPEN_WEIGHT_CATEGORIES, Families, LicenseTable, Reuploads

Values = str | tuple[str, ...] | None
# Models with an ancestor, or a direct base, attributed to one of the families in parameter
# `$?`; the `lineage_*` tables are the scan's lineage graph (`stats/closure.py`).
DESCENDS = ("len(base_models) > 0 AND id IN (SELECT i.id FROM {pairs} AS p "
            "JOIN lineage_attributed AS t "
            "ON t.node = p.{above} JOIN lineage_ids AS i ON i.node = p.model "
            "WHERE list_contains($?, t.family))")


class WholeSource(Protocol):
    """What a filter may ask of the whole source it filters (a `Scan`)."""

    def lineage(self) -> object: ...

    def bulk_reuploaders(self) -> str: ...

    def license_lists(self, name: str, keep: Callable[[list[str]], bool]) -> str: ...

    def register_values(self, name: str, columns: Mapping[str, Sequence[str | None]]) -> None: ...


def as_values(value: Values | Sequence[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


@dataclass(frozen=True)
class Filters:
    """Row filters (all optional; all must hold). Each text filter takes one value or several
    (any of them matches)."""

    author: Values = None
    library: Values = None
    task: Values = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    license: Values = None
    license_category: Values = None  # a category, or "open-weight" for the three open ones
    family: Values = None  # publisher family of the author
    base_family: Values = None  # the family of any ancestor, at any depth (base of a base...)
    parent_family: Values = None  # the family of a direct base model
    not_family: Values = None  # not published by these families
    not_family_kind: Values = None  # not published by a family of these kinds ("company")
    family_kind: Values = None  # published by a family of these kinds ("academic")
    # True: every declared license is a reusable standard one (see the license table);
    # False: at least one declared license is not (custom, unknown, or written for one model).
    # Repos declaring no license match neither.
    standard_license: bool | None = None
    # True: at least one declared license has custom terms (`other`, `unknown`, a name the
    # license table does not know); False: every declared one is known and not custom.
    custom_license: bool | None = None
    # True: not by a bulk re-uploader (an account whose models are mostly copies, see
    # `knowledge/reuploads.py`), judged over the whole source, not the filtered rows; False:
    # only by bulk re-uploaders.
    not_bulk_reuploader: bool | None = None
    # Parameter counts (`num_parameters`), both ends inclusive; a model without one never matches.
    num_parameters_min: int | None = None
    num_parameters_max: int | None = None

    def columns(self) -> list[str]:
        """The snapshot columns these filters read."""
        wanted = {"author": self.author or self.family or self.not_family
                  or self.not_family_kind or self.family_kind or self.not_bulk_reuploader,
                  "libraries": self.library, "tasks": self.task,
                  "created_at": self.created_after or self.created_before,
                  "license": self.license, "license_category": self.license_category,
                  "base_models": self.base_family or self.parent_family,
                  "id": self.base_family or self.parent_family,
                  "licenses": self.standard_license is not None
                  or self.custom_license is not None,
                  "formats": self.not_bulk_reuploader is not None,
                  "base_relations": self.not_bulk_reuploader is not None,
                  "num_parameters": self.num_parameters_min is not None
                  or self.num_parameters_max is not None}
        if self.not_bulk_reuploader is not None:
            wanted["id"] = wanted["author"] = True
        return [column for column, value in wanted.items() if value]

    def describe(self) -> str:
        parts = []
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool):
                parts.append(f"{item.name}={str(value).lower()}")
            elif isinstance(value, int):
                parts.append(f"{item.name}={parameter_text(value)}")
            elif value:
                shown = value.date().isoformat() if isinstance(value, datetime) else \
                    ",".join(as_values(value))
                parts.append(f"{item.name}={shown}")
        return ", ".join(parts)

    def compile(self, knowledge: Knowledge, source: WholeSource,
                prefix: str) -> tuple[list[str], dict[str, Any]]:
        """SQL conditions (to be AND-ed) and their parameters, named `{prefix}_...`. What
        depends on the whole source (its lineage graph, its bulk re-uploaders) is asked of
        `source` only when a filter needs it."""
        conditions: list[str] = []
        params: dict[str, Any] = {}

        def add(sql: str, value: Any) -> None:
            name = f"{prefix}_{len(params)}"
            params[name] = value
            conditions.append(f"coalesce({sql.replace('$?', '$' + name)}, false)")

        def licenses_such_that(keep: Callable[[list[str]], bool], what: str) -> None:
            lists = source.license_lists(f"{prefix}_{what}_licenses", keep)
            conditions.append(f"coalesce(licenses IN (SELECT licenses FROM {lists}), false)")

        if self.standard_license is not None:  # every license declared is standard (or not)
            standard, wanted = set(knowledge.license_table().standard_ids()), \
                self.standard_license
            licenses_such_that(lambda ids: bool(ids) and set(ids) <= standard if wanted
                               else not set(ids) <= standard, "standard")
        if self.custom_license is not None:  # some license declared is custom (or none is)
            known, custom = set(knowledge.license_table().noncustom_ids()), self.custom_license
            licenses_such_that(lambda ids: bool(ids) and (not set(ids) <= known if custom
                                                          else set(ids) <= known), "custom")
        if self.not_bulk_reuploader is not None:
            negation = "NOT " if self.not_bulk_reuploader else ""
            conditions.append(f"coalesce(lower(author) {negation}IN (SELECT account FROM "
                              f"{source.bulk_reuploaders()}), false)")
        if self.author:
            add("list_contains($?, lower(author))", [v.lower() for v in as_values(self.author)])
        if self.library:
            add("list_has_any(libraries, $?)", list(as_values(self.library)))
        if self.task:
            add("list_has_any(tasks, $?)", list(as_values(self.task)))
        if self.license:
            add("list_contains($?, license)", list(as_values(self.license)))
        if self.license_category:
            add("list_contains($?, license_category)",
                [c for v in as_values(self.license_category)
                 for c in (OPEN_WEIGHT_CATEGORIES if v == "open-weight" else (v,))])
        if self.created_after:
            add("created_at >= $?", _utc(self.created_after))
        if self.created_before:
            add("created_at < $?", _utc(self.created_before))
        def published_by(namespaces: list[str], what: str, negated: bool = False) -> None:
            # A table, not a list parameter: `list_contains` over the hundreds of namespaces
            # of a kind of families would compare each row with each of them.
            table = f"{prefix}_{what}"
            source.register_values(table, {"namespace": namespaces})
            conditions.append(f"{'NOT ' if negated else ''}coalesce(lower(author) IN "
                              f"(SELECT namespace FROM {table}), false)")

        if self.family:
            published_by(knowledge.publishers(self.family), "family")
        if self.not_family:
            published_by(knowledge.publishers(self.not_family), "not_family", negated=True)
        if self.not_family_kind:
            published_by(knowledge.publishers_of_kinds(self.not_family_kind), "not_kind",
                         negated=True)
        if self.family_kind:
            published_by(knowledge.publishers_of_kinds(self.family_kind), "kind")
        for values, pairs, above in ((self.base_family, "lineage_ancestors", "ancestor"),
                                     (self.parent_family, "lineage_edges", "base")):
            if values:
                source.lineage()
                add(DESCENDS.format(pairs=pairs, above=above),
                    knowledge.families().canonical(as_values(values)))
        if self.num_parameters_min is not None:
            add("num_parameters >= $?", self.num_parameters_min)
        if self.num_parameters_max is not None:
            add("num_parameters <= $?", self.num_parameters_max)
        return conditions, params


NO_FILTERS = Filters()
_UNITS = {"": 1, "k": 10**3, "m": 10**6, "b": 10**9, "t": 10**12}


def parse_num_parameters(text: str) -> tuple[int | None, int | None]:
    """The `hf` CLI's range syntax: `min:6B,max:128B`, `min:6B` or `max:128B` (units K, M, B,
    T, any case; a plain number is a count). (min, max), either None; ValueError if malformed."""
    found: dict[str, int] = {}
    for part in text.split(","):
        key, colon, amount = part.strip().partition(":")
        key = key.strip().lower()
        if not colon or key not in ("min", "max") or key in found:
            raise ValueError(f"{text!r}: expected min:N, max:N or both (min:6B,max:128B)")
        number = amount.strip().lower()
        unit = number[-1:] if number[-1:] in _UNITS else ""
        try:
            value = float(number[:len(number) - len(unit)]) * _UNITS[unit]
        except ValueError:
            raise ValueError(f"{amount.strip()!r} is not a parameter count (6B, 350M, 1.5T, "
                             "7000000000)") from None
        if not value >= 0 or value > 2**62:
            raise ValueError(f"{amount.strip()!r} is not a parameter count from 0 to 4.6e18")
        found[key] = round(value)
    low, high = found.get("min"), found.get("max")
    if low is not None and high is not None and low > high:
        raise ValueError(f"{text!r}: min is above max")
    return low, high


def parameter_text(count: float) -> str:
    """A parameter count as people write it: 6B, 350M, 1.5T, 7.24B."""
    for unit, scale in (("T", 10**12), ("B", 10**9), ("M", 10**6), ("K", 10**3)):
        if count >= scale:
            return f"{count / scale:.3g}{unit}"
    return f"{count:g}"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Knowledge:
    """The family and license tables, loaded only when a query needs them."""

    def __init__(self, families: Families | None = None,
                 license_table: LicenseTable | None = None) -> None:
        self._families = families
        self._license_table = license_table
        self._reuploads: Reuploads | None = None

    def reuploads(self) -> Reuploads:
        if self._reuploads is None:
            self._reuploads = Reuploads.load()
        return self._reuploads

    def families(self) -> Families:
        if self._families is None:
            self._families = Families.load()
        return self._families

    def license_table(self) -> LicenseTable:
        if self._license_table is None:
            self._license_table = LicenseTable.load()
        return self._license_table

    def publishers(self, names: Values) -> list[str]:
        """The (lower-case) namespaces publishing for these families."""
        families = self.families()
        wanted = set(families.canonical(as_values(names)))
        return [ns for ns, name in families.publisher_map().items() if name in wanted]

    def publishers_of_kinds(self, kinds: Values) -> list[str]:
        """The namespaces publishing for every family of one of `kinds` (academic...)."""
        wanted = as_values(kinds)
        names = tuple(f.name for f in self.families().families.values() if f.kind in wanted)
        return self.publishers(names) if names else []

