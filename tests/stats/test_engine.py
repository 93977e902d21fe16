"""The query engine over snapshot files: version-1 files, odd paths, damaged files."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hfexplore.errors import MissingRepoTypeError, SnapshotError
from hfexplore.stats import reports
from hfexplore.stats.engine import Scan
from hfexplore.stats.filters import Filters
from hfexplore.store.snapshot import open_snapshot
from tests.store.test_upgrade import version_1_models


def write_snapshot(path: Path, models: pa.Table, version: int = 2) -> Path:
    path.mkdir(parents=True)
    pq.write_table(models, path / "models.parquet")
    (path / "manifest.json").write_text(json.dumps({
        "schema_version": version, "started_at": "2024-07-11T00:00:00Z",
        "repo_types": {"model": {"count": models.num_rows}}}))
    return path


def test_a_version_1_snapshot_is_upgraded_for_the_engine(tmp_path: Path) -> None:
    snapshot = open_snapshot(write_snapshot(tmp_path / "old", version_1_models(), version=1))
    lineage = reports.lineage(snapshot).rows.set_index("base_model")
    assert lineage["adapter"].to_dict() == {"m/base": 1, "n/other": 1, "q/r": 0}
    assert lineage.loc["q/r", "unspecified"] == 1
    categories = reports.licenses(snapshot, by="category").rows.set_index("category")
    assert categories["count"].to_dict() == {"non-commercial": 1, "permissive": 1, "none": 1}
    libraries = reports.libraries(snapshot).rows.set_index("library")["count"].to_dict()
    assert libraries == {"peft": 1, "": 1, "(none)": 1}


def test_a_path_with_a_quote_is_read(tmp_path: Path) -> None:
    snapshot = open_snapshot(write_snapshot(tmp_path / "it's here", version_1_models()))
    assert Scan(snapshot, "model", Filters(author="B")).count() == 1


def test_a_damaged_file_is_a_snapshot_error(tmp_path: Path) -> None:
    path = write_snapshot(tmp_path / "bad", version_1_models())
    data = (path / "models.parquet").read_bytes()
    footer = int.from_bytes(data[-8:-4], "little") + 8  # the footer stays readable
    (path / "models.parquet").write_bytes(data[:4] + b"\xff" * (len(data) - footer - 4)
                                          + data[-footer:])
    with pytest.raises(SnapshotError, match="damaged"):
        reports.licenses(open_snapshot(path))


@pytest.mark.parametrize("damage", ["truncated", "not parquet", "deleted"])
def test_an_unreadable_file_is_a_snapshot_error(tmp_path: Path, damage: str) -> None:
    path = write_snapshot(tmp_path / "bad", version_1_models())
    file = path / "models.parquet"
    if damage == "truncated":
        file.write_bytes(file.read_bytes()[:-100])
    elif damage == "not parquet":
        file.write_text("<html>an error page</html>")
    else:
        file.unlink()
    with pytest.raises(SnapshotError, match="damaged"):
        reports.authors(open_snapshot(path))


def test_a_missing_repo_type_is_named(tmp_path: Path) -> None:
    snapshot = open_snapshot(write_snapshot(tmp_path / "models-only", version_1_models()))
    with pytest.raises(MissingRepoTypeError, match="no datasets"):
        Scan(snapshot, "dataset")
