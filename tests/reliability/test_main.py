"""Where `nox -s faults` and `nox -s bench` write: never a tracked file unless asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.__main__ import report_path as bench_report_path
from tests.reliability.__main__ import main as faults_main
from tests.reliability.__main__ import report_path as faults_report_path


@pytest.mark.parametrize(("report_path", "doc"), [(faults_report_path, "RELIABILITY.md"),
                                                   (bench_report_path, "BENCHMARKS.md")])
def test_reports_go_to_an_untracked_place_unless_docs_are_asked_for(report_path, doc,
                                                                    tmp_path) -> None:
    assert report_path(None, False, tmp_path) == tmp_path / "reports" / doc
    assert report_path(tmp_path / "x.md", False, tmp_path) == tmp_path / "x.md"
    assert report_path(None, True, tmp_path) == tmp_path / doc


def test_reports_directory_is_ignored_by_git() -> None:
    root = Path(__file__).resolve().parents[2]
    assert "/reports/" in (root / ".gitignore").read_text().splitlines()


def test_output_and_update_docs_cannot_be_combined(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        faults_main(["--output", "x.md", "--update-docs"])
    assert exit_.value.code == 2 and "not allowed with" in capsys.readouterr().err


def test_a_rewrite_keeps_the_hand_written_sections() -> None:
    """`nox -s faults -- --update-docs` rewrites the scenario table only: the sections written
    by hand after it (secrets, damaged snapshots, the bad inputs tried) stay as they are."""
    from tests.reliability.__main__ import DOC, ROOT, hand_written

    kept = hand_written(ROOT / DOC)
    text = (ROOT / DOC).read_text("utf-8")
    assert text.endswith(kept) and kept.startswith("\n## Secrets and untrusted content\n")
    for heading in ("## Damaged snapshots and page checksums", "## Bad inputs tried"):
        assert heading in kept
