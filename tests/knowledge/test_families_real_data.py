"""families.toml covers the organisations among the most downloaded namespaces of the real data.

The top namespaces are computed from the raw 2024 items (30-day downloads summed per
namespace, case-insensitively); which of them are personal accounts is a reviewed list,
`tests/data/personal_namespaces.txt`, decided from what is publicly known of each account.
Every other namespace of the top is an organisation and must be in families.toml.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import needs_shared_data, real_data_group
from tests.reference import display_names, family_table

pytestmark = [needs_shared_data, real_data_group]
PERSONAL = Path(__file__).resolve().parent.parent / "data" / "personal_namespaces.txt"
TOP = 100


def personal_namespaces() -> dict[str, str]:
    """Lower-cased namespace -> the reason it is a person's account."""
    found = {}
    for line in PERSONAL.read_text("utf-8").splitlines():
        namespace, _, reason = line.partition("#")
        if namespace.strip():
            assert reason.strip(), f"{PERSONAL.name}: {namespace.strip()} needs a # reason"
            found[namespace.strip().lower()] = reason.strip()
    return found


@pytest.fixture(scope="module")
def top_namespaces(raw_models) -> pd.Series:
    """The `TOP` namespaces by summed 30-day downloads (most frequent spelling -> downloads)."""
    namespace = raw_models["id"].str.split("/").str[0]
    key = namespace.str.lower()
    downloads = raw_models["downloads"].groupby(key.to_numpy()).sum()
    top = downloads.sort_values(ascending=False, kind="stable").head(TOP)
    names = display_names(key, namespace)
    return pd.Series(top.to_numpy(), index=[names[k] for k in top.index])


def test_the_personal_list_is_about_the_top(top_namespaces) -> None:
    """Each listed account is among the top namespaces and none is a family's namespace."""
    families = family_table()
    personal = personal_namespaces()
    top = {name.lower() for name in top_namespaces.index}
    assert sorted(set(personal) - top) == []
    assert sorted(set(personal) & set(families.origin)) == []


def test_families_cover_the_organisations_of_the_top(top_namespaces) -> None:
    families = family_table()
    personal = personal_namespaces()
    organisations = [name for name in top_namespaces.index if name.lower() not in personal]
    assert len(organisations) >= 50, f"only {len(organisations)} organisations in the top {TOP}"
    # Mirrors are organisation accounts families.toml knows on purpose (origin, not publisher).
    known = set(families.publisher) | set(families.origin)
    missing = [f"{name} ({top_namespaces[name]:,} downloads)" for name in organisations
               if name.lower() not in known]
    assert missing == [], (f"organisations among the {TOP} most downloaded namespaces missing "
                           f"from families.toml: {', '.join(missing)}")
