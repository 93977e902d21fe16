from __future__ import annotations

import re

import pytest

from hfexplore.errors import HfExploreError
from hfexplore.knowledge import CATEGORIES, LicenseTable, most_restrictive
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


def test_research_only_licenses_are_non_commercial() -> None:
    table = LicenseTable.load()
    for license_id in ("deepfloyd-if-license", "fair-noncommercial-research-license",
                       "h-research", "intel-research", "apple-amlr"):
        entry = table.entries[license_id]
        assert entry.category == "non-commercial" and not entry.commercial_use, license_id


def test_every_disputable_row_says_why() -> None:
    table = LicenseTable.load()
    for license_id in ("cc-by-nd-4.0", "lppl-1.3c", "cc", "c-uda", "ms-pl", "artistic-2.0",
                       "deepfloyd-if-license", "openrail", "afl-3.0"):
        assert len(table.entries[license_id].note) > 30, license_id
    assert table.category("ms-pl") == "copyleft" and table.category("lppl-1.3c") == "permissive"
    assert table.category("cc") == "other"
    # A category and its commercial flag never contradict each other.
    for entry in table.entries.values():
        if entry.category == "non-commercial":
            assert not entry.commercial_use, entry.id


def test_standard_licenses() -> None:
    table = LicenseTable.load()
    assert table.is_standard("apache-2.0") and table.is_standard("cc-by-4.0")
    for license_id in ("llama3", "gemma", "other", "unknown", "creativeml-openrail-m",
                       "my-own-terms", None):
        assert not table.is_standard(license_id), license_id


def test_one_definition_of_standard_decides_every_row() -> None:
    """licenses.csv: standard = a text written for any project to reuse, or a family of such
    texts; never the RAIL family (each adapted to one model), a vendor's own terms, custom
    terms or unknown."""
    table = LicenseTable.load()
    rail = [e.id for e in table.entries.values() if e.family == "openrail"]
    assert {"openrail", "openrail++", "creativeml-openrail-m", "bigscience-openrail-m",
            "bigscience-bloom-rail-1.0", "bigcode-openrail-m"} <= set(rail)
    assert not any(table.is_standard(i) for i in rail)  # versioned or not, alike
    for family_id in ("cc", "gpl", "lgpl", "bsd", "gfdl"):  # families of standard texts
        assert table.is_standard(family_id), family_id
    vendors = ("llama", "gemma", "grok", "deepfloyd", "apple", "research")
    for entry in table.entries.values():
        if entry.family in vendors:
            assert not entry.standard, entry.id
        if entry.osi_approved:
            assert entry.standard, entry.id


def test_custom_terms_are_other_unknown_and_unknown_ids() -> None:
    table = LicenseTable.load()
    assert table.is_custom("other") and table.is_custom("unknown")
    assert table.is_custom("my-own-terms")  # a name no table knows
    for license_id in ("cc", "llama3", "openrail", "apache-2.0", "cc-by-nc-4.0"):
        assert not table.is_custom(license_id), license_id
    assert set(table.noncustom_ids()) == {i for i in table.entries if not table.is_custom(i)}


@pytest.mark.parametrize(("licenses", "category"), [
    ([], "none"),
    (["mit"], "permissive"),
    (["mit", "cc-by-nc-4.0"], "non-commercial"),  # a restriction is never hidden
    (["cc-by-nc-4.0", "other"], "non-commercial"),
    (["apache-2.0", "other"], "other"),  # unknown terms: not counted as open
    (["apache-2.0", "gpl-3.0"], "copyleft"),
    (["llama3", "mit"], "open-weight-restricted"),
    (["apache-2.0", "unknown"], "unknown"),
])
def test_the_multi_license_policy_takes_the_most_restrictive(licenses, category) -> None:
    assert LicenseTable.load().category_of_all(licenses) == category


def test_most_restrictive_of_categories() -> None:
    assert most_restrictive(["permissive", "copyleft"]) == "copyleft"
    assert most_restrictive([]) == "none"


def test_comment_lines_in_a_user_table(tmp_path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("# my notes\nid,category,standard,note\nacme-2,permissive,true,ours\n")
    table = LicenseTable.load(path)
    assert table.entries["acme-2"].standard and table.entries["acme-2"].note == "ours"


def test_the_policy_column_wise_equals_the_policy_per_repo() -> None:
    import random

    import pyarrow as pa

    from hfexplore.knowledge import categories_by_policy

    table = LicenseTable.load()
    rng = random.Random(7)
    ids = [*table.entries, "my-custom-terms"]
    repos = [rng.sample(ids, k=rng.choice([0, 0, 1, 1, 2, 3])) for _ in range(3_000)]
    column = pa.chunked_array([pa.array(repos[:1_000], pa.list_(pa.string())).slice(3),
                               pa.array(repos[1_000:], pa.list_(pa.string()))])
    got = categories_by_policy(column, table).to_pylist()
    assert got == [table.category_of_all(r) for r in repos[3:]]


def test_a_row_with_more_fields_than_the_header_is_refused(tmp_path) -> None:
    # An unquoted comma in a note split it: the note was cut and the rest silently dropped.
    bad = tmp_path / "extra.csv"
    bad.write_text("id,category,note\nx,other,a note, with a comma\n", encoding="utf-8")
    with pytest.raises(HfExploreError, match=r"extra.csv, line 2 \(x\): more fields"):
        LicenseTable.load(bad)


def test_every_built_in_note_is_read_whole() -> None:
    import csv
    from importlib import resources

    text = resources.files("hfexplore.data").joinpath("licenses.csv").read_text("utf-8")
    rows = list(csv.reader(line for line in text.splitlines()
                           if not line.lstrip().startswith("#")))
    assert all(len(row) == len(rows[0]) for row in rows)
    notes = {row[0]: row[rows[0].index("note")] for row in rows[1:]}
    assert LicenseTable.load().entries["cc"].note == notes["cc"]
    assert notes["cc"].endswith("it is a standard text.")
