"""Claims -> verdicts with evidence.

A claim that needs only a total or a filtered count is measured live through the count path
(a request or two); anything else (shares, ranks, distinct authors, families, lineage) needs a
snapshot. `--snapshot` measures everything in that snapshot instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from hfexplore.catalog.knowledge import OPEN_WEIGHT_CATEGORIES, Families
from hfexplore.catalog.snapshot import Snapshot
from hfexplore.claims.loader import Claim, Expectation, Metric
from hfexplore.errors import HfExploreError, HubError, SnapshotError
from hfexplore.hub import HubClient
from hfexplore.report import Report, iso

log = logging.getLogger(__name__)

LIVE_FILTERS = {"license": "license", "library": "library", "author": "author",
                "task": "pipeline_tag"}
COLUMN_OF = {"library": "library_name", "author": "author", "license": "license",
             "task": "pipeline_tag", "license_category": "license_category"}
SNAPSHOT_COLUMNS = ["author", "license", "license_category", "library_name", "pipeline_tag",
                    "base_models", "downloads"]


class Inconclusive(Exception):
    """The data needed to measure a metric is missing."""


@dataclass
class Measurement:
    value: float
    method: str
    source: str
    as_of: datetime


@dataclass
class Evaluator:
    client: HubClient | None = None
    snapshot: Snapshot | None = None
    snapshot_error: str = ""
    force_snapshot: bool = False
    families: Families = field(default_factory=Families.load)

    def __post_init__(self) -> None:
        self._frames: dict[str, pd.DataFrame] = {}

    # -- measuring -----------------------------------------------------------------------------
    def measure(self, metric: Metric) -> Measurement:
        if self._can_go_live(metric):
            try:
                return self._live_count(metric)
            except HubError as exc:
                if self.snapshot is None:
                    raise Inconclusive(f"the live count failed ({exc})") from exc
                log.warning("live count failed (%s); using snapshot %s", exc, self.snapshot.name)
        frame = self._frame(metric.repo_type)
        assert self.snapshot is not None
        mask = self._mask(frame, metric.where)
        if metric.kind == "count":
            value = float(mask.sum())
        elif metric.kind == "share":
            value = float(mask.sum()) / max(len(frame), 1)
        elif metric.kind == "distinct":
            value = float(self._column(frame, metric.column or "")[mask].nunique())
        else:
            value = self._rank(frame[mask], metric)
        method = f"{metric.kind} over snapshot"
        return Measurement(value, method, self.snapshot.name, self.snapshot.as_of)

    def _can_go_live(self, metric: Metric) -> bool:
        return (self.client is not None and not self.force_snapshot and metric.kind == "count"
                and all(key in LIVE_FILTERS and len(values) == 1
                        for key, values in metric.where))

    def _live_count(self, metric: Metric) -> Measurement:
        assert self.client is not None
        filters = {LIVE_FILTERS[key]: values[0] for key, values in metric.where}
        result = self.client.count(metric.repo_type, **filters)  # type: ignore[arg-type]
        return Measurement(float(result.count), f"live {result.method}", "live",
                           datetime.now(UTC))

    def _frame(self, repo_type: str) -> pd.DataFrame:
        if self.snapshot is None:
            raise Inconclusive(self.snapshot_error or "this claim needs a snapshot: run "
                               "`hfexplore snapshot create` (or try --demo)")
        if repo_type not in self._frames:
            if not self.snapshot.has(repo_type):
                raise Inconclusive(f"snapshot {self.snapshot.name} has no {repo_type}s")
            columns = [c for c in SNAPSHOT_COLUMNS
                       if repo_type != "space" or c != "downloads"]
            self._frames[repo_type] = self.snapshot.frame(repo_type, columns)
        return self._frames[repo_type]

    def _column(self, frame: pd.DataFrame, name: str) -> pd.Series:
        if name == "family":
            return self.families.map(frame["author"])
        return frame[COLUMN_OF[name]]

    def _mask(self, frame: pd.DataFrame, where: tuple[tuple[str, tuple[str, ...]], ...]
              ) -> pd.Series:
        mask = pd.Series(True, index=frame.index)
        for key, values in where:
            if key == "license_category":
                wanted = [c for v in values for c in
                          (OPEN_WEIGHT_CATEGORIES if v == "open-weight" else (v,))]
                mask &= frame["license_category"].isin(wanted)
            elif key == "author":
                mask &= frame["author"].str.lower().isin([v.lower() for v in values])
            elif key == "base_family":
                mask &= self._derives_from(frame, values)
            else:
                mask &= self._column(frame, key).isin(values).fillna(False).astype(bool)
        return mask

    def _derives_from(self, frame: pd.DataFrame, families: tuple[str, ...]) -> pd.Series:
        edges = frame["base_models"].explode().dropna()
        namespaces = edges.astype(str).str.split("/").str[0]
        hit = self.families.map(namespaces).isin(families).fillna(False).astype(bool)
        rows = set(edges.index[hit.to_numpy()])
        return pd.Series(frame.index.isin(list(rows)), index=frame.index)

    def _rank(self, frame: pd.DataFrame, metric: Metric) -> float:
        column = self._column(frame, metric.column or "")
        if metric.by == "count":
            totals = column.value_counts()
        else:
            totals = frame["downloads"].groupby(column).sum()
        value = metric.value or ""
        if value not in totals.index:
            raise Inconclusive(f"{value!r} does not appear among {metric.column} values")
        return float((totals > totals[value]).sum() + 1)

    # -- judging -------------------------------------------------------------------------------
    def judge(self, claim: Claim) -> dict[str, Any]:
        row: dict[str, Any] = {"id": claim.id, "verdict": "", "direction": None,
                               "measured": None, "expected": None, "as_of": None,
                               "source": None, "method": None, "note": "",
                               "quote": claim.quote, "evidence": {}}
        if claim.scope == "out":
            row.update(verdict="out-of-scope", note=claim.reason)
            return row
        assert claim.metric is not None
        try:
            if claim.metric.kind == "all":
                self._judge_all(claim, row)
            else:
                assert claim.expect is not None
                measured = self.measure(claim.metric)
                self._record(row, measured, claim.expect)
            for extra in claim.extra:
                try:
                    row["evidence"][extra.name or extra.kind] = _plain(self.measure(extra).value)
                except Inconclusive as exc:
                    row["evidence"][extra.name or extra.kind] = f"unavailable: {exc}"
        except Inconclusive as exc:
            row.update(verdict="inconclusive", note=str(exc))
        except SnapshotError as exc:
            row.update(verdict="inconclusive", note=str(exc))
        return row

    def _record(self, row: dict[str, Any], measured: Measurement, expect: Expectation) -> None:
        holds = expect.holds(measured.value)
        row.update(verdict="supported" if holds else "refuted",
                   direction=None if holds else expect.direction(measured.value),
                   measured=_plain(measured.value), expected=expect.describe(),
                   as_of=iso(measured.as_of), source=measured.source, method=measured.method)

    def _judge_all(self, claim: Claim, row: dict[str, Any]) -> None:
        assert claim.metric is not None
        parts = []
        for part in claim.metric.parts:
            assert part.expect is not None
            measured = self.measure(part)
            holds = part.expect.holds(measured.value)
            parts.append((part, measured, holds))
            row["evidence"][part.name or part.kind] = _plain(measured.value)
        failing = [(p, m) for p, m, holds in parts if not holds]
        last = parts[-1][1]
        row.update(verdict="refuted" if failing else "supported",
                   direction=failing[0][0].expect.direction(failing[0][1].value)  # type: ignore[union-attr]
                   if failing else None,
                   measured={(p.name or p.kind): _plain(m.value) for p, m, _ in parts},
                   expected={(p.name or p.kind): p.expect.describe()  # type: ignore[union-attr]
                             for p, _, _ in parts},
                   as_of=iso(last.as_of), source=last.source,
                   method="all of: " + ", ".join(sorted({m.method for _, m, _ in parts})))


def _plain(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 6)


def check_claims(claims: list[Claim], evaluator: Evaluator, errors: list[str] | None = None
                 ) -> Report:
    rows = [evaluator.judge(claim) for claim in claims]
    frame = pd.DataFrame(rows, columns=["id", "verdict", "direction", "measured", "expected",
                                        "as_of", "source", "method", "note", "quote",
                                        "evidence"])
    for column in ("direction", "as_of", "source", "method"):  # None, not NaN, where unset
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    counts = frame["verdict"].value_counts().to_dict()
    snapshot = evaluator.snapshot
    report = Report(title="Claims about the Hub, checked", rows=frame,
                    as_of=snapshot.as_of if evaluator.force_snapshot and snapshot
                    else datetime.now(UTC),
                    source=evaluator.snapshot.source if evaluator.force_snapshot and
                    evaluator.snapshot else "live and snapshot" if evaluator.snapshot
                    else "live",
                    extra={"verdicts": counts, "errors": list(errors or [])})
    report.notes.extend(f"claim file error: {e}" for e in errors or [])
    return report


def evaluator_for(client: HubClient | None, snapshot: Snapshot | None, *, snapshot_error: str = "",
                  force_snapshot: bool = False, families: Families | None = None) -> Evaluator:
    if force_snapshot and snapshot is None:
        raise HfExploreError("no snapshot to check the claims against")
    return Evaluator(client, snapshot, snapshot_error, force_snapshot,
                     families or Families.load())
