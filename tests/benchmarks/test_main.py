"""`python -m benchmarks`: what a rewrite of the tracked BENCHMARKS.md keeps."""

from __future__ import annotations

from pathlib import Path

from benchmarks.__main__ import DOC, HAND_WRITTEN, ROOT, hand_written


def test_a_rewrite_keeps_the_before_and_after_section() -> None:
    """`nox -s bench -- --update-docs` rewrites the measured sections; the before/after
    comparison (a run of `python -m benchmarks.compare` of its own) stays as it is, last."""
    text = (ROOT / DOC).read_text("utf-8")
    kept = hand_written(ROOT / DOC)
    assert kept.startswith(HAND_WRITTEN) and text.endswith(kept)
    assert "| figure | before: median (range) | after: median (range) |" in kept


def test_a_document_without_the_section_keeps_nothing(tmp_path: Path) -> None:
    doc = tmp_path / DOC
    doc.write_text("# Benchmarks\n\n## 1. Crawling\n", "utf-8")
    assert hand_written(doc) == ""
    assert hand_written(tmp_path / "absent.md") == ""
