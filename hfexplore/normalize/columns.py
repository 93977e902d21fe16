"""The normaliser, column by column: the rules of `schema.py`'s docstring on a whole page.

A crawl's page (typed `ListItem` structs or plain dicts) becomes one Arrow column per item
field here, and a dump import reads its columns as Arrow already; both then go through the
same Arrow rules (`rules.py`, `license_rules.py`, `lineage_rules.py`).

Rows whose values have types the Arrow rules do not take (a string count, tags that are not a
list of strings...) are normalised by the per-item reference, `normalize_items`, and spliced
back in place; anomalies are counted in row order either way. `tests/normalize/test_columns.py`
checks that both give identical tables on the real 2024 catalogue and on generated odd items.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from operator import attrgetter
from typing import Any

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hfexplore.hub.items import ListItem
from hfexplore.knowledge import LicenseTable
from hfexplore.normalize.arrow_lists import STRINGS
from hfexplore.normalize.lineage_rules import BASE_ENTRIES
from hfexplore.normalize.reference import normalize_items
from hfexplore.normalize.rules import INPUT_TYPES, normalise_arrays
from hfexplore.normalize.schema import SCHEMA, Anomalies

# The item fields the rules read; card fields are split out as `card.<key>`.
FIELDS = ("_id", "id", "modelId", "author", "createdAt", "lastModified", "downloads",
          "downloadsAllTime", "likes", "trendingScore", "library_name", "pipeline_tag",
          "gated", "private", "disabled", "tags", "sdk", "baseModels", "safetensors")
CARD_FIELDS = ("license", "license_name", "base_model")
_STRUCT_FIELDS = tuple("_id" if f == "oid" else f for f in ListItem.__struct_fields__)
Columns = Mapping[str, Sequence[Any]]
ItemsOf = Callable[[list[int]], list[dict[str, Any]]]  # rows -> their items


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
    return _from_python(columns, len(items), repo_type, licenses, anomalies or Anomalies(),
                        lambda rows: [msgspec.to_builtins(items[r]) for r in rows],
                        trusted=True)


def normalize_page(items: Sequence[Any], repo_type: str, licenses: LicenseTable,
                   anomalies: Anomalies | None = None) -> pa.RecordBatch:
    """A listing page's items, typed (`ListItem`s) or plain dicts: the entry point the crawl and
    the incremental refresh share."""
    if items and type(items[0]) is ListItem:
        return normalize_structs(items, repo_type, licenses, anomalies)
    return normalize_dicts(items, repo_type, licenses, anomalies)


def normalize_dicts(items: Sequence[dict[str, Any]], repo_type: str, licenses: LicenseTable,
                    anomalies: Anomalies | None = None) -> pa.RecordBatch:
    """Plain JSON items (a fixture page, a reference test), column-wise."""
    if not items:
        return _empty()
    columns: dict[str, list[Any]] = {f: [item.get(f) for item in items] for f in FIELDS}
    cards = [item.get("cardData") for item in items]
    for key in CARD_FIELDS:
        columns[f"card.{key}"] = [c.get(key) if isinstance(c, dict) else None for c in cards]
    return _from_python(columns, len(items), repo_type, licenses, anomalies or Anomalies(),
                        lambda rows: [items[r] for r in rows], trusted=False)


def normalize_arrow(inputs: dict[str, pa.Array], n: int, repo_type: str,
                    licenses: LicenseTable, anomalies: Anomalies, odd: Collection[int] = (),
                    items_of: ItemsOf | None = None) -> pa.RecordBatch:
    """Arrow columns of item fields (`rules.INPUT_TYPES`); the `odd` rows, if any, are
    normalised by the reference from `items_of(rows)`."""
    if n == 0:
        return _empty()
    if odd:
        mask = np.zeros(n, bool)
        mask[list(odd)] = True
        hidden = pa.array(mask)  # the reference treats these rows; the Arrow rules see nothing
        inputs = {name: pc.if_else(hidden, pa.scalar(None, values.type), values)
                  for name, values in inputs.items()}
    return _splice(inputs, n, repo_type, licenses, anomalies, set(odd), items_of)


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


CHECKS = {"downloads": _is_int, "downloadsAllTime": _is_int, "likes": _is_int,
           "trendingScore": _is_number, "tags": _is_strings,
           "library_name": lambda v: v is None or type(v) is str,
           "card.license": _is_text_or_strings, "card.base_model": _is_text_or_strings}


def _from_python(cols: dict[str, Any], n: int, repo_type: str, licenses: LicenseTable,
                 anomalies: Anomalies, items_of: ItemsOf, trusted: bool) -> pa.RecordBatch:
    odd: set[int] = set()
    if not trusted:
        for name, check in CHECKS.items():
            values = cols.get(name)
            if values is not None:
                odd.update(row for row, v in enumerate(values) if not check(v))
        for name in CHECKS:  # the reference treats these rows; the Arrow rules see nothing
            if odd and name in cols:
                for row in odd:
                    cols[name][row] = None
    try:
        inputs = to_arrow(cols)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):  # e.g. a count beyond int64
        inputs, odd = None, set(range(n))
    return _splice(inputs, n, repo_type, licenses, anomalies, odd, items_of)


def to_arrow(cols: Mapping[str, Sequence[Any]]) -> dict[str, pa.Array]:
    """Python values of item fields (as a listing page has them) -> the Arrow rules' input."""
    inputs: dict[str, pa.Array] = {}
    for name, values in cols.items():
        if name == "safetensors":  # only its total is kept
            inputs["safetensors.total"] = pa.array([parameter_total(v) for v in values],
                                                   pa.int64())
            continue
        kind = INPUT_TYPES.get(name)
        if kind is None:
            continue
        if name == "_id":
            array = pa.array([v if type(v) is str else str(v) for v in values], pa.string())
        elif name == "gated":
            array = pa.array(["false" if v is False else v if v in ("auto", "manual") else None
                              for v in values], pa.string())
        elif name in ("private", "disabled"):
            array = pa.array([v if v is True or v is False else None for v in values],
                             pa.bool_())
        elif name == "trendingScore":
            try:
                array = pa.array(values, pa.float64())
            except (pa.ArrowInvalid, OverflowError):  # integers beyond 2**53
                array = pa.array([None if v is None else float(v) for v in values],
                                 pa.float64())
        elif name in ("card.license", "card.base_model"):
            array = _text_or_strings(values)
        elif name == "baseModels":
            array = _base_entries(values)
        elif kind == pa.string():
            try:
                array = pa.array(values, pa.string())
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                array = pa.array([v if type(v) is str else None for v in values], pa.string())
        else:
            array = pa.array(values, kind)
        inputs[name] = array
    return inputs


def _text_or_strings(values: Sequence[Any]) -> pa.Array:
    """A text or a list of texts per row, as a list of texts (null stays null)."""
    try:
        texts = pa.array(values, pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # some rows have lists
        return pa.array([[v] if type(v) is str else v for v in values], STRINGS)
    valid = texts.is_valid()
    offsets = np.zeros(len(texts) + 1, np.int32)
    np.cumsum(valid.to_numpy(zero_copy_only=False), out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), texts.drop_null(), mask=pc.invert(valid))


def parameter_total(value: Any) -> int | None:
    """`safetensors.total` when it is a whole number from 0 to 2**62, else None."""
    total = value.get("total") if isinstance(value, dict) else None
    return total if type(total) is int and 0 <= total <= 2**62 else None


def _base_entries(values: Sequence[Any]) -> pa.Array:
    """The single-repo API's `baseModels` (a list of {id, relation}) as `BASE_ENTRIES`."""
    rows: list[Any] = []
    for entries in values:
        if not isinstance(entries, list):
            rows.append(None)
            continue
        rows.append([{"id": e["id"], "relation": e.get("relation")
                      if isinstance(e.get("relation"), str) else None}
                     for e in entries if isinstance(e, dict) and isinstance(e.get("id"), str)])
    return pa.array(rows, BASE_ENTRIES)


def _splice(inputs: dict[str, pa.Array] | None, n: int, repo_type: str,
            licenses: LicenseTable, anomalies: Anomalies, odd: set[int],
            items_of: ItemsOf | None) -> pa.RecordBatch:
    arrays: dict[str, pa.Array] | None = None
    notes: list[tuple[int, str]] = []
    if inputs is not None:
        try:
            arrays, notes = normalise_arrays(inputs, n, repo_type, licenses)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            arrays, odd = None, set(range(n))
    if odd:
        assert items_of is not None, "odd rows need their items"
        order = sorted(odd)
        items = items_of(order)
        found = Anomalies()
        reference = []
        for row, item in zip(order, items, strict=True):
            before = found.count
            reference.append(normalize_items([item], repo_type, licenses, found))
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
                [pa.concat_arrays([arrays[f.name].cast(f.type),
                                   slow.column(f.name).combine_chunks()]).take(take)
                 for f in SCHEMA], schema=SCHEMA)
    else:
        assert arrays is not None
        batch = pa.RecordBatch.from_arrays([arrays[f.name].cast(f.type) for f in SCHEMA],
                                           schema=SCHEMA)
    if notes:
        notes.sort(key=lambda note: note[0])
        anomalies.count += len(notes)
        examples = anomalies.examples if anomalies.examples is not None else []
        examples.extend(text for _, text in notes[:max(0, 10 - len(examples))])
        anomalies.examples = examples
    return batch
