"""The claim blocks read typed verdicts: figures, dates and evidence as a person reads them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hfexplore.formats.claims_text import ClaimBlocks, ClaimBlocksMarkdown
from hfexplore.verdicts import (
    ClaimsReport,
    DataUsed,
    Direction,
    Evidence,
    Finding,
    Measurement,
    Outcome,
    Range,
    Verdict,
)

DEMO = DataUsed("demo", datetime(2024, 7, 11, tzinfo=UTC), "count over snapshot",
                "a 1-in-38 sample")


def claims(*verdicts: Verdict) -> ClaimsReport:
    return ClaimsReport(title="Claims about the Hub, checked", source="demo",
                        as_of=datetime(2024, 7, 11, tzinfo=UTC), verdicts=verdicts)


def test_a_block_shows_the_figure_its_data_and_the_claims_date() -> None:
    finding = Finding(Outcome.REFUTED, "> 1,000,000", "count", direction=Direction.OVERSTATED,
                      measured=Measurement(760_000.0, Range(749_394, 770_606), DEMO))
    verdict = Verdict("millions", Outcome.REFUTED, date(2024, 7, 11), "a million models",
                      direction=Direction.OVERSTATED, finding=finding, data=DEMO,
                      evidence=(Evidence("datasets", Measurement(175_000.0, Range(0, 1), DEMO)),))
    text = ClaimBlocks().render(claims(verdict))
    assert "millions: REFUTED (overstated)\n" in text
    assert "  measured 760,000 (demo, 2024-07-11)\n" in text
    assert "  expected > 1,000,000 on 2024-07-11\n" in text
    assert "  at claim between 749,394 and 770,606\n" in text
    assert "  evidence datasets: 175,000 (demo, a 1-in-38 sample)\n" in text
    assert text.endswith("\n\n1 refuted\n")


def test_parts_that_no_data_measured_say_so_in_words() -> None:
    parts = tuple(Finding(Outcome.INCONCLUSIVE, ">= 1", "count", name, note="no snapshot")
                  for name in ("Meta", "Mistral"))
    verdict = Verdict("groups", Outcome.INCONCLUSIVE, None, parts=parts,
                      note="Meta: no snapshot; Mistral: no snapshot")
    text = ClaimBlocks().render(claims(verdict))
    assert "  measured Meta: not measured; Mistral: not measured\n" in text
    assert "  expected Meta: >= 1; Mistral: >= 1 (claim date unknown)\n" in text
    assert "None" not in text
    markdown = ClaimBlocksMarkdown().render(claims(verdict))
    assert "### groups: INCONCLUSIVE" in markdown
    assert "- **measured**: Meta: not measured" in markdown
