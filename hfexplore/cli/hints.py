"""What the command line adds to a library error: the option or command that fixes it.

Library errors name the problem only (a Python user has no `--offline` to pass); the CLI's
error handler appends the hint from here.
"""

from __future__ import annotations

import threading
from typing import Any

from hfexplore.errors import (
    AmbiguousSnapshotError,
    CacheMissError,
    DamagedSnapshotsError,
    DirectoryError,
    HfExploreError,
    HubAuthError,
    ManifestError,
    MissingRepoTypeError,
    NoSnapshotError,
    PlotFormatError,
    UnknownSnapshotError,
    WalkLimitError,
)

# Errors that come from what the user typed: exit status 2, like click's usage errors.
USAGE_ERRORS: tuple[type[HfExploreError], ...] = (AmbiguousSnapshotError, PlotFormatError)


# How long the advice for a missing snapshot may wait for the Hub's answer (DNS included).
ESTIMATE_DEADLINE = 8.0


def hint_for(exc: HfExploreError, params: dict[str, Any] | None = None) -> str | None:
    """The CLI's advice for a library error, or None when the message says it all.

    `params` are the failed command's options, where it recorded them (the endpoint, token and
    repo type the advice for a missing snapshot uses)."""
    if isinstance(exc, NoSnapshotError):
        return no_snapshot_advice(params or {})
    if isinstance(exc, WalkLimitError):
        return ("import a public dump of the catalogue with `hfexplore snapshot import "
                "hub-stats`, or crawl it once with `hfexplore snapshot create`")
    if isinstance(exc, DamagedSnapshotsError):
        return ("`hfexplore snapshot list` shows what is wrong with each; delete them or "
                "create a new one with `hfexplore snapshot create`")
    if isinstance(exc, AmbiguousSnapshotError):
        return "give more of the name"
    if isinstance(exc, UnknownSnapshotError):
        return "`hfexplore snapshot list` shows what there is"
    if isinstance(exc, MissingRepoTypeError):
        return f"create one with `hfexplore snapshot create --repo-type {exc.repo_type}`"
    if isinstance(exc, ManifestError):
        return ("delete that snapshot directory (or restore its manifest.json) and create a "
                "new one with `hfexplore snapshot create`")
    if isinstance(exc, DirectoryError):
        if exc.role == "cache":
            return ("choose a writable directory with --cache-dir or HFEXPLORE_CACHE, or run "
                    "without the cache (--no-cache)")
        return "choose a writable directory with --data-dir or HFEXPLORE_HOME"
    if isinstance(exc, CacheMissError):
        return "run the same command once without --offline (with network access) first"
    if isinstance(exc, HubAuthError):
        return "set HF_TOKEN, pass --token, or run `hf auth login`"
    return None


def message_for(exc: HfExploreError, params: dict[str, Any] | None = None) -> str:
    hint = hint_for(exc, params)
    return f"{exc}; {hint}" if hint else str(exc)


OFFLINE_ADVICE = ("offline, these work: --demo (the bundled sample of real Hub data), "
                  "`hfexplore snapshot import FILE.parquet` (a dump file you already have) and "
                  "`hfexplore stats --live --offline` (totals kept in the page cache)")


def no_snapshot_advice(params: dict[str, Any]) -> str:
    """The fastest ways to a snapshot: import a public dump, or crawl, with the crawl's time
    for this user's quota when the Hub answers one count request; what works offline when not.
    """
    from hfexplore.errors import HubUnreachableError

    repo_type = params.get("repo_type") or "model"
    if params.get("offline"):
        return OFFLINE_ADVICE
    outcome = _estimate_within_deadline(params, repo_type)
    if isinstance(outcome, HubUnreachableError) or outcome is None:
        why = str(outcome) if outcome is not None else "no answer from the Hub in time"
        return ("the fastest ways to one, `hfexplore snapshot import hub-stats` and "
                f"`hfexplore snapshot create`, need the Hub ({why}); {OFFLINE_ADVICE}")
    crawl = f"crawl with `hfexplore snapshot create --repo-type {repo_type}`"
    if isinstance(outcome, Exception):
        crawl += (" (1 request per 1,000 repos; the Hub's count endpoint did not answer, so "
                  "its time is not estimated)")
    else:
        plural = {"model": "models", "dataset": "datasets", "space": "Spaces"}[repo_type]
        who = ("a free token's quota" if outcome.authenticated else "the anonymous quota")
        crawl += (f": {outcome.repos:,} {plural}, {outcome.requests:,} requests, at least "
                  f"{_duration(outcome.seconds)} at {who} of {outcome.quota:,} API requests per "
                  "5 minutes")
        if not outcome.authenticated:
            from hfexplore.ingest.estimate import crawl_estimate

            faster = crawl_estimate(outcome.repos, authenticated=True)
            if faster.seconds < outcome.seconds:
                crawl += f" ({_duration(faster.seconds)} with a free token: set HF_TOKEN)"
    return ("the fastest way to one is `hfexplore snapshot import hub-stats` (the public daily "
            f"dump of the catalogue, reading only the columns needed), or {crawl}; or try the "
            "bundled sample with --demo")


def _estimate_within_deadline(params: dict[str, Any], repo_type: str) -> Any:
    """The estimate, the error that prevented it, or None when the Hub took too long.

    Runs in a daemon thread: a name lookup that hangs must not hold the error message."""
    outcome: list[Any] = []

    def estimate() -> None:
        from hfexplore.hub import RetryPolicy, connect
        from hfexplore.ingest.estimate import estimate_crawl

        try:
            quick = RetryPolicy(max_attempts=1, connect_attempts=1, timeout=5.0,
                                give_up_after=5.0)
            client = connect(params.get("endpoint"), params.get("token"), cache_mode="off",
                             policy=quick, record=params.get("record"))
            outcome.append(estimate_crawl(client, repo_type))  # type: ignore[arg-type]
        except (HfExploreError, OSError, ValueError) as exc:
            outcome.append(exc)

    worker = threading.Thread(target=estimate, daemon=True, name="no-snapshot-advice")
    worker.start()
    worker.join(ESTIMATE_DEADLINE)
    return outcome[0] if outcome else None


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def exit_status_for(exc: HfExploreError) -> int:
    return 2 if isinstance(exc, USAGE_ERRORS) else getattr(exc, "exit_code", 1)
