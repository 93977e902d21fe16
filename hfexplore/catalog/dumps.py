"""Public dump files -> normalised snapshot batches, through a data-driven column map.

`hfexplore/data/dump_columns.toml` says which dump columns may carry each field of a Hub listing
item. A row group is read with only those columns, turned back into the fields a listing item
would have (cardData parsed from untrusted JSON text, hub-stats' `baseModels` struct reshaped),
and handed to the crawl's own column-wise normaliser (`columns.normalize_columns`): every
license, lineage, format and task rule is the normaliser's, so an import and a crawl of the
same catalogue agree. Timestamps are converted here (the normaliser's rule: UTC, unparseable
-> null), because turning typed timestamps back into text would be slow and lossy.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from hfexplore.catalog.columns import normalize_columns
from hfexplore.catalog.knowledge import LicenseTable
from hfexplore.catalog.normalize import EXPAND, SCHEMA, Anomalies
from hfexplore.errors import SnapshotError

MAX_CARD_BYTES = 256 * 1024  # larger cardData text is not parsed (counted as an anomaly)
_TS = pa.timestamp("ms", tz="UTC")


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
    row_groups: int = 0
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
            self.stats.row_groups += 1
            if table.num_rows:
                batch = self._normalise(table)
                self.stats.rows += batch.num_rows
                yield batch

    def _normalise(self, table: pa.Table) -> pa.RecordBatch:
        chosen = self.plan.chosen
        kinds = {name: kind for name, (_cols, kind) in self.column_map.fields.items()}
        fields: dict[str, list[Any]] = {}
        stamps: dict[str, pa.Array] = {}
        for item_field, column in chosen.items():
            values = table.column(column).combine_chunks()
            kind = kinds[item_field]
            if kind == "timestamp":
                stamps[item_field] = _timestamps(values)
                self.stats.see_time(stamps[item_field])
            elif kind == "json":
                fields[item_field] = self._cards(values)
            elif kind == "base_models":
                fields[item_field] = [_base_models(v) for v in values.to_pylist()]
            elif kind == "gated":
                fields[item_field] = [_gated(v) for v in values.to_pylist()]
            else:
                fields[item_field] = values.to_pylist()
        batch = normalize_columns(fields, table.num_rows, self.repo_type, self.licenses,
                                  self.anomalies)
        arrays = {name: batch.column(name) for name in SCHEMA.names}
        for item_field, column in (("createdAt", "created_at"),
                                   ("lastModified", "last_modified")):
            if item_field in stamps:
                arrays[column] = stamps[item_field]
        if "_id" not in chosen:
            arrays["_id"] = arrays["id"]
        else:  # the normaliser writes a missing `_id` as the text "None"
            arrays["_id"] = pa.array(fields["_id"], pa.string())
        result = pa.RecordBatch.from_arrays([arrays[n] for n in SCHEMA.names], schema=SCHEMA)
        keep = pc.is_valid(result.column("id"))
        dropped = len(result) - pc.sum(keep).as_py() if len(result) else 0
        if dropped:
            self.anomalies.note(self.label, "id", f"{dropped} rows without an id, dropped")
            result = result.filter(keep)
        return result

    def _cards(self, values: pa.Array) -> list[Any]:
        cards: list[Any] = []
        for text in values.to_pylist():
            if text is None or isinstance(text, dict):
                cards.append(text)
            elif not isinstance(text, str) or len(text) > MAX_CARD_BYTES:
                self.stats.cards_unparsed += 1
                cards.append(None)
            else:
                try:
                    cards.append(orjson.loads(text))
                except orjson.JSONDecodeError:
                    self.stats.cards_unparsed += 1
                    cards.append(None)
        return cards


def _timestamps(values: pa.Array) -> pa.Array:
    """The normaliser's rule for timestamps (UTC; unparseable -> null) applied column-wise."""
    if pa.types.is_timestamp(values.type):
        if values.type.tz is None:
            values = pc.assume_timezone(values, "UTC")
        return values.cast(_TS, safe=False)
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        parsed = pd.to_datetime(pd.Series(values.to_pylist(), dtype="object"), utc=True,
                                errors="coerce", format="ISO8601")
        return pa.Array.from_pandas(parsed).cast(_TS, safe=False)
    return pa.nulls(len(values), _TS)


def _base_models(value: Any) -> list[dict[str, Any]] | None:
    """hub-stats' `{models: [{_id, id}], relation}` as the single-repo API's list of bases."""
    if isinstance(value, list):
        return value
    if not isinstance(value, dict) or not isinstance(value.get("models"), list):
        return None
    relation = value.get("relation")
    return [{"id": entry.get("id"), "relation": relation} for entry in value["models"]
            if isinstance(entry, dict)]


def _gated(value: Any) -> Any:
    if isinstance(value, bool):
        return False if value is False else None
    if isinstance(value, str):
        lowered = value.strip().lower()
        return False if lowered == "false" else lowered if lowered in ("auto", "manual") \
            else None
    return None
