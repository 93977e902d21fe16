"""Public dump files -> normalised snapshot batches, through a data-driven column map.

`hfexplore/data/dump_columns.toml` says which dump columns may carry each field of a Hub listing
item. A row group is read with only those columns, and each column is turned, in Arrow, into
the input the crawl's own column rules take (`normalize/rules.py`): timestamps cast, cardData's
untrusted JSON text decoded for its license and lineage keys alone (one decoder call per row
group), hub-stats' `baseModels` struct reshaped into one entry per base. Every license,
lineage, format and task rule is thus the crawl's, so an import and a crawl of the same
catalogue agree; values of unexpected types go, row by row, to the per-item reference.
"""

from __future__ import annotations

import contextlib
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import msgspec
import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from hfexplore.errors import SnapshotError
from hfexplore.hub.items import CardFields
from hfexplore.knowledge import LicenseTable
from hfexplore.normalize.arrow_lists import clean
from hfexplore.normalize.columns import (
    CARD_FIELDS,
    CHECKS,
    normalize_arrow,
    parameter_total,
    to_arrow,
)
from hfexplore.normalize.lineage_rules import BASE_ENTRIES
from hfexplore.normalize.rules import INPUT_TYPES, times
from hfexplore.normalize.schema import EXPAND, SCHEMA, Anomalies

MAX_CARD_BYTES = 256 * 1024  # larger cardData text is not parsed (counted as an anomaly)


@dataclass(frozen=True)
class ColumnMap:
    fields: dict[str, tuple[list[str], str]]  # item field -> (candidate columns, kind)
    ignored: frozenset[str]
    feeds: dict[str, list[str]]
    partial: dict[str, list[str]]

    @classmethod
    def load(cls) -> ColumnMap:
        text = resources.files("hfexplore.data").joinpath("dump_columns.toml").read_text()
        doc = tomllib.loads(text)
        fields = {name: (list(spec["columns"]), spec.get("kind", "value"))
                  for name, spec in doc["fields"].items()}
        return cls(fields, frozenset(doc["ignored"]["columns"]), doc["feeds"], doc["partial"])


@dataclass
class DumpPlan:
    """How one file's columns are read: chosen column per field, what is missing or unknown."""

    repo_type: str
    chosen: dict[str, str]  # item field -> dump column
    missing: list[str]  # fields this repo type's snapshot uses that no column carries
    null_columns: list[str]  # snapshot columns left null because of them
    incomplete_columns: list[str]  # snapshot columns computed without some of their inputs
    unknown: list[str]  # dump columns neither mapped nor known to be ignorable
    ignored: list[str]
    derived: dict[str, str] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        return {"read": sorted(set(self.chosen.values())), "missing_fields": self.missing,
                "null_columns": self.null_columns,
                "incomplete_columns": self.incomplete_columns, "unknown_columns": self.unknown,
                "ignored_columns": self.ignored, "derived": self.derived}


def plan_columns(schema: pa.Schema, repo_type: str, column_map: ColumnMap,
                 label: str) -> DumpPlan:
    names = list(schema.names)
    chosen: dict[str, str] = {}
    for item_field, (candidates, _kind) in column_map.fields.items():
        found = next((c for c in candidates if c in names), None)
        if found is not None:
            chosen[item_field] = found
    if "id" not in chosen:
        raise SnapshotError(
            f"{label} has no repo id column (looked for "
            f"{', '.join(column_map.fields['id'][0])}; it has {', '.join(names[:20]) or 'none'})"
            "; it is not a catalogue dump this version understands")
    used = {"_id", "id", *EXPAND[repo_type]}
    missing = sorted(f for f in used if f not in chosen and f in column_map.fields)
    null_columns = sorted({c for f in missing for c in column_map.feeds.get(f, [])} - {"_id"})
    incomplete = sorted({c for f in missing for c in column_map.partial.get(f, [])}
                        - set(null_columns))
    mapped = {c for candidates, _ in column_map.fields.values() for c in candidates}
    unknown = sorted(n for n in names if n not in mapped and n not in column_map.ignored)
    ignored = sorted(n for n in names if n in column_map.ignored or
                     (n in mapped and n not in chosen.values()))
    derived = {"_id": "the repo id (the dump has no _id column)"} if "_id" not in chosen else {}
    return DumpPlan(repo_type, chosen, missing, null_columns, incomplete, unknown, ignored,
                    derived)


@dataclass
class ReadStats:
    rows: int = 0
    cards_unparsed: int = 0
    newest: pd.Timestamp | None = None

    def see_time(self, array: pa.Array) -> None:
        newest = pc.max(array).as_py()
        if newest is not None:
            stamp = pd.Timestamp(newest)
            self.newest = stamp if self.newest is None or stamp > self.newest else self.newest


class DumpReader:
    """Stream one parquet dump file as normalised record batches, a row group at a time."""

    def __init__(self, source: Any, repo_type: str, label: str, *, licenses: LicenseTable,
                 column_map: ColumnMap, anomalies: Anomalies):
        try:
            # pre_buffer: a row group's column chunks are fetched in few, coalesced reads
            self.file = pq.ParquetFile(source, pre_buffer=True)
        except (pa.ArrowException, OSError) as exc:
            raise SnapshotError(f"{label} is not a readable parquet file ({exc})") from exc
        self.repo_type = repo_type
        self.label = label
        self.licenses = licenses
        self.column_map = column_map
        self.anomalies = anomalies
        self.plan = plan_columns(self.file.schema_arrow, repo_type, column_map, label)
        self.stats = ReadStats()

    @property
    def num_rows(self) -> int:
        return int(self.file.metadata.num_rows)

    def batches(self) -> Iterator[pa.RecordBatch]:
        columns = sorted(set(self.plan.chosen.values()))
        for index in range(self.file.num_row_groups):
            try:
                table = self.file.read_row_group(index, columns=columns)
            except (pa.ArrowException, OSError) as exc:
                raise SnapshotError(f"{self.label}: row group {index + 1} of "
                                    f"{self.file.num_row_groups} is unreadable ({exc}); the "
                                    "file is corrupt or truncated") from exc
            if table.num_rows:
                batch = self._normalise(table)
                self.stats.rows += batch.num_rows
                yield batch

    def _normalise(self, table: pa.Table) -> pa.RecordBatch:
        kinds = {name: kind for name, (_cols, kind) in self.column_map.fields.items()}
        n = table.num_rows
        inputs: dict[str, pa.Array] = {}
        odd: set[int] = set()
        cards: dict[int, Any] = {}  # parsed cards of the odd rows
        for item_field, column in self.plan.chosen.items():
            values = table.column(column).combine_chunks()
            kind = kinds[item_field]
            if kind == "timestamp":
                inputs[item_field] = times(values)
                self.stats.see_time(inputs[item_field])
            elif kind == "json":
                card_inputs, card_odd, unparsed = read_cards(values)
                inputs.update(card_inputs)
                cards.update(card_odd)
                odd.update(card_odd)
                self.stats.cards_unparsed += unparsed
            elif kind == "base_models":
                inputs[item_field] = _base_models(values)
            elif kind == "gated":
                inputs[item_field] = _gated(values)
            elif kind == "safetensors":
                inputs["safetensors.total"] = parameter_totals(values)
            else:
                inputs[item_field], rows = _value(item_field, values)
                odd.update(rows)

        def items_of(rows: list[int]) -> list[dict[str, Any]]:
            return self._items(table, rows, cards)

        batch = normalize_arrow(inputs, n, self.repo_type, self.licenses, self.anomalies, odd,
                                items_of)
        arrays = {name: batch.column(name) for name in SCHEMA.names}
        for item_field, column in (("createdAt", "created_at"),
                                   ("lastModified", "last_modified")):
            if item_field in inputs:  # the odd rows' too (the reference reads only text)
                arrays[column] = inputs[item_field]
        # `_id` as the dump has it (null stays null), else the repo id
        arrays["_id"] = inputs["_id"] if "_id" in inputs else arrays["id"]
        result = pa.RecordBatch.from_arrays([arrays[n] for n in SCHEMA.names], schema=SCHEMA)
        keep = pc.is_valid(result.column("id"))
        dropped = len(result) - pc.sum(keep).as_py() if len(result) else 0
        if dropped:
            self.anomalies.note(self.label, "id", f"{dropped} rows without an id, dropped")
            result = result.filter(keep)
        return result

    def _items(self, table: pa.Table, rows: list[int],
               cards: dict[int, Any]) -> list[dict[str, Any]]:
        """Rows as listing items, for the per-item reference (timestamps left out: the columns
        read as timestamps replace the reference's)."""
        kinds = {name: kind for name, (_cols, kind) in self.column_map.fields.items()}
        taken = pa.array(rows, pa.int64())
        fields: dict[str, list[Any]] = {}
        for item_field, column in self.plan.chosen.items():
            kind = kinds[item_field]
            values = table.column(column).combine_chunks().take(taken)
            if kind == "json":  # odd for another column: parsed again (counted once before)
                fields[item_field] = [cards[row] if row in cards else _card_of(text)
                                      for row, text in zip(rows, values.to_pylist(),
                                                           strict=True)]
            elif kind == "base_models":
                fields[item_field] = _base_models(values).to_pylist()
            elif kind == "gated":
                fields[item_field] = [False if v == "false" else v
                                      for v in _gated(values).to_pylist()]
            elif kind == "safetensors":
                fields[item_field] = [None if v is None else {"total": v}
                                      for v in parameter_totals(values).to_pylist()]
            elif kind != "timestamp":
                fields[item_field] = values.to_pylist()
        return [dict(zip(fields, row, strict=True)) for row in zip(*fields.values(), strict=True)]


_CARD = msgspec.json.Decoder(CardFields | None)


def read_cards(values: pa.Array) -> tuple[dict[str, pa.Array], dict[int, Any], int]:
    """cardData as untrusted JSON text -> the card inputs of the column rules, the rows whose
    card has keys of unexpected types (row -> the parsed card, for the reference), and how many
    cards could not be parsed (too large, not JSON). Each card is decoded on its own (texts
    joined into one document could merge or split cards), by a typed decoder that reads the
    three used keys and skips the rest."""
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        parsed = values.to_pylist()
        kept = {row: card for row, card in enumerate(parsed) if isinstance(card, dict)}
        unparsed = sum(1 for card in parsed if card is not None and not isinstance(card, dict))
        return {}, kept, unparsed
    too_large = pc.greater(pc.binary_length(values), MAX_CARD_BYTES).fill_null(False)
    unparsed = pc.sum(too_large).as_py() or 0
    texts = pc.if_else(too_large, pa.scalar(None, values.type), values).to_pylist()
    odd: dict[int, Any] = {}
    cards: list[Any] = [None] * len(texts)
    decode = _CARD.decode
    for row, text in enumerate(texts):
        if text is None:
            continue
        try:
            cards[row] = decode(text)
        except msgspec.ValidationError:  # valid JSON, but not an object of the expected types
            try:
                parsed = orjson.loads(text)
            except orjson.JSONDecodeError:
                unparsed += 1
                continue
            if isinstance(parsed, dict):
                odd[row] = parsed
        except msgspec.DecodeError:
            unparsed += 1
    return to_arrow({f"card.{key}": [None if c is None else getattr(c, key) for c in cards]
                     for key in CARD_FIELDS}), odd, unparsed


def _card_of(text: Any) -> Any:
    if isinstance(text, dict):
        return text
    if not isinstance(text, str) or len(text.encode()) > MAX_CARD_BYTES:
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return None


def _value(item_field: str, values: pa.Array) -> tuple[pa.Array, list[int]]:
    """A column of the type the rules take (cast when lossless), and the rows that are not."""
    kind = INPUT_TYPES[item_field]
    if values.type == kind:
        return values, []
    with contextlib.suppress(pa.ArrowInvalid, pa.ArrowNotImplementedError):
        if _castable(values.type, kind):
            return values.cast(kind), []
    python = values.to_pylist()
    check = CHECKS.get(item_field)
    odd = [row for row, v in enumerate(python) if check is not None and not check(v)]
    for row in odd:
        python[row] = None
    try:
        return to_arrow({item_field: python})[item_field], odd
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return pa.nulls(len(values), kind), [row for row, v in enumerate(python)
                                             if v is not None] + odd


def _castable(source: pa.DataType, target: pa.DataType) -> bool:
    if pa.types.is_int64(target):
        return pa.types.is_integer(source)
    if pa.types.is_float64(target):
        return pa.types.is_integer(source) or pa.types.is_floating(source)
    if pa.types.is_string(target):
        return pa.types.is_large_string(source)
    if pa.types.is_list(target):
        return (pa.types.is_list(source) or pa.types.is_large_list(source)) and \
            (pa.types.is_string(source.value_type) or
             pa.types.is_large_string(source.value_type))
    return False


def _base_models(values: pa.Array) -> pa.Array:
    """hub-stats' `{models: [{_id, id}], relation}` (or already a list of {id, relation}) as
    the column rules' base entries: one entry per model, with the struct's relation."""
    kind = values.type
    if pa.types.is_struct(kind) and kind.get_field_index("models") >= 0 and \
            kind.get_field_index("relation") >= 0:
        models = pc.struct_field(values, "models")
        if pa.types.is_list(models.type) and pa.types.is_struct(models.type.value_type) and \
                models.type.value_type.get_field_index("id") >= 0:
            entries = models.flatten()
            parents = pc.list_parent_indices(models)
            relation = pc.struct_field(values, "relation").cast(pa.string()).take(parents)
            ids = pc.struct_field(entries, "id").cast(pa.string())
            offsets = np.zeros(len(values) + 1, np.int32)
            np.cumsum(np.bincount(parents.to_numpy(), minlength=len(values)), out=offsets[1:])
            return pa.ListArray.from_arrays(pa.array(offsets), pa.StructArray.from_arrays(
                [ids, relation], names=["id", "relation"]))
    with contextlib.suppress(pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return values.cast(BASE_ENTRIES)
    return to_arrow({"baseModels": [_base_models_of(v) for v in values.to_pylist()]}
                    )["baseModels"]


def _base_models_of(value: Any) -> list[dict[str, Any]] | None:
    if isinstance(value, list):
        return value
    if not isinstance(value, dict) or not isinstance(value.get("models"), list):
        return None
    relation = value.get("relation")
    return [{"id": entry.get("id"), "relation": relation} for entry in value["models"]
            if isinstance(entry, dict)]


def parameter_totals(values: pa.Array) -> pa.Array:
    """hub-stats' `safetensors` struct -> its `total` (int64); null where there is none."""
    kind = values.type
    if pa.types.is_struct(kind) and kind.get_field_index("total") >= 0:
        totals = pc.struct_field(values, "total")
        if pa.types.is_integer(totals.type):
            return totals.cast(pa.int64())
    if pa.types.is_struct(kind) or pa.types.is_null(kind):
        return pa.nulls(len(values), pa.int64())
    return pa.array([parameter_total(v) for v in values.to_pylist()], pa.int64())


_GATED = pa.array(["false", "auto", "manual"])


def _gated(values: pa.Array) -> pa.Array:
    """false, "auto" or "manual", written as a boolean or as text (any case, spaces around)."""
    if pa.types.is_boolean(values.type):
        return pc.if_else(pc.equal(values, False), "false", pa.scalar(None, pa.string()))
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        lowered = clean(values.cast(pa.string()).fill_null(""), lower=True)
        return pc.if_else(pc.is_in(lowered, value_set=_GATED), lowered,
                          pa.scalar(None, pa.string()))
    return pa.nulls(len(values), pa.string())
