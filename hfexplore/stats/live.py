"""Totals straight from the Hub, through the count path (no snapshot needed)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from hfexplore.hub import PLURAL, REPO_TYPES, HubClient, RepoType
from hfexplore.report import Report


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
        report.notes.append(f"answered from the page cache, fetched up to {max(ages):,.0f} s "
                            "ago (--refresh to count again)")
    return report
