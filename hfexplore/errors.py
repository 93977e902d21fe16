"""Error types. Each carries one clear sentence for the user; the CLI prints it and exits 1."""

from __future__ import annotations


class HfExploreError(Exception):
    """Base of every error hfexplore reports to a user without a traceback."""


class HubError(HfExploreError):
    """The Hub answered in a way we cannot use, or not at all."""

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None):
        super().__init__(message)
        self.url = url
        self.status = status


class HubUnreachableError(HubError):
    """No connection at all: DNS failure, refused connection, no route."""


class HubAuthError(HubError):
    """401 or 403: the token is missing, invalid, or lacks access."""


class HubNotFoundError(HubError):
    """404: the repo or endpoint does not exist (or is private)."""


class HubRateLimitError(HubError):
    """The quota stayed exhausted for longer than we were allowed to wait."""


class HubServerError(HubError):
    """5xx, timeouts or broken responses that outlasted the retry budget."""


class HubBadRequestError(HubError):
    """400: the Hub rejected our parameters (unknown expand field, expired cursor...)."""


class CacheMissError(HfExploreError):
    """Offline mode was asked and the cache holds no answer for this request."""

    def __init__(self, message: str, *, url: str | None = None):
        super().__init__(message)
        self.url = url


class WalkLimitError(HfExploreError):
    """A listing walk standing in for the count endpoint would cost more requests than allowed."""

    def __init__(self, message: str, *, limit: int, seen: int):
        super().__init__(message)
        self.limit = limit
        self.seen = seen


class SnapshotError(HfExploreError):
    """A snapshot is missing, corrupt or incomplete."""


class NoSnapshotError(SnapshotError):
    """The data directory holds no snapshot at all."""

    def __init__(self, message: str, *, data_dir: str):
        super().__init__(message)
        self.data_dir = data_dir


class DamagedSnapshotsError(SnapshotError):
    """Snapshots exist, but every one of them is damaged."""

    def __init__(self, message: str, *, names: list[str]):
        super().__init__(message)
        self.names = names


class DamagedSnapshotError(SnapshotError):
    """One snapshot is damaged: named explicitly, or found so while its data was read (a page
    that fails its checksum)."""

    def __init__(self, name: str, problems: list[str]):
        super().__init__(f"snapshot {name} is damaged ({'; '.join(problems)})")
        self.name = name
        self.problems = problems


class UnknownSnapshotError(SnapshotError):
    """No snapshot answers to the name, date prefix or path asked for."""


class AmbiguousSnapshotError(SnapshotError):
    """A date prefix names more than one snapshot."""

    def __init__(self, message: str, *, matches: list[str]):
        super().__init__(message)
        self.matches = matches


class MissingRepoTypeError(SnapshotError):
    """The snapshot was taken without this repo type."""

    def __init__(self, message: str, *, repo_type: str):
        super().__init__(message)
        self.repo_type = repo_type


class ManifestError(SnapshotError):
    """A snapshot's manifest.json is unreadable or has a field of the wrong kind."""


class DirectoryError(HfExploreError):
    """A data or cache directory cannot be created or written."""

    def __init__(self, message: str, *, path: str, role: str = "data"):
        super().__init__(message)
        self.path = path
        self.role = role  # "data" or "cache"


class PlotFormatError(HfExploreError):
    """A plot was asked for in a file type matplotlib is not set up to write here."""


class LockedError(HfExploreError):
    """Another hfexplore run holds the lock on this data directory."""

    exit_code = 75  # EX_TEMPFAIL: try again later (cron wrappers can tell it from a failure)


class HubFileChangedError(HubError):
    """A file on the Hub changed (new ETag) while it was being read."""


class QueryError(HfExploreError):
    """An SQL query was refused (not one SELECT, or it reached outside the snapshot) or is wrong
    (syntax, unknown table or column)."""

    exit_code = 2


class InvalidArgumentError(HfExploreError, ValueError):
    """A library function was given a value outside the ones it accepts."""

    exit_code = 2


class ConfigError(HfExploreError):
    """A setting (an endpoint, a directory) is malformed: a usage error, not a runtime one."""

    exit_code = 2


class StaleDataWarning(UserWarning):
    """A snapshot's contents are older than its date (`store/freshness.py`): its figures are
    of the day its newest repo was seen, or later, not necessarily of the snapshot's day."""
