"""The license rules of `schema.py`'s docstring on whole columns: primary license, its custom
name, every license id and the most restrictive category, from the card's ids and the
`license:` tags."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hfexplore.knowledge import RESTRICTIVENESS, LicenseTable
from hfexplore.normalize.arrow_lists import clean, codes, first_per_group, lists_of, pairs, text

_RANK = {category: rank for rank, category in enumerate(RESTRICTIVENESS)}


def license_columns(tag_pairs: tuple[pa.Array, pa.Array], card_license: pa.Array,
                    card_name: pa.Array, n: int, table: LicenseTable) -> dict[str, pa.Array]:
    """`card_license`: the card's ids as a list per row (null: the card names no license);
    `tag_pairs`: (row, tag) of every `license:` tag."""
    card_rows, card_ids = pairs(card_license)
    tag_rows, tags = tag_pairs
    rows = np.concatenate([card_rows.astype(np.int64), tag_rows.to_numpy()])
    values = clean(pa.concat_arrays([card_ids, pc.utf8_slice_codeunits(tags, 8)]), lower=True)
    order = np.argsort(rows, kind="stable")  # card ids first, then tags, per row
    keep = pc.not_equal(values, "").to_numpy(zero_copy_only=False)[order]
    order = order[keep]
    rows, values = rows[order], values.take(pa.array(order))
    primary: pa.Array = pa.nulls(n, pa.string())
    category: pa.Array = pa.array(["none"] * n, pa.string())
    if len(rows):
        firsts = first_per_group(rows)
        index = np.full(n, -1, np.int64)
        index[rows[firsts]] = firsts
        primary = values.take(pa.array(index, mask=index < 0))
        value_codes = codes(values)
        kept = first_per_group(rows * (int(value_codes.max()) + 1) + value_codes)
        rows, values = rows[kept], values.take(pa.array(kept))
        dictionary = pc.unique(values)
        ranks = np.array([_RANK[table.category(v)] for v in dictionary.to_pylist()], np.int64)
        rank_of_value = ranks[pc.index_in(values, value_set=dictionary).to_numpy()]
        best = np.full(n, -1, np.int64)
        np.maximum.at(best, rows, rank_of_value)
        category = pa.array(np.array((*RESTRICTIVENESS, "none"), dtype=object)[best])
    # the custom name counts only when the card names a license and the primary one is `other`
    named = pc.and_(pc.is_valid(card_license), pc.equal(primary, "other")).fill_null(False)
    names = pc.if_else(named, text(card_name), pa.scalar(None, pa.string()))
    return {"license": primary, "license_name": names, "licenses": lists_of(rows, values, n),
            "license_category": category}
