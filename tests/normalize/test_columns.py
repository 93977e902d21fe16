"""The column-wise normaliser gives exactly the per-item reference's tables and anomaly counts."""

from __future__ import annotations

import gzip
import itertools
import json
from typing import Any

import orjson
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hfexplore.hub.items import ListItem, TypedItems, decode_page
from hfexplore.knowledge import LicenseTable
from hfexplore.normalize.columns import normalize_dicts as normalize
from hfexplore.normalize.columns import normalize_structs
from hfexplore.normalize.reference import normalize_items
from hfexplore.normalize.schema import Anomalies
from tests.conftest import DATASETS_2024, FIXTURES, MODELS_2024, needs_shared_data
from tests.normalize.test_reference import item_strategy

TABLE = LicenseTable.load()
reference = normalize_items  # imported here: the `no_fallback` fixture replaces columns' copy
EDGE = json.loads((FIXTURES / "edge_cases.json").read_text())


def assert_same(items: list[dict[str, Any]], repo_type: str) -> None:
    """normalize() (dicts) and the typed page path both equal the reference, anomalies too."""
    expected_anomalies, anomalies = Anomalies(), Anomalies()
    expected = reference(items, repo_type, TABLE, expected_anomalies)
    got = normalize(items, repo_type, TABLE, anomalies)
    _equal(got, expected)
    assert (anomalies.count, anomalies.examples) == (expected_anomalies.count,
                                                     expected_anomalies.examples)
    try:
        content = orjson.dumps(items)
    except (TypeError, orjson.JSONEncodeError):  # integers beyond 64 bits: no JSON page has them
        return
    page = decode_page(content)
    if type(page) is TypedItems:
        typed_anomalies = Anomalies()
        reparsed = orjson.loads(content)  # NaN became null, as on the wire
        reference_anomalies = Anomalies()
        _equal(normalize_structs(page, repo_type, TABLE, typed_anomalies),
               reference(reparsed, repo_type, TABLE, reference_anomalies))
        assert typed_anomalies.count == reference_anomalies.count


def _equal(got: pa.RecordBatch, expected: pa.RecordBatch) -> None:
    assert got.schema == expected.schema
    if not got.equals(expected):
        for name in expected.schema.names:
            left, right = got.column(name).to_pylist(), expected.column(name).to_pylist()
            for row, (a, b) in enumerate(zip(left, right, strict=True)):
                assert a == b, f"column {name}, row {row}: {a!r} != {b!r}"
        raise AssertionError("the batches differ in a way to_pylist does not show")


def test_the_edge_cases_are_normalised_identically() -> None:
    assert_same(EDGE["models"], "model")
    assert_same(EDGE["datasets"], "dataset")
    for repo_type in ("model", "dataset", "space"):
        assert_same(EDGE["models"] + EDGE["datasets"], repo_type)


@pytest.fixture
def no_fallback(monkeypatch):
    """Fails a test in which the column-wise path hands any row to the reference."""
    def refuse(items, *args, **kwargs):
        raise AssertionError(f"row handed to the per-item reference: {items}")
    monkeypatch.setattr("hfexplore.normalize.columns.normalize_items", refuse)


def test_the_fixture_pages_are_normalised_identically(no_fallback) -> None:
    for path in sorted((FIXTURES / "pages").glob("*.json")):
        items = json.loads(path.read_text())
        repo_type = "dataset" if "dataset" in path.name else \
            "space" if "space" in path.name else "model"
        assert_same(items, repo_type)


def test_odd_values_keep_their_row_and_their_anomalies_in_order() -> None:
    items = [{"_id": "1", "id": "a/x", "library_name": "", "tags": ["base_model:merge:"]},
             {"_id": "2", "id": "a/y", "downloads": "12", "likes": True, "tags": "license:mit"},
             {"_id": 3, "id": "a/z", "tags": ["license:MIT", "gguf"], "downloads": 2**70},
             {"_id": "4", "modelId": "b/w", "cardData": {"license": ["mit", 5]}}]
    assert_same(items, "model")
    anomalies = Anomalies()
    normalize(items, "model", TABLE, anomalies)
    assert anomalies.count == 4 and (anomalies.examples or [])[0].startswith("a/x: base_model")


def test_a_typed_page_needs_every_value_typed() -> None:
    assert type(decode_page(b'[{"_id": "1", "downloads": 3, "cardData": {"x": [1]}}]')) \
        is TypedItems
    assert decode_page(b'[{"_id": "1", "downloads": "3"}]') == [{"_id": "1", "downloads": "3"}]
    assert decode_page(b'{"error": "x"}') == {"error": "x"}
    with pytest.raises(ValueError):
        decode_page(b'[{"_id": "1", "down')
    assert type(decode_page(b"[]")) is TypedItems and ListItem("1").tags is None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(item_strategy, max_size=6), st.sampled_from(["model", "dataset", "space"]))
def test_generated_odd_items_are_normalised_identically(items, repo_type) -> None:
    assert_same(items, repo_type)


def _pages(path, size: int = 1000):
    with gzip.open(path, "rb") as handle:
        lines = iter(handle)
        while page := [orjson.loads(line) for line in itertools.islice(lines, size)]:
            yield page


@needs_shared_data
@pytest.mark.parametrize(("path", "repo_type", "count"), [
    (MODELS_2024, "model", 760_000), (DATASETS_2024, "dataset", 175_000)])
def test_the_real_2024_catalogue_is_normalised_identically(path, repo_type, count,
                                                          no_fallback) -> None:
    rows = 0
    expected_anomalies, dict_anomalies, typed_anomalies = Anomalies(), Anomalies(), Anomalies()
    for items in _pages(path):
        expected = reference(items, repo_type, TABLE, expected_anomalies)
        _equal(normalize(items, repo_type, TABLE, dict_anomalies), expected)
        page = decode_page(orjson.dumps(items))
        assert type(page) is TypedItems  # the real pages take the fast path
        _equal(normalize_structs(page, repo_type, TABLE, typed_anomalies), expected)
        rows += len(items)
    assert rows == count
    assert dict_anomalies.count == typed_anomalies.count == expected_anomalies.count
