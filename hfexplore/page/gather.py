"""Gather everything the HTML report shows: the existing reports, the claims and provenance.

`build_report_page` only collects data (Reports, claim verdicts, manifest figures); turning it into
charts and HTML is `hfexplore.page.html`. A part that cannot be made (a snapshot without
models, a claim that cannot be measured) is recorded with the reason, never fatal: the page
still renders and says what is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hfexplore.claims import builtin_claim_files, check_claims, evaluator_for, load_claim_files
from hfexplore.ecosystem.drift import drift
from hfexplore.errors import HfExploreError
from hfexplore.hub import PLURAL, REPO_TYPES, HubClient
from hfexplore.knowledge import Families
from hfexplore.page import shape
from hfexplore.report import Report, iso
from hfexplore.stats import reports
from hfexplore.stats.engine import Scan
from hfexplore.stats.live import live_totals
from hfexplore.stats.reports import NO_FILTERS, Filters
from hfexplore.store.snapshot import Snapshot
from hfexplore.verdicts import ClaimsReport

# The charts, in page order: key -> how to make its report.
CHART_REPORTS: dict[str, Callable[[Snapshot, Filters, int, Families], Report]] = {
    "license_categories": lambda s, f, top, fam: reports.licenses(
        s, by="category", top=0, filters=f),
    "licenses": lambda s, f, top, fam: reports.licenses(s, top=top, filters=f),
    "libraries": lambda s, f, top, fam: reports.libraries(s, top=top, filters=f),
    "tasks": lambda s, f, top, fam: reports.tasks(s, top=top, filters=f),
    "publishers": lambda s, f, top, fam: reports.licenses(
        s, open_weight=True, top=0, filters=f, families=fam),
    "lineage": lambda s, f, top, fam: reports.lineage(s, top=top, filters=f, families=fam),
    "growth": lambda s, f, top, fam: reports.growth(s, by="month", filters=f),
    **shape.REPORTS,
}
# The tables shown without a chart, in page order.
TABLE_REPORTS: dict[str, Callable[[Snapshot, Filters, int, Families], Report]] = {
    "drift": lambda s, f, top, fam: drift(s, top=top, filters=f,
                                          scan=Scan(s, "model", f, families=fam)),
}


@dataclass
class Total:
    repo_type: str
    count: int | None
    method: str
    missing: str = ""


@dataclass
class ReportPage:
    """Everything the HTML report shows, as data."""

    generated_at: datetime
    snapshot: Snapshot | None
    filters: Filters
    totals: list[Total]
    reports: dict[str, Report] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    claims: ClaimsReport | None = None
    problems: list[str] = field(default_factory=list)
    live: bool = False
    top: int = 15

    @property
    def as_of(self) -> datetime | None:
        return self.snapshot.as_of if self.snapshot else None


def build_report_page(snapshot: Snapshot | None, *, client: HubClient | None = None,
                      snapshot_error: str = "", filters: Filters = NO_FILTERS, top: int = 15,
                      claim_files: list[Path] | None = None, builtin_claims: bool = True,
                      families: Families | None = None,
                      clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> ReportPage:
    """Collect the report's data from a snapshot (and the live Hub when `client` is given).

    Without a client everything, claims included, is measured in the snapshot; with one, the
    headline totals are counted live and the claims go live where they can.
    """
    if snapshot is None and client is None:
        raise HfExploreError(snapshot_error or "the report needs a snapshot or a live Hub")
    families = families or Families.load()
    page = ReportPage(generated_at=clock(), snapshot=snapshot, filters=filters,
                      totals=_totals(snapshot, client, filters), live=client is not None,
                      top=top)
    if snapshot_error:
        page.problems.append(snapshot_error)
    for key, make in {**CHART_REPORTS, **TABLE_REPORTS}.items():
        if snapshot is None:
            page.missing[key] = "needs a snapshot: run `hfexplore snapshot create`"
            continue
        try:
            page.reports[key] = make(snapshot, filters, top, families)
        except HfExploreError as exc:
            page.missing[key] = str(exc)
    _add_claims(page, snapshot, client, snapshot_error, claim_files or [], builtin_claims,
                families)
    return page


def _totals(snapshot: Snapshot | None, client: HubClient | None, filters: Filters) -> list[Total]:
    if client is not None:
        live = live_totals(client)
        return [Total(row["repo_type"], int(row["count"]), f"live, {row['method']}")
                for row in live.rows.to_dict("records")]
    assert snapshot is not None
    counts = reports.summary(snapshot, top=1, filters=filters).extra["totals"]
    out = []
    for repo_type in REPO_TYPES:
        plural = PLURAL[repo_type]
        if plural in counts:
            out.append(Total(repo_type, int(counts[plural]), f"snapshot {snapshot.name}"))
        else:
            out.append(Total(repo_type, None, "", missing=f"snapshot {snapshot.name} has no "
                             f"{plural}; `hfexplore snapshot create --repo-type {repo_type}` "
                             "adds them"))
    return out


def _add_claims(page: ReportPage, snapshot: Snapshot | None, client: HubClient | None,
                snapshot_error: str, claim_files: list[Path], builtin: bool,
                families: Families) -> None:
    loaded = load_claim_files(([*builtin_claim_files()] if builtin else []) + claim_files)
    page.problems.extend(f"claim file error: {error}" for error in loaded.errors)
    if not loaded.claims:
        page.missing["claims"] = "no claims to check"
        return
    try:
        evaluator = evaluator_for(client, snapshot, snapshot_error=snapshot_error,
                                  force_snapshot=client is None, families=families)
    except HfExploreError as exc:
        page.missing["claims"] = str(exc)
        return
    page.claims = check_claims(loaded.claims, evaluator, loaded.errors)


# -- provenance ---------------------------------------------------------------------------------
def provenance(snapshot: Snapshot) -> list[tuple[str, str]]:
    """What the data is and how it was collected, from the manifest, as label/value pairs."""
    manifest = snapshot.manifest
    items = [("snapshot", snapshot.name), ("source", snapshot.source),
             ("data as of", iso(snapshot.as_of)),
             ("collected", f"{manifest.get('started_at', '?')} to "
                           f"{manifest.get('finished_at', '?')}"),
             ("method", collection_method(manifest)),
             ("endpoint", str(manifest.get("endpoint", "")))]
    for key, label in (("requests", "requests"), ("retries", "retries"),
                       ("rate_limited", "rate-limited responses")):
        if key in manifest:
            items.append((label, f"{int(manifest[key]):,}"))
    anomalies = manifest.get("anomalies")
    if isinstance(anomalies, dict):
        items.append(("anomalies", f"{int(anomalies.get('count', 0)):,}"))
    for key in ("sample", "origin"):
        value = manifest.get(key)
        if isinstance(value, dict):
            items.extend((f"{key} ({name})", str(text)) for name, text in value.items())
        elif value:
            items.append((key, str(value)))
    items.append(("hfexplore", f"{manifest.get('hfexplore_version', '?')}, schema "
                               f"{manifest.get('schema_version', '?')}"))
    return [(label, value) for label, value in items if value]


def collection_method(manifest: dict[str, Any]) -> str:
    if manifest.get("method"):
        return str(manifest["method"])
    incremental = manifest.get("incremental")
    if isinstance(incremental, dict):
        return (f"incremental refresh of {incremental.get('base', '?')} (last full crawl "
                f"{incremental.get('last_full_crawl', '?')}; downloads and likes of unchanged "
                "repos are as of then)")
    return f"full crawl of the Hub listing, sorted by {manifest.get('sort', '?')}"


def manifest_figures(snapshot: Snapshot) -> tuple[list[str], list[list[str]]]:
    """Per repo type: the manifest's count, pages, received, duplicates, size and checksum."""
    columns = ["repo type", "count", "pages", "received", "duplicates dropped", "bytes",
               "sha256"]
    rows = []
    for repo_type, entry in snapshot.manifest.get("repo_types", {}).items():
        if not isinstance(entry, dict):
            continue
        rows.append([str(repo_type)] + [_figure(entry.get(key)) for key in
                                        ("count", "pages", "received", "duplicates_dropped",
                                         "bytes")] + [str(entry.get("sha256", ""))[:12]])
    return columns, rows


def _figure(value: Any) -> str:
    return f"{int(value):,}" if isinstance(value, int | float) else ""
