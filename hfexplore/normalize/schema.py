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
- `license_category`: by the multi-license policy (`knowledge/licenses.py`): the most restrictive
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
- `num_parameters`: the model's parameter count, `safetensors.total` (the Hub counts the tensors
  of its safetensors files); null where the repo has no safetensors weights, the listing was not
  expanded with `safetensors`, or the value is not a non-negative whole number.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

    SCHEMA: pa.Schema

SCHEMA_VERSION = 3
RELATIONS = ("finetune", "adapter", "quantized", "merge")
FORMAT_NAMES = ("gguf", "mlx", "onnx", "safetensors", "gptq", "awq", "exl2", "openvino",
                "coreml", "tflite")


def __getattr__(name: str) -> Any:
    # `SCHEMA` is built when first asked for: a report reads the schema version and the
    # relation names, and needs no pyarrow for them.
    if name == "SCHEMA":
        return _schema()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def _schema() -> pa.Schema:
    import pyarrow as pa

    stamp = pa.timestamp("ms", tz="UTC")
    strings = pa.list_(pa.string())
    return pa.schema([
        ("id", pa.string()), ("_id", pa.string()), ("author", pa.string()),
        ("created_at", stamp), ("last_modified", stamp),
        ("downloads", pa.int64()), ("downloads_all_time", pa.int64()), ("likes", pa.int64()),
        ("trending_score", pa.float64()),
        ("library_name", pa.string()), ("pipeline_tag", pa.string()),
        ("license", pa.string()), ("license_name", pa.string()), ("licenses", strings),
        ("license_category", pa.string()),
        ("gated", pa.string()), ("private", pa.bool_()), ("disabled", pa.bool_()),
        ("base_models", strings), ("base_relation", pa.string()), ("formats", strings),
        ("tags", strings), ("sdk", pa.string()),
        ("base_relations", strings), ("libraries", strings), ("tasks", strings),
        ("num_parameters", pa.int64()),
    ])


# Columns added after schema version 1: readers of older snapshots derive them (store/upgrade.py).
ADDED_IN_V2 = ("base_relations", "libraries", "tasks")
# Added in version 3: null in older snapshots (their crawls did not ask for it).
ADDED_IN_V3 = ("num_parameters",)

# What each repo type's listing must expand for these columns (`expand` returns nothing else).
EXPAND = {
    "model": ("author", "cardData", "createdAt", "disabled", "downloads", "downloadsAllTime",
              "gated", "lastModified", "library_name", "likes", "pipeline_tag", "private",
              "safetensors", "tags", "trendingScore"),
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


# Columns an older file (schema version 2) can only give as nulls, with their SQL type.
NULL_COLUMNS_SQL = {"num_parameters": "BIGINT"}


def null_columns_sql(available: list[str]) -> str:
    """`, NULL::T AS name` for each null-only column a version-2 file lacks (its view adds them
    without reading the file into memory)."""
    return "".join(f", NULL::{kind} AS {name}" for name, kind in NULL_COLUMNS_SQL.items()
                   if name not in available)
