"""What the command line adds to a library error: the option or command that fixes it.

Library errors name the problem only (a Python user has no `--offline` to pass); the CLI's
error handler appends the hint from here.
"""

from __future__ import annotations

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
)

# Errors that come from what the user typed: exit status 2, like click's usage errors.
USAGE_ERRORS: tuple[type[HfExploreError], ...] = (AmbiguousSnapshotError, PlotFormatError)


def hint_for(exc: HfExploreError) -> str | None:
    """The CLI's advice for a library error, or None when the message says it all."""
    if isinstance(exc, NoSnapshotError):
        return ("create one with `hfexplore snapshot create` (a full crawl), or try the "
                "bundled sample with --demo")
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


def message_for(exc: HfExploreError) -> str:
    hint = hint_for(exc)
    return f"{exc}; {hint}" if hint else str(exc)


def exit_status_for(exc: HfExploreError) -> int:
    return 2 if isinstance(exc, USAGE_ERRORS) else getattr(exc, "exit_code", 1)
