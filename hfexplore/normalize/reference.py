"""The per-item reference normaliser: the rules of `schema.py`'s docstring applied to one item
at a time, in plain Python. The column-wise path (`columns.py`, `rules.py`) must give exactly its
tables; it also treats the rows whose values the column-wise path does not take."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
import pyarrow as pa

from hfexplore.knowledge import LicenseTable
from hfexplore.normalize.schema import FORMAT_NAMES, RELATIONS, SCHEMA, Anomalies

_FORMATS = frozenset(FORMAT_NAMES)
_TS = pa.timestamp("ms", tz="UTC")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _number(value: Any, field: str, repo_id: Any, anomalies: Anomalies) -> float | None:
    if value is None:
        return None
    if type(value) is int:
        return float(value)
    if isinstance(value, bool):
        anomalies.note(repo_id, field, value)
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value)
            return number if math.isfinite(number) else None
        except ValueError:
            pass
    anomalies.note(repo_id, field, value)
    return None


def _integer(value: Any, field: str, repo_id: Any, anomalies: Anomalies) -> int | None:
    if type(value) is int:
        return value if abs(value) <= 2**62 else None
    number = _number(value, field, repo_id, anomalies)
    return None if number is None or abs(number) > 2**62 else int(number)


def _string_list(value: Any, field: str, repo_id: Any, anomalies: Anomalies) -> list[str]:
    if value is None:
        return []
    if type(value) is list and all(type(v) is str for v in value):
        return value
    if isinstance(value, str):
        anomalies.note(repo_id, field, value)
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    anomalies.note(repo_id, field, value)
    return []


def _unique(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def licenses_of(card: dict[str, Any], tags: list[str],
                tag_ids: list[str] | None = None) -> tuple[str | None, str | None, list[str]]:
    """(primary license, license_name, all license ids) by the rules above."""
    raw = card.get("license")
    if tag_ids is None:
        tag_ids = [t[8:] for t in tags if t.startswith("license:")]
    tag_ids = [t.strip().lower() for t in tag_ids if t.strip()]
    if raw is None:
        return (tag_ids[0] if tag_ids else None), None, _unique(tag_ids)
    card_ids = [raw] if isinstance(raw, str) else [v for v in raw if isinstance(v, str)] \
        if isinstance(raw, list) else []
    card_ids = [v.strip().lower() for v in card_ids if v.strip()]
    every = _unique(card_ids + tag_ids)
    primary = card_ids[0] if card_ids else tag_ids[0] if tag_ids else None
    name = _text(card.get("license_name")) if primary == "other" else None
    return primary, name, every


def lineage_edges(item: dict[str, Any], card: dict[str, Any], tags: list[str],
                  base_tags: list[str] | None = None, repo_id: str | None = None,
                  anomalies: Anomalies | None = None) -> list[tuple[str, str]]:
    """(base id, relation) per lineage edge, by the rules in this module's docstring."""
    if base_tags is None:
        base_tags = [t for t in tags if t.startswith("base_model:")]
    if not base_tags and "base_model" not in card and "baseModels" not in item:
        return []
    found: list[tuple[str, str | None]] = []
    for tag in base_tags:
        rest = tag[11:]
        head, colon, tail = rest.partition(":")
        if head in RELATIONS and colon:
            if tail.strip():
                found.append((tail, head))
            elif anomalies is not None:
                anomalies.note(repo_id, "base_model tag without a repo", tag)
        elif rest.strip():
            found.append((rest, None))
    card_base = card.get("base_model")
    found += [(card_base, None)] if isinstance(card_base, str) else \
        [(b, None) for b in card_base if isinstance(b, str)] if isinstance(card_base, list) else []
    entries = item.get("baseModels")
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            relation = entry.get("relation")
            found.append((entry["id"], relation if relation in RELATIONS else None))
    own = (repo_id or "").strip().lower()
    edges: dict[str, list[Any]] = {}  # lower-cased id -> [first spelling, relation]
    for base, relation in found:
        base = base.strip()
        key = base.lower()
        if not base or key == own:
            continue
        if key not in edges:
            edges[key] = [base, relation]
        elif edges[key][1] is None:
            edges[key][1] = relation
    return [(base, relation or "unspecified") for base, relation in edges.values()]


def _tasks(item: dict[str, Any], tags: list[str], repo_type: str) -> list[str]:
    if repo_type == "dataset":
        return _unique([t[16:].strip() for t in tags if t.startswith("task_categories:")])
    task = _text(item.get("pipeline_tag"))
    return [task] if task else []


def _libraries(library: str | None, tags: list[str], repo_type: str) -> list[str]:
    if repo_type == "model":
        return [library] if library else []
    return _unique([t[8:].strip() for t in tags if t.startswith("library:")])


def _parameters(safetensors: Any) -> int | None:
    total = safetensors.get("total") if isinstance(safetensors, dict) else None
    return total if type(total) is int and 0 <= total <= 2**62 else None


def _gated(value: Any) -> str | None:
    if value is False:
        return "false"
    return value if value in ("auto", "manual") else None


def normalize_items(items: Sequence[dict[str, Any]], repo_type: str, licenses: LicenseTable,
                    anomalies: Anomalies | None = None) -> pa.RecordBatch:
    """The rules applied to one item at a time: `columns.normalize_dicts` must give exactly
    its tables; it also treats the rows whose values the column-wise path does not take."""
    anomalies = anomalies if anomalies is not None else Anomalies()
    columns: dict[str, list[Any]] = {name: [] for name in SCHEMA.names}
    for item in items:
        repo_id = _text(item.get("id")) or _text(item.get("modelId"))
        tags = _string_list(item.get("tags"), "tags", repo_id, anomalies)
        card = item.get("cardData")
        if not isinstance(card, dict):
            card = {}
        license_tags: list[str] = []
        base_tags: list[str] = []
        found_formats: set[str] = set()
        for tag in tags:  # one pass over the tags for licenses, lineage and formats
            if tag in _FORMATS:
                found_formats.add(tag)
            elif tag.startswith("license:"):
                license_tags.append(tag[8:])
            elif tag.startswith("base_model:"):
                base_tags.append(tag)
        primary, license_name, every = licenses_of(card, tags, license_tags)
        edges = lineage_edges(item, card, tags, base_tags, repo_id, anomalies)
        named = [r for _, r in edges if r != "unspecified"]
        relation = (named[0] if named else "unspecified") if edges else None
        tasks = _tasks(item, tags, repo_type)
        library = _text(item.get("library_name"))
        if item.get("library_name") is not None and library is None:
            anomalies.note(repo_id, "library_name", item.get("library_name"))
        if library in _FORMATS:
            found_formats.add(library)
        formats = [f for f in FORMAT_NAMES if f in found_formats] if found_formats else []
        author = _text(item.get("author")) or (repo_id.split("/", 1)[0]
                                                if repo_id and "/" in repo_id else None)
        row = {
            "id": repo_id, "_id": str(item.get("_id")), "author": author,
            "created_at": _text(item.get("createdAt")),
            "last_modified": _text(item.get("lastModified")),
            "downloads": _integer(item.get("downloads"), "downloads", repo_id, anomalies),
            "downloads_all_time": _integer(item.get("downloadsAllTime"), "downloadsAllTime",
                                           repo_id, anomalies),
            "likes": _integer(item.get("likes"), "likes", repo_id, anomalies),
            "trending_score": _number(item.get("trendingScore"), "trendingScore", repo_id,
                                      anomalies),
            "library_name": library, "pipeline_tag": tasks[0] if tasks else None,
            "license": primary, "license_name": license_name, "licenses": every,
            "license_category": licenses.category_of_all(every),
            "gated": _gated(item.get("gated")),
            "private": item.get("private") if isinstance(item.get("private"), bool) else None,
            "disabled": item.get("disabled") if isinstance(item.get("disabled"), bool) else None,
            "base_models": [base for base, _ in edges], "base_relation": relation,
            "formats": formats, "tags": tags, "sdk": _text(item.get("sdk")),
            "base_relations": [r for _, r in edges],
            "libraries": _libraries(library, tags, repo_type), "tasks": tasks,
            "num_parameters": _parameters(item.get("safetensors")),
        }
        for name, value in row.items():
            columns[name].append(value)
    arrays = []
    for field in SCHEMA:
        values = columns[field.name]
        if field.type == _TS:
            arrays.append(timestamps(values))
        else:
            arrays.append(pa.array(values, type=field.type))
    return pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)


def timestamps(values: Sequence[str | None]) -> pa.Array:
    """ISO 8601 texts -> UTC milliseconds; unparseable -> null."""
    parsed = pd.to_datetime(pd.Series(list(values), dtype="object"), utc=True, errors="coerce",
                            format="ISO8601")
    return pa.Array.from_pandas(parsed).cast(_TS, safe=False)
