"""The query engine over snapshot files: version-1 files, odd paths, damaged files."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hfexplore.errors import MissingRepoTypeError, SnapshotError
from hfexplore.stats import reports
from hfexplore.stats.engine import Scan, columns_named
from hfexplore.stats.filters import Filters
from hfexplore.store.snapshot import demo_snapshot, open_snapshot
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


@pytest.mark.parametrize("damage", ["truncated", "not parquet"])
def test_a_damaged_file_is_said_on_one_line_without_the_query(tmp_path: Path,
                                                               damage: str) -> None:
    """DuckDB's message repeats the SQL with ^^^ markers on further lines: only the first,
    the useful part, reaches the user."""
    path = write_snapshot(tmp_path / "bad", version_1_models(), version=2)
    file = path / "models.parquet"
    file.write_bytes(file.read_bytes()[:-100] if damage == "truncated" else b"PAR1 junk PAR1")
    with pytest.raises(SnapshotError) as caught:
        reports.authors(open_snapshot(path))
    message = str(caught.value)
    assert message.startswith("snapshot bad is damaged (models.parquet cannot be read (")
    assert "\n" not in message and "^" not in message and "LINE 1" not in message


def test_the_columns_a_query_names() -> None:
    """Every column the query may read is among those returned (None: all of them); a few
    more do no harm, one fewer would leave a page unchecked."""
    names = ["id", "_id", "author", "license", "license_category", "downloads", "created_at"]
    cases = {
        "SELECT license, count(*) FROM rows GROUP BY ALL": ["license"],
        "SELECT lower(m.author) FROM models m WHERE \"_id\" > ''": ["_id", "author"],
        "select LICENSE_CATEGORY from rows": ["license_category"],
        "SELECT year(created_at) * 100 + month(created_at) FROM rows": ["created_at"],
        "SELECT downloads*2 FROM rows": ["downloads"],
        "WITH f AS (SELECT license FROM rows) SELECT * FROM f ORDER BY 1": ["license"],
        "SELECT * FROM (SELECT author FROM rows) CROSS JOIN (SELECT count(*) FROM rows)":
            ["author"],
        # every column:
        "SELECT * FROM rows": None,
        "SELECT * FROM source WHERE x": None,
        "SELECT * EXCLUDE (id) FROM rows r ORDER BY 1": None,
        "SELECT * FROM (SELECT * FROM rows)": None,
        "SELECT *, 1 FROM rows": None,
        "SELECT * FROM f JOIN rows USING (id)": None,
        "SELECT m.* FROM models m": None,
        "SELECT COLUMNS('down.*') FROM rows": None,
        "SELECT * FROM old": None,
    }
    for query, expected in cases.items():
        assert columns_named(query, names, ("rows", "source", "old")) == expected, query


def test_a_query_checks_the_pages_of_the_columns_it_reads(tmp_path: Path) -> None:
    from tests.store.damage import flip_bit_in_page

    models = pq.read_table(demo_snapshot().file("model"))
    path = tmp_path / "flipped"
    path.mkdir()
    pq.write_table(models, path / "models.parquet", compression="zstd",
                   write_page_checksum=True)
    (path / "manifest.json").write_text(json.dumps({
        "schema_version": 2, "repo_types": {"model": {"count": models.num_rows}}}))
    flip_bit_in_page(path / "models.parquet", "license")
    snapshot = open_snapshot(path)
    assert Scan(snapshot, "model").scalar("SELECT count(DISTINCT author) FROM rows") > 0
    with pytest.raises(SnapshotError, match=r"snapshot flipped is damaged \(models\.parquet: "
                                            r"column license, row group 0: the page at byte"):
        Scan(snapshot, "model").frame("SELECT license, count(*) FROM rows GROUP BY ALL")
    with pytest.raises(SnapshotError, match="column license"):  # read by a condition only
        Scan(snapshot, "model").frame("SELECT count(*) FROM rows WHERE license = 'mit'")


def test_a_missing_repo_type_is_named(tmp_path: Path) -> None:
    snapshot = open_snapshot(write_snapshot(tmp_path / "models-only", version_1_models()))
    with pytest.raises(MissingRepoTypeError, match="no datasets"):
        Scan(snapshot, "dataset")


@pytest.mark.parametrize("report", ["summary", "licenses", "libraries", "tasks", "authors",
                                    "lineage", "growth"])
def test_the_pages_left_unchecked_are_pages_the_report_never_reads(tmp_path: Path,
                                                                   report: str,
                                                                   monkeypatch) -> None:
    """A report checks the pages of the columns its queries name. Every other column of the
    file is garbled (its data pages past their first header) and the report runs with no check
    at all (DuckDB fails on, or misreads, whatever it reads of them): it must give exactly
    what it gives on the intact file, so DuckDB never read what was left unchecked."""
    from tests.store.damage import checksummed_snapshot

    snapshot = open_snapshot(checksummed_snapshot(tmp_path / "intact", "2024-07-11T000000Z"))
    checked: set[str] = set()
    real = type(snapshot).check_pages

    def spy(self, repo_type, columns=None):
        checked.update(columns if columns is not None else ["*"])
        return real(self, repo_type, columns)

    monkeypatch.setattr(type(snapshot), "check_pages", spy)
    expected = getattr(reports, report)(snapshot).document()
    assert checked and "*" not in checked
    damaged = open_snapshot(checksummed_snapshot(tmp_path / "damaged", "2024-07-11T000000Z"))
    flipped = []
    for repo_type in damaged.repo_types():
        meta = pq.ParquetFile(damaged.file(repo_type)).metadata.row_group(0)
        for index in range(meta.num_columns):
            chunk = meta.column(index)
            name = chunk.path_in_schema.split(".")[0]
            start = chunk.dictionary_page_offset if chunk.has_dictionary_page \
                else chunk.data_page_offset
            if name in checked or start + chunk.total_compressed_size - \
                    chunk.data_page_offset < 400:  # too little data to garble
                continue
            path = damaged.file(repo_type)
            data = bytearray(path.read_bytes())  # past the first page's header: garbage
            for offset in range(chunk.data_page_offset + 100,
                                start + chunk.total_compressed_size, 61):
                data[offset] ^= 0xFF
            path.write_bytes(bytes(data))
            flipped.append(name)
    assert len(flipped) >= 10
    # No check now: DuckDB reads whatever the queries make it read, flipped pages included.
    monkeypatch.setattr(type(snapshot), "check_pages", lambda *args, **kwargs: None)
    got = getattr(reports, report)(damaged).document()
    assert {k: v for k, v in got.items() if k != "source"} == \
        {k: v for k, v in expected.items() if k != "source"}
