"""The normaliser, column by column: the rules of `normalize.py`'s docstring on a whole page.

Each item field becomes one column of Python values (from typed `ListItem` structs, plain dicts
or a dump's columns). Scalars go to Arrow in one call per column; the tags are flattened once
in Arrow, and only the few tags that matter (license, lineage, task and library tags, format
names) come back to Python, grouped by row. Per-row Python work is thus done only for the rows
that have licenses or lineage, and only on those values.

Rows whose values have types the fast path does not take (a string count, tags that are not a
list of strings...) are normalised by the per-item reference, `normalize_items`, and spliced
back in place; anomalies are counted in row order either way. `tests/catalog/test_columns.py`
checks that both give identical tables on the real 2024 catalogue and on generated odd items.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hfexplore.catalog.knowledge import RESTRICTIVENESS, LicenseTable
from hfexplore.catalog.normalize import (
    FORMAT_NAMES,
    RELATIONS,
    SCHEMA,
    Anomalies,
    normalize_items,
    timestamps,
)
from hfexplore.hub.items import ListItem

# The item fields the rules read; card fields are split out as `card.<key>`.
FIELDS = ("_id", "id", "modelId", "author", "createdAt", "lastModified", "downloads",
          "downloadsAllTime", "likes", "trendingScore", "library_name", "pipeline_tag",
          "gated", "private", "disabled", "tags", "sdk", "baseModels")
CARD_FIELDS = ("license", "license_name", "base_model")
_STRUCT_FIELDS = tuple("_id" if f == "oid" else f for f in ListItem.__struct_fields__)
_FORMAT_ARRAY = pa.array(FORMAT_NAMES)
_STRINGS = pa.list_(pa.string())
_TS = pa.timestamp("ms", tz="UTC")
_NS = pa.timestamp("ns", tz="UTC")
# Timestamps Arrow parses exactly as the reference (pandas, ISO 8601) does; others go to pandas.
_ISO_UTC = r"^(19[7-9]\d|20\d\d|21\d\d)-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$"
_LIMIT = 2**62
_RANK = {category: rank for rank, category in enumerate(RESTRICTIVENESS)}
Columns = Mapping[str, Sequence[Any]]


def normalize_structs(items: Sequence[ListItem], repo_type: str, licenses: LicenseTable,
                      anomalies: Anomalies | None = None) -> pa.RecordBatch:
    """A page decoded into `ListItem`s (their types are checked by the decoder)."""
    if not items:
        return _empty()
    columns = dict(zip(_STRUCT_FIELDS, zip(*map(msgspec.structs.astuple, items),
                                           strict=True), strict=True))
    cards = columns.pop("cardData")
    for key in CARD_FIELDS:
        columns[f"card.{key}"] = [None if c is None else getattr(c, key) for c in cards]
    return _normalise(columns, len(items), repo_type, licenses, anomalies or Anomalies(),
                      lambda row: msgspec.to_builtins(items[row]), trusted=True)


def normalize_dicts(items: Sequence[dict[str, Any]], repo_type: str, licenses: LicenseTable,
                    anomalies: Anomalies | None = None) -> pa.RecordBatch:
    """Plain JSON items, as `normalize()` takes them."""
    columns: dict[str, Sequence[Any]] = {f: [item.get(f) for item in items] for f in FIELDS}
    columns["cardData"] = [item.get("cardData") for item in items]
    return normalize_columns(columns, len(items), repo_type, licenses, anomalies,
                             lambda row: items[row])


def normalize_columns(columns: Columns, rows: int, repo_type: str, licenses: LicenseTable,
                      anomalies: Anomalies | None = None,
                      item_of: Callable[[int], dict[str, Any]] | None = None
                      ) -> pa.RecordBatch:
    """Columns of item fields (`cardData` as parsed dicts; absent fields may be left out)."""
    if rows == 0:
        return _empty()
    cols = {name: list(values) for name, values in columns.items()}
    cards = cols.pop("cardData", None) or [None] * rows
    for key in CARD_FIELDS:
        cols[f"card.{key}"] = [c.get(key) if isinstance(c, dict) else None for c in cards]
    if item_of is None:
        def item_of(row: int) -> dict[str, Any]:
            return {name: values[row] for name, values in columns.items()}
    return _normalise(cols, rows, repo_type, licenses, anomalies or Anomalies(), item_of,
                      trusted=False)


def _empty() -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist([], schema=SCHEMA)


def _is_int(v: Any) -> bool:
    return v is None or type(v) is int


def _is_number(v: Any) -> bool:
    return v is None or type(v) is int or (type(v) is float and math.isfinite(v))


def _is_strings(v: Any) -> bool:
    return v is None or (type(v) is list and all(type(t) is str for t in v))


def _is_text_or_strings(v: Any) -> bool:
    return type(v) is str or _is_strings(v)


_CHECKS = {"downloads": _is_int, "downloadsAllTime": _is_int, "likes": _is_int,
           "trendingScore": _is_number, "tags": _is_strings,
           "library_name": lambda v: v is None or type(v) is str,
           "card.license": _is_text_or_strings, "card.base_model": _is_text_or_strings}


def _normalise(cols: dict[str, Any], n: int, repo_type: str, licenses: LicenseTable,
               anomalies: Anomalies, item_of: Callable[[int], dict[str, Any]],
               trusted: bool) -> pa.RecordBatch:
    odd: set[int] = set()
    if not trusted:
        for name, check in _CHECKS.items():
            values = cols.get(name)
            if values is not None:
                odd.update(row for row, v in enumerate(values) if not check(v))
        for name in _CHECKS:  # the reference treats these rows; the fast path sees nothing
            if odd and name in cols:
                for row in odd:
                    cols[name][row] = None
    try:
        arrays, notes = _fast(cols, n, repo_type, licenses)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):  # e.g. a count beyond int64
        arrays, notes, odd = None, [], set(range(n))
    if odd:
        order = sorted(odd)
        found = Anomalies()
        reference = []
        for row in order:
            before = found.count
            reference.append(normalize_items([item_of(row)], repo_type, licenses, found))
            notes += [(row, "")] * (found.count - before)  # placeholders, texts set below
        texts = iter(found.examples or [])
        notes = [(row, text or next(texts, "")) for row, text in notes]
        slow = pa.Table.from_batches(reference, schema=SCHEMA)
        if arrays is None:
            batch = slow.combine_chunks().to_batches()[0]
        else:
            index = np.arange(n)
            index[order] = n + np.arange(len(order))
            take = pa.array(index)
            batch = pa.RecordBatch.from_arrays(
                [pa.concat_arrays([arrays[f.name], slow.column(f.name).combine_chunks()])
                 .take(take) for f in SCHEMA], schema=SCHEMA)
    else:
        batch = pa.RecordBatch.from_arrays([arrays[f.name] for f in SCHEMA], schema=SCHEMA)
    if notes:
        notes.sort(key=lambda note: note[0])
        anomalies.count += len(notes)
        examples = anomalies.examples if anomalies.examples is not None else []
        examples.extend(text for _, text in notes[:max(0, 10 - len(examples))])
        anomalies.examples = examples
    return batch


def _note(repo_id: Any, field: str, value: Any) -> str:
    return f"{repo_id}: {field}={value!r:.60}"


def _text(values: Sequence[Any]) -> list[str | None]:
    return [v if type(v) is str and v else None for v in values]


def _fast(cols: dict[str, Any], n: int, repo_type: str, licenses: LicenseTable
          ) -> tuple[dict[str, pa.Array], list[tuple[int, str]]]:
    nothing = [None] * n
    get = lambda name: cols.get(name) or nothing  # noqa: E731
    notes: list[tuple[int, str]] = []
    ids = _text(get("id"))
    if "modelId" in cols and any(v is None for v in ids):
        ids = [i or m for i, m in zip(ids, _text(cols["modelId"]), strict=True)]
    authors = [a if type(a) is str and a else (r.split("/", 1)[0] if r and "/" in r else None)
               for a, r in zip(get("author"), ids, strict=True)]
    library = get("library_name")
    notes += [(row, _note(ids[row], "library_name", v)) for row, v in enumerate(library)
              if v == ""]
    library = _text(library)
    tags = [t if t is not None else [] for t in get("tags")]
    tag_array = pa.array(tags, _STRINGS)
    flat = tag_array.flatten()
    parents = pc.list_parent_indices(tag_array)

    def pick(prefix: str) -> tuple[list[int], list[str]]:
        mask = pc.starts_with(flat, prefix)
        return parents.filter(mask).to_pylist(), flat.filter(mask).to_pylist()

    out: dict[str, pa.Array] = {
        "id": pa.array(ids, pa.string()),
        "_id": pa.array([v if type(v) is str else str(v) for v in get("_id")], pa.string()),
        "author": pa.array(authors, pa.string()),
        "created_at": _times(get("createdAt")), "last_modified": _times(get("lastModified")),
        "downloads": _counts(get("downloads")),
        "downloads_all_time": _counts(get("downloadsAllTime")),
        "likes": _counts(get("likes")), "trending_score": _scores(get("trendingScore")),
        "library_name": pa.array(library, pa.string()),
        "gated": pa.array(["false" if v is False else v if v in ("auto", "manual") else None
                           for v in get("gated")], pa.string()),
        "private": pa.array([v if v is True or v is False else None for v in get("private")],
                            pa.bool_()),
        "disabled": pa.array([v if v is True or v is False else None
                              for v in get("disabled")], pa.bool_()),
        "tags": tag_array, "sdk": pa.array(_text(get("sdk")), pa.string()),
        "formats": _formats(flat, parents, pa.array(library, pa.string()), n),
    }
    out.update(_licenses(pick("license:"), get("card.license"), get("card.license_name"), n,
                         licenses))
    out.update(_lineage(pick("base_model:"), get("card.base_model"), get("baseModels"), ids,
                        n, notes))
    if repo_type == "dataset":
        out["tasks"], out["pipeline_tag"] = _grouped(*pick("task_categories:"), 16, n)
    else:
        pipeline = pa.array(_text(get("pipeline_tag")), pa.string())
        out["tasks"], out["pipeline_tag"] = _singletons(pipeline), pipeline
    if repo_type == "model":
        out["libraries"] = _singletons(out["library_name"])
    else:
        out["libraries"] = _grouped(*pick("library:"), 8, n)[0]
    return out, notes


def _times(values: Sequence[Any]) -> pa.Array:
    texts = _text(values)
    array = pa.array(texts, pa.string())
    if array.null_count == len(array):
        return pa.nulls(len(array), _TS)
    if pc.all(pc.match_substring_regex(array, _ISO_UTC)).as_py():
        try:
            return array.cast(_NS).cast(_TS, safe=False)
        except pa.ArrowInvalid:  # e.g. 30 February: the reference says what it is
            pass
    return timestamps(texts)


def _counts(values: Sequence[Any]) -> pa.Array:
    array = pa.array(values, pa.int64())
    low, high = pc.min_max(array).values()
    if high.is_valid and (high.as_py() > _LIMIT or low.as_py() < -_LIMIT):
        array = pc.if_else(pc.greater(pc.abs(array), _LIMIT), None, array)
    return array


def _scores(values: Sequence[Any]) -> pa.Array:
    try:
        array = pa.array(values, pa.float64())
    except (pa.ArrowInvalid, OverflowError):  # integers beyond 2**53
        array = pa.array([None if v is None else float(v) for v in values], pa.float64())
    finite = pc.is_finite(array)
    return array if pc.all(finite).as_py() is not False else pc.if_else(finite, array, None)


def _lists(by_row: dict[int, list[str]], n: int) -> pa.Array:
    """A list<string> column from {row: values}; rows not named get an empty list."""
    counts = np.zeros(n + 1, np.int32)
    values: list[str] = []
    for row in sorted(by_row):
        found = by_row[row]
        counts[row + 1] = len(found)
        values += found
    return pa.ListArray.from_arrays(pa.array(np.cumsum(counts, dtype=np.int32)),
                                    pa.array(values, pa.string()))


def _grouped(rows: list[int], tags: list[str], skip: int, n: int
             ) -> tuple[pa.Array, pa.Array]:
    """Every `prefix:value` tag's value per row (stripped, non-empty, first occurrence kept),
    and each row's first value."""
    by_row: dict[int, list[str]] = {}
    for row, tag in zip(rows, tags, strict=True):
        value = tag[skip:].strip()
        if value:
            found = by_row.setdefault(row, [])
            if value not in found:
                found.append(value)
    firsts: list[str | None] = [None] * n
    for row, found in by_row.items():
        firsts[row] = found[0]
    return _lists(by_row, n), pa.array(firsts, pa.string())


def _singletons(values: pa.Array) -> pa.Array:
    valid = values.is_valid().to_numpy(zero_copy_only=False)
    offsets = np.zeros(len(values) + 1, np.int32)
    np.cumsum(valid, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), values.drop_null())


def _formats(flat: pa.Array, parents: pa.Array, library: pa.Array, n: int) -> pa.Array:
    codes = pc.index_in(flat, value_set=_FORMAT_ARRAY)
    found = codes.is_valid()
    rows = np.concatenate([parents.filter(found).to_numpy(), np.arange(n)])
    library_codes = pc.index_in(library, value_set=_FORMAT_ARRAY)
    keys = np.concatenate([codes.drop_null().to_numpy().astype(np.int64),
                           library_codes.fill_null(-1).to_numpy().astype(np.int64)])
    width = len(FORMAT_NAMES)
    keys = np.unique((rows * width + keys)[keys >= 0])  # sorted by row, then FORMAT_NAMES order
    offsets = np.zeros(n + 1, np.int32)
    np.cumsum(np.bincount(keys // width, minlength=n), out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), _FORMAT_ARRAY.take(pa.array(keys % width)))


def _licenses(tag_pairs: tuple[list[int], list[str]], card_license: Sequence[Any],
              card_name: Sequence[Any], n: int, table: LicenseTable) -> dict[str, pa.Array]:
    tag_ids: dict[int, list[str]] = {}
    for row, tag in zip(*tag_pairs, strict=True):
        value = tag[8:].strip()
        if value:
            tag_ids.setdefault(row, []).append(value.lower())
    primary: list[str | None] = [None] * n
    name: list[str | None] = [None] * n
    category = ["none"] * n
    every: dict[int, list[str]] = {}
    rank_of: dict[str, int] = {}
    card_rows = [row for row, raw in enumerate(card_license) if raw is not None]
    for row in sorted(tag_ids.keys() | set(card_rows)) if card_rows else tag_ids:
        ids = tag_ids.get(row, [])
        raw = card_license[row]
        if raw is not None:
            card_ids = [v.strip().lower() for v in ([raw] if type(raw) is str else raw)
                        if v.strip()]
            first = card_ids[0] if card_ids else ids[0] if ids else None
            primary[row] = first
            if first == "other":
                label = card_name[row]
                name[row] = label if type(label) is str and label else None
            ids = card_ids + ids
        else:
            primary[row] = ids[0]
        found = list(dict.fromkeys(ids)) if len(ids) > 1 else ids
        if not found:
            continue
        every[row] = found
        ranks = []
        for license_id in found:
            rank = rank_of.get(license_id)
            if rank is None:
                rank = rank_of[license_id] = _RANK[table.category(license_id)]
            ranks.append(rank)
        category[row] = RESTRICTIVENESS[max(ranks)]
    return {"license": pa.array(primary, pa.string()), "license_name": pa.array(name, pa.string()),
            "licenses": _lists(every, n), "license_category": pa.array(category, pa.string())}


def _lineage(tag_pairs: tuple[list[int], list[str]], card_base: Sequence[Any],
             base_models: Sequence[Any], ids: list[str | None], n: int,
             notes: list[tuple[int, str]]) -> dict[str, pa.Array]:
    found: dict[int, list[tuple[str, str | None]]] = {}
    for row, tag in zip(*tag_pairs, strict=True):
        rest = tag[11:]
        head, colon, tail = rest.partition(":")
        if head in RELATIONS and colon:
            if tail.strip():
                found.setdefault(row, []).append((tail, head))
            else:
                notes.append((row, _note(ids[row], "base_model tag without a repo", tag)))
        elif rest.strip():
            found.setdefault(row, []).append((rest, None))
    for row, base in enumerate(card_base):
        if base is not None:
            found.setdefault(row, []).extend(
                [(base, None)] if type(base) is str else [(b, None) for b in base])
    for row, entries in enumerate(base_models):
        if isinstance(entries, list):
            for entry in entries:
                if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                    relation = entry.get("relation")
                    found.setdefault(row, []).append(
                        (entry["id"], relation if relation in RELATIONS else None))
    bases: dict[int, list[str]] = {}
    relations: dict[int, list[str]] = {}
    first: list[str | None] = [None] * n
    for row in sorted(found):
        own = (ids[row] or "").strip().lower()
        edges: dict[str, list[Any]] = {}
        for base, relation in found[row]:
            base = base.strip()
            key = base.lower()
            if not base or key == own:
                continue
            if key not in edges:
                edges[key] = [base, relation]
            elif edges[key][1] is None:
                edges[key][1] = relation
        if edges:
            bases[row] = [base for base, _ in edges.values()]
            relations[row] = [relation or "unspecified" for _, relation in edges.values()]
            first[row] = next((r for _, r in edges.values() if r is not None), "unspecified")
    return {"base_models": _lists(bases, n), "base_relations": _lists(relations, n),
            "base_relation": pa.array(first, pa.string())}
