"""The license table (`hfexplore/data/licenses.csv`) and the multi-license policy.

Policy for repos that declare several licenses (188 models and 101 datasets in July 2024):
a repo's `license_category` is the MOST RESTRICTIVE category among all its licenses, in the
order of `RESTRICTIVENESS`. Several licenses on one repo usually cover different parts (code
under Apache-2.0, weights under CC-BY-NC): counting such a repo as open because one of its
licenses is would hide the restriction on the weights. So a repo is open weight only if every
license it declares is, and a non-commercial restriction is never hidden. The `license` column
keeps the primary license (the card's, else the first tag), so per-license counts are
unchanged; reports say how many repos the policy moved.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hfexplore.errors import HfExploreError
from hfexplore.knowledge.text import builtin_text, user_text

if TYPE_CHECKING:  # imported where used: a report reads the table without them
    import pandas as pd
    import pyarrow as pa

CATEGORIES = ("permissive", "copyleft", "open-weight-restricted", "non-commercial", "other",
              "unknown", "none")
OPEN_WEIGHT_CATEGORIES = ("permissive", "copyleft", "open-weight-restricted")
# Least to most restrictive. `other` and `unknown` are unknown terms: more restrictive than any
# open license (nothing is known to be allowed), less than a known non-commercial restriction,
# which must stay visible.
RESTRICTIVENESS = ("permissive", "copyleft", "open-weight-restricted", "other", "unknown",
                   "non-commercial")
_RANK = {category: rank for rank, category in enumerate(RESTRICTIVENESS)}
_BOOL = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}


@dataclass(frozen=True)
class LicenseInfo:
    id: str
    name: str
    category: str
    osi_approved: bool
    commercial_use: bool
    family: str
    standard: bool = False
    note: str = ""


class LicenseTable:
    """License id -> category and facts. Ids not in the table are custom names: `other`."""

    def __init__(self, entries: Iterable[LicenseInfo]):
        self.entries = {entry.id: entry for entry in entries}

    @classmethod
    def load(cls, extra: str | Path | None = None) -> LicenseTable:
        entries = list(_parse_licenses(builtin_text("licenses.csv"), "the built-in license table"))
        if extra is not None:
            entries += _parse_licenses(user_text(extra, "license table"), str(extra))
        return cls(entries)

    def category(self, license_id: str | None) -> str:
        if not license_id:
            return "none"
        entry = self.entries.get(license_id)
        return entry.category if entry else "other"

    def category_of_all(self, license_ids: Sequence[str]) -> str:
        """The category of a repo declaring `license_ids`, by the multi-license policy."""
        if not license_ids:
            return "none"
        return max((self.category(i) for i in license_ids), key=_RANK.__getitem__)

    def standard_ids(self) -> list[str]:
        """The ids of the reusable standard licenses."""
        return [key for key, entry in self.entries.items() if entry.standard]

    def noncustom_ids(self) -> list[str]:
        """The known ids whose terms are not custom: standard ones, and those written for one
        model or vendor. Custom: `other`, `unknown` (categories other and unknown that are not
        standard) and every id the table does not know."""
        return [key for key, entry in self.entries.items()
                if entry.standard or entry.category not in ("other", "unknown")]

    def is_custom(self, license_id: str) -> bool:
        entry = self.entries.get(license_id)
        return entry is None or (not entry.standard and entry.category in ("other", "unknown"))

    def is_standard(self, license_id: str | None) -> bool:
        entry = self.entries.get(license_id or "")
        return bool(entry and entry.standard)

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([vars(e) for e in self.entries.values()])


def categories_by_policy(licenses: pa.ChunkedArray | pa.Array, table: LicenseTable) -> pa.Array:
    """`category_of_all` for a whole list<string> column, without a Python loop per row: the
    restrictiveness rank of every license, then its maximum per repo (numpy's reduceat over
    each repo's run of licenses)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(licenses, pa.ChunkedArray):
        licenses = licenses.combine_chunks() if licenses.num_chunks else \
            pa.array([], licenses.type)
    ids = list(table.entries)
    ranks = pa.array([_RANK[table.entries[i].category] for i in ids], pa.int8())
    flat = pc.list_flatten(licenses)
    rank = pc.take(ranks, pc.index_in(flat, value_set=pa.array(ids, pa.string())))
    rank = pc.fill_null(rank, pa.scalar(_RANK["other"], pa.int8()))  # unknown ids: custom terms
    offsets = licenses.offsets.to_numpy(zero_copy_only=False).astype(np.int64)
    offsets -= offsets[0]  # a sliced array's offsets do not start at 0
    lengths = np.diff(offsets)
    if licenses.null_count:  # a null list holds no licenses
        lengths[~pc.is_valid(licenses).to_numpy(zero_copy_only=False)] = 0
    per_row = np.full(len(licenses), len(RESTRICTIVENESS), dtype=np.int64)  # "none"
    declared = lengths > 0
    if declared.any():
        per_row[declared] = np.maximum.reduceat(
            rank.to_numpy(zero_copy_only=False).astype(np.int64), offsets[:-1][declared])
    names = pa.array([*RESTRICTIVENESS, "none"], pa.string())
    return pc.take(names, pa.array(per_row))


def most_restrictive(categories: Iterable[str]) -> str:
    found = [c for c in categories if c in _RANK]
    return max(found, key=_RANK.__getitem__) if found else "none"


def _parse_licenses(text: str, origin: str) -> list[LicenseInfo]:
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    required = {"id", "category"}
    if not reader.fieldnames or not required <= set(reader.fieldnames):
        raise HfExploreError(f"{origin}: a license table needs the columns id and category "
                             "(optional: name, osi_approved, commercial_use, standard, family, "
                             "note)")
    entries = []
    for line, row in enumerate(reader, start=2):
        category = (row.get("category") or "").strip()
        license_id = (row.get("id") or "").strip().lower()
        if None in row:  # DictReader's key for fields beyond the header: a comma unquoted
            raise HfExploreError(f"{origin}, line {line} ({license_id}): more fields than the "
                                 "header names (quote a text holding a comma)")
        if category not in CATEGORIES or not license_id:
            raise HfExploreError(f"{origin}, line {line}: category must be one of "
                                 f"{', '.join(CATEGORIES)} and id must be set")
        entries.append(LicenseInfo(
            license_id, (row.get("name") or license_id).strip(), category,
            _flag(row, "osi_approved"), _flag(row, "commercial_use"),
            (row.get("family") or license_id).strip(), _flag(row, "standard"),
            (row.get("note") or "").strip()))
    return entries


def _flag(row: dict[str, str | None], key: str) -> bool:
    return _BOOL.get((row.get(key) or "false").strip().lower(), False)
