"""The dump reader's Arrow paths on odd values: cardData text decoded per row group (and card by
card when one is odd), hub-stats' baseModels struct, gated as text, list elements that are
null, columns of a wider type. Expectations are written out by hand from the raw rows below,
by the rules of `normalize/schema.py`'s docstring."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hfexplore.ingest.dump_import import import_snapshots
from hfexplore.ingest.dump_reader import read_cards

BASES = pa.struct([("models", pa.list_(pa.struct([("_id", pa.string()), ("id", pa.string())]))),
                   ("relation", pa.string())])
# one raw row per case: (id, tags, cardData text, baseModels, gated text, likes)
ROWS: list[tuple[Any, ...]] = [
    ("org/a", ["license:apache-2.0", None, "base_model:finetune:org/other"],
     '{"license": "MIT ", "base_model": ["org/Base", " org/base "], "x": [1, {"y": 2}]}',
     None, " Auto ", 3),
    ("org/b", ["license:mit"], '{"license": ["other", 5], "license_name": "my-license"}',
     None, "False", 4),
    ("org/c", ["license:gpl-3.0"], "not json", None, "true", None),
    ("org/d", [], "", {"models": [{"_id": "1", "id": "org/A"}, {"_id": "2", "id": None}],
                       "relation": "quantized"}, None, 5),
    ("org/e", ["license:other"], "[1, 2]",
     {"models": [{"_id": "3", "id": "org/B"}], "relation": "weird"}, "manual", 6),
    ("org/f", ["license:other"], '{"license": [], "license_name": "named"}', None, None, 7),
    ("org/g", None, '{"license": "other", "license_name": "x", "base_model": "org/g"}', None,
     None, 2**40),
    ("org/h", ["base_model:adapter:"], None, None, None, 0),
]
EXPECTED = {  # id -> the snapshot's values
    "org/a": {"license": "mit", "licenses": ["mit", "apache-2.0"], "license_name": None,
              "base_models": ["org/other", "org/Base"],
              "base_relations": ["finetune", "unspecified"], "base_relation": "finetune",
              "tags": ["license:apache-2.0", "base_model:finetune:org/other"], "gated": "auto",
              "likes": 3},
    "org/b": {"license": "other", "licenses": ["other", "mit"], "license_name": "my-license",
              "base_models": [], "base_relations": [], "base_relation": None,
              "tags": ["license:mit"], "gated": "false", "likes": 4},
    "org/c": {"license": "gpl-3.0", "licenses": ["gpl-3.0"], "license_name": None,
              "base_models": [], "base_relations": [], "base_relation": None,
              "tags": ["license:gpl-3.0"], "gated": None, "likes": None},
    "org/d": {"license": None, "licenses": [], "license_name": None,
              "base_models": ["org/A"], "base_relations": ["quantized"],
              "base_relation": "quantized", "tags": [], "gated": None, "likes": 5},
    "org/e": {"license": "other", "licenses": ["other"], "license_name": None,
              "base_models": ["org/B"], "base_relations": ["unspecified"],
              "base_relation": "unspecified", "tags": ["license:other"], "gated": "manual",
              "likes": 6},
    "org/f": {"license": "other", "licenses": ["other"], "license_name": "named",
              "base_models": [], "base_relations": [], "base_relation": None,
              "tags": ["license:other"], "gated": None, "likes": 7},
    "org/g": {"license": "other", "licenses": ["other"], "license_name": "x",
              "base_models": [], "base_relations": [], "base_relation": None, "tags": [],
              "gated": None, "likes": 2**40},
    "org/h": {"license": None, "licenses": [], "license_name": None, "base_models": [],
              "base_relations": [], "base_relation": None, "tags": ["base_model:adapter:"],
              "gated": None, "likes": 0},
}


def write(path: Path, rows: list[tuple[Any, ...]], likes_type: pa.DataType) -> Path:
    ids, tags, cards, bases, gated, likes = (list(c) for c in zip(*rows, strict=True))
    table = pa.table({
        "id": pa.array(ids, pa.string()), "tags": pa.array(tags, pa.list_(pa.string())),
        "cardData": pa.array(cards, pa.string()), "baseModels": pa.array(bases, BASES),
        "gated": pa.array(gated, pa.string()), "likes": pa.array(likes, likes_type),
        "createdAt": pa.array([datetime(2024, 5, 1, tzinfo=UTC)] * len(ids),
                              pa.timestamp("us", tz="UTC")),
    })
    pq.write_table(table, path, row_group_size=3)  # several row groups, odd rows in each
    return path


@pytest.mark.parametrize("likes_type", [pa.int64(), pa.int32(), pa.string()])
def test_odd_values_are_read_by_the_rules(tmp_path, likes_type) -> None:
    rows = ROWS if likes_type != pa.int32() else [(*r[:5], None if r[5] == 2 ** 40 else r[5])
                                                  for r in ROWS]
    if likes_type == pa.string():  # numeric text is read as a number
        rows = [(*r[:5], None if r[5] is None else str(r[5])) for r in rows]
    source = write(tmp_path / "models.parquet", rows, likes_type)
    result = import_snapshots(str(source), tmp_path / "data", repo_types=["model"],
                              as_of=datetime(2026, 1, 1, tzinfo=UTC))
    [snapshot] = result.snapshots
    got = {row["id"]: row for row in snapshot.table("model").to_pylist()}
    assert sorted(got) == sorted(EXPECTED)
    for repo_id, expected in EXPECTED.items():
        if likes_type == pa.int32() and repo_id == "org/g":
            expected = {**expected, "likes": None}
        for column, value in expected.items():
            assert got[repo_id][column] == value, (repo_id, column)
        assert got[repo_id]["created_at"] == datetime(2024, 5, 1, tzinfo=UTC)
    anomalies = snapshot.manifest["anomalies"]
    assert anomalies["card_data_unparsed"] == 2  # "not json" and ""
    assert anomalies["count"] == 1  # org/h's relation tag without a repo
    assert anomalies["examples"] == ["org/h: base_model tag without a repo='base_model:adapter:'"]


def test_cards_are_decoded_in_one_call_or_card_by_card() -> None:
    texts = ['{"license": "mit"}', None, '{"base_model": "a/b", "license_name": 3}', "{}"]
    inputs, odd, unparsed = read_cards(pa.array(texts, pa.string()))
    assert (odd, unparsed) == ({}, 0)
    assert inputs["card.license"].to_pylist() == [["mit"], None, None, None]
    assert inputs["card.base_model"].to_pylist() == [None, None, ["a/b"], None]
    assert inputs["card.license_name"].to_pylist() == [None, None, None, None]
    texts.append('{"license": {"id": "mit"}}')  # a key of another type: the reference's row
    texts.append("{broken")
    inputs, odd, unparsed = read_cards(pa.array(texts, pa.large_string()))
    assert odd == {4: {"license": {"id": "mit"}}} and unparsed == 1
    assert inputs["card.license"].to_pylist() == [["mit"], None, None, None, None, None]


def test_a_card_cannot_reach_into_its_neighbours() -> None:
    """Texts that are not JSON alone but would be if joined stay unparsed, row by row."""
    texts = ['{"license": "mit"}, {"license": "gpl-3.0"}', '{"license_name": [', 'null]}',
             '{"license": "apache-2.0"}']
    inputs, odd, unparsed = read_cards(pa.array(texts, pa.string()))
    assert (odd, unparsed) == ({}, 3)
    assert inputs["card.license"].to_pylist() == [None, None, None, ["apache-2.0"]]
