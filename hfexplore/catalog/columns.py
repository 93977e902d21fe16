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
from operator import attrgetter
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
_ASCII_SPACE = "".join(chr(c) for c in range(128) if chr(c).isspace())  # what str.strip() drops
_RELATION = "^(" + "|".join(RELATIONS) + "):"
_NAMED_RELATION = "^(?P<relation>" + "|".join(RELATIONS) + "):"
_RANK = {category: rank for rank, category in enumerate(RESTRICTIVENESS)}
Columns = Mapping[str, Sequence[Any]]


def normalize_structs(items: Sequence[ListItem], repo_type: str, licenses: LicenseTable,
                      anomalies: Anomalies | None = None) -> pa.RecordBatch:
    """A page decoded into `ListItem`s (their types are checked by the decoder)."""
    if not items:
        return _empty()
    columns: dict[str, Sequence[Any]] = {
        name: list(map(attrgetter(attribute), items))
        for name, attribute in zip(_STRUCT_FIELDS, ListItem.__struct_fields__, strict=True)
        if attribute != "cardData"}
    cards = [item.cardData for item in items]
    if any(cards):
        for key in CARD_FIELDS:
            columns[f"card.{key}"] = [None if c is None else getattr(c, key) for c in cards]
    return _normalise(columns, len(items), repo_type, licenses, anomalies or Anomalies(),
                      lambda row: msgspec.to_builtins(items[row]), trusted=True)


def normalize_page(items: Sequence[Any], repo_type: str, licenses: LicenseTable,
                   anomalies: Anomalies | None = None) -> pa.RecordBatch:
    """A listing page's items, typed (`ListItem`s) or plain dicts: the entry point the crawl and
    the incremental refresh share."""
    if items and type(items[0]) is ListItem:
        return normalize_structs(items, repo_type, licenses, anomalies)
    return normalize_dicts(items, repo_type, licenses, anomalies)


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
    library = _text(get("library_name"))
    tags = [t if t is not None else [] for t in get("tags")]
    tag_array = pa.array(tags, _STRINGS)
    flat = tag_array.flatten()
    parents = pc.list_parent_indices(tag_array)

    def pick(prefix: str) -> tuple[list[int], list[str]]:
        mask = pc.starts_with(flat, prefix)
        return parents.filter(mask).to_pylist(), flat.filter(mask).to_pylist()

    def select(prefix: str) -> tuple[pa.Array, pa.Array]:
        mask = pc.starts_with(flat, prefix)
        return parents.filter(mask), flat.filter(mask)

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
    out.update(_licenses(select("license:"), get("card.license"), get("card.license_name"), n,
                         licenses))
    out.update(_lineage(select("base_model:"), get("card.base_model"), get("baseModels"), ids,
                        n, notes))
    notes += [(row, _note(ids[row], "library_name", v))  # after the row's lineage notes
              for row, v in enumerate(get("library_name")) if v == ""]
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


def _clean(values: pa.Array, lower: bool) -> pa.Array:
    """Python's `str.strip()` (and `.lower()`) on every value: in Arrow when all are ASCII."""
    if pc.all(pc.string_is_ascii(values)).as_py() is not False:
        values = pc.utf8_trim(values, _ASCII_SPACE)
        return pc.ascii_lower(values) if lower else values
    texts = [v.strip() for v in values.to_pylist()]
    return pa.array([v.lower() for v in texts] if lower else texts, pa.string())


def _first_per_group(groups: np.ndarray) -> np.ndarray:
    """Positions of the first element of each distinct value of `groups`, in position order."""
    _, first = np.unique(groups, return_index=True)
    return np.sort(first)


def _codes(values: pa.Array) -> np.ndarray:
    return pc.dictionary_encode(values).indices.to_numpy(zero_copy_only=False).astype(np.int64)


def _lists_of(rows: np.ndarray, values: pa.Array, n: int) -> pa.Array:
    """A list<string> column from values sorted by row."""
    offsets = np.zeros(n + 1, np.int32)
    np.cumsum(np.bincount(rows, minlength=n), out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), values)


def _licenses(tag_pairs: tuple[pa.Array, pa.Array], card_license: Sequence[Any],
              card_name: Sequence[Any], n: int, table: LicenseTable) -> dict[str, pa.Array]:
    card_rows: list[int] = []
    card_ids: list[str] = []
    for row, raw in enumerate(card_license):
        if raw is not None:
            if type(raw) is str:
                card_rows.append(row)
                card_ids.append(raw)
            else:
                card_rows += [row] * len(raw)
                card_ids += raw
    tag_rows, tags = tag_pairs
    rows = np.concatenate([np.array(card_rows, np.int64), tag_rows.to_numpy()])
    values = _clean(pa.concat_arrays([pa.array(card_ids, pa.string()),
                                      pc.utf8_slice_codeunits(tags, 8)]), lower=True)
    order = np.argsort(rows, kind="stable")  # card ids first, then tags, per row
    keep = pc.not_equal(values, "").to_numpy(zero_copy_only=False)[order]
    order = order[keep]
    rows, values = rows[order], values.take(pa.array(order))
    primary: pa.Array = pa.nulls(n, pa.string())
    category: pa.Array = pa.array(["none"] * n, pa.string())
    if len(rows):
        firsts = _first_per_group(rows)
        index = np.full(n, -1, np.int64)
        index[rows[firsts]] = firsts
        taken = pa.array(index, mask=index < 0)
        primary = values.take(taken)
        codes = _codes(values)
        kept = _first_per_group(rows * (int(codes.max()) + 1) + codes)
        rows, values, codes = rows[kept], values.take(pa.array(kept)), codes[kept]
        dictionary = pc.unique(values).to_pylist()
        ranks = np.array([_RANK[table.category(v)] for v in dictionary], np.int64)
        rank_of_value = ranks[_codes_in(values, dictionary)]
        best = np.full(n, -1, np.int64)
        np.maximum.at(best, rows, rank_of_value)
        category = pa.array(np.array((*RESTRICTIVENESS, "none"), dtype=object)[best])
    names: list[str | None] = [None] * n
    if card_rows:
        others = pc.equal(primary, "other").to_numpy(zero_copy_only=False)
        for row in set(card_rows):
            if others[row]:
                label = card_name[row]
                names[row] = label if type(label) is str and label else None
    return {"license": primary, "license_name": pa.array(names, pa.string()),
            "licenses": _lists_of(rows, values, n), "license_category": category}


def _codes_in(values: pa.Array, dictionary: list[str]) -> np.ndarray:
    return pc.index_in(values, value_set=pa.array(dictionary, pa.string())).to_numpy()


def _lineage(tag_pairs: tuple[pa.Array, pa.Array], card_base: Sequence[Any],
             base_models: Sequence[Any], ids: list[str | None], n: int,
             notes: list[tuple[int, str]]) -> dict[str, pa.Array]:
    tag_rows, tags = tag_pairs
    rest = pc.utf8_slice_codeunits(tags, 11)
    relation = pc.struct_field(pc.extract_regex(rest, _NAMED_RELATION), [0])
    tails = pc.replace_substring_regex(rest, _RELATION, "", max_replacements=1)
    empty = pc.and_(pc.is_valid(relation), pc.equal(_clean(tails, lower=False), ""))
    if pc.any(empty).as_py():
        for row, tag in zip(tag_rows.filter(empty).to_pylist(), tags.filter(empty).to_pylist(),
                            strict=True):
            notes.append((row, _note(ids[row], "base_model tag without a repo", tag)))
    extra_rows: list[int] = []
    extra_bases: list[str] = []
    extra_relations: list[str | None] = []
    for row, base in enumerate(card_base):
        if base is not None:
            bases = [base] if type(base) is str else base
            extra_rows += [row] * len(bases)
            extra_bases += bases
            extra_relations += [None] * len(bases)
    for row, entries in enumerate(base_models):
        if isinstance(entries, list):
            for entry in entries:
                if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                    named = entry.get("relation")
                    extra_rows.append(row)
                    extra_bases.append(entry["id"])
                    extra_relations.append(named if named in RELATIONS else None)
    rows = np.concatenate([tag_rows.to_numpy(), np.array(extra_rows, np.int64)])
    bases = _clean(pa.concat_arrays([pc.if_else(empty, "", tails),
                                     pa.array(extra_bases, pa.string())]), lower=False)
    relations = pa.concat_arrays([relation, pa.array(extra_relations, pa.string())])
    order = np.argsort(rows, kind="stable")  # tags, then the card, then baseModels, per row
    rows, bases, relations = rows[order], bases.take(pa.array(order)), \
        relations.take(pa.array(order))
    keys = _clean(bases, lower=True)
    own = _clean(pa.array(ids, pa.string()).take(pa.array(rows)).fill_null(""), lower=True)
    keep = pc.and_(pc.not_equal(bases, ""), pc.not_equal(keys, own))
    keep_np = keep.to_numpy(zero_copy_only=False)
    rows, bases, relations, keys = rows[keep_np], bases.filter(keep), relations.filter(keep), \
        keys.filter(keep)
    first_relation: pa.Array = pa.nulls(n, pa.string())
    if len(rows):
        codes = _codes(keys)
        groups = rows * (int(codes.max()) + 1) + codes
        firsts = _first_per_group(groups)
        named = relations.is_valid().to_numpy(zero_copy_only=False)
        # a duplicate that names a relation fills in an edge that had none
        named_groups, named_first = np.unique(groups[named], return_index=True)
        named_positions = np.flatnonzero(named)[named_first]
        lookup = np.full(len(firsts), -1, np.int64)
        where = np.searchsorted(named_groups, groups[firsts])
        found = (where < len(named_groups)) & \
            (named_groups[np.minimum(where, max(len(named_groups) - 1, 0))] == groups[firsts]) \
            if len(named_groups) else np.zeros(len(firsts), bool)
        lookup[found] = named_positions[where[found]]
        edge_relations = relations.take(pa.array(lookup, mask=lookup < 0))
        rows, bases = rows[firsts], bases.take(pa.array(firsts))
        relations = edge_relations.fill_null("unspecified")
        has_named = edge_relations.is_valid().to_numpy(zero_copy_only=False)
        choice = np.full(n, -1, np.int64)
        choice[rows] = 0  # an edge without a named relation: "unspecified"
        named_rows, named_at = np.unique(rows[has_named], return_index=True)
        choice[named_rows] = np.flatnonzero(has_named)[named_at] + 1
        first_relation = pa.concat_arrays([pa.array(["unspecified"]), edge_relations]) \
            .take(pa.array(choice, mask=choice < 0))
    return {"base_models": _lists_of(rows, bases, n),
            "base_relations": _lists_of(rows, relations, n), "base_relation": first_relation}
