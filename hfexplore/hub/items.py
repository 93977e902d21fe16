"""Typed decoding of listing pages: JSON bytes -> `ListItem` structs, validated in C by msgspec.

Only the fields hfexplore reads are kept (cardData is cut down to its license and lineage keys
while decoding), and each is decoded only if it has the type the Hub documents. A page with any
value of another type (a string count, a non-list `tags`, an item without `_id`...) is not
decoded here: `decode_page` hands back the plain JSON instead, and the caller treats it item by
item with the lenient rules, so an odd page costs time, never correctness.
"""

from __future__ import annotations

from typing import Any

import msgspec
import orjson


class CardFields(msgspec.Struct, gc=False):
    """The keys of `cardData` that the catalogue uses; every other key is skipped unread."""

    license: str | list[str] | None = None
    license_name: Any = None
    base_model: str | list[str] | None = None


class ListItem(msgspec.Struct, gc=False):
    """One listing item with its expected types (absent fields are None)."""

    oid: str = msgspec.field(name="_id")
    id: str | None = None
    modelId: str | None = None
    author: str | None = None
    cardData: CardFields | None = None
    createdAt: str | None = None
    lastModified: str | None = None
    downloads: int | None = None
    downloadsAllTime: int | None = None
    likes: int | None = None
    trendingScore: int | float | None = None
    library_name: str | None = None
    pipeline_tag: str | None = None
    gated: Any = None
    private: Any = None
    disabled: Any = None
    tags: list[str] | None = None
    sdk: str | None = None
    baseModels: Any = None
    safetensors: Any = None  # {"parameters": {dtype: count}, "total": count}; checked later


_DECODER = msgspec.json.Decoder(list[ListItem])


def decode_page(content: bytes) -> Any:
    """A list of `ListItem` when every item has the expected types, else the plain JSON value.

    Malformed JSON raises orjson's `JSONDecodeError` (a `ValueError`), as the plain decoder does.
    """
    try:
        return TypedItems(_DECODER.decode(content))
    except msgspec.DecodeError:  # includes ValidationError: a value of another type
        return orjson.loads(content)


class TypedItems(list):
    """A page decoded into `ListItem`s (a list, so it is told apart from plain JSON lists)."""


def item_key(item: Any) -> str:
    """The `_id` of a decoded item, typed or plain, as the text de-duplication uses."""
    return item.oid if type(item) is ListItem else str(item["_id"])
