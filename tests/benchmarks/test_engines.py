"""`python -m benchmarks.engines` without Spark (that runs in `nox -s engines`, needing Java)."""

from __future__ import annotations

import stat
from collections import Counter
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from benchmarks import engines

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    return engines.make_export(tmp_path_factory.mktemp("engines") / "export", models=1_200,
                               dates=2)


def _independent(export: Path) -> engines.Figures:
    """The figures read file by file with pyarrow, the date and repo type from the path."""
    figures: engines.Figures = {"total": {}, "category": {}, "license": {}}
    for path in export.glob("repo_type=*/date=*/part-0.parquet"):
        repo_type, date = path.parent.parent.name[10:], path.parent.name[5:]
        table = pq.read_table(path, columns=["license", "license_category"])
        figures["total"][(date, repo_type)] = table.num_rows
        if repo_type == "model":
            for what, column in (("category", "license_category"), ("license", "license")):
                counts = Counter(v if v is not None else engines.NONE
                                 for v in table[column].to_pylist())
                figures[what].update({(date, k): n for k, n in counts.items()})
    return figures


def test_hfexplore_and_duckdb_give_the_figures_read_file_by_file(export) -> None:
    expected = _independent(export)
    assert len({date for date, _ in expected["total"]}) == 2
    assert len(expected["license"]) > 10
    assert engines.differences(expected, engines.with_hfexplore(export)) == []
    assert engines.differences(expected, engines.with_duckdb(export)) == []


def test_duckdb_reads_the_date_partition_as_a_date_hence_the_casts(export) -> None:
    kinds = duckdb.sql(f"select distinct typeof(date), typeof(repo_type) from read_parquet("
                       f"'{export}/**/*.parquet', hive_partitioning = true)").fetchall()
    assert kinds == [("DATE", "VARCHAR")]


def test_differences_names_every_mismatch() -> None:
    mine = {"total": {("2026-11-22", "model"): 3, ("2026-11-22", "space"): 1}}
    theirs = {"total": {("2026-11-22", "model"): 4, ("2026-11-23", "space"): 1}}
    assert engines.differences(mine, theirs) == [
        "total 2026-11-22 model: 3 != 4", "total 2026-11-22 space: 1 != None",
        "total 2026-11-23 space: None != 1"]
    assert engines.differences(mine, mine) == []


def test_the_readme_shows_the_recipes_that_run() -> None:
    readme = (ROOT / "README.md").read_text()
    assert engines.SPARK_RECIPE.replace("dest", '"/srv/hub-export"', 1) in readme
    assert engines.DUCKDB_RECIPE.format(dest="/srv/hub-export") in readme


def _fake_java(tmp_path: Path, shown: str) -> Path:
    java = tmp_path / "jdk" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text(f"#!/bin/sh\necho '{shown}' >&2\n")
    java.chmod(java.stat().st_mode | stat.S_IEXEC)
    return java.parent.parent


@pytest.mark.parametrize(("shown", "major"), [
    ('openjdk version "17.0.15" 2025-04-15', 17), ('java version "1.8.0_292"', 8),
    ('openjdk version "21" 2023-09-19', 21)])
def test_java_version_reads_the_major_version(tmp_path, monkeypatch, shown, major) -> None:
    monkeypatch.setenv("JAVA_HOME", str(_fake_java(tmp_path, shown)))
    assert engines.java_version() == major


def test_without_java_it_says_how_to_install_it(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "nowhere"))
    assert engines.main(["--models", "10"]) == 1
    error = capsys.readouterr().err
    assert "no java found" in error and "apt-get install -y default-jre-headless" in error


def test_an_old_java_is_refused(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("JAVA_HOME", str(_fake_java(tmp_path, 'openjdk version "11.0.2"')))
    assert engines.main(["--models", "10"]) == 1
    assert "found Java 11" in capsys.readouterr().err
