"""Knowledge kept as data: the license table and the organisation families.

Both ship inside the package (`hfexplore/data/`) and can be extended or overridden by a user
file of the same format.
"""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hfexplore.errors import HfExploreError

CATEGORIES = ("permissive", "copyleft", "open-weight-restricted", "non-commercial", "other",
              "unknown", "none")
OPEN_WEIGHT_CATEGORIES = ("permissive", "copyleft", "open-weight-restricted")
_BOOL = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}


@dataclass(frozen=True)
class LicenseInfo:
    id: str
    name: str
    category: str
    osi_approved: bool
    commercial_use: bool
    family: str


class LicenseTable:
    """License id -> category and facts. Ids not in the table are custom names: `other`."""

    def __init__(self, entries: Iterable[LicenseInfo]):
        self.entries = {entry.id: entry for entry in entries}

    @classmethod
    def load(cls, extra: str | Path | None = None) -> LicenseTable:
        text = resources.files("hfexplore.data").joinpath("licenses.csv").read_text("utf-8")
        entries = list(_parse_licenses(text, "the built-in license table"))
        if extra is not None:
            path = Path(extra)
            try:
                entries += _parse_licenses(path.read_text("utf-8"), str(path))
            except OSError as exc:
                raise HfExploreError(f"cannot read license table {path}: {exc.strerror}") from exc
        return cls(entries)

    def category(self, license_id: str | None) -> str:
        if not license_id:
            return "none"
        entry = self.entries.get(license_id)
        return entry.category if entry else "other"

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([vars(e) for e in self.entries.values()])


def _parse_licenses(text: str, origin: str) -> list[LicenseInfo]:
    reader = csv.DictReader(io.StringIO(text))
    required = {"id", "category"}
    if not reader.fieldnames or not required <= set(reader.fieldnames):
        raise HfExploreError(f"{origin}: a license table needs the columns id and category "
                             "(optional: name, osi_approved, commercial_use, family)")
    entries = []
    for line, row in enumerate(reader, start=2):
        category = (row.get("category") or "").strip()
        license_id = (row.get("id") or "").strip().lower()
        if category not in CATEGORIES or not license_id:
            raise HfExploreError(f"{origin}, line {line}: category must be one of "
                                 f"{', '.join(CATEGORIES)} and id must be set")
        entries.append(LicenseInfo(
            license_id, (row.get("name") or license_id).strip(), category,
            _BOOL.get((row.get("osi_approved") or "false").strip().lower(), False),
            _BOOL.get((row.get("commercial_use") or "false").strip().lower(), False),
            (row.get("family") or license_id).strip()))
    return entries


class Families:
    """Organisation family <- Hub namespaces (case-insensitive)."""

    def __init__(self, families: dict[str, list[str]]):
        self.families = families
        self._by_namespace = {ns.lower(): name for name, spaces in families.items()
                              for ns in spaces}

    @classmethod
    def load(cls, extra: str | Path | None = None) -> Families:
        text = resources.files("hfexplore.data").joinpath("families.toml").read_text("utf-8")
        families = _parse_families(text, "the built-in families")
        if extra is not None:
            path = Path(extra)
            try:
                more = _parse_families(path.read_text("utf-8"), str(path))
            except OSError as exc:
                raise HfExploreError(f"cannot read families file {path}: {exc.strerror}") from exc
            for name, spaces in more.items():
                families[name] = sorted(set(families.get(name, [])) | set(spaces))
        return cls(families)

    def family_of(self, namespace: str | None) -> str | None:
        return self._by_namespace.get(namespace.lower()) if namespace else None

    def map(self, namespaces: pd.Series) -> pd.Series:
        """Family per namespace, <NA> where the namespace belongs to no family."""
        array = pa.array(namespaces.astype("string"), pa.string(), from_pandas=True)
        return pd.Series(self.map_arrow(array).to_pandas(), index=namespaces.index,
                         dtype="string")

    def map_arrow(self, namespaces: pa.Array | pa.ChunkedArray) -> pa.Array:
        """Family per namespace as an Arrow array (null where none), computed in C++."""
        keys = list(self._by_namespace)
        index = pc.index_in(pc.utf8_lower(namespaces), value_set=pa.array(keys, pa.string()))
        return pc.take(pa.array([self._by_namespace[k] for k in keys], pa.string()), index)

    def namespaces(self, family: str) -> list[str]:
        for name, spaces in self.families.items():
            if name.lower() == family.lower():
                return spaces
        known = ", ".join(sorted(self.families))
        raise HfExploreError(f"unknown family {family!r}; known families: {known}")


def _parse_families(text: str, origin: str) -> dict[str, list[str]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise HfExploreError(f"{origin}: not valid TOML ({exc})") from exc
    table = data.get("families")
    if not isinstance(table, dict) or not all(
            isinstance(v, list) and all(isinstance(s, str) for s in v) for v in table.values()):
        raise HfExploreError(
            f'{origin}: expected a [families] table of "Name" = ["namespace", ...]')
    return {str(k): list(v) for k, v in table.items()}
