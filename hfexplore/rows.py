"""A light table: column names, a kind per column, and rows as tuples of plain Python values.

Reports carry their tables as `Rows`, straight from DuckDB (`Rows.from_relation`), so the
formats render them without pandas: a report command imports neither pandas nor pyarrow. The
Python API still gives pandas DataFrames (`Report.rows`), converted when asked for
(`Rows.frame`); a DataFrame given to a report is turned into `Rows` only when a format needs it
(`Rows.of`).

A column's kind is what the formats need to know: `int`, `float`, `bool`, `text`, `time` or
`other` (lists, structs, bytes...). Missing values are None.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

KINDS = ("int", "float", "bool", "text", "time", "other")
_INTEGERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
             "UINTEGER", "UBIGINT", "UHUGEINT")


@dataclass(frozen=True)
class Rows:
    """A table: `columns` (names, duplicates allowed), `kinds` (one per column) and `data`."""

    columns: tuple[str, ...]
    data: list[tuple[Any, ...]]
    kinds: tuple[str, ...]
    # pandas dtypes for `frame` where the kind alone does not say (DuckDB's sums: Int64).
    dtypes: tuple[str | None, ...] = field(default=(), compare=False)

    @classmethod
    def of(cls, table: Rows | pd.DataFrame) -> Rows:
        """`table` as Rows (a DataFrame is converted, Rows returned as they are)."""
        return table if isinstance(table, Rows) else cls.from_frame(table)

    @classmethod
    def build(cls, columns: Sequence[str], data: Iterable[Sequence[Any]],
              kinds: Sequence[str] | None = None) -> Rows:
        """Rows from Python values; kinds worked out from the values where not given."""
        rows = [tuple(row) for row in data]
        if kinds is None:
            kinds = [_kind_of(row[i] for row in rows) for i in range(len(columns))]
        return cls(tuple(columns), rows, tuple(kinds))

    @classmethod
    def from_relation(cls, relation: duckdb.DuckDBPyRelation) -> Rows:
        """A DuckDB query's result: whole-number decimals (DuckDB's sums of integers) as
        integers, other decimals as floats."""
        types = [str(t) for t in relation.types]
        columns = tuple(relation.columns)
        data = relation.fetchall()
        kinds = tuple(_duckdb_kind(t) for t in types)
        decimals = [i for i, t in enumerate(types) if t.startswith("DECIMAL")]
        if decimals:
            data = [tuple(_number(v) if i in decimals else v for i, v in enumerate(row))
                    for row in data]
        wide = tuple("Int64" if t in ("HUGEINT", "UHUGEINT") or (t.startswith("DECIMAL") and
                     t.endswith(",0)")) else None for t in types)
        return cls(columns, data, kinds, wide)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Rows:
        """A DataFrame's values as plain Python (NaN, NA and NaT as None)."""
        kinds = tuple(_dtype_kind(frame[c] if frame.columns.is_unique else frame.iloc[:, i])
                      for i, c in enumerate(frame.columns))
        columns = [frame.iloc[:, i].tolist() for i in range(frame.shape[1])]
        data = [tuple(_python(v) for v in row) for row in zip(*columns, strict=True)] \
            if columns else [() for _ in range(len(frame))]
        return cls(tuple(str(c) for c in frame.columns), data, kinds)

    # -- reading ------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.data)

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.data)

    @property
    def empty(self) -> bool:
        return not self.data

    def column(self, name: str) -> list[Any]:
        at = self.columns.index(name)
        return [row[at] for row in self.data]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.data]

    def head(self, count: int) -> Rows:
        """The first `count` rows (all for 0 or less)."""
        return self if count <= 0 else Rows(self.columns, self.data[:count], self.kinds,
                                            self.dtypes)

    def select(self, names: Sequence[str]) -> Rows:
        at = [self.columns.index(n) for n in names]
        return Rows(tuple(names), [tuple(row[i] for i in at) for row in self.data],
                    tuple(self.kinds[i] for i in at),
                    tuple(self.dtypes[i] for i in at) if self.dtypes else ())

    def frame(self) -> pd.DataFrame:
        """As a pandas DataFrame: integers as int64 (Int64 with missing values), floats as
        float64, times as datetime64, the rest as objects."""
        import pandas as pd

        series = []
        for index, (name, kind) in enumerate(zip(self.columns, self.kinds, strict=True)):
            values = [row[index] for row in self.data]
            missing = any(v is None for v in values)
            if self.dtypes and self.dtypes[index]:
                dtype: Any = self.dtypes[index]
            elif kind == "int":
                dtype = "Int64" if missing else "int64"
            elif kind == "float":
                dtype = "float64"
            elif kind == "bool" and not missing:
                dtype = "bool"
            elif kind == "time" and values and all(hasattr(v, "hour") or v is None
                                                   for v in values):
                series.append(pd.Series(pd.to_datetime(values), name=name))
                continue
            else:
                dtype = object
                if kind == "text" and missing:  # as pyarrow and DuckDB give text to pandas
                    values = [math.nan if v is None else v for v in values]
            series.append(pd.Series(values, dtype=dtype, name=name))
        if not series:
            return pd.DataFrame(index=pd.RangeIndex(len(self.data)))
        frame = pd.concat(series, axis=1)
        frame.columns = list(self.columns)
        return frame


def _python(value: Any) -> Any:
    if hasattr(value, "tolist") and not isinstance(value, str):  # numpy arrays and scalars
        value = value.tolist()
    if isinstance(value, float) and math.isnan(value):
        return None
    if type(value).__name__ in ("NAType", "NaTType"):
        return None
    if type(value).__name__ == "Timestamp":
        return value.to_pydatetime()
    return value


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and \
            value.as_tuple().exponent == 0 else float(value)
    return value


def _duckdb_kind(type_name: str) -> str:
    if type_name in _INTEGERS:
        return "int"
    if type_name.startswith("DECIMAL"):
        return "int" if type_name.endswith(",0)") else "float"
    if type_name in ("FLOAT", "DOUBLE", "REAL"):
        return "float"
    if type_name == "BOOLEAN":
        return "bool"
    if type_name == "VARCHAR":
        return "text"
    if type_name.startswith(("TIMESTAMP", "DATE", "TIME")):
        return "time"
    return "other"


def _dtype_kind(series: pd.Series) -> str:
    kind = series.dtype.kind
    return {"i": "int", "u": "int", "f": "float", "b": "bool", "M": "time"}.get(kind, "other")


def _kind_of(values: Iterable[Any]) -> str:
    found = {type(v) for v in values if v is not None}
    if not found:
        return "other"
    if found == {bool}:
        return "bool"
    if found <= {int}:
        return "int"
    if found <= {int, float}:
        return "float"
    if found == {str}:
        return "text"
    return "other"
