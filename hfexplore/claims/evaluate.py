"""Claims -> verdicts with evidence.

Each claim is measured on the data nearest to its date that can measure it: every readable
snapshot, and the live Hub for plain counts (the count path answers in a request). The figure
is turned into a range for the claim's date (`timing.py`); the claim is supported when it holds
over the whole range, refuted when it fails over the whole range, and otherwise the next
nearest source is tried. When none decides, the verdict is inconclusive, with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd

from hfexplore.claims.loader import Claim, Expectation, Metric
from hfexplore.claims.measure import Inconclusive, compute
from hfexplore.claims.timing import (
    INFINITY,
    Range,
    Sample,
    count_band,
    distinct_band,
    order_is_clear,
    relation,
    share_band,
    timing_caveat,
)
from hfexplore.errors import HfExploreError, HubError, SnapshotError
from hfexplore.hub import PLURAL, HubClient
from hfexplore.knowledge import Families, LicenseTable
from hfexplore.report import Report, iso
from hfexplore.stats.filters import as_values
from hfexplore.stats.query import Filters, Scan
from hfexplore.store.snapshot import Snapshot

log = logging.getLogger(__name__)

ROW_COLUMNS = ["id", "verdict", "direction", "measured", "expected", "at_claim_date",
               "claim_date", "data_as_of", "as_of", "caveat", "source", "method", "note",
               "quote", "article", "evidence"]
EXIT_ALL_MEASURED, EXIT_ERRORS, EXIT_NOTHING_MEASURED, EXIT_SOME_INCONCLUSIVE = 0, 1, 3, 4


@dataclass(frozen=True)
class Source:
    """Data a claim can be measured on: a snapshot of some date, or the live Hub (now)."""

    label: str
    as_of: datetime
    snapshot: Snapshot | None = None

    def sample(self, repo_type: str) -> Sample | None:
        entry = (self.snapshot.manifest.get("sampling") or {}).get(repo_type) \
            if self.snapshot else None
        if not isinstance(entry, dict):
            return None
        fraction = entry.get("fraction")
        valid = fraction if isinstance(fraction, int | float) and 0 < fraction <= 1 else None
        return Sample(None if valid is None else float(valid),
                      str(entry.get("description", "")))


@dataclass
class Measured:
    value: float  # the figure at the data's date (an estimate, for a sample)
    at_claim: Range  # what it says of the claim's date
    source: Source
    method: str
    caveats: list[str] = field(default_factory=list)


@dataclass
class Evaluator:
    client: HubClient | None = None
    snapshots: list[Snapshot] = field(default_factory=list)
    snapshot_error: str = ""
    force_snapshot: bool = False
    families: Families = field(default_factory=Families.load)
    license_table: LicenseTable = field(default_factory=LicenseTable.load)
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    @property
    def snapshot(self) -> Snapshot | None:
        return self.snapshots[-1] if self.snapshots else None

    # -- sources ---------------------------------------------------------------------------------
    def sources(self, metric: Metric, claim_day: date | None) -> list[Source]:
        found = [Source(s.name, s.as_of, s) for s in self.snapshots]
        if self._can_go_live(metric):
            found.append(Source("live", self.now()))
        if claim_day is None:  # the newest data first
            return sorted(found, key=lambda s: s.as_of, reverse=True)
        return sorted(found, key=lambda s: abs((s.as_of.date() - claim_day).days))

    def _can_go_live(self, metric: Metric) -> bool:
        return (self.client is not None and not self.force_snapshot and metric.kind == "count"
                and live_filters(metric.where) is not None)

    # -- measuring ---------------------------------------------------------------------------------
    def measure(self, metric: Metric, source: Source, claim_day: date | None) -> Measured:
        if source.snapshot is None:
            return self._live(metric, source, claim_day)
        return self._on_snapshot(metric, source, claim_day)

    def _live(self, metric: Metric, source: Source, claim_day: date | None) -> Measured:
        asked = live_filters(metric.where)
        assert self.client is not None and asked is not None
        try:
            result = self.client.count(metric.repo_type, author=asked.get("author"),
                                       library=asked.get("library"),
                                       license=asked.get("license"),
                                       pipeline_tag=asked.get("pipeline_tag"))
        except HubError as exc:
            raise Inconclusive(f"the live count failed ({exc})") from exc
        value = float(result.count)
        at_claim = Range(value, value)
        if relation(source.as_of.date(), claim_day) == "after":
            at_claim = Range(0.0, value)  # a live count has no creation dates to bound it below
        if not result.from_cache:
            return Measured(value, at_claim, source, f"live {result.method}")
        age = result.age_s or 0.0
        return Measured(value, at_claim, Source("cache", source.as_of), f"live {result.method}",
                        [f"answered from the page cache, fetched {age:,.0f} s ago"])

    def _on_snapshot(self, metric: Metric, source: Source, claim_day: date | None) -> Measured:
        snapshot = source.snapshot
        assert snapshot is not None
        plural = PLURAL[metric.repo_type]
        if not snapshot.has(metric.repo_type):
            raise Inconclusive(f"snapshot {snapshot.name} has no {plural}")
        sample = source.sample(metric.repo_type)
        if sample is not None and not sample.fraction:
            raise Inconclusive(f"snapshot {snapshot.name} holds {sample.label} of {plural} "
                               f"({sample.description}): it says nothing of their number")
        scan = Scan(snapshot, metric.repo_type, families=self.families,
                    license_table=self.license_table)
        whole = compute(scan, metric)
        when = relation(source.as_of.date(), claim_day)
        earlier = whole
        if when == "after" and claim_day is not None:  # repos created by the claim's date
            cutoff = datetime.combine(claim_day + timedelta(days=1), datetime.min.time(), UTC)
            earlier = compute(scan.narrowed(Filters(created_before=cutoff)), metric)
        method = f"{metric.kind} over snapshot"
        caveats = []
        if sample is not None:
            method += f", estimated from {sample.label}"
            caveats.append(f"estimated from {sample.label} ({sample.description})")
        if metric.monotone:
            band = count_band if metric.kind == "count" else distinct_band
            if when == "after":
                at_claim = Range(band(earlier.value, sample).low, band(whole.value, sample).high)
            elif when == "before":
                at_claim = Range(band(whole.value, sample).low, INFINITY)
            else:
                at_claim = band(whole.value, sample)
            value = whole.value / sample.fraction if sample and sample.fraction and \
                metric.kind == "count" else whole.value
            return Measured(round(value, 6), at_claim, source, method, caveats)
        figure = earlier
        if when == "after":
            caveats.append("measured on the repos created by the claim's date that still "
                           "existed at the data's date")
        elif when == "before":
            caveats.append("measured on data from before the claim; shares and ranks can move "
                           "either way since")
        if metric.kind == "rank":
            if figure.own_score is not None and figure.runner_up is not None and \
                    not order_is_clear(figure.own_score, figure.runner_up, sample):
                raise Inconclusive(f"{sample.label if sample else 'the data'} cannot order "
                                   f"{metric.value} and its nearest competitor ({figure.detail})")
            at_claim = Range(figure.value, figure.value)
        else:
            at_claim = share_band(figure.value, figure.denominator, sample)
        if figure.detail:
            caveats.append(figure.detail)
        return Measured(round(figure.value, 6), at_claim, source, method, caveats)

    # -- judging ---------------------------------------------------------------------------------
    def _attempts(self, metric: Metric, claim_day: date | None) -> Iterator[Measured | str]:
        """A measurement on each source, nearest first, or the reason it could not be made."""
        sources = self.sources(metric, claim_day)
        if not sources:
            yield self.snapshot_error or ("this claim needs a snapshot: there is none, and the "
                                          "live count cannot measure it")
        for source in sources:
            try:
                yield self.measure(metric, source, claim_day)
            except (Inconclusive, SnapshotError) as exc:
                yield str(exc)

    def judge_metric(self, metric: Metric, expect: Expectation, claim_day: date | None
                     ) -> tuple[str, str | None, Measured | None, str]:
        """(verdict, direction, the measurement it rests on, note)."""
        undecided: Measured | None = None
        reasons: list[str] = []
        for measured in self._attempts(metric, claim_day):
            if isinstance(measured, str):
                reasons.append(measured)
                continue
            outcome = expect.classify(measured.at_claim.low, measured.at_claim.high)
            if outcome == "all":
                return "supported", None, measured, ""
            if outcome == "none":
                return "refuted", expect.direction(measured.at_claim.low), measured, ""
            undecided = undecided or measured
            reasons.append(f"{measured.source.label} ({measured.source.as_of.date()}) puts it "
                           f"{measured.at_claim.describe(_is_share(metric))} at the claim's "
                           f"date, which does not decide {expect.describe()}")
        return "inconclusive", None, undecided, "; ".join(dict.fromkeys(reasons))

    def judge(self, claim: Claim) -> dict[str, Any]:
        row: dict[str, Any] = {key: None for key in ROW_COLUMNS}
        row.update(id=claim.id, verdict="", note="", caveat="", quote=claim.quote,
                   evidence={}, claim_date=claim.date.isoformat() if claim.date else "unknown",
                   article=claim.article.describe() if claim.article else claim.source or None)
        if claim.scope == "out":
            row.update(verdict="out-of-scope", note=claim.reason)
            return row
        assert claim.metric is not None
        try:
            if claim.metric.kind == "all":
                measured = self._judge_all(claim, row)
            else:
                assert claim.expect is not None
                verdict, direction, measured, note = self.judge_metric(
                    claim.metric, claim.expect, claim.date)
                row.update(verdict=verdict, direction=direction, note=note,
                           expected=claim.expect.describe())
                if measured is not None:
                    row.update(measured=_plain(measured.value), at_claim_date=measured.at_claim
                               .describe(_is_share(claim.metric)))
            if measured is not None:
                self._record_source(row, measured, claim.date)
            for extra in claim.extra:
                row["evidence"][extra.name or extra.kind] = self._evidence(extra, claim.date)
        except Inconclusive as exc:
            row.update(verdict="inconclusive", note=str(exc))
        return row

    def _judge_all(self, claim: Claim, row: dict[str, Any]) -> Measured | None:
        assert claim.metric is not None
        verdicts, notes, nearest = [], [], None
        row.update(measured={}, expected={})
        for part in claim.metric.parts:
            assert part.expect is not None
            name = part.name or part.kind
            try:
                verdict, direction, measured, note = self.judge_metric(part, part.expect,
                                                                       claim.date)
            except Inconclusive as exc:
                verdict, direction, measured, note = "inconclusive", None, None, str(exc)
            verdicts.append((verdict, direction))
            row["expected"][name] = part.expect.describe()
            row["measured"][name] = None if measured is None else _plain(measured.value)
            row["evidence"][name] = f"{verdict}" + (f" ({note})" if note else "")
            if note:
                notes.append(f"{name}: {note}")
            nearest = nearest or measured
        refuted = [d for v, d in verdicts if v == "refuted"]
        verdict = "refuted" if refuted else "supported" if all(
            v == "supported" for v, _ in verdicts) else "inconclusive"
        row.update(verdict=verdict, direction=refuted[0] if refuted else None,
                   note="; ".join(notes) if verdict == "inconclusive" else "")
        return nearest

    def _record_source(self, row: dict[str, Any], measured: Measured,
                       claim_day: date | None) -> None:
        caveats = [timing_caveat(measured.source.as_of, claim_day), *measured.caveats]
        row.update(data_as_of=iso(measured.source.as_of), as_of=iso(measured.source.as_of),
                   source=measured.source.label, method=measured.method,
                   caveat="; ".join(c for c in caveats if c))

    def _evidence(self, metric: Metric, claim_day: date | None) -> Any:
        reasons = []
        for measured in self._attempts(metric, claim_day):
            if isinstance(measured, str):
                reasons.append(measured)
                continue
            evidence: dict[str, Any] = {"value": _plain(measured.value),
                                        "source": measured.source.label,
                                        "data_as_of": iso(measured.source.as_of)}
            if "sample" in measured.method:
                evidence["estimated_from"] = measured.method.split("estimated from ")[-1]
            return evidence
        return "unavailable: " + ("; ".join(reasons) or "no data can measure it")


def live_filters(where: Filters) -> dict[str, str] | None:
    """The live count's filters (`HubClient.count` arguments) asking what `where` asks of a
    snapshot, or None when the Hub's count cannot: another filter, or several values of one."""
    if replace(where, author=None, library=None, license=None, task=None) != Filters():
        return None
    asked = {"author": as_values(where.author), "library": as_values(where.library),
             "license": as_values(where.license), "pipeline_tag": as_values(where.task)}
    if any(len(values) > 1 for values in asked.values()):
        return None
    return {name: values[0] for name, values in asked.items() if values}


def _is_share(metric: Metric) -> bool:
    return metric.kind in ("share", "top_share")


def _plain(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 6)


def check_claims(claims: Sequence[Claim], evaluator: Evaluator,
                 errors: Sequence[str] | None = None) -> Report:
    rows = [evaluator.judge(claim) for claim in claims]
    frame = pd.DataFrame(rows, columns=ROW_COLUMNS)
    for column in ROW_COLUMNS:  # None, not NaN, where unset
        if column not in ("measured", "expected", "evidence"):
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    counts = {str(k): int(v) for k, v in frame["verdict"].value_counts().items()}
    snapshot = evaluator.snapshot
    forced = evaluator.force_snapshot and snapshot is not None
    report = Report(title="Claims about the Hub, checked", rows=frame,
                    as_of=snapshot.as_of if forced and snapshot else evaluator.now(),
                    source=snapshot.source if forced and snapshot else
                    "live and snapshots" if evaluator.snapshots else "live",
                    extra={"verdicts": counts, "errors": list(errors or []),
                           "exit_status": exit_status(counts, bool(errors))})
    report.notes.extend(f"claim file error: {e}" for e in errors or [])
    return report


def exit_status(verdicts: dict[str, int], errors: bool) -> int:
    """0: every in-scope claim got a verdict; 1: a claim file had errors; 3: no claim could be
    measured; 4: some claims are inconclusive."""
    if errors:
        return EXIT_ERRORS
    measured = verdicts.get("supported", 0) + verdicts.get("refuted", 0)
    inconclusive = verdicts.get("inconclusive", 0)
    if inconclusive and not measured:
        return EXIT_NOTHING_MEASURED
    return EXIT_SOME_INCONCLUSIVE if inconclusive else EXIT_ALL_MEASURED


def evaluator_for(client: HubClient | None, snapshots: Snapshot | Sequence[Snapshot] | None, *,
                  snapshot_error: str = "", force_snapshot: bool = False,
                  families: Families | None = None, license_table: LicenseTable | None = None,
                  now: Callable[[], datetime] | None = None) -> Evaluator:
    chosen = [] if snapshots is None else [snapshots] if isinstance(snapshots, Snapshot) \
        else sorted(snapshots, key=lambda s: s.as_of)
    if force_snapshot and len(chosen) != 1:
        raise HfExploreError("no snapshot to check the claims against" if not chosen else
                             "checking against one snapshot needs exactly one")
    evaluator = Evaluator(client, chosen, snapshot_error, force_snapshot,
                          families or Families.load(), license_table or LicenseTable.load())
    if now is not None:
        evaluator.now = now
    return evaluator
