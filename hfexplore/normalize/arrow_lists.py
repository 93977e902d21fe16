"""Arrow helpers the column rules share: text cleaning, list columns, per-group firsts."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

STRINGS = pa.list_(pa.string())
_ASCII_SPACE = "".join(chr(c) for c in range(128) if chr(c).isspace())  # what str.strip() drops


def nulls_as(array: pa.Array | None, n: int, kind: pa.DataType) -> pa.Array:
    """The column itself, or nulls for a field the input does not have."""
    return pa.nulls(n, kind) if array is None else array


def text(values: pa.Array) -> pa.Array:
    """Non-empty strings; empty ones become null (the rules' `_text`)."""
    if values.null_count == len(values):
        return values
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, values.type), values)


def clean(values: pa.Array, lower: bool) -> pa.Array:
    """Python's `str.strip()` (and `.lower()`) on every value: in Arrow when all are ASCII."""
    if pc.all(pc.string_is_ascii(values)).as_py() is not False:
        values = pc.utf8_trim(values, _ASCII_SPACE)
        return pc.ascii_lower(values) if lower else values
    texts = [v.strip() for v in values.to_pylist()]
    return pa.array([v.lower() for v in texts] if lower else texts, pa.string())


def string_lists(values: pa.Array) -> pa.Array:
    """A list<string> column with null lists as empty lists and null elements dropped (the
    rules keep only the strings of a list)."""
    if values.null_count:
        values = pc.if_else(pc.is_null(values), pa.scalar([], values.type), values)
    flat = values.flatten()
    if flat.null_count == 0:
        return values
    keep = flat.is_valid()
    rows = pc.list_parent_indices(values).filter(keep).to_numpy()
    return lists_of(rows, flat.filter(keep), len(values))


def lists_of(rows: np.ndarray, values: pa.Array, n: int) -> pa.Array:
    """A list<string> column from values sorted by row."""
    offsets = np.zeros(n + 1, np.int32)
    np.cumsum(np.bincount(rows, minlength=n), out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), values)


def singletons(values: pa.Array) -> pa.Array:
    """[value] per row, [] where null."""
    valid = values.is_valid().to_numpy(zero_copy_only=False)
    offsets = np.zeros(len(values) + 1, np.int32)
    np.cumsum(valid, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), values.drop_null())


def first_per_group(groups: np.ndarray) -> np.ndarray:
    """Positions of the first element of each distinct value of `groups`, in position order."""
    _, first = np.unique(groups, return_index=True)
    return np.sort(first)


def codes(values: pa.Array) -> np.ndarray:
    return pc.dictionary_encode(values).indices.to_numpy(zero_copy_only=False).astype(np.int64)


def pairs(lists: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """(row of each element, the elements) of a list column."""
    return pc.list_parent_indices(lists).to_numpy(), lists.flatten()
