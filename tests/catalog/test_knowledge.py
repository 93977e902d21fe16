from __future__ import annotations

import re

import pandas as pd
import pytest

from hfexplore.catalog.knowledge import CATEGORIES, Families, LicenseTable
from hfexplore.errors import HfExploreError
from tests.conftest import ROOT

REFERENCE = ROOT.parent / "shared" / "reference" / "hub-license-ids.md"


def test_every_entry_has_a_valid_category() -> None:
    table = LicenseTable.load()
    assert len(table.entries) >= 83
    assert {e.category for e in table.entries.values()} <= set(CATEGORIES)
    assert table.category(None) == "none" and table.category("") == "none"
    assert table.category("unknown") == "unknown" and table.category("other") == "other"
    assert table.category("my-custom-license") == "other"
    assert table.category("llama3.1") == "open-weight-restricted"
    assert table.category("cc-by-nc-4.0") == "non-commercial"
    assert table.category("gpl-3.0") == "copyleft" and table.category("mit") == "permissive"


@pytest.mark.skipif(not REFERENCE.exists(), reason="../shared/reference is not beside this clone")
def test_the_table_maps_every_hub_license_id() -> None:
    ids = set(re.findall(r"\| `([^`]+)`", REFERENCE.read_text()))
    assert len(ids) >= 80
    assert ids <= set(LicenseTable.load().entries)


def test_a_user_table_overrides_and_extends(tmp_path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("id,category\nmit,copyleft\nacme-1.0,non-commercial\n")
    table = LicenseTable.load(path)
    assert table.category("mit") == "copyleft" and table.category("acme-1.0") == "non-commercial"


def test_a_bad_user_table_names_the_file_and_line(tmp_path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("id,category\nfoo,freeish\n")
    with pytest.raises(HfExploreError, match=r"bad.csv, line 2"):
        LicenseTable.load(path)


def test_families_map_namespaces_case_insensitively(tmp_path) -> None:
    families = Families.load()
    assert families.family_of("meta-llama") == "Meta" and families.family_of("FACEBOOK") == "Meta"
    assert families.family_of("qwen") == "Alibaba Qwen" and families.family_of("nobody") is None
    mapped = families.map(pd.Series(["mistralai", "someone", None]))
    assert mapped.tolist()[:2] == ["Mistral AI", pd.NA] or mapped.iloc[0] == "Mistral AI"
    assert mapped.isna().tolist() == [False, True, True]
    extra = tmp_path / "fam.toml"
    extra.write_text('[families]\n"Meta" = ["my-meta-mirror"]\n"Acme" = ["acme"]\n')
    extended = Families.load(extra)
    assert extended.family_of("my-meta-mirror") == "Meta"
    assert extended.family_of("facebook") == "Meta" and extended.family_of("acme") == "Acme"
    with pytest.raises(HfExploreError, match="unknown family"):
        families.namespaces("Nonexistent")


def test_bad_families_file(tmp_path) -> None:
    path = tmp_path / "fam.toml"
    path.write_text('[families]\n"Meta" = "not a list"\n')
    with pytest.raises(HfExploreError, match=r"fam\.toml"):
        Families.load(path)
