"""A claim's expectation: the comparison its measured value must pass, and how a range of
values at the claim's date is classified against it."""

from __future__ import annotations

from dataclasses import dataclass

from hfexplore.verdicts import Direction


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
