"""Claim files: TOML, one `[article.KEY]` table per source and one `[[claim]]` per claim.

    [article.venturetrend-2026-01]           # optional: where claims were made
    title = "The Open Source AI Debate: ..."
    publisher = "VentureTrend"
    date = 2026-01-25                        # a TOML date, "YYYY-MM-DD", or "unknown"

    [[claim]]
    id = "models-over-a-million"            # unique, required
    article = "venturetrend-2026-01"        # the claim's source and date come from the article
    date = 2026-01-25                       # or set here (overrides the article's)
    source = "press article"                # free text, when there is no [article] table
    quote = "Hugging Face hosts over a million models"
    notes = "..."                           # how vague words were read, and why
    metric = { kind = "count", repo_type = "model", where = { license = "apache-2.0" } }
    expect = { op = ">", value = 1_000_000 }    # or { op = "between", min = A, max = B }
    extra = [ { name = "...", kind = "...", ... } ]   # optional: reported, not judged
    scope = "out"                           # optional: cannot be checked from Hub data...
    reason = "..."                          # ...and why

A vague phrase can be read several ways: instead of `metric`, give one `[[claim.reading]]`
table per reading (a part of an `all` metric takes `reading = [...]` likewise). Each has a
`name`, a `reason` (why the words can be read so), `cannot_see` (what its measure leaves out),
a `metric` and optionally its own `expect` (else the claim's, or the part's). The claim is
supported or refuted only when every reading is; when the data decides them differently it is
`contested`; a reading no data can decide, the others agreeing, leaves it inconclusive.

Metric kinds: `count` (repos matching `where`), `share` (matching / all repos of the type, or
/ those matching `among`), `distinct` (distinct values of `column` among matching repos; with
`min_repos = N` only values held by at least N of them), `rank` (the rank of `value` among the
values of `column`, `by` "count" or "downloads"), `top_share` (the share of matching repos held
by the `n` most common values of `column`), `drift_share` (license drift by `outcome` and
`to`: see claims/measure.py), `all` (every one of `parts` must meet its own `expect`), and
three of concentration (`stats/concentration.py`): `top_value_share` (the share of the value
column `of` held by the `top` share of units, e.g. top = "1%": the floor(n x 1%)
with the most), `gini` (the Gini coefficient of `of`) and `zero_value_share` (the share of
units whose `of` is 0); `of` is downloads (30-day, the default), downloads_all_time or likes,
and `unit` repo (the default), author or family. `where` and `among` keys: license_category (a
category, a list, or "open-weight"), license, standard_license (true or false: a reusable
standard license, see the license table), custom_license (true: a declared license has custom
terms; false: none has), library, author, family (the publisher's), not_family, not_family_kind
(e.g. "company"), family_kind (e.g. ["academic", "nonprofit"]), not_bulk_reuploader (true: not
by an account whose models are mostly copies, see data/reuploads.toml; false: only by one),
base_family (a model descending from the family at any depth: any ancestor up its chain of base
models is the family's), parent_family (a direct base model is the family's), task; values are a
string or a list. `column`: library, author, license, license_name, task, family. Comparisons:
>, >=, <, <=, ==, between (min inclusive, max exclusive).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

from hfexplore.claims.definitions import NO_WHERE, Article, Claim, Expectation, Metric, Reading
from hfexplore.claims.toml_reader import TOO_DEEP, read_claim_toml
from hfexplore.errors import InvalidArgumentError
from hfexplore.knowledge.drift import drift_metric_problem
from hfexplore.repo_type import REPO_TYPES, RepoType
from hfexplore.stats.filters import Filters

__all__ = ["NO_WHERE", "Article", "Claim", "ClaimDefinitionError", "Expectation", "LoadResult",
           "Metric", "Reading", "builtin_claim_files", "load_claim_files", "parse_claim"]

KINDS = ("count", "share", "distinct", "rank", "top_share", "drift_share", "top_value_share",
         "gini", "zero_value_share", "all")
CONCENTRATION_KINDS = ("top_value_share", "gini", "zero_value_share")
VALUE_COLUMNS = ("downloads", "downloads_all_time", "likes")
UNITS = ("repo", "author", "family")
OPS = (">", ">=", "<", "<=", "==", "between")
WHERE_KEYS = ("license_category", "license", "standard_license", "custom_license", "library",
              "author", "family", "not_family", "not_family_kind", "family_kind",
              "not_bulk_reuploader", "base_family", "parent_family", "task")
FLAG_KEYS = ("standard_license", "custom_license", "not_bulk_reuploader")
COLUMNS = ("library", "author", "license", "license_name", "task", "family")


class ClaimDefinitionError(ValueError):
    pass


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
            document = read_claim_toml(path, path.read_text("utf-8"), result.errors)
        except OSError as exc:
            result.errors.append(f"{path}: cannot read ({exc.strerror})")
            continue
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            result.errors.append(f"{path}: not valid TOML ({exc})")
            continue
        except RecursionError:
            result.errors.append(f"{path}: {TOO_DEEP}")
            continue
        try:
            articles = parse_articles(document.get("article", {}))
        except ClaimDefinitionError as exc:
            result.errors.append(f"{path}: {exc}")
            continue
        entries = document.get("claim")
        if not isinstance(entries, list) or not entries:
            result.errors.append(f"{path}: no [[claim]] tables")
            continue
        for number, entry in enumerate(entries, start=1):
            label = entry.get("id") if isinstance(entry, dict) and isinstance(
                entry.get("id"), str) else f"#{number}"
            try:
                claim = parse_claim(entry, str(path), articles)
            except ClaimDefinitionError as exc:
                result.errors.append(f"{path}: claim {label}: {exc}")
                continue
            except RecursionError:
                result.errors.append(f"{path}: claim {label}: {TOO_DEEP}")
                continue
            if claim.id in seen:
                result.errors.append(f"{path}: claim {claim.id}: id: defined twice")
                continue
            seen.add(claim.id)
            result.claims.append(claim)
    return result


def parse_articles(raw: Any) -> dict[str, Article]:
    if not isinstance(raw, dict):
        raise ClaimDefinitionError("[article.KEY] tables expected")
    articles = {}
    for key, table in raw.items():
        if not isinstance(table, dict):
            raise ClaimDefinitionError(f"article.{key}: not a table")
        articles[key] = Article(key, _string(table, "title"), _string(table, "publisher"),
                                parse_date(table.get("date"), f"article.{key}.date"),
                                _string(table, "url"))
    return articles


def parse_date(raw: Any, where: str) -> date | None:
    """A TOML date or "YYYY-MM-DD"; None for "unknown" or a missing date."""
    if raw is None or raw == "unknown":
        return None
    if isinstance(raw, datetime):  # a TOML date-time: its day
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise ClaimDefinitionError(f'{where}: must be a date (YYYY-MM-DD) or "unknown", not {raw!r}')


def parse_claim(entry: Any, origin: str, articles: dict[str, Article] | None = None) -> Claim:
    if not isinstance(entry, dict):
        raise ClaimDefinitionError("not a table")
    claim_id = _string(entry, "id", required=True)
    scope = _string(entry, "scope") or "in"
    if scope not in ("in", "out"):
        raise ClaimDefinitionError(f'scope: must be "in" or "out", not {scope!r}')
    article = None
    if "article" in entry:
        key = _string(entry, "article", required=True)
        if key not in (articles or {}):
            raise ClaimDefinitionError(f"article: no [article.{key}] table in this file")
        article = (articles or {})[key]
    when = parse_date(entry["date"], "date") if "date" in entry else \
        article.date if article else None
    source = _string(entry, "source") or (article.describe() if article else "")
    base: dict[str, Any] = {"id": claim_id, "origin": origin, "quote": _string(entry, "quote"),
            "source": source, "date": when, "article": article,
            "notes": _string(entry, "notes"), "scope": scope,
            "reason": _string(entry, "reason")}
    if scope == "out":
        if not base["reason"]:
            raise ClaimDefinitionError("reason: an out-of-scope claim needs a reason")
        return Claim(**base)
    if "reading" in entry:
        if "metric" in entry:
            raise ClaimDefinitionError("metric: give either a metric or readings, not both")
        default = parse_expectation(entry["expect"], "expect") if "expect" in entry else None
        return Claim(**base, metric=_readings(entry["reading"], "reading", None, default),
                     extra=_extra(entry))
    metric = parse_metric(entry.get("metric"), "metric", allow_all=True)
    expect = None if metric.kind == "all" else parse_expectation(entry.get("expect"), "expect")
    return Claim(**base, metric=metric, expect=expect, extra=_extra(entry))


def _extra(entry: dict[str, Any]) -> tuple[Metric, ...]:
    extra_entries = entry.get("extra", [])
    if not isinstance(extra_entries, list):
        raise ClaimDefinitionError("extra: must be a list of metrics")
    return tuple(parse_metric(e, f"extra[{i}]") for i, e in enumerate(extra_entries))


def _readings(raw: Any, where: str, name: str | None, default: Expectation | None) -> Metric:
    """A claim's (or a part's) readings, as a metric of kind `readings`."""
    if not isinstance(raw, list) or not raw:
        raise ClaimDefinitionError(f"{where}: must be a list of readings (tables)")
    readings = []
    for number, item in enumerate(raw):
        at = f"{where}[{number}]"
        if not isinstance(item, dict):
            raise ClaimDefinitionError(f"{at}: not a table")
        expect = parse_expectation(item["expect"], f"{at}.expect") if "expect" in item \
            else default
        if expect is None:
            raise ClaimDefinitionError(f"{at}.expect: missing (no expect to share either)")
        try:
            said = [_string(item, key, required=key != "cannot_see")
                    for key in ("name", "reason", "cannot_see")]
        except ClaimDefinitionError as exc:
            raise ClaimDefinitionError(f"{at}.{exc}") from None
        readings.append(Reading(said[0], said[1],
                                parse_metric(item.get("metric"), f"{at}.metric"), expect,
                                said[2]))
    names = [r.name for r in readings]
    if len(set(names)) < len(names):
        raise ClaimDefinitionError(f"{where}: two readings share a name")
    return Metric("readings", readings[0].metric.repo_type, name=name, expect=default,
                  readings=tuple(readings))


def parse_metric(raw: Any, where: str, allow_all: bool = False, part: bool = False) -> Metric:
    if not isinstance(raw, dict):
        raise ClaimDefinitionError(f"{where}: missing, or not a table")
    name = raw.get("name")
    if part and "reading" in raw:
        default = parse_expectation(raw["expect"], f"{where}.expect") if "expect" in raw \
            else None
        return _readings(raw["reading"], f"{where}.reading",
                         name if isinstance(name, str) else None, default)
    kind: str = raw.get("kind", "")
    kinds = KINDS if allow_all else KINDS[:-1]
    if kind not in kinds:
        raise ClaimDefinitionError(f"{where}.kind: must be one of {', '.join(kinds)}, "
                                   f"not {kind!r}")
    if kind == "all":
        parts = raw.get("parts")
        if not isinstance(parts, list) or not parts:
            raise ClaimDefinitionError(f"{where}.parts: an `all` metric needs a list of parts")
        return Metric("all", parts=tuple(parse_metric(p, f"{where}.parts[{i}]", part=True)
                                         for i, p in enumerate(parts)))
    try:
        repo_type = RepoType.parse(raw.get("repo_type", "model"))
    except InvalidArgumentError:
        raise ClaimDefinitionError(f"{where}.repo_type: must be one of "
                                   f"{', '.join(REPO_TYPES)}") from None
    column = raw.get("column")
    if kind in ("distinct", "rank") and column not in COLUMNS:
        raise ClaimDefinitionError(f"{where}.column: must be one of {', '.join(COLUMNS)}")
    value = raw.get("value")
    if kind == "rank" and not isinstance(value, str):
        raise ClaimDefinitionError(f"{where}.value: a rank needs the value to rank (a string)")
    if kind == "top_share" and column not in COLUMNS:
        raise ClaimDefinitionError(f"{where}.column: must be one of {', '.join(COLUMNS)}")
    by, to = raw.get("by", "count"), raw.get("to", "parent")
    if by not in ("count", "downloads"):
        raise ClaimDefinitionError(f'{where}.by: must be "count" or "downloads"')
    min_repos = raw.get("min_repos", 1)
    n = raw.get("n", 1)
    for key, number in (("min_repos", min_repos), ("n", n)):
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            raise ClaimDefinitionError(f"{where}.{key}: must be a whole number of at least 1")
    if kind == "drift_share" and (problem := drift_metric_problem(raw.get("outcome"), to)):
        raise ClaimDefinitionError(f"{where}.{problem}")
    if "among" in raw and kind != "share":
        raise ClaimDefinitionError(f"{where}.among: only a share has a denominator")
    expect = parse_expectation(raw.get("expect"), f"{where}.expect") if part else None
    of, top, unit = _concentration(raw, kind, where)
    return Metric(kind, repo_type, _where(raw.get("where", {}), f"{where}.where"),
                  column, value if kind == "rank" else None, by,
                  name if isinstance(name, str) else None, expect,
                  among=_where(raw.get("among", {}), f"{where}.among"), min_repos=min_repos,
                  n=n, outcome=raw.get("outcome") if kind == "drift_share" else None, to=to,
                  of=of, top=top, unit=unit)


def _concentration(raw: dict[str, Any], kind: str, where: str) -> tuple[str, str, str]:
    """`of`, `top` and `unit` of a concentration metric (refused on other kinds)."""
    if kind not in CONCENTRATION_KINDS:
        extra = [key for key in ("of", "top", "unit") if key in raw]
        if extra:
            raise ClaimDefinitionError(f"{where}.{extra[0]}: only a concentration "
                                       f"({', '.join(CONCENTRATION_KINDS)}) takes it")
        return "downloads", "1%", "repo"
    of, unit, top = raw.get("of", "downloads"), raw.get("unit", "repo"), raw.get("top", "1%")
    if of not in VALUE_COLUMNS:
        raise ClaimDefinitionError(f"{where}.of: must be one of {', '.join(VALUE_COLUMNS)}")
    if unit not in UNITS:
        raise ClaimDefinitionError(f"{where}.unit: must be one of {', '.join(UNITS)}")
    if "top" in raw and kind != "top_value_share":
        raise ClaimDefinitionError(f"{where}.top: only a top_value_share takes it")
    try:
        share = Fraction(top.strip().removesuffix("%")) if isinstance(top, str) and \
            top.strip().endswith("%") else None
    except ValueError:
        share = None
    if share is None or not 0 < share <= 100:
        raise ClaimDefinitionError(f'{where}.top: must be a percentage above 0 and up to 100, '
                                   f'such as "1%" or "0.1%", not {top!r}')
    return of, top.strip(), unit


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
            raise ClaimDefinitionError(f"{where}: between needs finite numbers min < max")
        return Expectation(op, min=float(low), max=float(high))
    value: Any = raw.get("value")
    if not _is_number(value):
        kind = "finite number" if _is_number(value, finite=False) else "number"
        raise ClaimDefinitionError(f"{where}.value: must be a {kind}, not {value!r}")
    return Expectation(op, value=float(value))


def _where(raw: Any, where: str) -> Filters:
    """A `where` or `among` table as the row filters the query engine applies."""
    if not isinstance(raw, dict):
        raise ClaimDefinitionError(f"{where}: must be a table")
    text: dict[str, tuple[str, ...]] = {}
    flags: dict[str, bool] = {}
    for key, value in raw.items():
        if key not in WHERE_KEYS:
            raise ClaimDefinitionError(f"{where}.{key}: unknown filter; expected one of "
                                       f"{', '.join(WHERE_KEYS)}")
        if key in FLAG_KEYS:
            if not isinstance(value, bool):
                raise ClaimDefinitionError(f"{where}.{key}: must be true or false")
            flags[key] = value
            continue
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not values or \
                not all(isinstance(v, str) for v in values):
            raise ClaimDefinitionError(f"{where}.{key}: must be a string or a list of strings")
        text[key] = tuple(values)
    return Filters(license_category=text.get("license_category"), license=text.get("license"),
                   standard_license=flags.get("standard_license"),
                   custom_license=flags.get("custom_license"), library=text.get("library"),
                   author=text.get("author"), family=text.get("family"),
                   not_family=text.get("not_family"),
                   not_family_kind=text.get("not_family_kind"),
                   family_kind=text.get("family_kind"),
                   not_bulk_reuploader=flags.get("not_bulk_reuploader"),
                   base_family=text.get("base_family"), parent_family=text.get("parent_family"),
                   task=text.get("task"))


def _string(entry: dict[str, Any], key: str, required: bool = False) -> str:
    value = entry.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ClaimDefinitionError(f"{key}: {'required, ' if required else ''}must be a string")
    return value


def _is_number(value: Any, *, finite: bool = True) -> bool:
    """A number, finite unless said: TOML's nan and inf compare with nothing a count or share
    can be (a claim of "> nan" would be judged refuted by a value no article wrote)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and \
        (not finite or math.isfinite(value))
