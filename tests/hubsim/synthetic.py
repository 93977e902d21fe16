"""A synthetic catalogue of any size whose distributions follow the real Hub data.

Every column is generated at once with numpy from a seed (a few dozen bytes per repo: 3.2 M
models take about 150 MB); an item's JSON is built only when a page asks for it. Frequencies
of licenses, libraries, tasks, authors, downloads and likes come from `distributions.json`
(derived from the real 2024 listings). Where 2024 data says nothing, the choices are stated:
the creation curve follows the public milestones in HUB_API.md (1 M models 2024-09-25, 2 M
2025-08, 3 M 2026-08-18), 28% of models name a base model (HUB_API.md, 2025) and 70% of those
use the newer `base_model:<relation>:<repo>` tag form.

Generations: generation 0 is the catalogue as generated; each further generation is one day
later, adds about `churn` x n repos, deletes churn/4, re-licenses churn/2 and changes the
downloads of churn x 5 of them. `changes(g)` reports exactly what generation g changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from tests.hubsim.catalog import DEFAULT_FIELDS, Catalog, iso_ms

DISTRIBUTIONS = json.loads((Path(__file__).parent / "distributions.json").read_text())
DAY_MS = 86_400_000
GENERATION0 = datetime(2026, 11, 22, tzinfo=UTC)

# (date, share of today's total) for models, from the milestones in HUB_API.md.
MODEL_CURVE = [("2022-03-02", 0.012), ("2023-01-01", 0.05), ("2024-01-01", 0.17),
               ("2024-07-11", 0.24), ("2024-09-25", 1 / 3.2), ("2025-08-15", 2 / 3.2),
               ("2026-08-18", 3 / 3.2), ("2026-10-03", 3.117871 / 3.2), ("2026-11-22", 1.0)]
OTHER_CURVE = [("2020-06-01", 0.0), ("2023-01-01", 0.08), ("2024-07-09", 0.3),
               ("2025-08-15", 0.65), ("2026-11-22", 1.0)]

ORG_LICENSES = {  # what the big organisations actually publish under
    "meta-llama": ["llama2", "llama3", "llama3.1", "llama3.2", "llama3.3", "llama4"],
    "facebook": ["cc-by-nc-4.0", "mit", "apache-2.0", "fair-noncommercial-research-license"],
    "mistralai": ["apache-2.0", "apache-2.0", "other"],
    "google": ["gemma", "apache-2.0", "apache-2.0"],
    "Qwen": ["apache-2.0", "apache-2.0", "other"],
    "deepseek-ai": ["mit", "other"],
    "microsoft": ["mit", "mit", "apache-2.0"],
    "nvidia": ["other", "apache-2.0", "cc-by-4.0"],
}
FLAGSHIP_BASES = [
    "meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Meta-Llama-3-8B", "meta-llama/Llama-2-7b-hf",
    "meta-llama/Llama-3.2-1B", "mistralai/Mistral-7B-v0.1", "mistralai/Mistral-7B-Instruct-v0.2",
    "Qwen/Qwen2.5-7B-Instruct", "Qwen/Qwen3-8B", "google/gemma-2-9b",
    "google-bert/bert-base-uncased",
    "deepseek-ai/DeepSeek-R1", "microsoft/phi-2", "stabilityai/stable-diffusion-xl-base-1.0",
    "openai/whisper-large-v3", "black-forest-labs/FLUX.1-dev",
]
RELATIONS = ["", "finetune", "adapter", "quantized", "merge"]
RELATION_WEIGHTS = [0.30, 0.70 * 0.45, 0.70 * 0.20, 0.70 * 0.25, 0.70 * 0.10]
FORMATS = ["", "gguf", "mlx", "onnx", "gptq", "awq"]
SPACE_SDKS = {"gradio": 57, "docker": 56, "static": 10}  # the 123 real Space samples of 2026
SPACE_LICENSES = {"": 84, "mit": 30, "apache-2.0": 7, "cc-by-4.0": 1, "gpl-3.0": 1}
SPACE_STAGES = ["SLEEPING", "RUNNING", "PAUSED", "RUNTIME_ERROR"]


def _day_ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def _weights(counts: dict[str, int | float]) -> tuple[list[str], np.ndarray]:
    names = list(counts)
    weights = np.array([float(counts[k]) for k in names])
    return names, weights / weights.sum()


def _from_quantiles(rng: np.random.Generator, quantiles: list[float], values: list[float],
                    size: int) -> np.ndarray:
    """Sample a heavy-tailed count by interpolating its quantile function in log space."""
    u = rng.random(size)
    logs = np.log1p(np.array(values))
    return np.expm1(np.interp(u, quantiles, logs)).astype(np.int64)


@dataclass
class Changes:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    relicensed: dict[str, tuple[str, str]] = field(default_factory=dict)
    downloads_changed: list[str] = field(default_factory=list)


class SyntheticCatalog(Catalog):
    def __init__(self, repo_type: str, n: int, *, seed: int = 0, generation: int = 0,
                 churn: float = 0.01):
        self.repo_type = repo_type
        self.seed = seed
        self.base_n = n
        self.churn = churn
        self.generation = generation
        self.per_generation = max(1, int(n * churn)) if n else 0
        total = n + generation * self.per_generation
        rng = np.random.default_rng([seed, {"model": 1, "dataset": 2, "space": 3}[repo_type]])
        self._generate(rng, n, total)
        self._history: list[Changes] = [Changes()]
        for g in range(1, generation + 1):
            self._history.append(self._mutate(g))

    # -- generation ---------------------------------------------------------------------------
    def _generate(self, rng: np.random.Generator, n: int, total: int) -> None:
        """The base block from `rng`, then one block per generation from its own seed, so that
        a later generation never changes the repos an earlier one already had."""
        kind = self.repo_type
        self.dist = DISTRIBUTIONS["dataset" if kind == "space" else kind]
        self._setup_vocabularies()
        curve = MODEL_CURVE if kind == "model" else OTHER_CURVE
        xs = [share for _, share in curve]
        ys = [_day_ms(day) for day, _ in curve]
        position = (np.arange(n, dtype=np.float64) + 0.5) / max(n, 1)
        blocks = [self._block(rng, np.interp(position, xs, ys).astype(np.int64))]
        start0 = int(GENERATION0.timestamp() * 1000)
        step = DAY_MS // max(self.per_generation, 1)
        for g in range(1, (total - n) // max(self.per_generation, 1) + 1):
            created = start0 + (g - 1) * DAY_MS + np.arange(self.per_generation) * step
            kind_code = {"model": 1, "dataset": 2, "space": 3}[kind]
            blocks.append(self._block(np.random.default_rng([self.seed, kind_code, g]),
                                      created.astype(np.int64)))
        for name in blocks[0]:
            setattr(self, name, np.concatenate([b[name] for b in blocks]))
        self.ids = np.array([f"{c // 1000:08x}{i:016x}".encode() for i, c in
                             enumerate(self.created.tolist())], dtype="S24")
        self.id_rank = np.arange(total, dtype=np.int64)  # ids grow with the index by design
        self.alive = np.zeros(total, dtype=bool)
        self.alive[:n] = True

    def _setup_vocabularies(self) -> None:
        kind, dist = self.repo_type, self.dist
        top = dict(dist["top_authors"])
        for org, count in dist.get("named_orgs", {}).items():
            top[org] = max(top.get(org, 0), count * 4, 40)  # the big labs grew since 2024
        self.head_names, self.head_weights = _weights(top)
        self.head_share = min(0.6, sum(top.values()) / dist["records"])
        self.tail_size = max(1, int(self.base_n * dist["distinct_authors"] / dist["records"]))
        lic_names, self.license_weights = _weights(SPACE_LICENSES if kind == "space"
                                                   else dist["licenses"])
        self.base_licenses = len(lic_names)
        self.license_names = lic_names + sorted({x for v in ORG_LICENSES.values() for x in v}
                                                - set(lic_names))
        if kind == "model":
            self.library_names, self.library_weights = _weights(dist["libraries"])
        elif kind == "space":
            self.library_names, self.library_weights = _weights(SPACE_SDKS)
        else:
            self.library_names, self.library_weights = [""], np.array([1.0])
        self.task_names, self.task_weights = _weights(dist["tasks"])

    def _block(self, rng: np.random.Generator, created: np.ndarray) -> dict[str, np.ndarray]:
        size = len(created)
        dist = self.dist
        in_head = rng.random(size) < self.head_share
        authors = np.empty(size, dtype=np.int32)
        authors[in_head] = rng.choice(len(self.head_names), size=in_head.sum(),
                                      p=self.head_weights)
        authors[~in_head] = len(self.head_names) + \
            rng.zipf(1.3, size=(~in_head).sum()) % self.tail_size
        licenses = rng.choice(self.base_licenses, size=size, p=self.license_weights)
        licenses = licenses.astype(np.int16)
        for org, names in ORG_LICENSES.items():
            if org in self.head_names:
                rows = np.flatnonzero(authors == self.head_names.index(org))
                codes = np.array([self.license_names.index(x) for x in names])
                licenses[rows] = codes[rng.choice(len(names), size=len(rows))]
        quantiles = dist["quantiles"]
        likes = _from_quantiles(rng, quantiles, dist["likes_quantiles"], size)
        start0 = int(GENERATION0.timestamp() * 1000)
        block = {
            "created": created,
            "author_codes": authors,
            "license_codes": licenses,
            "library_codes": rng.choice(len(self.library_names), size=size,
                                        p=self.library_weights).astype(np.int16),
            "task_codes": rng.choice(len(self.task_names), size=size,
                                     p=self.task_weights).astype(np.int16),
            "downloads": _from_quantiles(rng, quantiles, dist["downloads_quantiles"], size),
            "likes": likes,
            "trending": (likes // 50).astype(np.int64),
            "modified": created + (rng.random(size) * np.maximum(start0 - created, 0)
                                   ).astype(np.int64),
            "gated": rng.choice(3, size=size, p=[0.973, 0.015, 0.012]).astype(np.int8),
            "base": np.full(size, -1, dtype=np.int32),
            "relation": np.zeros(size, dtype=np.int8),
            "fmt": np.zeros(size, dtype=np.int8),
            "sdk_stage": rng.integers(0, len(SPACE_STAGES), size=size).astype(np.int8),
        }
        if self.repo_type == "model":
            has_base = rng.random(size) < 0.28
            block["base"][has_base] = rng.integers(0, len(FLAGSHIP_BASES) + 2000,
                                                   size=has_base.sum())
            block["relation"][has_base] = rng.choice(len(RELATIONS), size=has_base.sum(),
                                                     p=RELATION_WEIGHTS)
            fmt_w = np.array([dist["formats"].get(f, 0) for f in FORMATS[1:]], dtype=float)
            fmt_w = fmt_w / dist["records"]
            block["fmt"] = rng.choice(len(FORMATS), size=size,
                                      p=[1 - fmt_w.sum(), *fmt_w]).astype(np.int8)
            block["fmt"][block["relation"] == RELATIONS.index("quantized")] = FORMATS.index("gguf")
        return block

    def author_name(self, code: int) -> str:
        head = len(self.head_names)
        return self.head_names[code] if code < head else f"user{code - head:07d}"

    def _mutate(self, generation: int) -> Changes:
        rng = np.random.default_rng([self.seed, 1000 + generation])
        changes = Changes()
        start = self.base_n + (generation - 1) * self.per_generation
        new = np.arange(start, start + self.per_generation)
        self.alive[new] = True
        changes.added = [self.repo_id(i) for i in new.tolist()]
        when = int(GENERATION0.timestamp() * 1000) + (generation - 1) * DAY_MS + DAY_MS // 2
        existing = np.flatnonzero(self.alive[:start])
        k = max(1, self.per_generation // 4)
        removed = rng.choice(existing, size=min(k, len(existing)), replace=False)
        self.alive[removed] = False
        changes.removed = [self.repo_id(i) for i in removed.tolist()]
        existing = np.flatnonzero(self.alive[:start])
        relicense = rng.choice(existing, size=min(max(1, self.per_generation // 2),
                                                  len(existing)), replace=False)
        for i in relicense.tolist():
            before = self.license_names[self.license_codes[i]]
            code = (int(self.license_codes[i]) + 1 + int(rng.integers(0, 5))) % len(
                self.license_names)
            self.license_codes[i] = code
            self.modified[i] = when
            changes.relicensed[self.repo_id(i)] = (before, self.license_names[code])
        moved = rng.choice(existing, size=min(self.per_generation * 5, len(existing)),
                           replace=False)
        self.downloads[moved] = self.downloads[moved] * 2 + 10
        changes.downloads_changed = [self.repo_id(i) for i in moved.tolist()]
        return changes

    def changes(self, generation: int) -> Changes:
        return self._history[generation]

    # -- what the server asks -----------------------------------------------------------------
    def repo_id(self, i: int) -> str:
        author = self.author_name(int(self.author_codes[i]))
        word = {"model": "model", "dataset": "data", "space": "app"}[self.repo_type]
        return f"{author}/{word}-{i:07d}"

    def sort_values(self, field: str | None) -> np.ndarray:
        return {"createdAt": self.created, "downloads": self.downloads, "likes": self.likes,
                "lastModified": self.modified, "trendingScore": self.trending,
                None: self.id_rank}[field]

    def author_mask(self, author: str) -> np.ndarray:
        if author in self.head_names:
            return self.author_codes == self.head_names.index(author)
        if author.startswith("user") and author[4:].isdigit() and len(author) == 11:
            return self.author_codes == len(self.head_names) + int(author[4:])
        return np.zeros(len(self.ids), dtype=bool)

    def pipeline_mask(self, task: str) -> np.ndarray:
        if self.repo_type != "model" or not task or task not in self.task_names:
            return np.zeros(len(self.ids), dtype=bool)
        return self.task_codes == self.task_names.index(task)

    def library_mask(self, library: str) -> np.ndarray:
        if self.repo_type != "model" or not library or library not in self.library_names:
            return np.zeros(len(self.ids), dtype=bool)
        return self.library_codes == self.library_names.index(library)

    def search_mask(self, text: str) -> np.ndarray:
        needle = text.lower()
        return np.fromiter((needle in self.repo_id(i).lower() for i in range(len(self.ids))),
                           dtype=bool, count=len(self.ids))

    def tag_mask(self, tag: str) -> np.ndarray:
        none = np.zeros(len(self.ids), dtype=bool)
        if tag.startswith("license:"):
            name = tag[8:]
            return self.license_codes == self.license_names.index(name) if name and \
                name in self.license_names else none
        if self.repo_type == "model":
            if tag in self.library_names and tag:
                return self.library_codes == self.library_names.index(tag)
            if tag in FORMATS and tag:
                return self.fmt == FORMATS.index(tag)
            if tag in self.task_names and tag:
                return self.task_codes == self.task_names.index(tag)
        if self.repo_type == "dataset" and tag.startswith("task_categories:"):
            name = tag[16:]
            return self.task_codes == self.task_names.index(name) if name in self.task_names \
                else none
        if self.repo_type == "space" and tag in self.library_names:
            return self.library_codes == self.library_names.index(tag)
        if tag == "region:us":
            return ~none
        # Anything else: build the tags of every item (slow, but rare and exact).
        return np.fromiter((tag in self._tags(i) for i in range(len(self.ids))), dtype=bool,
                           count=len(self.ids))

    def _base_repo(self, i: int) -> str | None:
        b = int(self.base[i])
        if b < 0:
            return None
        if b < len(FLAGSHIP_BASES):
            return FLAGSHIP_BASES[b]
        target = (i * 7919 + b) % max(i, 1)  # an earlier repo of the same catalogue
        return self.repo_id(target)

    def _tags(self, i: int) -> list[str]:
        kind = self.repo_type
        license_name = self.license_names[self.license_codes[i]]
        tags: list[str] = []
        if kind == "model":
            library = self.library_names[self.library_codes[i]]
            if library:
                tags.append(library)
            fmt = FORMATS[self.fmt[i]]
            if fmt:
                tags.append(fmt)
            if library in ("transformers", "diffusers", "sentence-transformers"):
                tags.append("safetensors")
            task = self.task_names[self.task_codes[i]]
            if task:
                tags.append(task)
            base = self._base_repo(i)
            if base:
                relation = RELATIONS[self.relation[i]]
                tags.append(f"base_model:{relation}:{base}" if relation else f"base_model:{base}")
                if relation:
                    tags.append(f"base_model:{base}")
        elif kind == "dataset":
            task = self.task_names[self.task_codes[i]]
            if task:
                tags.append(f"task_categories:{task}")
        else:
            tags.append(self.library_names[self.library_codes[i]])
        if license_name and kind != "space":
            tags.append(f"license:{license_name}")
        tags.append("region:us")
        return tags

    def render(self, index: int, expand: Sequence[str] | None) -> bytes:
        keep = DEFAULT_FIELDS[self.repo_type] if expand is None else ("_id", "id", *expand)
        item = self.item(index, frozenset(keep))
        return orjson.dumps({key: item[key] for key in keep if key in item})

    def item(self, i: int, fields: frozenset[str] | None = None) -> dict[str, Any]:
        """The full item, or only `fields` of it (cheap listings stay cheap to serve)."""
        if fields is not None and fields <= _CHEAP:
            return {name: getter(self, i) for name, getter in _CHEAP_GETTERS.items()
                    if name in fields}
        kind = self.repo_type
        repo_id = self.repo_id(i)
        license_name = self.license_names[self.license_codes[i]]
        card: dict[str, Any] = {}
        if license_name:
            card["license"] = [license_name] if kind == "dataset" else license_name
            if license_name == "other":
                card["license_name"] = f"{repo_id.split('/')[0].lower()}-license"
        base = self._base_repo(i) if kind == "model" else None
        if base:
            card["base_model"] = base
        item: dict[str, Any] = {
            "_id": self.ids[i].decode(),
            "id": repo_id,
            "author": repo_id.split("/")[0],
            "likes": int(self.likes[i]),
            "trendingScore": int(self.trending[i]),
            "private": False,
            "disabled": False,
            "gated": [False, "auto", "manual"][self.gated[i]],
            "tags": self._tags(i),
            "createdAt": iso_ms(int(self.created[i])),
            "lastModified": iso_ms(int(self.modified[i])),
            "sha": hashlib.sha1(f"{self.seed}:{repo_id}:{self.modified[i]}".encode()).hexdigest(),
        }
        if kind != "space":
            item["downloads"] = int(self.downloads[i])
            item["downloadsAllTime"] = int(self.downloads[i]) * 3
        if card:
            item["cardData"] = card
        if kind == "model":
            item["modelId"] = repo_id
            library = self.library_names[self.library_codes[i]]
            task = self.task_names[self.task_codes[i]]
            if library:
                item["library_name"] = library
            if task:
                item["pipeline_tag"] = task
            if "safetensors" in item["tags"]:
                item["safetensors"] = parameters_of(f"{self.seed}:{repo_id}")
        if kind == "space":
            item["sdk"] = self.library_names[self.library_codes[i]]
            item["runtime"] = {"stage": SPACE_STAGES[self.sdk_stage[i]]}
            item["subdomain"] = repo_id.replace("/", "-").lower()
        return item

    def index_of(self, repo_id: str) -> int | None:
        try:
            index = int(repo_id.rsplit("-", 1)[1])
        except (IndexError, ValueError):
            return None
        if 0 <= index < len(self.ids) and self.alive[index] and self.repo_id(index) == repo_id:
            return index
        return None


def parameters_of(key: str) -> dict[str, Any]:
    """A model's `safetensors` field: a total from 100 k to about 500 B parameters, log-uniform
    (every size bucket gets some), split between two dtypes."""
    fraction = int(hashlib.md5(key.encode()).hexdigest()[:12], 16) / 16**12
    total = int(10 ** (5 + 6.7 * fraction))
    return {"parameters": {"BF16": total - total // 4, "F32": total // 4}, "total": total}


_CHEAP_GETTERS = {
    "_id": lambda c, i: c.ids[i].decode(),
    "id": lambda c, i: c.repo_id(i),
    "likes": lambda c, i: int(c.likes[i]),
    "createdAt": lambda c, i: iso_ms(int(c.created[i])),
    "lastModified": lambda c, i: iso_ms(int(c.modified[i])),
    "author": lambda c, i: c.author_name(int(c.author_codes[i])),
    "private": lambda c, i: False,
    "trendingScore": lambda c, i: int(c.trending[i]),
}
_CHEAP = frozenset(_CHEAP_GETTERS)
