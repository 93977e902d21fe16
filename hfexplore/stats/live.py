"""Totals straight from the Hub, through the count path (no snapshot needed)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from hfexplore.hub import PLURAL, REPO_TYPES, HubClient, RepoType
from hfexplore.report import Report


def live_totals(client: HubClient, repo_types: Iterable[RepoType] = REPO_TYPES) -> Report:
    """Public repos per type, each counted by the cheapest method the Hub allows."""
    rows = []
    totals: dict[str, int] = {}
    methods: dict[str, str] = {}
    for repo_type in repo_types:
        result = client.count(repo_type)
        totals[PLURAL[repo_type]] = result.count
        methods[PLURAL[repo_type]] = result.method
        rows.append({"repo_type": repo_type, "count": result.count, "method": result.method,
                     "requests": result.requests})
    frame = pd.DataFrame(rows, columns=["repo_type", "count", "method", "requests"])
    return Report(title="Public repos on the Hub", rows=frame, source="live",
                  extra={"totals": totals, "methods": methods, "endpoint": client.endpoint})
