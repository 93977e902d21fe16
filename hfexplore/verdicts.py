"""What checking claims returns: typed verdicts, kept typed until a format writes them.

A `Verdict` holds values (dates as `date` and `datetime`, figures as numbers, ranges as
`Range`); the JSON document and the CSV write `Verdict.row()`, the terminal blocks
(`formats/claims_text.py`) and the HTML cards (`page/html.py`) read the fields themselves.
These types sit in the base vocabulary, beside `Report`, because the formats (below the
claims) render them and the claims (above the formats) make them.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from hfexplore.report import Report, iso, plain
from hfexplore.rows import Rows

INFINITY = math.inf
ROW_COLUMNS = ["id", "verdict", "direction", "measured", "expected", "at_claim_date",
               "claim_date", "data_as_of", "as_of", "caveat", "source", "method", "note",
               "quote", "article", "evidence", "readings"]
EXIT_ALL_MEASURED, EXIT_ERRORS, EXIT_NOTHING_MEASURED, EXIT_SOME_INCONCLUSIVE = 0, 1, 3, 4


class Outcome(StrEnum):
    SUPPORTED = "supported"
    REFUTED = "refuted"
    INCONCLUSIVE = "inconclusive"  # no data could decide it (the note says why)
    # The data decides each reading of the claim's vague words, and the readings disagree.
    CONTESTED = "contested"
    OUT_OF_SCOPE = "out-of-scope"  # not a question the Hub's catalogue can answer


# The verdicts the data decided: exit status 0 when every in-scope claim has one.
DECIDED = (Outcome.SUPPORTED, Outcome.REFUTED, Outcome.CONTESTED)


class Direction(StrEnum):
    """How a refuted claim is wrong: it promised more, or less, than is true."""

    OVERSTATED = "overstated"
    UNDERSTATED = "understated"


@dataclass(frozen=True)
class Range:
    """What a figure measured on some data says of its value at the claim's date."""

    low: float
    high: float

    def describe(self, percent: bool = False) -> str:
        def show(value: float) -> str:
            if value == INFINITY:
                return "unbounded"
            if percent:
                return f"{100 * value:.1f}%"
            return f"{value:,.0f}" if abs(value) >= 10 else f"{value:.3g}"
        if self.low == self.high:
            return show(self.low)
        if self.high == INFINITY:
            return f"at least {show(self.low)}"
        return f"between {show(self.low)} and {show(self.high)}"


@dataclass(frozen=True)
class DataUsed:
    """The data a figure was measured on."""

    label: str  # a snapshot's name, "live", or "cache" (a live answer kept in the page cache)
    as_of: datetime
    method: str  # how, e.g. "count over snapshot, estimated from a 1-in-38 sample"
    estimated_from: str = ""  # the sample a figure is scaled from ("a 1-in-38 sample"), if any
    # A stale snapshot's data may be older than `as_of`: of any day from this one (its newest
    # repo's) to `as_of`'s. None: the data is of `as_of`.
    earliest: date | None = None

    @property
    def day(self) -> date:
        """The data's date in UTC, the day its ISO time (`iso`) names."""
        moment = self.as_of if self.as_of.tzinfo else self.as_of.replace(tzinfo=UTC)
        return moment.astimezone(UTC).date()

    @property
    def days(self) -> tuple[date, date]:
        """The first and last day the data may be of (the same day unless it is stale)."""
        return (self.earliest or self.day, self.day)

    def dated(self) -> str:
        """The data's date, or the range of days it may be of: '2024-07-11 to 2026-12-03'."""
        first, last = self.days
        return last.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"


@dataclass(frozen=True)
class Measurement:
    value: float  # the figure at the data's date (an estimate, for a sample)
    at_claim: Range  # what it says of the claim's date
    data: DataUsed
    caveats: tuple[str, ...] = ()

    @property
    def number(self) -> int | float:
        """The figure as documents show it: whole numbers as integers, others to 6 places."""
        return int(self.value) if float(self.value).is_integer() else round(self.value, 6)


@dataclass(frozen=True)
class Finding:
    """One metric judged against what the claim expects of it."""

    verdict: Outcome
    expected: str  # the expectation as the claim states it ("> 1,000,000")
    kind: str  # the metric's kind: count, share, distinct, rank or top_share
    name: str = ""  # a part's name (the metric's kind when the claim file gives none)
    direction: Direction | None = None
    measured: Measurement | None = None  # None: no data could measure it (`note` says why)
    note: str = ""
    reason: str = ""  # a reading's: why the words can be read this way
    cannot_see: str = ""  # a reading's: what its measure leaves out
    readings: tuple[Finding, ...] = ()  # each reading judged; `verdict` combines them

    @property
    def percent(self) -> bool:
        return self.kind in ("share", "top_share")

    def figure(self) -> Any:
        """The figure a row shows: the measured number, or one per reading by its name."""
        if self.readings:
            return {r.name: r.figure() for r in self.readings}
        return self.measured.number if self.measured else None

    def reading_row(self) -> dict[str, Any]:
        """A reading as the `readings` list of a JSON row writes it."""
        return {"name": self.name, "reason": self.reason, "cannot_see": self.cannot_see,
                "measured": self.measured.number if self.measured else None,
                "expected": self.expected, "verdict": str(self.verdict),
                "direction": None if self.direction is None else str(self.direction),
                "note": self.note}

    def summary(self) -> str:
        """The verdict with the reason it is undecided: 'inconclusive (why)'."""
        return str(self.verdict) + (f" ({self.note})" if self.note else "")


def combine_readings(readings: tuple[Finding, ...]) -> tuple[Outcome, Direction | None]:
    """The verdict of several readings of one claim: supported or refuted only when every
    reading is; `contested` when the data decides readings differently; otherwise (a reading
    the data cannot decide, the others agreeing) inconclusive."""
    verdicts = {r.verdict for r in readings}
    if verdicts == {Outcome.SUPPORTED}:
        return Outcome.SUPPORTED, None
    if verdicts == {Outcome.REFUTED}:
        return Outcome.REFUTED, next(r.direction for r in readings)
    if {Outcome.SUPPORTED, Outcome.REFUTED} <= verdicts:
        return Outcome.CONTESTED, None
    return Outcome.INCONCLUSIVE, None


@dataclass(frozen=True)
class Evidence:
    """A figure reported beside the verdict (a claim's `extra` metric), not judged."""

    name: str
    measured: Measurement | None = None
    unavailable: str = ""  # why no data could measure it

    def value(self) -> dict[str, Any] | str:
        """As the JSON document writes it: the figure with its data, or why there is none."""
        if self.measured is None:
            return f"unavailable: {self.unavailable}"
        data = self.measured.data
        found: dict[str, Any] = {"value": self.measured.number, "source": data.label,
                                 "data_as_of": iso(data.as_of)}
        if data.estimated_from:
            found["estimated_from"] = data.estimated_from
        return found


@dataclass(frozen=True)
class Citation:
    """Where a claim was made: the article's description (or the claim file's `source`)."""

    text: str
    url: str = ""


@dataclass(frozen=True)
class Verdict:
    """A claim checked: the verdict, what it rests on, and what else was measured.

    A claim with one metric has its `finding`; a claim whose metric is `all` has one finding
    per part (`parts`), and its verdict combines them. `data` and `caveats` come from the
    measurement the verdict rests on (for `all`, the first part that could be measured).
    """

    id: str
    verdict: Outcome
    claim_date: date | None = None  # None: the claim's date is unknown
    quote: str = ""
    article: Citation | None = None
    direction: Direction | None = None
    finding: Finding | None = None
    parts: tuple[Finding, ...] = ()
    data: DataUsed | None = None
    caveats: tuple[str, ...] = ()
    note: str = ""  # why it is inconclusive, or why it is out of scope
    evidence: tuple[Evidence, ...] = ()

    def listed_evidence(self) -> dict[str, Finding | Evidence]:
        """What the `evidence` column lists, by name: each part's verdict, then each figure
        reported beside it (a later one of the same name replaces an earlier one)."""
        listed: dict[str, Finding | Evidence] = {p.name: p for p in self.parts}
        listed.update((extra.name, extra) for extra in self.evidence)
        return listed

    @property
    def readings(self) -> tuple[Finding, ...]:
        """Every reading judged: the claim's own, or those of its parts."""
        found = self.finding.readings if self.finding else ()
        return found + tuple(r for p in self.parts for r in p.readings)

    def row(self) -> dict[str, Any]:
        """The verdict as a row of the JSON document and the CSV (`ROW_COLUMNS`), plain data."""
        measured: Any = None
        expected: Any = None
        at_claim = None
        if self.parts:
            measured = {p.name: p.figure() for p in self.parts}
            expected = {p.name: p.expected for p in self.parts}
        elif self.finding is not None and self.finding.readings:
            measured = self.finding.figure()
            expected = self.finding.expected
        elif self.finding is not None:
            expected = self.finding.expected
            if self.finding.measured is not None:
                measured = self.finding.measured.number
                at_claim = self.finding.measured.at_claim.describe(self.finding.percent)
        evidence = {name: item.summary() if isinstance(item, Finding) else item.value()
                    for name, item in self.listed_evidence().items()}
        data = self.data
        return {"id": self.id, "verdict": str(self.verdict),
                "direction": None if self.direction is None else str(self.direction),
                "measured": measured, "expected": expected, "at_claim_date": at_claim,
                "claim_date": self.claim_date.isoformat() if self.claim_date else "unknown",
                "data_as_of": iso(data.as_of) if data else None,
                "as_of": iso(data.as_of) if data else None,
                "caveat": "; ".join(self.caveats),
                "source": data.label if data else None, "method": data.method if data else None,
                "note": self.note, "quote": self.quote,
                "article": self.article.text if self.article else None, "evidence": evidence,
                "readings": [r.reading_row() for r in self.readings]}


@dataclass(init=False, repr=False, eq=False)
class ClaimsReport(Report):
    """The verdicts of a set of claims: a `Report` whose rows are `Verdict.row()` of each.

    `rows` is the table view the generic formats (CSV, a notebook) show; the renderers that
    need values (the terminal blocks, the HTML cards) read `verdicts`. A dataclass of the
    arguments it is made from, so `dataclasses.replace` makes a changed copy.
    """

    title: str
    source: str
    as_of: datetime
    verdicts: tuple[Verdict, ...]
    errors: tuple[str, ...]
    notes: list[str]
    extra: dict[str, Any]

    def __init__(self, title: str, source: str, as_of: datetime | None = None, *,
                 verdicts: tuple[Verdict, ...] = (), errors: tuple[str, ...] = (),
                 notes: list[str] | None = None, extra: dict[str, Any] | None = None) -> None:
        self.verdicts = tuple(verdicts)
        self.errors = tuple(errors)  # one line per bad claim or claim file
        # Object columns: a figure keeps its own type, whatever the other rows hold.
        table = Rows(tuple(ROW_COLUMNS), [tuple(v.row()[c] for c in ROW_COLUMNS)
                                          for v in self.verdicts], ("other",) * len(ROW_COLUMNS))
        super().__init__(title, table, source, as_of, extra=extra, notes=notes)

    @property
    def counts(self) -> dict[Outcome, int]:
        """How many claims got each verdict, the most frequent first."""
        return dict(Counter(v.verdict for v in self.verdicts).most_common())

    @property
    def exit_status(self) -> int:
        """0: every in-scope claim got a verdict (`contested` is one: the data decided every
        reading, and the readings disagree); 1: a claim file had errors; 3: no claim could be
        measured; 4: some claims are inconclusive."""
        if self.errors:
            return EXIT_ERRORS
        counts = self.counts
        measured = sum(counts.get(verdict, 0) for verdict in DECIDED)
        inconclusive = counts.get(Outcome.INCONCLUSIVE, 0)
        if inconclusive and not measured:
            return EXIT_NOTHING_MEASURED
        return EXIT_SOME_INCONCLUSIVE if inconclusive else EXIT_ALL_MEASURED

    def document(self) -> dict[str, Any]:
        """`as_of`, `source`, `rows`, then `verdicts` (counts), `errors`, `exit_status` and
        `notes`."""
        doc: dict[str, Any] = {"as_of": iso(self.as_of), "source": self.source,
                               "rows": [plain(v.row()) for v in self.verdicts],
                               "verdicts": {str(k): n for k, n in self.counts.items()},
                               "errors": list(self.errors), "exit_status": self.exit_status}
        if self.notes:
            doc["notes"] = list(self.notes)
        return doc
