"""What the stand-in Hub serves: one catalogue per repo type, columnar so that 3 M repos fit.

A catalogue answers four questions: which items match a set of filters (a boolean mask), the
value of each sortable field (int64 arrays), an item's JSON (bytes) for a set of expand fields,
and where an `_id` is. The server does the paging, cursors, quotas and faults around it.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import orjson

SORT_FIELDS = ("createdAt", "downloads", "lastModified", "likes", "trendingScore")

EXPANDABLE = {
    "model": {"author", "cardData", "config", "createdAt", "disabled", "downloads",
              "downloadsAllTime", "evalResults", "gated", "gguf", "inference",
              "inferenceProviderMapping", "lastModified", "library_name", "likes", "mask_token",
              "model-index", "pipeline_tag", "private", "resourceGroup", "safetensors", "sha",
              "siblings", "spaces", "tags", "transformersInfo", "trendingScore", "widgetData"},
    "dataset": {"author", "cardData", "citation", "createdAt", "description", "disabled",
                "downloads", "downloadsAllTime", "gated", "lastModified", "likes", "mainSize",
                "paperswithcode_id", "private", "sha", "siblings", "tags", "trendingScore",
                "usedStorage"},
    "space": {"author", "cardData", "createdAt", "datasets", "disabled", "lastModified", "likes",
              "models", "private", "runtime", "sdk", "sha", "siblings", "subdomain", "tags",
              "trendingScore", "usedStorage"},
}
# What a listing returns without `expand` (HUB_API.md; datasets and spaces by analogy).
DEFAULT_FIELDS = {
    "model": ("_id", "id", "likes", "trendingScore", "private", "downloads", "tags",
              "pipeline_tag", "library_name", "createdAt", "modelId"),
    "dataset": ("_id", "id", "author", "disabled", "gated", "lastModified", "likes",
                "trendingScore", "private", "sha", "downloads", "tags", "createdAt"),
    "space": ("_id", "id", "author", "likes", "trendingScore", "private", "sdk", "tags",
              "createdAt", "lastModified"),
}


def iso_ms(epoch_ms: int) -> str:
    moment = datetime.fromtimestamp(epoch_ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


def parse_ms(text: Any) -> int:
    if not isinstance(text, str):
        return 0
    try:
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return 0


class Catalog:
    """The interface the server relies on; subclasses fill the columns."""

    repo_type: str
    ids: np.ndarray  # `_id` as bytes (S24), one per item
    id_rank: np.ndarray  # position of each `_id` in ascending `_id` order
    alive: np.ndarray  # bool: deleted items stay in the arrays but are never served

    def __len__(self) -> int:
        return int(self.alive.sum())

    # -- columns the server needs ------------------------------------------------------------
    def sort_values(self, field: str | None) -> np.ndarray:
        raise NotImplementedError

    def author_mask(self, author: str) -> np.ndarray:
        raise NotImplementedError

    def tag_mask(self, tag: str) -> np.ndarray:
        raise NotImplementedError

    def pipeline_mask(self, task: str) -> np.ndarray:
        raise NotImplementedError

    def library_mask(self, library: str) -> np.ndarray:
        raise NotImplementedError

    def search_mask(self, text: str) -> np.ndarray:
        raise NotImplementedError

    def item(self, index: int) -> dict[str, Any]:
        """The full item, every field this catalogue knows."""
        raise NotImplementedError

    def index_of(self, repo_id: str) -> int | None:
        raise NotImplementedError

    # -- shared behaviour ----------------------------------------------------------------------
    def render(self, index: int, expand: Sequence[str] | None) -> bytes:
        item = self.item(index)
        if expand is None:
            keep: Iterable[str] = DEFAULT_FIELDS[self.repo_type]
        else:
            keep = ("_id", "id", *expand)
        return orjson.dumps({key: item[key] for key in keep if key in item})

    def rank_of_id(self, object_id: str) -> int:
        """Where `_id` falls in ascending `_id` order (works for deleted or unknown ids too)."""
        sorted_ids = self._sorted_ids()
        return int(np.searchsorted(sorted_ids, object_id.encode()))

    def _sorted_ids(self) -> np.ndarray:
        cached = getattr(self, "_sorted_ids_cache", None)
        if cached is None:
            cached = np.sort(self.ids)
            self._sorted_ids_cache = cached
        return cached


def ranks(ids: np.ndarray) -> np.ndarray:
    order = np.argsort(ids, kind="stable")
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids), dtype=np.int64)
    return rank


class RecordedCatalog(Catalog):
    """Real Hub list items, served byte for byte when no `expand` is asked.

    Fields a recorded item lacks but an `expand` asks for are derived and documented here:
    `author` is the namespace of `id`; `lastModified` is `createdAt`; `gated` and `disabled`
    are false; `downloadsAllTime` is the 30-day `downloads` (a lower bound); `cardData` carries
    the first `license:` tag as `license` when there is one; `trendingScore` is 0.
    """

    def __init__(self, repo_type: str, lines: list[bytes]):
        self.repo_type = repo_type
        self.lines = lines
        n = len(lines)
        self.ids = np.empty(n, dtype="S24")
        self.created = np.zeros(n, dtype=np.int64)
        self.modified = np.zeros(n, dtype=np.int64)
        self.downloads = np.zeros(n, dtype=np.int64)
        self.likes = np.zeros(n, dtype=np.int64)
        self.trending = np.zeros(n, dtype=np.int64)
        repo_ids: list[str] = []
        authors: list[str] = []
        pipelines: list[str] = []
        libraries: list[str] = []
        for i, line in enumerate(lines):
            item = orjson.loads(line)
            self.ids[i] = str(item["_id"]).encode()
            repo_ids.append(item["id"])
            authors.append(item.get("author") or item["id"].split("/")[0])
            pipelines.append(item.get("pipeline_tag") or "")
            libraries.append(item.get("library_name") or "")
            self.created[i] = parse_ms(item.get("createdAt"))
            self.modified[i] = parse_ms(item.get("lastModified")) or self.created[i]
            self.downloads[i] = _int(item.get("downloads"))
            self.likes[i] = _int(item.get("likes"))
            self.trending[i] = _int(item.get("trendingScore"))
        self.repo_ids = repo_ids
        self.authors = np.array(authors, dtype=object)
        self.pipelines = np.array(pipelines, dtype=object)
        self.libraries = np.array(libraries, dtype=object)
        self.id_rank = ranks(self.ids)
        self.alive = np.ones(n, dtype=bool)
        self._by_id = {repo_id: i for i, repo_id in enumerate(repo_ids)}

    @classmethod
    def from_jsonl(cls, repo_type: str, path: Path, limit: int | None = None) -> RecordedCatalog:
        opener = gzip.open if path.suffix == ".gz" else open
        lines: list[bytes] = []
        with opener(path, "rb") as handle:
            for line in handle:
                line = line.strip()
                if line:
                    lines.append(line)
                if limit is not None and len(lines) >= limit:
                    break
        return cls(repo_type, lines)

    @classmethod
    def from_items(cls, repo_type: str, items: Iterable[dict[str, Any]]) -> RecordedCatalog:
        return cls(repo_type, [orjson.dumps(item) for item in items])

    def sort_values(self, field: str | None) -> np.ndarray:
        return {"createdAt": self.created, "downloads": self.downloads, "likes": self.likes,
                "lastModified": self.modified, "trendingScore": self.trending,
                None: self.id_rank}[field]

    def author_mask(self, author: str) -> np.ndarray:
        return self.authors == author

    def pipeline_mask(self, task: str) -> np.ndarray:
        return self.pipelines == task

    def library_mask(self, library: str) -> np.ndarray:
        return self.libraries == library

    def search_mask(self, text: str) -> np.ndarray:
        needle = text.lower()
        return np.fromiter((needle in repo_id.lower() for repo_id in self.repo_ids), dtype=bool,
                           count=len(self.repo_ids))

    def tag_mask(self, tag: str) -> np.ndarray:
        return self._tag_mask(tag)

    @lru_cache(maxsize=64)  # noqa: B019 - one catalogue per server, kept for the server's life
    def _tag_mask(self, tag: str) -> np.ndarray:
        # A byte search finds candidate lines fast; parsing them confirms the tag is in `tags`.
        needle = orjson.dumps(tag)
        mask = np.zeros(len(self.lines), dtype=bool)
        for i, line in enumerate(self.lines):
            if needle in line and tag in (orjson.loads(line).get("tags") or ()):
                mask[i] = True
        return mask

    def item(self, index: int) -> dict[str, Any]:
        item = orjson.loads(self.lines[index])
        item.setdefault("author", self.authors[index])
        item.setdefault("lastModified", item.get("createdAt"))
        item.setdefault("gated", False)
        item.setdefault("disabled", False)
        item.setdefault("trendingScore", 0)
        item.setdefault("downloadsAllTime", item.get("downloads", 0))
        licenses = [t[8:] for t in item.get("tags") or () if isinstance(t, str)
                    and t.startswith("license:")]
        if "cardData" not in item and licenses:
            item["cardData"] = {"license": licenses[0]}
        return item

    def render(self, index: int, expand: Sequence[str] | None) -> bytes:
        if expand is None:
            return self.lines[index]  # exactly as recorded
        return super().render(index, expand)

    def index_of(self, repo_id: str) -> int | None:
        index = self._by_id.get(repo_id)
        return index if index is not None and self.alive[index] else None


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
