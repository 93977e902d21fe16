"""Public catalogue dumps, generated from a stand-in catalogue, in each known schema era.

`cfahlgren1/hub-stats` writes one parquet file per repo type from the listing API; its schema
drifted (HUB_API.md, "Public dumps"). The eras simulated here, each a column set and types:

- `2024-07`: models carry `modelId` (and no `id`), timestamps are ISO strings, no
  `trendingScore`, `downloadsAllTime` or `baseModels`; datasets have no `cardData`; spaces
  only `id`, `createdAt`, `tags`, `sdk`.
- `2025-02`: models `id`, `author`, timestamps as `timestamp[us, UTC]`, `downloadsAllTime`,
  `trendingScore`, `cardData` (a JSON string), `baseModels` (struct of `models` list and
  `relation`), `safetensors` (struct, the item's own), `config` and `transformersInfo` (JSON
  strings), `siblings` (list of structs); datasets gain `cardData`, `trendingScore`,
  `downloadsAllTime`; spaces gain `author`, `likes`, `lastModified`, `cardData`.
- `2026-10`: timestamps as `timestamp[ns, UTC]`, models gain `inferenceProviderMapping`,
  datasets `mainSize`. Never a `gated`, `private` or `sha` column for models.

Datasets' `gated` is written as text ("False", "auto", "manual"), as a dump built through
pandas from mixed JSON values would be. Every value comes from the catalogue's own item (the
one its listing serves), so an import and a crawl of the same catalogue can be compared.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tests.hubsim.catalog import Catalog
from tests.hubsim.files import FileStore

ERAS = ("2024-07", "2025-02", "2026-10")
HUB_STATS = "cfahlgren1/hub-stats"
WEEKLY = "hfmlsoc/hub_weekly_snapshots"
PLURAL = {"model": "models", "dataset": "datasets", "space": "spaces"}

_BASE_MODELS = pa.struct([("models", pa.list_(pa.struct([("_id", pa.string()),
                                                          ("id", pa.string())]))),
                          ("relation", pa.string())])
_SAFETENSORS = pa.struct([("parameters", pa.map_(pa.string(), pa.int64())),
                          ("total", pa.int64())])
_SIBLINGS = pa.list_(pa.struct([("rfilename", pa.string())]))
_PROVIDERS = pa.list_(pa.struct([("provider", pa.string()), ("status", pa.string())]))
RELATIONS = ("finetune", "adapter", "quantized", "merge")


def columns_of(repo_type: str, era: str) -> list[str]:
    """The dump's columns in one era, in file order."""
    if era not in ERAS:
        raise ValueError(f"unknown era {era!r}; expected one of {ERAS}")
    late = era != "2024-07"
    if repo_type == "model":
        names = ["modelId", "author", "createdAt", "lastModified", "downloads", "likes",
                 "tags", "pipeline_tag", "library_name", "cardData", "config", "siblings"]
        if late:
            names[0] = "id"
            names += ["downloadsAllTime", "trendingScore", "baseModels", "safetensors",
                      "transformersInfo"]
        if era == "2026-10":
            names.append("inferenceProviderMapping")
        return names
    if repo_type == "dataset":
        names = ["_id", "id", "author", "createdAt", "lastModified", "tags", "likes",
                 "downloads", "sha", "description", "citation", "paperswithcode_id", "gated",
                 "disabled", "private"]
        if late:
            names += ["downloadsAllTime", "trendingScore", "cardData"]
        if era == "2026-10":
            names.append("mainSize")
        return names
    names = ["id", "createdAt", "tags", "sdk"]
    return [*names, "author", "likes", "lastModified", "cardData", "trendingScore"] if late \
        else names


def dump_table(items: Sequence[dict[str, Any]], repo_type: str, era: str,
               drop: Iterable[str] = ()) -> pa.Table:
    """One chunk of a dump: the items' fields in the era's columns and types."""
    dropped = set(drop)
    arrays: dict[str, pa.Array] = {}
    for name in columns_of(repo_type, era):
        if name not in dropped:
            arrays[name] = _column(name, items, repo_type, era)
    return pa.table(arrays)


def _column(name: str, items: Sequence[dict[str, Any]], repo_type: str, era: str) -> pa.Array:
    if name == "modelId":
        return pa.array([item["id"] for item in items], pa.string())
    if name in ("createdAt", "lastModified"):
        texts = [item.get(name) for item in items]
        if era == "2024-07":
            return pa.array(texts, pa.string())
        unit = "ns" if era == "2026-10" else "us"
        parsed = pd.to_datetime(pd.Series(texts, dtype="object"), utc=True, errors="coerce",
                                format="ISO8601")
        return pa.Array.from_pandas(parsed).cast(pa.timestamp(unit, tz="UTC"))
    if name in ("downloads", "likes", "downloadsAllTime", "mainSize"):
        return pa.array([_int_or_none(item.get(name)) for item in items], pa.int64())
    if name == "trendingScore":
        return pa.array([_int_or_none(item.get(name)) for item in items], pa.float64())
    if name == "tags":
        return pa.array([item.get("tags") for item in items], pa.list_(pa.string()))
    if name in ("disabled", "private"):
        return pa.array([item.get(name) if isinstance(item.get(name), bool) else None
                         for item in items], pa.bool_())
    if name == "gated":
        return pa.array([None if item.get(name) is None else str(item.get(name))
                         for item in items], pa.string())
    if name == "cardData":
        return pa.array([orjson.dumps(item["cardData"]).decode() if "cardData" in item
                         else None for item in items], pa.string())
    if name == "baseModels":
        return pa.array([_base_models(item) for item in items], _BASE_MODELS)
    if name == "safetensors":
        return pa.array([_safetensors(item) for item in items], _SAFETENSORS)
    if name == "siblings":
        return pa.array([_siblings(item, repo_type) for item in items], _SIBLINGS)
    if name == "config":
        return pa.array([_config(item) for item in items], pa.string())
    if name == "transformersInfo":
        return pa.array([orjson.dumps({"auto_model": "AutoModel", "processor": "AutoTokenizer",
                                       "pipeline_tag": item.get("pipeline_tag")}).decode()
                         if item.get("library_name") == "transformers" else None
                         for item in items], pa.string())
    if name == "inferenceProviderMapping":
        return pa.array([[{"provider": "hf-inference", "status": "live"}]
                         if int(_digest(item)[:2], 16) < 8 else [] for item in items],
                        _PROVIDERS)
    return pa.array([item.get(name) if isinstance(item.get(name), str) else None
                     for item in items], pa.string())


def _int_or_none(value: Any) -> int | None:
    return value if type(value) is int else None


def _digest(item: dict[str, Any]) -> str:
    return hashlib.md5(str(item.get("id")).encode()).hexdigest()


def _base_models(item: dict[str, Any]) -> dict[str, Any] | None:
    """The single-repo `baseModels` field, consistent with the item's `base_model:` tags."""
    bases: list[str] = []
    relation = None
    for tag in item.get("tags") or ():
        if not tag.startswith("base_model:"):
            continue
        head, _, tail = tag[11:].partition(":")
        if tail and head in RELATIONS:
            relation = relation or head
            base = tail
        else:
            base = tag[11:]
        if base and base not in bases:
            bases.append(base)
    if not bases:
        return None
    return {"models": [{"_id": hashlib.sha1(b.encode()).hexdigest()[:24], "id": b}
                       for b in bases], "relation": relation}


def _safetensors(item: dict[str, Any]) -> dict[str, Any] | None:
    """The item's own `safetensors` field (recorded items have none)."""
    found = item.get("safetensors")
    if not isinstance(found, dict):
        return None
    return {"parameters": list((found.get("parameters") or {}).items()),
            "total": found.get("total")}


def _siblings(item: dict[str, Any], repo_type: str) -> list[dict[str, str]]:
    names = [".gitattributes", "README.md"]
    if repo_type == "model":
        digest = _digest(item)
        shards = 1 + int(digest[0], 16) % 8
        stem = str(item.get("id", "")).rsplit("/", 1)[-1]
        names += ["config.json", "tokenizer.json", "tokenizer_config.json",
                  "special_tokens_map.json", "generation_config.json"]
        names += [f"model-{k:05d}-of-{shards:05d}.safetensors" for k in range(1, shards + 1)]
        if "gguf" in (item.get("tags") or ()):
            names += [f"{stem}.{q}.gguf" for q in ("Q2_K", "Q4_K_M", "Q5_K_M", "Q8_0")]
        names += [f"runs/{digest[i:i + 12]}/events.out.tfevents" for i in range(0, 24, 12)]
    return [{"rfilename": n} for n in names]


def _config(item: dict[str, Any]) -> str | None:
    """A config as the listing's `config` field carries it: architecture, tokenizer settings
    with a chat template, and per-repo values (large, and what an import never needs)."""
    if not item.get("library_name"):
        return None
    digest = _digest(item)
    commit = hashlib.sha1(digest.encode()).hexdigest()
    template = " ".join(f"{{{{ m['{digest[i:i + 6]}'] }}}}" for i in range(0, 30, 3))
    return orjson.dumps({
        "architectures": [f"Arch{digest[:4]}ForCausalLM"], "model_type": f"type{digest[4:6]}",
        "_commit_hash": commit, "_name_or_path": item.get("id"),
        "tokenizer_config": {"bos_token": "<s>", "eos_token": "</s>", "pad_token": None,
                             "chat_template": "{% for m in messages %}" + template +
                                              "{% endfor %}"},
        "hidden_size": int(digest[6:9], 16), "num_hidden_layers": int(digest[9], 16) + 1,
        "vocab_size": int(digest[10:15], 16), "rope_theta": int(digest[15:20], 16) / 7,
        "transformers_version": f"4.{int(digest[20:22], 16) % 50}.0",
    }).decode()


def catalog_items(catalog: Catalog, chunk: int) -> Iterator[list[dict[str, Any]]]:
    """The catalogue's served repos as full items, `chunk` at a time, in catalogue order."""
    alive = np.flatnonzero(catalog.alive)
    for start in range(0, len(alive), chunk):
        yield [catalog.item(int(i)) for i in alive[start:start + chunk]]


def write_dump(catalog: Catalog, era: str, path: Path, *, row_group_size: int = 100_000,
               drop: Iterable[str] = ()) -> Path:
    """One dump file of a catalogue, written chunk by chunk in `row_group_size` row groups."""
    drop = tuple(drop)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer: pq.ParquetWriter | None = None
    try:
        for items in catalog_items(catalog, row_group_size):
            table = dump_table(items, catalog.repo_type, era, drop)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema, compression="zstd")
            writer.write_table(table.cast(writer.schema), row_group_size=row_group_size)
        if writer is None:  # an empty catalogue still makes a valid, empty file
            writer = pq.ParquetWriter(path, dump_table([], catalog.repo_type, era, drop).schema)
    finally:
        if writer is not None:
            writer.close()
    return path


def hub_stats_repo(store: FileStore, catalogs: dict[str, Catalog], era: str, workdir: Path, *,
                   repo: str = HUB_STATS, row_group_size: int = 100_000) -> dict[str, Path]:
    """`models.parquet`, `datasets.parquet`, `spaces.parquet` on `main`, and the converted
    copy on `refs/convert/parquet` (`models/train/0000.parquet`...)."""
    written: dict[str, Path] = {}
    for repo_type, catalog in catalogs.items():
        plural = PLURAL[repo_type]
        path = write_dump(catalog, era, workdir / f"{era}-{plural}.parquet",
                          row_group_size=row_group_size)
        store.add(repo, f"{plural}.parquet", path)
        store.add(repo, f"{plural}/train/0000.parquet", path, revision="refs/convert/parquet")
        written[repo_type] = path
    store.add(repo, "README.md", b"---\nlicense: apache-2.0\n---\n# Hub stats\n", lfs=False)
    return written


def weekly_repo(store: FileStore, weeks: dict[str, dict[str, Catalog]], era: str,
                workdir: Path, *, repo: str = WEEKLY,
                row_group_size: int = 100_000) -> dict[tuple[str, str], Path]:
    """`{models,datasets,spaces}/<YYYY-MM-DD>/<name>.parquet`, one folder per date."""
    written: dict[tuple[str, str], Path] = {}
    for day, catalogs in weeks.items():
        for repo_type, catalog in catalogs.items():
            plural = PLURAL[repo_type]
            path = write_dump(catalog, era, workdir / day / f"{plural}.parquet",
                              row_group_size=row_group_size)
            store.add(repo, f"{plural}/{day}/{plural}.parquet", path)
            written[(day, repo_type)] = path
    store.add(repo, "README.md", b"---\nlicense: odbl\n---\n# Weekly snapshots\n", lfs=False)
    return written
