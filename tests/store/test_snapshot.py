"""The snapshot on disk: names, manifest checks, reads, checksums, pruning (on demo copies)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from hfexplore.errors import ManifestError, MissingRepoTypeError, SnapshotError
from hfexplore.store.inventory import list_snapshots, prune_snapshots
from hfexplore.store.snapshot import demo_snapshot, describe_file, open_snapshot, snapshot_name
from tests.store.test_inventory_resolve import NAMES, add_snapshot


def test_names_are_utc_seconds_and_never_collide(tmp_path: Path) -> None:
    moment = datetime(2024, 7, 1, 8, 0, 5, tzinfo=UTC)
    assert snapshot_name(moment) == "2024-07-01T080005Z"
    (tmp_path / "2024-07-01T080005Z").mkdir()
    (tmp_path / ".partial-2024-07-01T080005Z-2").mkdir()  # an unfinished crawl holds -2
    assert snapshot_name(moment, tmp_path) == "2024-07-01T080005Z-3"


def test_reads_match_the_parquet_files(tmp_path: Path) -> None:
    snap = open_snapshot(add_snapshot(tmp_path, NAMES[0]))
    raw = pq.read_table(snap.path / "models.parquet", columns=["id", "author"])
    assert snap.table("model", ["id", "author"]).equals(raw)
    assert snap.num_rows("model") == raw.num_rows == snap.count("model")
    assert list(snap.frame("model", ["id"])["id"]) == raw["id"].to_pylist()
    assert snap.as_of == datetime(2024, 6, 30, 12, tzinfo=UTC)
    assert snap.size_bytes() == sum(p.stat().st_size for p in snap.path.iterdir())


def test_a_repo_type_the_snapshot_lacks_is_a_typed_error(tmp_path: Path) -> None:
    path = add_snapshot(tmp_path, NAMES[0])
    manifest = json.loads((path / "manifest.json").read_text())
    del manifest["repo_types"]["space"]
    (path / "manifest.json").write_text(json.dumps(manifest))
    snap = open_snapshot(path)
    assert not snap.has("space") and snap.count("space") is None
    with pytest.raises(MissingRepoTypeError, match="has no spaces") as caught:
        snap.table("space")
    assert caught.value.repo_type == "space"


def test_checksums_are_sha256_and_verify_finds_a_changed_byte(tmp_path: Path) -> None:
    snap = open_snapshot(add_snapshot(tmp_path, NAMES[0]))
    models = snap.path / "models.parquet"
    described = describe_file(models)
    assert described == {"file": "models.parquet", "bytes": models.stat().st_size,
                         "sha256": hashlib.sha256(models.read_bytes()).hexdigest()}
    assert snap.verify() == []
    data = bytearray(models.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, same footer: only the checksum can tell
    models.write_bytes(bytes(data))
    assert snap.problems() == []
    assert snap.verify() == ["models.parquet does not match its sha256 in the manifest"]
    (snap.path / "datasets.parquet").unlink()
    assert "datasets.parquet is missing" in snap.verify()


@pytest.mark.parametrize(("manifest", "error", "says"), [
    ("{", ManifestError, "unreadable manifest.json"),
    ('{"repo_types": []}', ManifestError, "has no repo_types"),
    ('{"repo_types": {"models": {"count": 1}}}', ManifestError, "is not a repo type"),
    ('{"repo_types": {"model": {"count": -1}}}', ManifestError, "not a number of repos"),
])
def test_a_bad_manifest_is_named(tmp_path: Path, manifest: str, error: type, says: str) -> None:
    (tmp_path / "manifest.json").write_text(manifest)
    with pytest.raises(error, match=says):
        open_snapshot(tmp_path)


def test_a_directory_without_manifest_is_not_a_snapshot(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="is not a snapshot"):
        open_snapshot(tmp_path)


def test_list_and_prune_keep_the_newest(tmp_path: Path) -> None:
    for name in NAMES:
        add_snapshot(tmp_path, name)
    (tmp_path / "snapshots" / "junk").mkdir()
    (tmp_path / "snapshots" / ".partial-x").mkdir()
    snapshots, problems = list_snapshots(tmp_path)
    assert [s.name for s in snapshots] == NAMES
    assert len(problems) == 1 and "junk" in problems[0]
    assert prune_snapshots(tmp_path, 1) == NAMES[:2]
    assert sorted(p.name for p in (tmp_path / "snapshots").iterdir()) == \
        [".partial-x", NAMES[2], "junk"]


def test_the_demo_is_labelled_as_a_sample() -> None:
    demo = demo_snapshot()
    assert demo.source.startswith("demo") and demo.repo_types() == ["model", "dataset", "space"]
