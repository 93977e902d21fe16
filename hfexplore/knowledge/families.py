"""Organisation families: which Hub namespaces publish for an organisation, and where a base
model comes from.

Two questions, kept apart on purpose (see `hfexplore/data/families.toml`):
- *publisher*: whose repos are these? Only a family's own namespaces count.
- *origin*: which family does a base model descend from? Its own namespaces, the community
  mirrors of its models, and legacy ids without a namespace (through the alias table).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hfexplore.errors import HfExploreError

if TYPE_CHECKING:  # imported where used: reports look families up without pyarrow
    import pyarrow as pa

KINDS = ("company", "academic", "nonprofit", "project", "")


@dataclass(frozen=True)
class Family:
    name: str
    publishers: tuple[str, ...]
    mirrors: tuple[str, ...] = ()
    kind: str = ""
    note: str = ""


@dataclass
class Families:
    """Organisation families <- Hub namespaces (case-insensitive), plus legacy id aliases."""

    families: dict[str, Family]
    aliases: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._publisher: dict[str, str] = {}
        self._origin: dict[str, str] = {}
        for family in self.families.values():
            for namespace in family.mirrors:
                self._origin[namespace.lower()] = family.name
            for namespace in family.publishers:
                self._publisher[namespace.lower()] = family.name
                self._origin[namespace.lower()] = family.name
        self._exact = {k.lower(): v for k, v in self.aliases.items() if not k.endswith("*")}
        # Longest prefix first, so `roberta-base-openai-*` would beat `roberta-*`.
        self._prefixes = sorted(((k[:-1].lower(), v) for k, v in self.aliases.items()
                                 if k.endswith("*")), key=lambda kv: -len(kv[0]))

    # -- loading -----------------------------------------------------------------------------------
    @classmethod
    def load(cls, extra: str | Path | None = None) -> Families:
        text = resources.files("hfexplore.data").joinpath("families.toml").read_text("utf-8")
        families, aliases = _parse(text, "the built-in families")
        if extra is not None:
            path = Path(extra)
            try:
                more, more_aliases = _parse(path.read_text("utf-8"), str(path))
            except OSError as exc:
                raise HfExploreError(f"cannot read families file {path}: {exc.strerror}") from exc
            for name, family in more.items():
                old = families.get(name)
                families[name] = family if old is None else Family(
                    name, _merge(old.publishers, family.publishers),
                    _merge(old.mirrors, family.mirrors), family.kind or old.kind,
                    family.note or old.note)
            aliases.update(more_aliases)
        unknown = sorted({v for v in aliases.values() if v not in families})
        if unknown:
            raise HfExploreError(f"families: aliases name unknown families: {', '.join(unknown)}")
        return cls(families, aliases)

    # -- single values -----------------------------------------------------------------------------
    def family_of(self, namespace: str | None) -> str | None:
        """The family that publishes in `namespace` (mirrors do not count)."""
        return self._publisher.get(namespace.lower()) if namespace else None

    def origin_of(self, repo_id: str | None) -> str | None:
        """The family a (base) model id descends from: its namespace, a mirror, or an alias."""
        if not repo_id:
            return None
        key = repo_id.strip().lower()
        if "/" in key:
            return self._origin.get(key.split("/", 1)[0])
        if key in self._exact:
            return self._exact[key]
        return next((name for prefix, name in self._prefixes if key.startswith(prefix)), None)

    def namespaces(self, family: str, *, origin: bool = False) -> list[str]:
        """A family's publisher namespaces (plus its mirrors when `origin`)."""
        found = self.get(family)
        return list(found.publishers + (found.mirrors if origin else ()))

    def get(self, family: str) -> Family:
        for name, entry in self.families.items():
            if name.lower() == family.lower():
                return entry
        known = ", ".join(sorted(self.families))
        raise HfExploreError(f"unknown family {family!r}; known families: {known}")

    def canonical(self, names: list[str] | tuple[str, ...]) -> list[str]:
        """Family names as spelled in the table (an unknown name is an error)."""
        return [self.get(name).name for name in names]

    def publisher_map(self) -> dict[str, str]:
        """Family per (lower-case) publisher namespace."""
        return dict(self._publisher)

    def origin_map(self) -> dict[str, str]:
        """Origin family per (lower-case) namespace: publishers and mirrors."""
        return dict(self._origin)

    # -- columns -----------------------------------------------------------------------------------
    def origin_arrow(self, repo_ids: pa.Array | pa.ChunkedArray) -> pa.Array:
        """Origin family per repo id (null where none): namespace, mirror, or alias."""
        import pyarrow as pa
        import pyarrow.compute as pc

        lowered = pc.utf8_lower(pc.utf8_trim_whitespace(repo_ids))
        namespace = pc.list_element(pc.split_pattern(lowered, "/", max_splits=1), 0)
        has_namespace = pc.fill_null(pc.match_substring(lowered, "/"), False)
        by_namespace = _lookup(namespace, self._origin)
        if not self.aliases:
            return pc.if_else(has_namespace, by_namespace, pa.scalar(None, pa.string()))
        bare = pc.unique(pc.filter(lowered, pc.invert(has_namespace)))
        aliased = {key: name for key in bare.to_pylist() if key is not None
                   and (name := self.origin_of(key)) is not None}
        return pc.if_else(has_namespace, by_namespace, _lookup(lowered, aliased))


def _lookup(keys: pa.Array | pa.ChunkedArray, table: dict[str, str]) -> pa.Array:
    import pyarrow as pa
    import pyarrow.compute as pc

    names = list(table)
    index = pc.index_in(keys, value_set=pa.array(names, pa.string()))
    result = pc.take(pa.array([table[k] for k in names], pa.string()), index)
    return result.combine_chunks() if isinstance(result, pa.ChunkedArray) else result


def _merge(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(old + new))


def _parse(text: str, origin: str) -> tuple[dict[str, Family], dict[str, str]]:
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
    return families, {str(k): v for k, v in aliases.items()}


def _family(name: str, value: Any, usage: str) -> Family:
    if _strings(value):
        return Family(name, tuple(value))
    if not isinstance(value, dict) or not _strings(value.get("publishers", [])) \
            or not _strings(value.get("mirrors", [])):
        raise HfExploreError(f"{usage}; family {name!r} is not")
    kind = value.get("kind", "")
    if kind not in KINDS:
        raise HfExploreError(f"{usage}; family {name!r}: kind must be one of "
                             f"{', '.join(k for k in KINDS if k)}")
    return Family(name, tuple(value.get("publishers", [])), tuple(value.get("mirrors", [])),
                  kind, str(value.get("note", "")))


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
