"""Listing a data directory's snapshots as data a Python user can read."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from hfexplore.repo_type import RepoType
from hfexplore.store.inventory import list_snapshot_inventory
from tests.store.test_inventory_resolve import NAMES, add_snapshot, run


def test_each_snapshot_with_its_counts_size_and_status(tmp_path: Path) -> None:
    paths = [add_snapshot(tmp_path, name) for name in NAMES[:2]]
    models = paths[1] / "models.parquet"
    models.write_bytes(models.read_bytes()[: models.stat().st_size // 2])
    (tmp_path / "snapshots" / ".partial-2024-07-02T000000Z").mkdir()

    inventory = list_snapshot_inventory(tmp_path)

    assert [s.name for s in inventory.snapshots] == NAMES[:2]
    ok, damaged = inventory.snapshots
    expected = {RepoType(p.stem[:-1]): pq.ParquetFile(p).metadata.num_rows
                for p in paths[0].glob("*.parquet")}
    assert {t: n for t, n in ok.counts.items() if n is not None} == expected
    assert ok.size_bytes == sum(p.stat().st_size for p in paths[0].iterdir())
    assert ok.intact and ok.status == "ok" and ok.started_at is not None
    assert ok.started_at.isoformat() == "2024-06-30T12:00:00+00:00"
    assert not damaged.intact and damaged.status.startswith("damaged: models.parquet is truncated")
    assert [c.path.name for c in inventory.unfinished] == [".partial-2024-07-02T000000Z"]

    frame = inventory.frame()
    assert list(frame.columns) == ["name", "started_at", "models", "datasets", "spaces",
                                   "size_bytes", "status"]
    assert list(frame["name"]) == NAMES[:2] and frame.loc[0, "started_at"] == \
        "2024-06-30T12:00:00Z"
    assert frame.loc[0, "models"] == expected[RepoType.MODEL]
    assert str(frame["models"].dtype) == "Int64" and str(frame["size_bytes"].dtype) == "Int64"


def test_an_unreadable_manifest_lists_the_snapshot_without_figures(tmp_path: Path) -> None:
    path = add_snapshot(tmp_path, NAMES[0])
    (path / "manifest.json").write_text("{not json")
    [entry] = list_snapshot_inventory(tmp_path).snapshots
    assert entry.started_at is None and entry.size_bytes is None
    assert set(entry.counts.values()) == {None} and entry.status.startswith("damaged: ")
    assert list_snapshot_inventory(tmp_path).frame()["models"].isna().all()


def test_an_empty_data_dir_lists_nothing(tmp_path: Path) -> None:
    inventory = list_snapshot_inventory(tmp_path / "nothing-here")
    assert inventory.snapshots == [] and inventory.unfinished == []
    assert len(inventory.frame()) == 0 and "status" in inventory.frame().columns


def _damage(path: Path, how: str) -> None:
    if how == "truncated file":
        models = path / "models.parquet"
        models.write_bytes(models.read_bytes()[:4096])
    elif how == "corrupt manifest":
        (path / "manifest.json").write_text('{"repo_types": ')
    else:
        (path / "datasets.parquet").unlink()


@pytest.mark.parametrize("how", ["truncated file", "corrupt manifest", "missing file"])
def test_prune_keeps_the_newest_intact_snapshots_and_the_damaged_unless_asked(
        tmp_path: Path, how: str) -> None:
    """ok, ok, damaged, ok with --keep 2: the two newest intact ones stay (the damaged one did
    not count as one of them), the damaged one is reported and kept; --damaged deletes it."""
    names = [*NAMES, "2024-07-02T000000Z"]
    paths = [add_snapshot(tmp_path, name) for name in names]
    _damage(paths[2], how)
    (tmp_path / "snapshots" / "notes").mkdir()  # not a snapshot: never ours to delete

    result = run("snapshot", "prune", "--keep", "2", "--data-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.stdout == "removed 1 snapshot(s)\n"
    [warning] = result.stderr.splitlines()
    assert warning.startswith(f"warning: kept damaged snapshot {names[2]} (")
    assert warning.endswith("; `hfexplore snapshot prune --damaged` deletes it")
    left = sorted(p.name for p in (tmp_path / "snapshots").iterdir())
    assert left == [names[1], names[2], names[3], "notes"]

    result = run("snapshot", "prune", "--damaged", "--data-dir", str(tmp_path))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "removed 1 snapshot(s)\n", "")
    assert sorted(p.name for p in (tmp_path / "snapshots").iterdir()) == \
        [names[1], names[3], "notes"]


def test_prune_needs_keep_or_damaged(tmp_path: Path) -> None:
    result = run("snapshot", "prune", "--data-dir", str(tmp_path))
    assert result.exit_code == 2 and "give --keep N, --damaged, or both" in result.stderr
