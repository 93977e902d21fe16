"""Checking claim files against a chosen source: the demo snapshot, one named snapshot, or
every intact snapshot plus the live Hub for plain counts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

from hfexplore.claims.evaluate import check_claims, evaluator_for
from hfexplore.claims.loader import builtin_claim_files, load_claim_files
from hfexplore.config import resolve_data_dir
from hfexplore.errors import InvalidArgumentError, SnapshotError
from hfexplore.knowledge import Families

if TYPE_CHECKING:  # the client's modules load only when a claim is counted live
    from hfexplore.hub import HubClient
from hfexplore.store.inventory import intact_snapshots, resolve_snapshot
from hfexplore.store.snapshot import Snapshot, demo_snapshot
from hfexplore.verdicts import ClaimsReport


@dataclass
class ClaimsCheck:
    """The verdicts, and what went wrong around them."""

    report: ClaimsReport
    load_errors: list[str]  # one line per bad claim or claim file
    warnings: list[str]  # damaged snapshots that were skipped
    # Why no snapshot could be used (the claims that need one are inconclusive), or None.
    snapshot_problem: SnapshotError | None

    @property
    def exit_status(self) -> int:
        """0 all measured, 1 claim file errors, 3 none measured, 4 some not."""
        return self.report.exit_status


def check_claim_files(
    files: Sequence[Path] = (),
    *,
    builtin: bool = True,
    demo: bool = False,
    snapshot: str | Path | None = None,
    data_dir: str | Path | None = None,
    client: HubClient | Callable[[], HubClient] | None = None,
    families_file: str | Path | None = None,
    now: Callable[[], datetime] | None = None,
    only: Sequence[str] = (),
) -> ClaimsCheck:
    """Load the built-in claims (unless `builtin` is False) and `files`, and judge each.

    With `demo` or `snapshot` (a name, date prefix, latest, previous or a path) every claim is
    measured in that one snapshot. Otherwise each claim is measured on the data nearest its
    date: every intact snapshot of `data_dir`, and the live Hub through `client` (a client, or
    a function that makes one, called only in this case) for plain counts. `only`: the ids of
    the claims to check (InvalidArgumentError naming any that no file defines)."""
    if demo and snapshot is not None:
        raise InvalidArgumentError("demo and snapshot cannot be combined: both choose the one "
                                   "snapshot to measure in")
    loaded = load_claim_files([*(builtin_claim_files() if builtin else []), *files])
    if only:
        missing = [i for i in only if i not in {c.id for c in loaded.claims}]
        if missing:
            raise InvalidArgumentError(f"no claim with id {', '.join(missing)} (the ids are "
                                       "those of the claim files' [[claim]] tables)")
        loaded.claims = [c for c in loaded.claims if c.id in only]
    forced = demo or snapshot is not None
    snapshots: list[Snapshot] = []
    warnings: list[str] = []
    problem: SnapshotError | None = None
    if demo:
        snapshots = [demo_snapshot()]
    elif snapshot is not None:
        snapshots = [resolve_snapshot(str(snapshot), resolve_data_dir(data_dir))]
    else:
        try:
            snapshots, warnings = intact_snapshots(resolve_data_dir(data_dir))
        except SnapshotError as exc:  # none, or only damaged ones: live counts still work
            problem = exc
    live = None if forced or client is None else cast("HubClient", client) \
        if hasattr(client, "count") else cast("Callable[[], HubClient]", client)()
    evaluator = evaluator_for(live, snapshots, force_snapshot=forced,
                              snapshot_error=f"{problem}: this claim needs a snapshot"
                              if problem else "", families=Families.load(families_file),
                              now=now)
    report = check_claims(loaded.claims, evaluator, loaded.errors)
    # Pages found failing their checksums while measuring: the claims moved on to other data.
    warnings += [f"skipped damaged snapshot {s.name} ({'; '.join(found)})"
                 for s in snapshots if not forced and (found := s.problems())]
    # Data older than its snapshot's date: the verdicts take its date as a range (timing.py).
    warnings += [line for s in snapshots if (line := s.freshness().warning(s.name))]
    return ClaimsCheck(report, list(loaded.errors), warnings, problem)
