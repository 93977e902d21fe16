"""Raw Hub list items -> typed, normalised columns (one Arrow record batch per page).

The rules, in order of the columns:
- `author`: the item's `author` field, else the namespace of `id` (the part before `/`).
- `created_at`, `last_modified`: UTC timestamps; unparseable values become null.
- `downloads` (30-day), `downloads_all_time`, `likes`, `trending_score`: numbers; numeric
  strings are read as numbers, anything else becomes null (and counts as an anomaly).
- `pipeline_tag`: the model's task; for datasets, the first `task_categories:` tag.
- `license`: the primary license: `cardData.license` if present (its first element if a
  list), else the first `license:` tag, else null. Lower-cased. `license_name` is the card's
  `license_name` when the license is `other`. `licenses` holds every id from the card and tags.
- `license_category`: by the multi-license policy (`catalog/licenses.py`): the most restrictive
  category among all of `licenses` (`none` without any, `other` for ids the table does not know).
- `base_models`, `base_relations`: one entry per lineage edge, from `base_model:<repo>` and
  `base_model:<relation>:<repo>` tags, `cardData.base_model` and `baseModels`. Ids are stripped
  of whitespace and de-duplicated case-insensitively (the Hub's namespaces are); a model naming
  itself is dropped; a relation tag with no repo (`base_model:finetune:`) is an anomaly, not a
  base. Each edge has its own relation (`unspecified` where none is named): one model can be an
  adapter of A and a quantization of B. `base_relation` is the first named relation of the
  model (kept for older readers), null without bases.
- `libraries`: the model's `library_name`; for datasets and Spaces every `library:` tag.
- `tasks`: the model's `pipeline_tag`; for datasets every `task_categories:` tag. `pipeline_tag`
  keeps the first of them. Multi-valued columns count a repo once under each value.
- `formats`: gguf, mlx, onnx, safetensors... from tags and `library_name`.
- `gated`: "false", "auto" or "manual"; `private`, `disabled`: booleans. A field the listing did
  not return (not expanded) is null, never false.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa

from hfexplore.catalog.knowledge import LicenseTable

SCHEMA_VERSION = 2
RELATIONS = ("finetune", "adapter", "quantized", "merge")
FORMAT_NAMES = ("gguf", "mlx", "onnx", "safetensors", "gptq", "awq", "exl2", "openvino",
                "coreml", "tflite")

_FORMATS = frozenset(FORMAT_NAMES)
_TS = pa.timestamp("ms", tz="UTC")
_STRINGS = pa.list_(pa.string())
SCHEMA = pa.schema([
    ("id", pa.string()), ("_id", pa.string()), ("author", pa.string()),
    ("created_at", _TS), ("last_modified", _TS),
    ("downloads", pa.int64()), ("downloads_all_time", pa.int64()), ("likes", pa.int64()),
    ("trending_score", pa.float64()),
    ("library_name", pa.string()), ("pipeline_tag", pa.string()),
    ("license", pa.string()), ("license_name", pa.string()), ("licenses", _STRINGS),
    ("license_category", pa.string()),
    ("gated", pa.string()), ("private", pa.bool_()), ("disabled", pa.bool_()),
    ("base_models", _STRINGS), ("base_relation", pa.string()), ("formats", _STRINGS),
    ("tags", _STRINGS), ("sdk", pa.string()),
    ("base_relations", _STRINGS), ("libraries", _STRINGS), ("tasks", _STRINGS),
])
# Columns added after schema version 1: readers of older snapshots derive them (snapshot.py).
ADDED_IN_V2 = ("base_relations", "libraries", "tasks")

# What each repo type's listing must expand for these columns (`expand` returns nothing else).
EXPAND = {
    "model": ("author", "cardData", "createdAt", "disabled", "downloads", "downloadsAllTime",
              "gated", "lastModified", "library_name", "likes", "pipeline_tag", "private",
              "tags", "trendingScore"),
    "dataset": ("author", "cardData", "createdAt", "disabled", "downloads", "downloadsAllTime",
                "gated", "lastModified", "likes", "private", "tags", "trendingScore"),
    "space": ("author", "cardData", "createdAt", "disabled", "lastModified", "likes", "private",
              "sdk", "tags", "trendingScore"),
}


@dataclass
class Anomalies:
    """Values of an unexpected type met while normalising (each one counted, none fatal)."""

    count: int = 0
    examples: list[str] | None = None

    def note(self, repo_id: Any, field: str, value: Any) -> None:
        self.count += 1
        if self.examples is None:
            self.examples = []
        if len(self.examples) < 10:
            self.examples.append(f"{repo_id}: {field}={value!r:.60}")


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


def lineage_of(item: dict[str, Any], card: dict[str, Any], tags: list[str],
               base_tags: list[str] | None = None, repo_id: str | None = None
               ) -> tuple[list[str], str | None]:
    """(base ids, the model's first named relation) - the per-model view of `lineage_edges`."""
    edges = lineage_edges(item, card, tags, base_tags, repo_id)
    if not edges:
        return [], None
    named = [relation for _, relation in edges if relation != "unspecified"]
    return [base for base, _ in edges], named[0] if named else "unspecified"


def _tasks(item: dict[str, Any], tags: list[str], repo_type: str) -> list[str]:
    if repo_type == "dataset":
        return _unique([t[16:].strip() for t in tags if t.startswith("task_categories:")])
    task = _text(item.get("pipeline_tag"))
    return [task] if task else []


def _libraries(library: str | None, tags: list[str], repo_type: str) -> list[str]:
    if repo_type == "model":
        return [library] if library else []
    return _unique([t[8:].strip() for t in tags if t.startswith("library:")])


def _gated(value: Any) -> str | None:
    if value is False:
        return "false"
    return value if value in ("auto", "manual") else None


def normalize(items: Sequence[dict[str, Any]], repo_type: str, licenses: LicenseTable,
              anomalies: Anomalies | None = None) -> pa.RecordBatch:
    """One record batch in `SCHEMA` for a page of raw items (column-wise: `columns.py`)."""
    from hfexplore.catalog.columns import normalize_dicts

    return normalize_dicts(items, repo_type, licenses, anomalies)


def normalize_items(items: Sequence[dict[str, Any]], repo_type: str, licenses: LicenseTable,
                    anomalies: Anomalies | None = None) -> pa.RecordBatch:
    """The per-item reference: the rules applied to one item at a time. `normalize()` must give
    exactly its tables; it also treats the rows whose values the column-wise path does not take.
    """
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
