"""The filters compiled to SQL against a plain-Python reading of each rule, row by row.

The expected side uses only the knowledge tables' single-value lookups (`family_of`,
`origin_of`, `is_standard`), never the engine or the compiled SQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from hfexplore.knowledge import OPEN_WEIGHT_CATEGORIES, Families, LicenseTable
from hfexplore.stats.filters import Filters, as_values
from hfexplore.stats.query import Scan

FAMILIES = Families.load()
LICENSES = LicenseTable.load()
AUTHORS = ["meta-llama", "Meta-Llama", "facebook", "mistralai", "google", "someone", None]
BASES = ["meta-llama/Llama-2-7b", " mistralai/Mistral-7B ", "gpt2", "bert-base-uncased",
         "someone/x", "GPT2"]
LICENSE_IDS = ["mit", "apache-2.0", "llama3", "cc-by-nc-4.0", "my-own-terms"]
CATEGORIES = ["permissive", "open-weight-restricted", "non-commercial", "other", "none"]
DAYS = [datetime(2023, 1, 1, tzinfo=UTC), datetime(2024, 6, 1, tzinfo=UTC), None]

rows = st.fixed_dictionaries({
    "author": st.sampled_from(AUTHORS),
    "libraries": st.lists(st.sampled_from(["transformers", "peft", "gguf"]), max_size=2,
                          unique=True),
    "tasks": st.lists(st.sampled_from(["text-generation", "fill-mask"]), max_size=1),
    "license": st.sampled_from([*LICENSE_IDS, None]),
    "licenses": st.lists(st.sampled_from(LICENSE_IDS), max_size=2, unique=True),
    "license_category": st.sampled_from(CATEGORIES),
    "created_at": st.sampled_from(DAYS),
    "base_models": st.lists(st.sampled_from(BASES), max_size=2),
})
OPTIONS: dict[str, list[Any]] = {
    "author": ["META-LLAMA", ("someone", "google")],
    "library": ["peft", ("gguf", "transformers")],
    "task": ["fill-mask"],
    "license": ["mit", ("llama3", "my-own-terms")],
    "license_category": ["open-weight", "non-commercial"],
    "created_after": [datetime(2024, 1, 1)],  # naive: read as UTC
    "created_before": [datetime(2024, 1, 1, tzinfo=UTC)],
    "family": ["Meta", ("Mistral AI", "Google")],
    "base_family": ["Meta", "OpenAI", ("Mistral AI", "Google")],
    "parent_family": ["Meta", ("Mistral AI", "Google")],
    "not_family": ["Meta"],
    "not_family_kind": ["company"],
    "standard_license": [True, False],
    "custom_license": [True, False],
    "family_kind": ["academic", ("company", "nonprofit")],
}
# One or two filters at a time, so that rows pass often enough for a wrong rule to show.
filters = st.lists(st.sampled_from(sorted(OPTIONS)), min_size=1, max_size=2, unique=True).flatmap(
    lambda keys: st.fixed_dictionaries({k: st.sampled_from(OPTIONS[k]) for k in keys})
).map(lambda options: Filters(**options))


def expected(row: dict[str, Any], f: Filters) -> bool:
    author = row["author"]
    publisher = FAMILIES.family_of(author)
    checks = []
    if f.author:
        checks.append(author is not None and author.lower() in
                      [a.lower() for a in as_values(f.author)])
    if f.library:
        checks.append(bool(set(row["libraries"]) & set(as_values(f.library))))
    if f.task:
        checks.append(bool(set(row["tasks"]) & set(as_values(f.task))))
    if f.license:
        checks.append(row["license"] in as_values(f.license))
    if f.license_category:
        wanted = [c for v in as_values(f.license_category)
                  for c in (OPEN_WEIGHT_CATEGORIES if v == "open-weight" else (v,))]
        checks.append(row["license_category"] in wanted)
    created = row["created_at"]
    if f.created_after:
        checks.append(created is not None and created >= f.created_after.replace(tzinfo=UTC))
    if f.created_before:
        checks.append(created is not None and created < f.created_before)
    if f.family:
        checks.append(publisher in FAMILIES.canonical(as_values(f.family)))
    if f.not_family:
        checks.append(publisher not in FAMILIES.canonical(as_values(f.not_family)))
    if f.not_family_kind:
        checks.append(publisher is None or FAMILIES.get(publisher).kind
                      not in as_values(f.not_family_kind))
    # No row's id is another's base here, so a model's ancestors are its direct bases (chains
    # are tested in test_closure.py).
    for wanted in (f.base_family, f.parent_family):
        if wanted:
            names = FAMILIES.canonical(as_values(wanted))
            checks.append(any(FAMILIES.origin_of(b) in names for b in row["base_models"]))
    if f.family_kind:
        checks.append(publisher is not None and FAMILIES.get(publisher).kind
                      in as_values(f.family_kind))
    if f.custom_license is not None:
        declared = bool(row["licenses"])
        custom = any(LICENSES.is_custom(i) for i in row["licenses"])
        checks.append(declared and custom == f.custom_license)
    if f.standard_license is not None:
        declared = bool(row["licenses"])
        all_standard = all(LICENSES.is_standard(i) for i in row["licenses"])
        checks.append(declared and all_standard if f.standard_license
                      else declared and not all_standard)
    return all(checks)


def as_table(data: list[dict[str, Any]]) -> pa.Table:
    strings = pa.list_(pa.string())
    return pa.table({
        "position": pa.array(range(len(data)), pa.int64()),
        "id": pa.array([f"someone/row-{n}" for n in range(len(data))], pa.string()),
        "author": pa.array([r["author"] for r in data], pa.string()),
        "libraries": pa.array([r["libraries"] for r in data], strings),
        "tasks": pa.array([r["tasks"] for r in data], strings),
        "license": pa.array([r["license"] for r in data], pa.string()),
        "licenses": pa.array([r["licenses"] for r in data], strings),
        "license_category": pa.array([r["license_category"] for r in data], pa.string()),
        "created_at": pa.array([r["created_at"] for r in data], pa.timestamp("ms", tz="UTC")),
        "base_models": pa.array([r["base_models"] for r in data], strings),
    })


@settings(max_examples=300, deadline=None)
@given(data=st.lists(rows, min_size=1, max_size=12), chosen=filters)
def test_compiled_filters_keep_exactly_the_rows_each_rule_describes(
        data: list[dict[str, Any]], chosen: Filters) -> None:
    scan = Scan(as_table(data), "model", chosen, families=FAMILIES, license_table=LICENSES)
    got = [row[0] for row in scan.rows("SELECT position FROM rows ORDER BY position")]
    assert got == [n for n, row in enumerate(data) if expected(row, chosen)]


def test_several_filters_must_all_hold() -> None:
    data = [{"author": "meta-llama", "libraries": ["peft"], "tasks": [], "license": "llama3",
             "licenses": ["llama3"], "license_category": "open-weight-restricted",
             "created_at": None, "base_models": []}]
    scan = Scan(as_table(data), "model", [Filters(family="Meta"), Filters(library="gguf")],
                families=FAMILIES)
    assert scan.count() == 0
    assert scan.narrowed().count() == 0
    assert Scan(as_table(data), "model", Filters(family="Meta"), families=FAMILIES).count() == 1
