"""The lineage rules of `schema.py`'s docstring on whole columns: one edge per distinct base
(compared case-insensitively), each with its own relation, from `base_model:` tags, the card's
`base_model` and the `baseModels` entries, in that order of precedence."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hfexplore.normalize.arrow_lists import clean, codes, first_per_group, lists_of, pairs
from hfexplore.normalize.schema import RELATIONS

BASE_ENTRIES = pa.list_(pa.struct([("id", pa.string()), ("relation", pa.string())]))
_RELATION = "^(" + "|".join(RELATIONS) + "):"
_NAMED_RELATION = "^(?P<relation>" + "|".join(RELATIONS) + "):"
_RELATION_SET = pa.array(RELATIONS)

Notes = list[tuple[int, str]]


def note(repo_id: object, field: str, value: object) -> str:
    return f"{repo_id}: {field}={value!r:.60}"


def lineage_columns(tag_pairs: tuple[pa.Array, pa.Array], card_base: pa.Array,
                    base_models: pa.Array, ids: pa.Array, n: int,
                    notes: Notes) -> dict[str, pa.Array]:
    """`card_base`: the card's bases as a list per row; `base_models`: `BASE_ENTRIES` per row
    (entries without an id are skipped; a relation outside RELATIONS counts as none)."""
    tag_rows, tags = tag_pairs
    rest = pc.utf8_slice_codeunits(tags, 11)
    relation = pc.struct_field(pc.extract_regex(rest, _NAMED_RELATION), [0])
    tails = pc.replace_substring_regex(rest, _RELATION, "", max_replacements=1)
    empty = pc.and_(pc.is_valid(relation), pc.equal(clean(tails, lower=False), ""))
    if pc.any(empty).as_py():
        empty_rows = tag_rows.filter(empty).to_pylist()
        for row, tag in zip(empty_rows, tags.filter(empty).to_pylist(), strict=True):
            notes.append((row, note(ids[row].as_py(), "base_model tag without a repo", tag)))
    card_rows, card_bases = pairs(card_base)
    entry_rows, entries = pairs(base_models)
    with_id = pc.is_valid(pc.struct_field(entries, [0])) if len(entries) else \
        pa.array([], pa.bool_())
    entries = entries.filter(with_id)
    entry_rows = entry_rows[with_id.to_numpy(zero_copy_only=False)]
    entry_ids = pc.struct_field(entries, [0])
    entry_relations = pc.struct_field(entries, [1])
    entry_relations = pc.if_else(pc.is_in(entry_relations, value_set=_RELATION_SET),
                                 entry_relations, pa.scalar(None, pa.string()))
    rows = np.concatenate([tag_rows.to_numpy(), card_rows.astype(np.int64),
                           entry_rows.astype(np.int64)])
    bases = clean(pa.concat_arrays([pc.if_else(empty, "", tails), card_bases.cast(pa.string()),
                                    entry_ids.cast(pa.string())]), lower=False)
    relations = pa.concat_arrays([relation, pa.nulls(len(card_bases), pa.string()),
                                  entry_relations.cast(pa.string())])
    order = np.argsort(rows, kind="stable")  # tags, then the card, then baseModels, per row
    taken = pa.array(order)
    rows, bases, relations = rows[order], bases.take(taken), relations.take(taken)
    keys = clean(bases, lower=True)
    own = clean(ids.take(pa.array(rows)).fill_null(""), lower=True)
    keep = pc.and_(pc.not_equal(bases, ""), pc.not_equal(keys, own))
    keep_np = keep.to_numpy(zero_copy_only=False)
    rows, bases, relations, keys = rows[keep_np], bases.filter(keep), relations.filter(keep), \
        keys.filter(keep)
    first_relation: pa.Array = pa.nulls(n, pa.string())
    if len(rows):
        key_codes = codes(keys)
        groups = rows * (int(key_codes.max()) + 1) + key_codes
        firsts = first_per_group(groups)
        named = relations.is_valid().to_numpy(zero_copy_only=False)
        # a duplicate that names a relation fills in an edge that had none
        named_groups, named_first = np.unique(groups[named], return_index=True)
        named_positions = np.flatnonzero(named)[named_first]
        lookup = np.full(len(firsts), -1, np.int64)
        where = np.searchsorted(named_groups, groups[firsts])
        found = (where < len(named_groups)) & \
            (named_groups[np.minimum(where, max(len(named_groups) - 1, 0))] == groups[firsts]) \
            if len(named_groups) else np.zeros(len(firsts), bool)
        lookup[found] = named_positions[where[found]]
        edge_relations = relations.take(pa.array(lookup, mask=lookup < 0))
        rows, bases = rows[firsts], bases.take(pa.array(firsts))
        relations = edge_relations.fill_null("unspecified")
        has_named = edge_relations.is_valid().to_numpy(zero_copy_only=False)
        choice = np.full(n, -1, np.int64)
        choice[rows] = 0  # an edge without a named relation: "unspecified"
        named_rows, named_at = np.unique(rows[has_named], return_index=True)
        choice[named_rows] = np.flatnonzero(has_named)[named_at] + 1
        first_relation = pa.concat_arrays([pa.array(["unspecified"]), edge_relations]) \
            .take(pa.array(choice, mask=choice < 0))
    return {"base_models": lists_of(rows, bases, n),
            "base_relations": lists_of(rows, relations, n), "base_relation": first_relation}
