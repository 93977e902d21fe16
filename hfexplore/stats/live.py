"""Totals and breakdowns straight from the Hub, through the count path (no snapshot needed)."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from hfexplore.arguments import check_arguments, license_grouping
from hfexplore.errors import HubError, HubUnreachableError, InvalidArgumentError, WalkLimitError
from hfexplore.hub import PLURAL, REPO_TYPES, CountResult, HubClient, ListQuery, RepoType, SeenIds
from hfexplore.hub.quotas import api_quota
from hfexplore.knowledge import OPEN_WEIGHT_CATEGORIES, LicenseTable, load_library_names
from hfexplore.report import Report

log = logging.getLogger(__name__)

NONE_LICENSE = "(none)"
NONE_LIBRARY = "(none or unlisted)"


def live_totals(client: HubClient, repo_types: Iterable[RepoType] = REPO_TYPES) -> Report:
    """Public repos per type, each counted by the cheapest method the Hub allows.

    A count answered from the page cache (fresh for a few minutes, or any age with --offline)
    is labelled `source: cache` with its age in seconds; `live` means fetched now."""
    rows = []
    totals: dict[str, int] = {}
    methods: dict[str, str] = {}
    ages: list[float] = []
    for repo_type in repo_types:
        result = client.count(repo_type)
        totals[PLURAL[repo_type]] = result.count
        methods[PLURAL[repo_type]] = result.method
        age = round(result.age_s, 1) if result.from_cache and result.age_s is not None else None
        if result.from_cache:
            ages.append(age or 0.0)
        rows.append({"repo_type": repo_type, "count": result.count, "method": result.method,
                     "requests": result.requests, "source": "cache" if result.from_cache
                     else "live", "age_s": age})
    frame = pd.DataFrame(rows, columns=["repo_type", "count", "method", "requests", "source",
                                        "age_s"])
    extra: dict[str, object] = {"totals": totals, "methods": methods,
                                "endpoint": client.endpoint}
    report = Report(title="Public repos on the Hub", rows=frame,
                    source="cache" if ages else "live", extra=extra)
    if ages:
        extra["age_s"] = max(ages)
        report.notes.append(_cache_note(max(ages)))
    return report


# -- breakdowns -----------------------------------------------------------------------------------
@dataclass
class _Tally:
    """What counting each value of one dimension gave."""

    total: int
    counts: dict[str, int]
    method: Literal["website-count", "listing-walk"]
    requests: int
    ages: dict[str, float | None] = field(default_factory=dict)  # value -> cache age, if cached
    total_age: float | None = None
    fallback_reason: str | None = None
    walk_pages: int = 0

    def source(self, values: Iterable[str]) -> tuple[str, float | None]:
        """`cache` with the oldest age when any of `values` came from the page cache."""
        ages = [self.ages[v] for v in values if v in self.ages]
        return ("cache", round(max(a or 0.0 for a in ages), 1)) if ages else ("live", None)

    def overall(self) -> tuple[str, float | None]:
        ages = list(self.ages.values()) + ([self.total_age] if self.total_age is not None
                                           else [])
        return ("cache", round(max(a or 0.0 for a in ages), 1)) if ages else ("live", None)


def live_licenses(client: HubClient, repo_type: RepoType = RepoType.MODEL, *,
                  by: Literal["license", "category", "license_family", "family"] = "license",
                  open_weight: bool = False, top: int = 20, author: str | None = None,
                  library: str | None = None, task: str | None = None,
                  license_table: LicenseTable | None = None,
                  max_walk_requests: int | None = None) -> Report:
    """Public repos per license id of the license table, counted live: one count request per id
    (the website's count twin, "pages" quota, paced) plus one for the total.

    `(none)` is derived: the total minus the sum of the counted ids. When the count twin is
    unavailable, every id is counted by one walk of the listing (tags expanded), which stops
    with `WalkLimitError` after `max_walk_requests` pages (default: one 5-minute window of the
    caller's API quota)."""
    check_arguments(repo_type=repo_type)
    grouping = license_grouping(by)
    table = license_table or LicenseTable.load()
    ids = list(table.entries)
    base = _base_filters(repo_type, author=author, library=library, task=task)
    tally = _count_values(client, repo_type, "license", ids, base, max_walk_requests)
    per_license = pd.DataFrame({"license": ids, "count": [tally.counts.get(i, 0) for i in ids]})
    per_license["category"] = [table.category(i) for i in ids]
    per_license["license_family"] = [table.entries[i].family for i in ids]
    counted_sum = int(per_license["count"].sum())
    none_count = tally.total - counted_sum
    if open_weight:
        per_license = per_license[per_license["category"].isin(OPEN_WEIGHT_CATEGORIES)]
    if grouping == "license":
        rows = per_license[["license", "category", "count"]].copy()
        rows["members"] = [[i] for i in rows["license"]]
        none_row = {"license": NONE_LICENSE, "category": "none"}
    else:
        rows = per_license.groupby(grouping, sort=False).agg(
            count=("count", "sum"), members=("license", list)).reset_index()
        none_row = {grouping: NONE_LICENSE if grouping == "license_family" else "none"}
    if not open_weight and none_count >= 0:
        rows = pd.concat([rows, pd.DataFrame([{**none_row, "count": none_count,
                                               "members": [None]}])], ignore_index=True)
    title = (f"{'Open-weight ' if open_weight else ''}{PLURAL[repo_type].capitalize()} by "
             f"{grouping.replace('_', ' ')} (live)")
    report = _breakdown_report(title, rows, grouping, tally, top, repo_type, base,
                               client.endpoint)
    described = ("license ids of the license table (hfexplore/data/licenses.csv)"
                 if license_table is None else "license ids of the license table and the "
                 "given one")
    report.notes.insert(0, f"counted live: the {len(ids)} {described}, "
                        + _method_text(tally, len(ids)))
    if none_count >= 0:
        report.notes.append(
            f"{NONE_LICENSE} = {tally.total:,} repos in all minus the {counted_sum:,} counted "
            "under the table's license ids: a repo declaring several licenses is counted under "
            "each (so this undercounts repos without a license by that overlap), and a license "
            "id outside the table would count as none here"
            + (" (open-weight rows only: not shown)" if open_weight else ""))
    else:
        report.notes.append(_overlap_note("licenses", counted_sum, tally.total))
    report.notes.append(
        "categories are each license id's own, from the license table; a snapshot files a "
        "repo declaring several licenses under the most restrictive of them, which per-license "
        "counts cannot see (a snapshot's `licenses --by category` applies that policy)")
    report.extra.update(counted=ids, none_row={"label": NONE_LICENSE, "count": none_count
                                               if none_count >= 0 else None,
                                               "derived_as": "total minus counted",
                                               "counted_sum": counted_sum})
    return report


def live_libraries(client: HubClient, *, top: int = 20, author: str | None = None,
                   task: str | None = None, libraries: Sequence[str] | None = None,
                   max_walk_requests: int | None = None) -> Report:
    """Public models per library of a list of common library names (`hfexplore/data/
    libraries.txt` unless `libraries` is given), counted live like `live_licenses`."""
    names = list(dict.fromkeys(libraries)) if libraries is not None else load_library_names()
    base = _base_filters(RepoType.MODEL, author=author, task=task)
    tally = _count_values(client, RepoType.MODEL, "library", names, base, max_walk_requests)
    rows = pd.DataFrame({"library": names, "count": [tally.counts.get(n, 0) for n in names]})
    rows["members"] = [[n] for n in names]
    counted_sum = int(rows["count"].sum())
    rest = tally.total - counted_sum
    if rest >= 0:
        rows = pd.concat([rows, pd.DataFrame([{"library": NONE_LIBRARY, "count": rest,
                                               "members": [None]}])], ignore_index=True)
    report = _breakdown_report("Models by library (live)", rows, "library", tally, top,
                               RepoType.MODEL, base, client.endpoint)
    described = ("names of the built-in list of common Hub libraries (hfexplore/data/"
                 "libraries.txt)" if libraries is None else "given library names")
    report.notes.insert(0, f"counted live: the {len(names)} {described}, "
                        + _method_text(tally, len(names)))
    if rest >= 0:
        report.notes.append(f"{NONE_LIBRARY} = {tally.total:,} models in all minus the "
                            f"{counted_sum:,} counted under the listed libraries: models "
                            "without a library and models whose library is not in the list")
    else:
        report.notes.append(_overlap_note("libraries", counted_sum, tally.total))
    report.extra.update(counted=names, none_row={"label": NONE_LIBRARY, "count": rest
                                                 if rest >= 0 else None,
                                                 "derived_as": "total minus counted",
                                                 "counted_sum": counted_sum})
    return report


def _base_filters(repo_type: RepoType, **given: str | None) -> dict[str, str]:
    base = {"author": given.get("author"), "pipeline_tag": given.get("task"),
            "library": given.get("library")}
    if repo_type != "model" and (base["pipeline_tag"] or base["library"]):
        raise InvalidArgumentError("task and library filters apply to models only")
    return {key: value for key, value in base.items() if value}


def _count_values(client: HubClient, repo_type: RepoType, dimension: str, values: list[str],
                  base: dict[str, str], max_walk_requests: int | None) -> _Tally:
    """Each value through the count twin; if the twin fails at any point, all values by one
    walk of the listing (cheaper than a walk per value: ceil(total / 1,000) requests)."""
    start = client.transport.stats.requests
    try:  # the total by the twin too: if it cannot count, no value will be counted by it
        total = client.count(repo_type, shields=False, walk_fallback=False,
                             **base)  # type: ignore[arg-type]
        _warn_if_pages_short(client, len(values), total)
        results: dict[str, CountResult] = {}
        for value in values:
            filters: dict[str, Any] = {**base, dimension: value}
            results[value] = client.count(repo_type, walk_fallback=False, **filters)
    except HubUnreachableError:
        raise
    except HubError as exc:
        log.info("count endpoint unavailable (%s); counting by one walk of the listing", exc)
        tally = _walk_values(client, repo_type, dimension, values, base, max_walk_requests,
                             str(exc))
        tally.requests = client.transport.stats.requests - start
        tally.fallback_reason = str(exc)
        return tally
    return _Tally(total.count, {v: r.count for v, r in results.items()}, "website-count",
                  client.transport.stats.requests - start,
                  {v: r.age_s for v, r in results.items() if r.from_cache},
                  total.age_s if total.from_cache else None)


def _walk_values(client: HubClient, repo_type: RepoType, dimension: str, values: list[str],
                 base: dict[str, str], max_walk_requests: int | None, why: str) -> _Tally:
    """Every value by one walk of the listing, said first with its cost (`HubClient.
    counting_walk`); refused before it starts when the whole listing is known to need more
    than `max_walk_requests` pages, else stopped there."""
    limit = max_walk_requests or api_quota(client.transport.authenticated)
    plan = client.walk_plan(repo_type, bound=client.walk_bound(repo_type), filtered=bool(base))
    if not plan.filtered and plan.requests is not None and plan.requests > limit:
        raise WalkLimitError(
            f"the Hub's count endpoint is unavailable, and counting by walking the listing "
            f"would take about {plan.requests:,} requests ({plan.repos:,} {plan.repos_from}), "
            f"beyond its limit of {limit:,}", limit=limit, seen=0)
    wanted = set(values)
    query = ListQuery(repo_type, expand=("tags",) if dimension == "license" else
                      ("library_name",), author=base.get("author"),
                      pipeline_tag=base.get("pipeline_tag"),
                      filters=(base["library"],) if base.get("library") else ())
    seen = SeenIds()
    counts: Counter[str] = Counter()
    ages: list[float] = []
    pages = 0
    with closing(client.counting_walk(query, plan, seen=seen,
                                      why=f"the website's count endpoint: {why}")) as walk:
        for page in walk:
            pages += 1
            if page.from_cache:
                ages.append(page.age or 0.0)
            for item in page.items:
                counts.update(_values_of(item, dimension) & wanted)
            if not page.is_last and pages >= limit:
                raise WalkLimitError(
                    f"the Hub's count endpoint is unavailable, and counting by walking the "
                    f"listing stopped at its limit of {limit:,} requests ({len(seen):,} "
                    f"{PLURAL[repo_type]} seen, more to come)", limit=limit, seen=len(seen))
    age = max(ages) if ages else None
    return _Tally(len(seen), dict(counts), "listing-walk", pages,
                  dict.fromkeys(values, age) if ages else {}, age, walk_pages=pages)


def _values_of(item: dict[str, Any], dimension: str) -> set[str]:
    if dimension == "library":
        name = item.get("library_name")
        return {name} if isinstance(name, str) else set()
    tags = item.get("tags")
    if not isinstance(tags, list):
        return set()
    return {tag[8:] for tag in tags if isinstance(tag, str) and tag.startswith("license:")}


def _warn_if_pages_short(client: HubClient, needed: int, total: CountResult) -> None:
    """Say so before a wait for the next window: a quiet pause of minutes looks like a hang."""
    state = client.transport.pacer.last.get("pages")
    if total.from_cache or state is None or state.remaining >= needed:
        return
    log.warning("%d count requests to make and %d left in the Hub's current window of website "
                "requests: pausing up to %.0f s for the next window part of the way",
                needed, state.remaining, state.reset_seconds)


def _breakdown_report(title: str, rows: pd.DataFrame, key: str, tally: _Tally, top: int,
                      repo_type: RepoType, base: dict[str, str], endpoint: str) -> Report:
    rows = rows.sort_values(["count", key], ascending=[False, True], kind="stable")
    rows["share"] = rows["count"] / max(tally.total, 1)
    # A derived row rests on the total and every counted value.
    sources = [tally.source(members) if members != [None] else tally.overall()
               for members in rows["members"]]
    rows["source"] = [s for s, _ in sources]
    rows["age_s"] = [a for _, a in sources]
    rows = rows.drop(columns=["members"])
    shown = (rows.head(top) if top > 0 else rows).reset_index(drop=True)
    source, oldest = tally.overall()
    extra: dict[str, Any] = {"repo_type": repo_type, "total": tally.total,
                             "method": tally.method, "requests": tally.requests,
                             "endpoint": endpoint}
    report = Report(title=title, rows=shown, source=source, extra=extra)
    if base:
        shown_filters = ", ".join(f"{'task' if k == 'pipeline_tag' else k}={v}"
                                  for k, v in base.items())
        report.notes.append(f"filters: {shown_filters}")
        extra["filters"] = base
    if tally.fallback_reason:
        report.notes.append(f"the Hub's count endpoint did not answer ({tally.fallback_reason}); "
                            f"every value was counted by one walk of the listing instead")
    if oldest is not None:
        extra["age_s"] = oldest
        report.notes.append(_cache_note(oldest))
    return report


def _method_text(tally: _Tally, values: int) -> str:
    if tally.method == "website-count":
        return (f"one website-count request each plus one for the total ({tally.requests:,} "
                f"requests made, the rest from the page cache)" if tally.requests < values + 1
                else f"one website-count request each plus one for the total "
                f"({tally.requests:,} requests)")
    return (f"all in one walk of the listing since the count endpoint was unavailable "
            f"({tally.walk_pages:,} pages of up to 1,000 repos; {tally.requests:,} requests in "
            "all)")


def _overlap_note(what: str, counted_sum: int, total: int) -> str:
    return (f"the counted {what} add up to {counted_sum:,}, more than the {total:,} repos in all "
            f"(the Hub's filter matches several {what} per repo), so no row can be derived for "
            f"repos without one")


def _cache_note(age: float) -> str:
    return (f"answered from the page cache, fetched up to {age:,.0f} s ago (--refresh to count "
            "again)")
