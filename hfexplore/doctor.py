"""`hfexplore doctor`: where everything is and whether it works, in one look.

Sits at the catalog layer: it reads the configuration, the snapshots on disk and asks the hub
layer for one probe request. It never creates a directory and never shows the token.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

from hfexplore import __version__
from hfexplore.config import (
    resolve_cache_dir,
    resolve_data_dir,
    resolve_endpoint,
    resolve_token,
)
from hfexplore.hub.probe import HubProbe, probe_hub
from hfexplore.hub.record import Recorder
from hfexplore.report import iso
from hfexplore.store.inventory import list_snapshots
from hfexplore.store.unfinished import unfinished_crawls


@dataclass(frozen=True)
class Directory:
    path: str
    exists: bool
    size_bytes: int = 0
    files: int = 0


@dataclass(frozen=True)
class Leftover:
    """An unfinished crawl: its name (for `discard_unfinished`) and what it is."""

    name: str
    description: str


@dataclass(frozen=True)
class Diagnosis:
    version: str
    endpoint: str
    endpoint_from: str  # "option", "HF_ENDPOINT" or "default"
    token_present: bool  # never the token itself
    token_from: str  # "option", "HF_TOKEN", "saved login" or "none"
    cache: Directory
    data: Directory
    snapshots: int
    newest_snapshot: str | None
    newest_as_of: str | None
    unreadable_snapshots: list[str] = field(default_factory=list)
    unfinished_crawls: list[Leftover] = field(default_factory=list)
    hub: HubProbe | None = None  # None when not asked (offline)


def directory(path: Path) -> Directory:
    if not path.is_dir():
        return Directory(str(path), False)
    size = files = 0
    for root, _dirs, names in os.walk(path):
        for name in names:
            try:
                size += os.lstat(os.path.join(root, name)).st_size
            except OSError:  # removed while we looked
                continue
            files += 1
    return Directory(str(path), True, size, files)


def token_source(token: str | None = None) -> str:
    if token:
        return "option"
    if os.environ.get("HF_TOKEN"):
        return "HF_TOKEN"
    return "saved login" if resolve_token() else "none"


def diagnose(
    endpoint: str | None = None,
    token: str | None = None,
    *,
    cache_dir: str | Path | None = None,
    data_dir: str | Path | None = None,
    check_hub: bool = True,
    timeout: float = 5.0,
    session: requests.Session | None = None,
    clock: Callable[[], float] = time.monotonic,
    record: str | Path | None = None,
) -> Diagnosis:
    """Describe the configuration; with `check_hub`, one request tells whether the Hub answers
    (saved into `record`, a recording directory, when given).

    A malformed endpoint raises `ConfigError`, as it would for any command.
    """
    url = resolve_endpoint(endpoint)
    source = token_source(token)
    endpoint_from = ("option" if endpoint else "HF_ENDPOINT" if os.environ.get("HF_ENDPOINT")
                     else "default")
    data = resolve_data_dir(data_dir)
    snapshots, problems = list_snapshots(data)
    newest = snapshots[-1] if snapshots else None
    return Diagnosis(
        version=__version__,
        endpoint=url,
        endpoint_from=endpoint_from,
        token_present=source != "none",
        token_from=source,
        cache=directory(resolve_cache_dir(cache_dir)),
        data=directory(data),
        snapshots=len(snapshots),
        newest_snapshot=newest.name if newest else None,
        newest_as_of=iso(newest.as_of) if newest else None,
        unreadable_snapshots=problems,
        unfinished_crawls=[Leftover(c.name, c.describe()) for c in unfinished_crawls(data)],
        hub=probe_hub(url, timeout=timeout, session=session, clock=clock,
                      recorder=Recorder(record, endpoint=url) if record is not None else None)
        if check_hub else None,
    )
