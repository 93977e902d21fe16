"""Organisation families: which Hub namespaces publish for an organisation, and where a base
model comes from.

Two questions, kept apart on purpose (see `hfexplore/data/families.toml`):
- *publisher*: whose repos are these? Only a family's own namespaces count (never its mirrors
  or its test fixtures).
- *origin*: which family does a model id descend from, taken by itself? An origin pattern for
  the id, else its namespace (publishers and mirrors), else, for a legacy id without a
  namespace, the alias table. Lineage follows a model's own base tags first; these rules only
  attribute the ids where the base_model graph ends.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from hfexplore.errors import HfExploreError
from hfexplore.knowledge.text import builtin_text, user_text

KINDS = ("company", "academic", "nonprofit", "government", "project", "")
# A repo id pattern: a literal namespace, then a name in which `*` matches any run of
# characters (the Hub's id characters only, so that the SQL LIKE form has no other wildcard).
_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9._*-]+")
_REPO_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Family:
    name: str
    publishers: tuple[str, ...]
    mirrors: tuple[str, ...] = ()
    kind: str = ""
    note: str = ""
    fixtures: tuple[str, ...] = ()  # test-fixture namespaces: neither publisher nor origin


@dataclass(frozen=True)
class OriginPattern:
    """Repo ids matching `pattern` (case-insensitive, `*` = any run) descend from `family`."""

    pattern: str
    family: str
    reason: str

    @property
    def exact(self) -> bool:
        return "*" not in self.pattern

    @property
    def namespace(self) -> str:
        return self.pattern.split("/", 1)[0].lower()

    def matches(self, repo_id: str) -> bool:
        """Whether a (stripped) repo id matches, case-insensitively."""
        return _regex(self.pattern).fullmatch(repo_id.lower()) is not None

    def like(self) -> str:
        """The pattern for SQL `lower(id) LIKE p ESCAPE '\\'` (`_` and `%` escaped)."""
        escaped = re.sub(r"([\\_%])", r"\\\1", self.pattern.lower())
        return escaped.replace("*", "%")

    def _priority(self) -> tuple[int, int]:
        # An exact id first, then the wildcard with the most literal characters.
        return (0 if self.exact else 1, -len(self.pattern.replace("*", "")))


@lru_cache(maxsize=4096)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.lower().split("*")),
                      re.DOTALL)


@dataclass
class Families:
    """Organisation families <- Hub namespaces (case-insensitive), plus legacy id aliases,
    origin patterns for repo ids, and the roots deliberately attributed to no family."""

    families: dict[str, Family]
    aliases: dict[str, str] = field(default_factory=dict)
    origins: tuple[OriginPattern, ...] = ()
    unattributed: dict[str, str] = field(default_factory=dict)  # lower-case id -> reason

    def __post_init__(self) -> None:
        self._publisher: dict[str, str] = {}
        self._origin: dict[str, str] = {}
        self._fixture: dict[str, str] = {}
        self._by_name: dict[str, Family] = {}  # case-insensitive; the first spelling wins
        for name, entry in self.families.items():
            self._by_name.setdefault(name.lower(), entry)
        for family in self.families.values():
            for namespace in family.mirrors:
                self._origin[namespace.lower()] = family.name
            for namespace in family.publishers:
                self._publisher[namespace.lower()] = family.name
                self._origin[namespace.lower()] = family.name
            for namespace in family.fixtures:
                self._fixture[namespace.lower()] = family.name
        self._exact = {k.lower(): v for k, v in self.aliases.items() if not k.endswith("*")}
        # Longest prefix first, so `roberta-base-openai-*` would beat `roberta-*`.
        self._prefixes = sorted(((k[:-1].lower(), v) for k, v in self.aliases.items()
                                 if k.endswith("*")), key=lambda kv: -len(kv[0]))
        # Patterns in the order they are tried (sorted() is stable: ties keep file order).
        self._patterns = sorted(self.origins, key=OriginPattern._priority)
        self._exact_patterns = {p.pattern.lower(): p for p in reversed(self._patterns)
                                if p.exact}
        self._wildcards: dict[str, list[OriginPattern]] = {}
        for rule in self._patterns:
            if not rule.exact:
                self._wildcards.setdefault(rule.namespace, []).append(rule)
        self.unattributed = {k.lower(): v for k, v in self.unattributed.items()
                             if self.origin_of(k) is None}

    # -- loading -----------------------------------------------------------------------------------
    @classmethod
    def load(cls, extra: str | Path | None = None) -> Families:
        table = _parse(builtin_text("families.toml"), "the built-in families")
        if extra is not None:
            table = table.extended_by(_parse(user_text(extra, "families file"), str(extra)))
        families = table.families
        named = list(table.aliases.values()) + [rule.family for rule in table.origins]
        unknown = sorted({name for name in named if name not in families})
        if unknown:
            raise HfExploreError(f"families: aliases or origins name unknown families: "
                                 f"{', '.join(unknown)}")
        return cls(families, table.aliases, tuple(table.origins), table.unattributed)

    # -- single values -----------------------------------------------------------------------------
    def family_of(self, namespace: str | None) -> str | None:
        """The family that publishes in `namespace` (mirrors and fixtures do not count)."""
        return self._publisher.get(namespace.lower()) if namespace else None

    def origin_of(self, repo_id: str | None) -> str | None:
        """The family a model id descends from, taken by itself: an origin pattern, else its
        namespace (publisher or mirror), else, without a namespace, an alias."""
        if not repo_id:
            return None
        key = repo_id.strip().lower()
        if "/" in key:
            rule = self.origin_rule_of(key)
            return rule.family if rule else self._origin.get(key.split("/", 1)[0])
        if key in self._exact:
            return self._exact[key]
        return next((name for prefix, name in self._prefixes if key.startswith(prefix)), None)

    def origin_rule_of(self, repo_id: str | None) -> OriginPattern | None:
        """The origin pattern that attributes `repo_id`, if any (an exact id first, then the
        wildcard with the most literal characters, then the first in the file)."""
        if not repo_id:
            return None
        key = repo_id.strip().lower()
        if "/" not in key:
            return None
        exact = self._exact_patterns.get(key)
        if exact is not None:
            return exact
        return next((rule for rule in self._wildcards.get(key.split("/", 1)[0], ())
                     if rule.matches(key)), None)

    def namespaces(self, family: str, *, origin: bool = False) -> list[str]:
        """A family's publisher namespaces (plus its mirrors when `origin`)."""
        found = self.get(family)
        return list(found.publishers + (found.mirrors if origin else ()))

    def get(self, family: str) -> Family:
        found = self._by_name.get(family.lower())
        if found is not None:
            return found
        known = ", ".join(sorted(self.families))
        raise HfExploreError(f"unknown family {family!r}; known families: {known}")

    def canonical(self, names: list[str] | tuple[str, ...]) -> list[str]:
        """Family names as spelled in the table (an unknown name is an error)."""
        return [self.get(name).name for name in names]

    def publisher_map(self) -> dict[str, str]:
        """Family per (lower-case) publisher namespace; test fixtures are left out."""
        return dict(self._publisher)

    def origin_map(self) -> dict[str, str]:
        """Origin family per (lower-case) namespace: publishers and mirrors. The origin
        patterns come on top of it (`origin_patterns`)."""
        return dict(self._origin)

    def fixture_map(self) -> dict[str, str]:
        """Family per (lower-case) test-fixture namespace: known, but neither publisher nor
        origin."""
        return dict(self._fixture)

    def origin_rules(self) -> list[OriginPattern]:
        """The origin patterns in the order they are tried (the first match wins)."""
        return list(self._patterns)

    def origin_patterns(self) -> list[tuple[str, str]]:
        """(SQL LIKE pattern, family) in the order they are tried; the first match wins.

        Match with `lower(trim(id)) LIKE pattern ESCAPE '\\'`; an id matching none falls back
        to `origin_map()` by namespace, then to the aliases for ids without a namespace. This
        is `origin_of`, in SQL."""
        return [(rule.like(), rule.family) for rule in self._patterns]

    def origin_sql(self, keys: str, prefix: str = "o") -> tuple[str, dict[str, Any]]:
        """`origin_of` in SQL: a query of (node, family) for the rows of relation `keys(node,
        key)` (stripped, lower-case ids) that are attributed, with its parameters (named
        `{prefix}_*`). The same rules in the same order: an origin pattern (the first in
        `origin_patterns` order), else the namespace (publisher or mirror); for an id without
        a namespace, an exact alias, else the longest alias prefix."""
        rules = self._patterns
        exact = list(self._exact.items())
        aliases = exact + [(k, v) for k, v in self._prefixes]
        params: dict[str, Any] = {
            f"{prefix}_like": [rule.like() for rule in rules],
            f"{prefix}_rule_ns": [rule.namespace for rule in rules],
            f"{prefix}_rule_family": [rule.family for rule in rules],
            f"{prefix}_rule_rank": list(range(len(rules))),
            f"{prefix}_ns": list(self._origin), f"{prefix}_ns_family": list(self._origin.values()),
            f"{prefix}_alias": [k for k, _ in aliases],
            f"{prefix}_alias_family": [v for _, v in aliases],
            f"{prefix}_alias_exact": [i < len(exact) for i in range(len(aliases))],
            f"{prefix}_alias_rank": list(range(len(aliases)))}
        p = prefix
        sql = f"""
SELECT node, family FROM (
    WITH k AS (SELECT node, key, split_part(key, '/', 1) AS ns, contains(key, '/') AS slashed
               FROM {keys}),
    rules AS (SELECT unnest(${p}_like::VARCHAR[]) AS pattern,
                     unnest(${p}_rule_ns::VARCHAR[]) AS ns,
                     unnest(${p}_rule_family::VARCHAR[]) AS family,
                     unnest(${p}_rule_rank::INTEGER[]) AS rank),
    named AS (SELECT unnest(${p}_ns::VARCHAR[]) AS ns, unnest(${p}_ns_family::VARCHAR[]) AS family),
    aliases AS (SELECT unnest(${p}_alias::VARCHAR[]) AS alias,
                       unnest(${p}_alias_family::VARCHAR[]) AS family,
                       unnest(${p}_alias_exact::BOOLEAN[]) AS exact,
                       unnest(${p}_alias_rank::INTEGER[]) AS rank),
    ruled AS (SELECT k.node, arg_min(rules.family, rules.rank) AS family FROM k
              JOIN rules ON rules.ns = k.ns AND k.key LIKE rules.pattern ESCAPE '\\'
              WHERE k.slashed GROUP BY k.node),
    bare AS (SELECT node, key FROM k WHERE NOT slashed),
    aliased AS (SELECT bare.node, arg_min(aliases.family, aliases.rank) AS family FROM bare
                JOIN aliases ON CASE WHEN aliases.exact THEN bare.key = aliases.alias
                                     ELSE starts_with(bare.key, aliases.alias) END
                GROUP BY bare.node)
    SELECT k.node, CASE WHEN k.slashed THEN coalesce(ruled.family, named.family)
                        ELSE aliased.family END AS family
    FROM k LEFT JOIN ruled ON ruled.node = k.node
    LEFT JOIN named ON named.ns = k.ns AND k.slashed
    LEFT JOIN aliased ON aliased.node = k.node)
WHERE family IS NOT NULL"""
        return sql, params


def _merge(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(old + new))


@dataclass
class _Table:
    """One families file, parsed."""

    families: dict[str, Family]
    aliases: dict[str, str]
    origins: list[OriginPattern]
    unattributed: dict[str, str]

    def extended_by(self, more: _Table) -> _Table:
        """This table with a user's file on top: its families merged into ours, its aliases
        and unattributed ids added, its patterns tried first (and replacing ours)."""
        families = dict(self.families)
        for name, family in more.families.items():
            old = families.get(name)
            families[name] = family if old is None else Family(
                name, _merge(old.publishers, family.publishers),
                _merge(old.mirrors, family.mirrors), family.kind or old.kind,
                family.note or old.note, _merge(old.fixtures, family.fixtures))
        theirs = {rule.pattern.lower() for rule in more.origins}
        origins = more.origins + [r for r in self.origins if r.pattern.lower() not in theirs]
        return _Table(families, {**self.aliases, **more.aliases}, origins,
                      {**self.unattributed, **more.unattributed})


def _parse(text: str, origin: str) -> _Table:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise HfExploreError(f"{origin}: not valid TOML ({exc})") from exc
    table = data.get("families")
    usage = (f'{origin}: expected [families."Name"] tables with publishers = ["namespace", ...] '
             '(or the short form "Name" = ["namespace", ...])')
    if not isinstance(table, dict):
        raise HfExploreError(usage)
    families = {str(name): _family(str(name), value, usage) for name, value in table.items()}
    aliases = data.get("aliases", {})
    if not isinstance(aliases, dict) or not all(isinstance(v, str) for v in aliases.values()):
        raise HfExploreError(f'{origin}: [aliases] must map ids to family names ("gpt2" = '
                             '"OpenAI")')
    return _Table(families, {str(k): v for k, v in aliases.items()},
                  _origins(data.get("origins", []), origin),
                  _unattributed(data.get("unattributed", []), origin))


def _family(name: str, value: Any, usage: str) -> Family:
    if _strings(value):
        return Family(name, tuple(value))
    if not isinstance(value, dict) or not all(_strings(value.get(key, []))
                                              for key in ("publishers", "mirrors", "fixtures")):
        raise HfExploreError(f"{usage}; family {name!r} is not")
    kind = value.get("kind", "")
    if kind not in KINDS:
        raise HfExploreError(f"{usage}; family {name!r}: kind must be one of "
                             f"{', '.join(k for k in KINDS if k)}")
    publishers, fixtures = value.get("publishers", []), value.get("fixtures", [])
    both = sorted({n.lower() for n in publishers} & {n.lower() for n in fixtures})
    if both:
        raise HfExploreError(f"{usage}; family {name!r}: {', '.join(both)} cannot be both a "
                             "publisher and a fixture (a fixture publishes nothing)")
    return Family(name, tuple(publishers), tuple(value.get("mirrors", [])), kind,
                  str(value.get("note", "")), tuple(fixtures))


def _origins(entries: Any, origin: str) -> list[OriginPattern]:
    usage = (f'{origin}: each [[origins]] needs family = "Name", reason = "why" and '
             'patterns = ["namespace/name*", ...]')
    if not isinstance(entries, list):
        raise HfExploreError(usage)
    found: dict[str, OriginPattern] = {}
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("family"), str) \
                or not str(entry.get("reason", "")).strip() or not entry.get("patterns") \
                or not _strings(entry["patterns"]):
            raise HfExploreError(usage)
        for pattern in entry["patterns"]:
            if not _PATTERN.fullmatch(pattern):
                raise HfExploreError(f"{origin}: origin pattern {pattern!r} is not "
                                     "`namespace/name` with `*` only in the name")
            rule = OriginPattern(pattern, entry["family"], entry["reason"].strip())
            seen = found.setdefault(pattern.lower(), rule)
            if seen.family != rule.family:
                raise HfExploreError(f"{origin}: origin pattern {pattern!r} is given to both "
                                     f"{seen.family} and {rule.family}")
    return list(found.values())


def _unattributed(entries: Any, origin: str) -> dict[str, str]:
    usage = (f'{origin}: each [[unattributed]] needs reason = "why" and ids = '
             '["namespace/name", ...]')
    if not isinstance(entries, list):
        raise HfExploreError(usage)
    found = {}
    for entry in entries:
        if not isinstance(entry, dict) or not str(entry.get("reason", "")).strip() \
                or not entry.get("ids") or not _strings(entry["ids"]):
            raise HfExploreError(usage)
        for repo_id in entry["ids"]:
            if not _REPO_ID.fullmatch(repo_id):
                raise HfExploreError(f"{origin}: unattributed id {repo_id!r} is not "
                                     "`namespace/name`")
            found[repo_id.lower()] = entry["reason"].strip()
    return found


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
