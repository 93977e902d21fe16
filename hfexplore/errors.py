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
    """--offline was asked and the cache holds no answer for this request."""


class SnapshotError(HfExploreError):
    """A snapshot is missing, corrupt or incomplete."""


class ClaimFileError(HfExploreError):
    """A claim definition file is malformed."""


class LockedError(HfExploreError):
    """Another hfexplore run holds the lock on this data directory."""

    exit_code = 75  # EX_TEMPFAIL: try again later (cron wrappers can tell it from a failure)


class ConfigError(HfExploreError):
    """A setting (an endpoint, a directory) is malformed: a usage error, not a runtime one."""

    exit_code = 2
