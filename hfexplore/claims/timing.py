"""From a figure measured on some data to what it says about the claim's date.

A verdict rests on a range [low, high] for the metric's value AT THE CLAIM'S DATE, derived from
a measurement made on data of another date (a snapshot, an export, or the live Hub). The rules
(documented in the README, "How claims reason about time"):

- Counts and distinct counts (`Metric.monotone`) grow almost monotonically: repos are created
  far more often than deleted.
  * Data from the claim's own day: the figure itself.
  * Data from after the claim: the repos created on or before the claim's date that still exist
    are a lower bound (deleted ones are not visible); the figure at the data's date is an upper
    bound. Without creation dates (a live count) the lower bound is 0.
  * Data from before the claim: the figure is a lower bound; there is no upper bound.
- Shares, ranks and concentrations are not monotone: they are measured on the repos created on
  or before the claim's date when the data is later (the catalogue as it was, less deletions),
  else on the data as it is, with a caveat.
- The claim's date unknown: the figure at the data's date, with a caveat saying so.
- A caveat is always given when the data and the claim are more than `FAR_DAYS` apart.
- Stale data (`store/freshness.py`: a snapshot whose newest repo is over 30 days older than
  the snapshot) is of some day between its newest repo's and the snapshot's, not known which.
  When the claim's date falls in that range the data may be from before or after it ("around"):
  counts are bounded below by the repos created by the claim's date and not above; shares and
  ranks are measured on those repos, with a caveat. Outside the range, the nearer end decides
  as above. A caveat names both dates.

A sample (the demo snapshot holds every 38th model) widens each end by its sampling error:
counts are scaled by 1/fraction with a two-standard-error band (binomial), a count of zero gives
at most 3/fraction (the rule of three), a distinct count is only a lower bound, a share gets a
two-standard-error band.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from hfexplore.verdicts import INFINITY, Range

__all__ = ["INFINITY", "Range", "Sample", "count_band", "days_apart", "distinct_band",
           "order_is_clear", "relation", "share_band", "timing_caveat"]

FAR_DAYS = 90


@dataclass(frozen=True)
class Sample:
    """A systematic sample of a catalogue: `fraction` of its repos (None when unknown)."""

    fraction: float | None
    description: str = ""

    @property
    def label(self) -> str:
        if self.fraction:
            return f"a 1-in-{round(1 / self.fraction)} sample"
        return "a selection of unknown size"


def relation(data_day: date, claim_day: date | None, earliest: date | None = None) -> str:
    """'same day', 'after' or 'before' the claim, 'around' it (stale data of some day from
    `earliest` to `data_day`, the claim's among them), or 'claim date unknown'."""
    if claim_day is None:
        return "claim date unknown"
    first = min(earliest or data_day, data_day)
    if first == data_day == claim_day:
        return "same day"
    if first <= claim_day <= data_day:
        return "around"
    return "after" if first > claim_day else "before"


def days_apart(data_day: date, claim_day: date, earliest: date | None = None) -> int:
    """Days from the claim to the nearest day the data may be of (0 within a stale range)."""
    first = min(earliest or data_day, data_day)
    if claim_day < first:
        return (first - claim_day).days
    return max((claim_day - data_day).days, 0)


def timing_caveat(data_as_of: datetime, claim_day: date | None,
                  earliest: date | None = None) -> str:
    day = data_as_of.date()
    stale = earliest is not None and earliest < day
    dated = f"{earliest.isoformat()} to {day.isoformat()}" if stale and earliest else \
        day.isoformat()
    said = [(f"the data is dated {day.isoformat()} but its newest repo is from "
             f"{earliest.isoformat()}: it is taken to be of any day between the two")
            if stale and earliest else ""]
    if claim_day is None:
        said.append("the claim's date is unknown: the verdict is about the catalogue at the "
                    f"data's date ({dated})")
    else:
        days = (day - claim_day).days if not stale else \
            days_apart(day, claim_day, earliest) * (1 if claim_day < (earliest or day) else -1)
        if abs(days) > FAR_DAYS:
            side = "after" if days > 0 else "before"
            said.append(f"the data ({dated}) is {abs(days):,} days {side} the claim "
                        f"({claim_day.isoformat()})")
    return "; ".join(s for s in said if s)


def count_band(count: float, sample: Sample | None) -> Range:
    """The catalogue-wide count a sample's `count` stands for (exact without a sample)."""
    if sample is None:
        return Range(count, count)
    if not sample.fraction:
        raise ValueError(f"counts cannot be scaled from {sample.label}")
    fraction = sample.fraction
    if count == 0:
        return Range(0.0, 3 / fraction)
    estimate = count / fraction
    error = 2 * math.sqrt(count * (1 - fraction)) / fraction
    return Range(max(count, estimate - error), estimate + error)


def share_band(share: float, denominator: int, sample: Sample | None) -> Range:
    if sample is None:
        return Range(share, share)
    if denominator <= 0:
        return Range(0.0, 1.0)
    if share in (0.0, 1.0):
        edge = min(1.0, 3 / denominator)
        return Range(0.0, edge) if share == 0.0 else Range(1.0 - edge, 1.0)
    error = 2 * math.sqrt(share * (1 - share) / denominator)
    return Range(max(0.0, share - error), min(1.0, share + error))


def distinct_band(value: float, sample: Sample | None) -> Range:
    """A sample holds some of the distinct values: what it finds is a lower bound."""
    return Range(value, value) if sample is None else Range(value, INFINITY)


def order_is_clear(mine: float, other: float, sample: Sample | None) -> bool:
    """Whether a sample's counts order two values reliably (their difference is over two
    standard errors of a difference of two Poisson counts)."""
    if sample is None:
        return True
    return abs(mine - other) > 2 * math.sqrt(mine + other)
