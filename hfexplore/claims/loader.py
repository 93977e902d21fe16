"""Claim files: TOML, one `[[claim]]` table per claim.

    [[claim]]
    id = "models-over-a-million"            # unique, required
    source = "press article, January 2026"  # where the claim was made
    date = 2026-01-15                       # when (a TOML date or a string)
    quote = "Hugging Face hosts over a million models"
    notes = "..."                           # optional
    metric = { kind = "count", repo_type = "model", where = { license = "apache-2.0" } }
    expect = { op = ">", value = 1_000_000 }    # or { op = "between", min = A, max = B }
    extra = [ { name = "...", kind = "...", ... } ]   # optional: reported, not judged
    scope = "out"                           # optional: cannot be checked from Hub data...
    reason = "..."                          # ...and why

Metric kinds: `count` (repos matching `where`), `share` (matching / all of the repo type),
`distinct` (distinct values of `column` among matching repos), `rank` (the rank of `value`
among the values of `column`, `by` "count" or "downloads"), and `all` (every one of `parts`
must meet its own `expect`). `where` keys: license_category (a category, a list, or
"open-weight"), license, library, author, family, base_family, task; values are a string or a
list. `column`: library, author, license, task, family. Comparisons: >, >=, <, <=, ==,
between (min inclusive, max exclusive).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from hfexplore.hub import REPO_TYPES

KINDS = ("count", "share", "distinct", "rank", "all")
OPS = (">", ">=", "<", "<=", "==", "between")
WHERE_KEYS = ("license_category", "license", "library", "author", "family", "base_family",
              "task")
COLUMNS = ("library", "author", "license", "task", "family")


class ClaimDefinitionError(ValueError):
    pass


@dataclass(frozen=True)
class Expectation:
    op: str
    value: float | None = None
    min: float | None = None
    max: float | None = None

    def holds(self, measured: float) -> bool:
        if self.op == "between":
            assert self.min is not None and self.max is not None
            return self.min <= measured < self.max
        assert self.value is not None
        return {">": measured > self.value, ">=": measured >= self.value,
                "<": measured < self.value, "<=": measured <= self.value,
                "==": measured == self.value}[self.op]

    def direction(self, measured: float) -> str:
        """How a claim that does not hold is wrong: it promised more, or less, than is true."""
        if self.op == "between":
            assert self.min is not None
            return "overstated" if measured < self.min else "understated"
        assert self.value is not None
        if self.op == "==":
            # For ranks a larger number is a worse position: the claim overstated it.
            return "overstated"
        return "overstated" if self.op in (">", ">=") else "understated"

    def describe(self) -> str:
        if self.op == "between":
            return f"between {_num(self.min)} and {_num(self.max)}"
        return f"{self.op} {_num(self.value)}"


def _num(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


@dataclass(frozen=True)
class Metric:
    kind: str
    repo_type: str = "model"
    where: tuple[tuple[str, tuple[str, ...]], ...] = ()
    column: str | None = None
    value: str | None = None
    by: str = "count"
    name: str | None = None
    expect: Expectation | None = None  # parts of an `all` metric carry their own
    parts: tuple[Metric, ...] = ()


@dataclass(frozen=True)
class Claim:
    id: str
    origin: str
    quote: str = ""
    source: str = ""
    date: str = ""
    notes: str = ""
    metric: Metric | None = None
    expect: Expectation | None = None
    extra: tuple[Metric, ...] = ()
    scope: str = "in"
    reason: str = ""


@dataclass
class LoadResult:
    claims: list[Claim] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def builtin_claim_files() -> list[Path]:
    folder = resources.files("hfexplore.data").joinpath("claims")
    return sorted(Path(str(folder)).glob("*.toml"))


def load_claim_files(paths: list[Path]) -> LoadResult:
    """Every well-formed claim of every file; one error line per malformed claim or file."""
    result = LoadResult()
    seen: set[str] = set()
    for path in paths:
        try:
            document = tomllib.loads(path.read_text("utf-8"))
        except OSError as exc:
            result.errors.append(f"{path}: cannot read ({exc.strerror})")
            continue
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            result.errors.append(f"{path}: not valid TOML ({exc})")
            continue
        entries = document.get("claim")
        if not isinstance(entries, list) or not entries:
            result.errors.append(f"{path}: no [[claim]] tables")
            continue
        for number, entry in enumerate(entries, start=1):
            label = entry.get("id") if isinstance(entry, dict) and isinstance(
                entry.get("id"), str) else f"#{number}"
            try:
                claim = parse_claim(entry, str(path))
            except ClaimDefinitionError as exc:
                result.errors.append(f"{path}: claim {label}: {exc}")
                continue
            if claim.id in seen:
                result.errors.append(f"{path}: claim {claim.id}: id: defined twice")
                continue
            seen.add(claim.id)
            result.claims.append(claim)
    return result


def parse_claim(entry: Any, origin: str) -> Claim:
    if not isinstance(entry, dict):
        raise ClaimDefinitionError("not a table")
    claim_id = _string(entry, "id", required=True)
    scope = _string(entry, "scope") or "in"
    if scope not in ("in", "out"):
        raise ClaimDefinitionError(f'scope: must be "in" or "out", not {scope!r}')
    base: dict[str, Any] = {"id": claim_id, "origin": origin, "quote": _string(entry, "quote"),
            "source": _string(entry, "source"), "date": str(entry.get("date", "")),
            "notes": _string(entry, "notes"), "scope": scope,
            "reason": _string(entry, "reason")}
    if scope == "out":
        if not base["reason"]:
            raise ClaimDefinitionError("reason: an out-of-scope claim needs a reason")
        return Claim(**base)
    metric = parse_metric(entry.get("metric"), "metric", allow_all=True)
    expect = None if metric.kind == "all" else parse_expectation(entry.get("expect"), "expect")
    extra_entries = entry.get("extra", [])
    if not isinstance(extra_entries, list):
        raise ClaimDefinitionError("extra: must be a list of metrics")
    extra = tuple(parse_metric(e, f"extra[{i}]") for i, e in enumerate(extra_entries))
    return Claim(**base, metric=metric, expect=expect, extra=extra)


def parse_metric(raw: Any, where: str, allow_all: bool = False, part: bool = False) -> Metric:
    if not isinstance(raw, dict):
        raise ClaimDefinitionError(f"{where}: missing, or not a table")
    kind: str = raw.get("kind", "")
    kinds = KINDS if allow_all else KINDS[:-1]
    if kind not in kinds:
        raise ClaimDefinitionError(f"{where}.kind: must be one of {', '.join(kinds)}, "
                                   f"not {kind!r}")
    name = raw.get("name")
    if kind == "all":
        parts = raw.get("parts")
        if not isinstance(parts, list) or not parts:
            raise ClaimDefinitionError(f"{where}.parts: an `all` metric needs a list of parts")
        return Metric("all", parts=tuple(parse_metric(p, f"{where}.parts[{i}]", part=True)
                                         for i, p in enumerate(parts)))
    repo_type: str = raw.get("repo_type", "model")
    if repo_type not in REPO_TYPES:
        raise ClaimDefinitionError(f"{where}.repo_type: must be one of {', '.join(REPO_TYPES)}")
    column = raw.get("column")
    if kind in ("distinct", "rank") and column not in COLUMNS:
        raise ClaimDefinitionError(f"{where}.column: must be one of {', '.join(COLUMNS)}")
    value = raw.get("value")
    if kind == "rank" and not isinstance(value, str):
        raise ClaimDefinitionError(f"{where}.value: a rank needs the value to rank (a string)")
    by = raw.get("by", "count")
    if by not in ("count", "downloads"):
        raise ClaimDefinitionError(f'{where}.by: must be "count" or "downloads"')
    expect = parse_expectation(raw.get("expect"), f"{where}.expect") if part else None
    return Metric(kind, repo_type, _where(raw.get("where", {}), f"{where}.where"),
                  column, value if kind == "rank" else None, by,
                  name if isinstance(name, str) else None, expect)


def parse_expectation(raw: Any, where: str) -> Expectation:
    if not isinstance(raw, dict):
        raise ClaimDefinitionError(f"{where}: missing, or not a table")
    op = raw.get("op")
    if op not in OPS:
        raise ClaimDefinitionError(f"{where}.op: must be one of {' '.join(OPS)}, not {op!r}")
    if op == "between":
        low: Any = raw.get("min")
        high: Any = raw.get("max")
        if not (_is_number(low) and _is_number(high)) or low >= high:
            raise ClaimDefinitionError(f"{where}: between needs numbers min < max")
        return Expectation(op, min=float(low), max=float(high))
    value: Any = raw.get("value")
    if not _is_number(value):
        raise ClaimDefinitionError(f"{where}.value: must be a number, not {value!r}")
    return Expectation(op, value=float(value))


def _where(raw: Any, where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(raw, dict):
        raise ClaimDefinitionError(f"{where}: must be a table")
    out = []
    for key, value in raw.items():
        if key not in WHERE_KEYS:
            raise ClaimDefinitionError(f"{where}.{key}: unknown filter; expected one of "
                                       f"{', '.join(WHERE_KEYS)}")
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not values or \
                not all(isinstance(v, str) for v in values):
            raise ClaimDefinitionError(f"{where}.{key}: must be a string or a list of strings")
        out.append((key, tuple(values)))
    return tuple(sorted(out))


def _string(entry: dict[str, Any], key: str, required: bool = False) -> str:
    value = entry.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ClaimDefinitionError(f"{key}: {'required, ' if required else ''}must be a string")
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
