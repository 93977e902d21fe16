"""What a claim file defines, as values: claims, their metrics, readings and expectations.

`claims/loader.py` reads claim files into these; `claims/evaluate.py` judges them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hfexplore.repo_type import RepoType
from hfexplore.stats.filters import Filters
from hfexplore.verdicts import Direction

NO_WHERE = Filters()


@dataclass(frozen=True)
class Expectation:
    op: str
    value: float | None = None
    min: float | None = None
    max: float | None = None

    def holds(self, measured: float) -> bool:
        if self.op == "between":
            assert self.min is not None and self.max is not None
            return self.min <= measured < self.max
        assert self.value is not None
        return {">": measured > self.value, ">=": measured >= self.value,
                "<": measured < self.value, "<=": measured <= self.value,
                "==": measured == self.value}[self.op]

    def direction(self, measured: float) -> Direction:
        """How a claim that does not hold is wrong: it promised more, or less, than is true."""
        if self.op == "between":
            assert self.min is not None
            return Direction.OVERSTATED if measured < self.min else Direction.UNDERSTATED
        assert self.value is not None
        if self.op == "==":
            # For ranks a larger number is a worse position: the claim overstated it.
            return Direction.OVERSTATED
        return Direction.OVERSTATED if self.op in (">", ">=") else Direction.UNDERSTATED

    def classify(self, low: float, high: float) -> str:
        """Whether the claim holds for "all", "none" or only "some" values in [low, high]."""
        if low == high:
            return "all" if self.holds(low) else "none"
        if self.op == "==":
            assert self.value is not None
            return "some" if low <= self.value <= high else "none"
        # Every other comparison holds on one interval of values, so both ends decide.
        ends = (self.holds(low), self.holds(high))
        if all(ends):
            return "all"
        if any(ends):
            return "some"
        if self.op == "between":
            assert self.min is not None and self.max is not None
            return "some" if low < self.max and high >= self.min else "none"
        return "none"

    def describe(self) -> str:
        if self.op == "between":
            return f"between {_num(self.min)} and {_num(self.max)}"
        return f"{self.op} {_num(self.value)}"


def _num(value: float | None) -> str:
    """A number as a person reads it: 1,000,000, 0.25; beyond a quadrillion in e-notation (a
    value of 1e308 would otherwise be written out in 309 digits)."""
    if value is None:
        return "?"
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:g}"


@dataclass(frozen=True)
class Metric:
    kind: str
    repo_type: RepoType = RepoType.MODEL
    where: Filters = NO_WHERE  # the repos it is measured on
    column: str | None = None
    value: str | None = None
    by: str = "count"
    name: str | None = None
    expect: Expectation | None = None  # parts of an `all` metric carry their own
    parts: tuple[Metric, ...] = ()
    among: Filters = NO_WHERE  # a share's denominator
    min_repos: int = 1
    n: int = 1
    outcome: str | None = None  # drift_share: the outcome counted, `to` parent or root
    to: str = "parent"
    readings: tuple[Reading, ...] = ()  # kind "readings": the ways its words can be read
    of: str = "downloads"  # the value column of a concentration
    top: str = "1%"  # a top_value_share's top, as a percentage
    unit: str = "repo"  # a concentration's units

    @property
    def monotone(self) -> bool:
        """Counts and distinct counts only grow as repos are added (the catalogue grows almost
        monotonically); shares, ranks and concentrations can move either way."""
        return self.kind in ("count", "distinct")


@dataclass(frozen=True)
class Reading:
    """One way to read a claim's vague words: a metric, why it is a fair reading, and what
    it cannot see. A claim (or a part) with readings is supported or refuted only when every
    reading is; otherwise `contested` (see `verdicts.combine_readings`)."""

    name: str
    reason: str
    metric: Metric
    expect: Expectation
    cannot_see: str = ""


@dataclass(frozen=True)
class Article:
    key: str
    title: str = ""
    publisher: str = ""
    date: date | None = None
    url: str = ""

    def describe(self) -> str:
        when = self.date.isoformat() if self.date else "date unknown"
        title = f'"{self.title}"' if self.title else self.key
        return f"{title}, {self.publisher or 'publisher unknown'}, {when}"


@dataclass(frozen=True)
class Claim:
    id: str
    origin: str
    quote: str = ""
    source: str = ""
    date: date | None = None  # None: the claim's date is unknown
    notes: str = ""
    metric: Metric | None = None
    expect: Expectation | None = None
    extra: tuple[Metric, ...] = ()
    scope: str = "in"
    reason: str = ""
    article: Article | None = None
