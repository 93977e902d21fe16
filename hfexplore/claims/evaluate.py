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
from typing import TYPE_CHECKING

from hfexplore.claims.loader import CONCENTRATION_KINDS, Claim, Expectation, Metric
from hfexplore.claims.measure import Inconclusive, compute
from hfexplore.claims.timing import (
    Sample,
    count_band,
    days_apart,
    distinct_band,
    order_is_clear,
    relation,
    share_band,
    timing_caveat,
)
from hfexplore.errors import HfExploreError, HubError, SnapshotError
from hfexplore.knowledge import Families, LicenseTable
from hfexplore.repo_type import PLURAL
from hfexplore.stats.filters import as_values
from hfexplore.stats.query import Filters, Scan
from hfexplore.store.snapshot import Snapshot

if TYPE_CHECKING:  # the client's modules load only when a claim is counted live
    from hfexplore.hub import HubClient

from hfexplore.verdicts import (
    INFINITY,
    Citation,
    ClaimsReport,
    DataUsed,
    Evidence,
    Finding,
    Measurement,
    Outcome,
    Range,
    Verdict,
    combine_readings,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Source:
    """Data a claim can be measured on: a snapshot of some date, or the live Hub (now)."""

    label: str
    as_of: datetime
    snapshot: Snapshot | None = None
    earliest: date | None = None  # stale data: the first day it may be of (`store/freshness`)

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
class Evaluator:
    client: HubClient | None = None
    snapshots: list[Snapshot] = field(default_factory=list)
    snapshot_error: str = ""
    force_snapshot: bool = False
    families: Families = field(default_factory=Families.load)
    license_table: LicenseTable = field(default_factory=LicenseTable.load)
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    # One scan of each (snapshot, repo type) for every claim and reading measured on it: they
    # narrow it, sharing its connection and what it derives once (its lineage graph, its bulk
    # re-uploaders).
    _scans: dict[tuple[str, str], Scan] = field(default_factory=dict, repr=False)

    @property
    def snapshot(self) -> Snapshot | None:
        return self.snapshots[-1] if self.snapshots else None

    # -- sources ---------------------------------------------------------------------------------
    def sources(self, metric: Metric, claim_day: date | None) -> list[Source]:
        found = [Source(s.name, s.as_of, s, s.freshness().data_dates(metric.repo_type)[0])
                 for s in self.snapshots]
        if self._can_go_live(metric):
            found.append(Source("live", self.now()))
        if claim_day is None:  # the newest data first
            return sorted(found, key=lambda s: s.as_of, reverse=True)
        return sorted(found, key=lambda s: days_apart(s.as_of.date(), claim_day, s.earliest))

    def _can_go_live(self, metric: Metric) -> bool:
        return (self.client is not None and not self.force_snapshot and metric.kind == "count"
                and live_filters(metric.where) is not None)

    # -- measuring ---------------------------------------------------------------------------------
    def measure(self, metric: Metric, source: Source, claim_day: date | None) -> Measurement:
        if source.snapshot is None:
            return self._live(metric, source, claim_day)
        return self._on_snapshot(metric, source, claim_day)

    def _live(self, metric: Metric, source: Source, claim_day: date | None) -> Measurement:
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
        method = f"live {result.method}"
        if not result.from_cache:
            return Measurement(value, at_claim, DataUsed(source.label, source.as_of, method))
        age = result.age_s or 0.0
        return Measurement(value, at_claim, DataUsed("cache", source.as_of, method),
                           (f"answered from the page cache, fetched {age:,.0f} s ago",))

    def _on_snapshot(self, metric: Metric, source: Source, claim_day: date | None
                     ) -> Measurement:
        snapshot = source.snapshot
        assert snapshot is not None
        plural = PLURAL[metric.repo_type]
        if not snapshot.has(metric.repo_type):
            raise Inconclusive(f"snapshot {snapshot.name} has no {plural}")
        sample = source.sample(metric.repo_type)
        if sample is not None and not sample.fraction:
            raise Inconclusive(f"snapshot {snapshot.name} holds {sample.label} of {plural} "
                               f"({sample.description}): it says nothing of their number")
        if sample is not None and metric.kind in CONCENTRATION_KINDS and not (
                metric.kind == "zero_value_share" and metric.unit == "repo"):  # a plain share
            raise Inconclusive(f"snapshot {snapshot.name} holds {sample.label} of {plural}: "
                               "the top of a sample is not the top of the catalogue, so it "
                               "cannot measure concentration")
        key = (snapshot.name, metric.repo_type)
        if key not in self._scans:
            self._scans[key] = Scan(snapshot, metric.repo_type, families=self.families,
                                    license_table=self.license_table)
        scan = self._scans[key]
        whole = compute(scan, metric)
        when = relation(source.as_of.date(), claim_day, source.earliest)
        earlier = whole
        if when in ("after", "around") and claim_day is not None:  # created by the claim's date
            cutoff = datetime.combine(claim_day + timedelta(days=1), datetime.min.time(), UTC)
            earlier = compute(scan.narrowed(Filters(created_before=cutoff)), metric)
        method = f"{metric.kind} over snapshot"
        caveats = []
        if sample is not None:
            method += f", estimated from {sample.label}"
            caveats.append(f"estimated from {sample.label} ({sample.description})")
        stale = source.earliest if source.earliest and source.earliest < source.as_of.date() \
            else None
        data = DataUsed(source.label, source.as_of, method, sample.label if sample else "", stale)
        if metric.monotone:
            band = count_band if metric.kind == "count" else distinct_band
            if when == "after":
                at_claim = Range(band(earlier.value, sample).low, band(whole.value, sample).high)
            elif when == "around":  # from after the claim (bounded below), or before (no top)
                at_claim = Range(band(earlier.value, sample).low, INFINITY)
            elif when == "before":
                at_claim = Range(band(whole.value, sample).low, INFINITY)
            else:
                at_claim = band(whole.value, sample)
            value = whole.value / sample.fraction if sample and sample.fraction and \
                metric.kind == "count" else whole.value
            return Measurement(round(value, 6), at_claim, data, tuple(caveats))
        figure = earlier
        if when == "after":
            caveats.append("measured on the repos created by the claim's date that still "
                           "existed at the data's date" + (
                               f", with their {metric.of} as of the data's date"
                               if metric.kind in CONCENTRATION_KINDS else ""))
        elif when == "around":
            caveats.append("the data may be from before or after the claim: measured on its "
                           "repos created by the claim's date; shares and ranks can move "
                           "either way")
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
        return Measurement(round(figure.value, 6), at_claim, data, tuple(caveats))

    # -- judging ---------------------------------------------------------------------------------
    def _attempts(self, metric: Metric, claim_day: date | None) -> Iterator[Measurement | str]:
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

    def judge_readings(self, metric: Metric, claim_day: date | None) -> Finding:
        """Each reading judged on its own, and their combined verdict (`combine_readings`)."""
        readings = []
        for reading in metric.readings:
            try:
                found = self.judge_metric(reading.metric, reading.expect, claim_day)
            except Inconclusive as exc:
                found = Finding(Outcome.INCONCLUSIVE, reading.expect.describe(),
                                reading.metric.kind, note=str(exc))
            readings.append(replace(found, name=reading.name, reason=reading.reason,
                                    cannot_see=reading.cannot_see))
        verdict, direction = combine_readings(tuple(readings))
        expected = metric.expect.describe() if metric.expect else "; ".join(
            dict.fromkeys(r.expected for r in readings))
        note = "; ".join(f"{r.name}: {r.note}" for r in readings if r.note) \
            if verdict == Outcome.INCONCLUSIVE else ""
        return Finding(verdict, expected, "readings", metric.name or "readings", direction,
                       note=note, readings=tuple(readings))

    def judge_metric(self, metric: Metric, expect: Expectation, claim_day: date | None
                     ) -> Finding:
        """The metric on the nearest data that decides it, or why none does."""
        found = Finding(Outcome.INCONCLUSIVE, expect.describe(), metric.kind,
                        metric.name or metric.kind)
        undecided: Measurement | None = None
        reasons: list[str] = []
        for measured in self._attempts(metric, claim_day):
            if isinstance(measured, str):
                reasons.append(measured)
                continue
            outcome = expect.classify(measured.at_claim.low, measured.at_claim.high)
            if outcome == "all":
                return replace(found, verdict=Outcome.SUPPORTED, measured=measured)
            if outcome == "none":
                return replace(found, verdict=Outcome.REFUTED, measured=measured,
                               direction=expect.direction(measured.at_claim.low))
            undecided = undecided or measured
            reasons.append(f"{measured.data.label} ({measured.data.dated()}) puts it "
                           f"{measured.at_claim.describe(found.percent)} at the claim's "
                           f"date, which does not decide {expect.describe()}")
        return replace(found, measured=undecided, note="; ".join(dict.fromkeys(reasons)))

    def judge(self, claim: Claim) -> Verdict:
        article = claim.article.describe() if claim.article else claim.source
        said = Verdict(claim.id, Outcome.INCONCLUSIVE, claim.date, claim.quote,
                       Citation(article, claim.article.url if claim.article else "")
                       if article else None)
        if claim.scope == "out":
            return replace(said, verdict=Outcome.OUT_OF_SCOPE, note=claim.reason)
        assert claim.metric is not None
        try:
            if claim.metric.kind == "all":
                judged = self._judge_all(claim, said)
            elif claim.metric.readings:
                finding = self.judge_readings(claim.metric, claim.date)
                judged = replace(said, verdict=finding.verdict, direction=finding.direction,
                                 note=finding.note, finding=finding)
            else:
                assert claim.expect is not None
                finding = self.judge_metric(claim.metric, claim.expect, claim.date)
                judged = replace(said, verdict=finding.verdict, direction=finding.direction,
                                 note=finding.note, finding=finding)
            measured = next((f.measured for f in _findings(judged) if f.measured), None)
            if measured is not None:
                caveats = [timing_caveat(measured.data.as_of, claim.date,
                                         measured.data.earliest), *measured.caveats]
                judged = replace(judged, data=measured.data,
                                 caveats=tuple(c for c in caveats if c))
            return replace(judged, evidence=tuple(self._evidence(extra, claim.date)
                                                  for extra in claim.extra))
        except Inconclusive as exc:
            return replace(said, note=str(exc))

    def _judge_all(self, claim: Claim, said: Verdict) -> Verdict:
        assert claim.metric is not None
        parts = []
        for part in claim.metric.parts:
            if part.readings:
                parts.append(self.judge_readings(part, claim.date))
                continue
            assert part.expect is not None
            try:
                parts.append(self.judge_metric(part, part.expect, claim.date))
            except Inconclusive as exc:
                parts.append(Finding(Outcome.INCONCLUSIVE, part.expect.describe(), part.kind,
                                     part.name or part.kind, note=str(exc)))
        # Every part must hold: one refuted refutes the claim whatever the other parts'
        # readings; a contested part (and none refuted or undecided) contests it.
        refuted = [p.direction for p in parts if p.verdict == Outcome.REFUTED]
        found = {p.verdict for p in parts}
        verdict = Outcome.REFUTED if refuted else Outcome.SUPPORTED if found == {
            Outcome.SUPPORTED} else Outcome.INCONCLUSIVE if Outcome.INCONCLUSIVE in found \
            else Outcome.CONTESTED
        notes = "; ".join(f"{p.name}: {p.note}" for p in parts if p.note)
        return replace(said, verdict=verdict, direction=refuted[0] if refuted else None,
                       parts=tuple(parts),
                       note=notes if verdict == Outcome.INCONCLUSIVE else "")

    def _evidence(self, metric: Metric, claim_day: date | None) -> Evidence:
        name = metric.name or metric.kind
        reasons = []
        for measured in self._attempts(metric, claim_day):
            if isinstance(measured, str):
                reasons.append(measured)
                continue
            return Evidence(name, measured)
        return Evidence(name, unavailable="; ".join(reasons) or "no data can measure it")


def _findings(verdict: Verdict) -> Iterator[Finding]:
    """The claim's findings in order, each followed by its readings'."""
    for finding in (verdict.finding, *verdict.parts):
        if finding is not None:
            yield finding
            yield from finding.readings


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


def check_claims(claims: Sequence[Claim], evaluator: Evaluator,
                 errors: Sequence[str] | None = None) -> ClaimsReport:
    snapshot = evaluator.snapshot
    forced = evaluator.force_snapshot and snapshot is not None
    verdicts = tuple(evaluator.judge(claim) for claim in claims)
    return ClaimsReport(title="Claims about the Hub, checked",
                        as_of=snapshot.as_of if forced and snapshot else evaluator.now(),
                        source=snapshot.source if forced and snapshot else
                        "live and snapshots" if evaluator.snapshots else "live",
                        notes=[f"claim file error: {e}" for e in errors or []],
                        verdicts=verdicts, errors=tuple(errors or ()))


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
