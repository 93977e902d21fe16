"""Page checksums checked without decoding: hfexplore's verdict against pyarrow's own
verification (`page_checksum_verification=True`), the independent reader."""

from __future__ import annotations

import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hfexplore.store import pages
from hfexplore.store.pages import page_problems
from hfexplore.store.snapshot import demo_snapshot
from tests.store.damage import flip_bit_in_page


@pytest.fixture
def models(tmp_path: Path) -> Path:
    """The demo's models written with a checksum on every page, in several row groups."""
    target = tmp_path / "models.parquet"
    pq.write_table(pq.read_table(demo_snapshot().path / "models.parquet"), target,
                   compression="zstd", write_page_checksum=True, row_group_size=8_000)
    return target


def pyarrow_finds_damage(path: Path, columns: list[str] | None = None) -> bool:
    try:
        pq.read_table(path, columns=columns, page_checksum_verification=True)
    except (OSError, pa.ArrowException):
        return True
    return False


def test_an_intact_file_passes_and_a_flipped_bit_is_found_where_it_is(models: Path) -> None:
    assert page_problems(models) == []
    offset = flip_bit_in_page(models, "license")
    assert pyarrow_finds_damage(models, ["license"])
    [problem] = page_problems(models)
    assert problem.startswith("models.parquet: column license, row group 0: the page at byte ")
    assert problem.endswith("does not match its checksum")
    page_start = int(problem.split("at byte ")[1].split()[0].replace(",", ""))
    assert page_start < offset < page_start + 200_000
    # only the columns asked about are read: the others are intact
    assert page_problems(models, ["id", "downloads"]) == []
    assert not pyarrow_finds_damage(models, ["id", "downloads"])


def test_no_false_alarm_on_random_flips(models: Path, tmp_path: Path) -> None:
    """A bit flipped anywhere in a column chunk: whenever hfexplore calls the column damaged,
    pyarrow's verifying reader fails on it too (a flip in a header field the checksum does not
    cover, such as the page's statistics, can pass both or only pyarrow)."""
    meta = pq.ParquetFile(models).metadata
    original = models.read_bytes()
    rng = random.Random(22)
    found = 0
    for trial in range(40):
        group = meta.row_group(rng.randrange(meta.num_row_groups))
        chunk = group.column(rng.randrange(group.num_columns))
        start = chunk.dictionary_page_offset if chunk.has_dictionary_page \
            else chunk.data_page_offset
        damaged = bytearray(original)
        damaged[start + rng.randrange(chunk.total_compressed_size)] ^= 1 << rng.randrange(8)
        target = tmp_path / f"flip-{trial}.parquet"
        target.write_bytes(bytes(damaged))
        column = chunk.path_in_schema.split(".")[0]
        if page_problems(target, [column]):
            found += 1
            assert pyarrow_finds_damage(target, [column]), trial
    assert found >= 30  # nearly every byte of a chunk is page data, under its checksum


def test_every_flip_in_a_page_body_is_found(tmp_path: Path) -> None:
    """A file whose page bodies are known without reading any header: one page of PLAIN,
    uncompressed, non-null int64 values per row group, so each body is the last 8 x rows bytes
    of its column chunk. Any bit flipped there is found, as pyarrow finds it."""
    rows = 1_000
    values = pa.array(range(10 * rows), pa.int64())
    table = pa.table({"n": values}, schema=pa.schema([pa.field("n", pa.int64(), False)]))
    target = tmp_path / "plain.parquet"
    pq.write_table(table, target, compression="none", use_dictionary=False,
                   write_page_checksum=True, row_group_size=rows, write_statistics=False)
    meta = pq.ParquetFile(target).metadata
    original = target.read_bytes()
    rng = random.Random(7)
    for trial in range(30):
        group = rng.randrange(meta.num_row_groups)
        chunk = meta.row_group(group).column(0)
        end = chunk.data_page_offset + chunk.total_compressed_size
        damaged = bytearray(original)
        damaged[end - 8 * rows + rng.randrange(8 * rows)] ^= 1 << rng.randrange(8)
        flipped = tmp_path / f"flip-{trial}.parquet"
        flipped.write_bytes(bytes(damaged))
        assert pyarrow_finds_damage(flipped)
        assert page_problems(flipped) == [
            f"{flipped.name}: column n, row group {group}: the page at byte "
            f"{chunk.data_page_offset:,} does not match its checksum"]


def test_pages_without_checksums_pass(tmp_path: Path) -> None:
    """Files written before checksums (the bundled demo among them) cannot be checked this way;
    they are not called damaged."""
    assert page_problems(demo_snapshot().path / "models.parquet") == []


def test_each_file_version_is_checked_once(models: Path, monkeypatch) -> None:
    reads: list[set[str]] = []
    real = pages._column_problems
    monkeypatch.setattr(pages, "_column_problems",
                        lambda path, meta, columns: reads.append(set(columns)) or
                        real(path, meta, columns))
    assert page_problems(models, ["license", "id"]) == []
    assert page_problems(models, ["license"]) == []
    assert reads == [{"license", "id"}]  # the second call read nothing
    flip_bit_in_page(models, "license")  # a new version of the file: checked again
    assert page_problems(models, ["license"]) != []
    assert pages.known_problems(models) == page_problems(models, ["license"])
