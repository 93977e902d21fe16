"""The normaliser's rules on Arrow columns of item fields: one implementation for the crawl
(its pages turned into Arrow first, `columns.py`) and for dump imports (read as Arrow).

The input is a mapping from item field to an Arrow array of the type the listing API documents
(`INPUT_TYPES`; `createdAt`/`lastModified` may also be timestamps, `gated` is already "false",
"auto" or "manual"), plus the card's keys as `card.license`, `card.license_name` and
`card.base_model` (ids as a list per row, null where the card does not name them) and
`baseModels` as `lineage_rules.BASE_ENTRIES`, and `safetensors.total` (the parameter count of
the `safetensors` field). Absent fields are null.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hfexplore.knowledge import LicenseTable
from hfexplore.normalize.arrow_lists import (
    STRINGS,
    lists_of,
    nulls_as,
    singletons,
    string_lists,
    text,
)
from hfexplore.normalize.license_rules import license_columns
from hfexplore.normalize.lineage_rules import BASE_ENTRIES, Notes, lineage_columns, note
from hfexplore.normalize.reference import timestamps
from hfexplore.normalize.schema import FORMAT_NAMES

_FORMAT_ARRAY = pa.array(FORMAT_NAMES)
_TS = pa.timestamp("ms", tz="UTC")
_NS = pa.timestamp("ns", tz="UTC")
# Timestamps Arrow parses exactly as the reference (pandas, ISO 8601) does; others go to pandas.
_ISO_UTC = r"^(19[7-9]\d|20\d\d|21\d\d)-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$"
_LIMIT = 2**62
_STRING_FIELDS = ("_id", "id", "modelId", "author", "library_name", "pipeline_tag", "gated",
                  "sdk", "card.license_name")
INPUT_TYPES: dict[str, pa.DataType] = {
    **{name: pa.string() for name in _STRING_FIELDS},
    "createdAt": pa.string(), "lastModified": pa.string(),
    "downloads": pa.int64(), "downloadsAllTime": pa.int64(), "likes": pa.int64(),
    "trendingScore": pa.float64(), "private": pa.bool_(), "disabled": pa.bool_(),
    "tags": STRINGS, "card.license": STRINGS, "card.base_model": STRINGS,
    "baseModels": BASE_ENTRIES, "safetensors.total": pa.int64(),
}


def normalise_arrays(inputs: dict[str, pa.Array], n: int, repo_type: str,
                     licenses: LicenseTable) -> tuple[dict[str, pa.Array], Notes]:
    """The snapshot's columns (by name) and the anomalies met, as (row, text), in any order."""
    def get(name: str) -> pa.Array:
        return nulls_as(inputs.get(name), n, INPUT_TYPES[name])

    notes: Notes = []
    ids = text(get("id"))
    if ids.null_count and "modelId" in inputs:
        ids = pc.coalesce(ids, text(get("modelId")))
    namespaces = pc.list_element(pc.split_pattern(ids, "/", max_splits=1), 0)
    namespaces = pc.if_else(pc.match_substring(ids, "/"), namespaces,
                            pa.scalar(None, pa.string()))
    raw_library = get("library_name")
    library = text(raw_library)
    tag_array = string_lists(get("tags"))
    flat = tag_array.flatten()
    parents = pc.list_parent_indices(tag_array)

    def select(prefix: str) -> tuple[pa.Array, pa.Array]:
        mask = pc.starts_with(flat, prefix)
        return parents.filter(mask), flat.filter(mask)

    out: dict[str, pa.Array] = {
        "id": ids, "_id": get("_id"), "author": pc.coalesce(text(get("author")), namespaces),
        "created_at": times(get("createdAt")), "last_modified": times(get("lastModified")),
        "downloads": counts(get("downloads")),
        "downloads_all_time": counts(get("downloadsAllTime")),
        "likes": counts(get("likes")), "trending_score": scores(get("trendingScore")),
        "library_name": library, "gated": get("gated"), "private": get("private"),
        "disabled": get("disabled"), "tags": tag_array, "sdk": text(get("sdk")),
        "formats": _formats(flat, parents, library, n),
        "num_parameters": _parameters(get("safetensors.total")),
    }
    out.update(license_columns(select("license:"), get("card.license"),
                               get("card.license_name"), n, licenses))
    out.update(lineage_columns(select("base_model:"), get("card.base_model"),
                               get("baseModels"), ids, n, notes))
    blank = pc.equal(raw_library, "").fill_null(False)
    if pc.any(blank).as_py():  # after the row's lineage notes
        for row in np.flatnonzero(blank.to_numpy(zero_copy_only=False)).tolist():
            notes.append((row, note(ids[row].as_py(), "library_name", "")))
    if repo_type == "dataset":
        out["tasks"], out["pipeline_tag"] = _grouped(*select("task_categories:"), 16, n)
    else:
        pipeline = text(get("pipeline_tag"))
        out["tasks"], out["pipeline_tag"] = singletons(pipeline), pipeline
    if repo_type == "model":
        out["libraries"] = singletons(library)
    else:
        out["libraries"] = _grouped(*select("library:"), 8, n)[0]
    return out, notes


def times(values: pa.Array) -> pa.Array:
    """UTC timestamps from timestamps or ISO 8601 text; unparseable -> null."""
    if pa.types.is_timestamp(values.type):
        if values.type.tz is None:
            values = pc.assume_timezone(values, "UTC")
        return values.cast(_TS, safe=False)
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return pa.nulls(len(values), _TS)
    array = text(values.cast(pa.string()))
    if array.null_count == len(array):
        return pa.nulls(len(array), _TS)
    if pc.all(pc.match_substring_regex(array, _ISO_UTC)).as_py():
        try:
            return array.cast(_NS).cast(_TS, safe=False)
        except pa.ArrowInvalid:  # e.g. 30 February: the reference says what it is
            pass
    return timestamps(array.to_pylist())


def counts(array: pa.Array) -> pa.Array:
    low, high = pc.min_max(array).values()
    if high.is_valid and (high.as_py() > _LIMIT or low.as_py() < -_LIMIT):
        array = pc.if_else(pc.greater(pc.abs(array), _LIMIT), None, array)
    return array


def scores(array: pa.Array) -> pa.Array:
    finite = pc.is_finite(array)
    return array if pc.all(finite).as_py() is not False else pc.if_else(finite, array, None)


def _parameters(totals: pa.Array) -> pa.Array:
    """Whole numbers from 0 to 2**62; anything else is unknown (null)."""
    if totals.null_count == len(totals):
        return totals
    valid = pc.and_(pc.greater_equal(totals, 0), pc.less_equal(totals, _LIMIT))
    return pc.if_else(valid, totals, pa.scalar(None, pa.int64()))


def _grouped(rows: pa.Array, tags: pa.Array, skip: int, n: int) -> tuple[pa.Array, pa.Array]:
    """Every `prefix:value` tag's value per row (stripped, non-empty, first occurrence kept),
    and each row's first value."""
    by_row: dict[int, list[str]] = {}
    for row, tag in zip(rows.to_pylist(), tags.to_pylist(), strict=True):
        value = tag[skip:].strip()
        if value:
            found = by_row.setdefault(row, [])
            if value not in found:
                found.append(value)
    firsts: list[str | None] = [None] * n
    order: list[int] = []
    values: list[str] = []
    for row in sorted(by_row):
        firsts[row] = by_row[row][0]
        order += [row] * len(by_row[row])
        values += by_row[row]
    return lists_of(np.array(order, np.int64), pa.array(values, pa.string()), n), \
        pa.array(firsts, pa.string())


def _formats(flat: pa.Array, parents: pa.Array, library: pa.Array, n: int) -> pa.Array:
    found_codes = pc.index_in(flat, value_set=_FORMAT_ARRAY)
    found = found_codes.is_valid()
    rows = np.concatenate([parents.filter(found).to_numpy(), np.arange(n)])
    library_codes = pc.index_in(library, value_set=_FORMAT_ARRAY)
    keys = np.concatenate([found_codes.drop_null().to_numpy().astype(np.int64),
                           library_codes.fill_null(-1).to_numpy().astype(np.int64)])
    width = len(FORMAT_NAMES)
    keys = np.unique((rows * width + keys)[keys >= 0])  # sorted by row, then FORMAT_NAMES order
    offsets = np.zeros(n + 1, np.int32)
    np.cumsum(np.bincount(keys // width, minlength=n), out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), _FORMAT_ARRAY.take(pa.array(keys % width)))
