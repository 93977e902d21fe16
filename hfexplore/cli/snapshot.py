from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from hfexplore.arguments import EXPORT_FORMATS, LATEST, PREVIOUS
from hfexplore.cli.examples import examples
from hfexplore.cli.options import (
    REPO_TYPE_LIST,
    data_dir_option,
    emit,
    hub_client,
    hub_options,
    output_options,
    parsed_by,
    top_option,
    warn_if_stale,
)
from hfexplore.cli.progress import sigterm_as_interrupt
from hfexplore.config import resolve_data_dir
from hfexplore.errors import HfExploreError, LockedError
from hfexplore.repo_type import REPO_TYPES, RepoType

if TYPE_CHECKING:
    from hfexplore.store.unfinished import UnfinishedCrawl


def _export_formats(ctx: click.Context, param: click.Parameter, value: str) -> list[str]:

    chosen = [v.strip() for v in value.split(",") if v.strip()]
    if not chosen or any(v not in EXPORT_FORMATS for v in chosen):
        raise click.BadParameter(f"expected a comma-separated list of {', '.join(EXPORT_FORMATS)}")
    return chosen


@click.group(epilog=examples(
    "hfexplore snapshot import hub-stats",
    "hfexplore snapshot list",
    "hfexplore snapshot diff"))
def snapshot() -> None:
    """Create, list and inspect dated snapshots of the whole catalogue."""


@snapshot.command("create", epilog=examples(
    "hfexplore snapshot create --repo-type model",
    "hfexplore snapshot create --incremental --keep 8",
    "hfexplore snapshot create --export hub-export --export-format parquet,csv"))
@click.option("--repo-type", "repo_types", type=REPO_TYPE_LIST, default=",".join(REPO_TYPES),
              show_default=True, help="Comma-separated repo types to crawl.")
@click.option("--fresh", is_flag=True, help="Discard an unfinished crawl instead of resuming it.")
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar [default: only on a terminal].")
@click.option("--license-table", type=click.Path(dir_okay=False, exists=True), metavar="CSV",
              help="Your own license table, merged over the built-in one.")
@click.option("--incremental", is_flag=True,
              help="Start from the newest snapshot and fetch only repos changed since.")
@click.option("--export", "export_dir", type=click.Path(file_okay=False, path_type=Path),
              metavar="DIR", help="Also export the finished snapshot to DIR (Hive layout).")
@click.option("--export-format", "export_formats", default="parquet", show_default=True,
              callback=_export_formats, help="Comma-separated: parquet, csv, jsonl.")
@click.option("--include-private", is_flag=True, help="Export private repos too.")
@click.option("--keep", type=click.IntRange(min=1), metavar="N",
              help="Afterwards keep only the newest N snapshots (and N export dates).")
@data_dir_option
@hub_options
def snapshot_create(repo_types: list[RepoType], fresh: bool, progress: bool | None,
                    license_table: str | None, incremental: bool, export_dir: Path | None,
                    export_formats: list[str], include_private: bool, keep: int | None,
                    data_dir: str | None, **params: Any) -> None:
    """Crawl the Hub into a new snapshot (resumes an unfinished crawl of the same kind).

    Pages are walked 1,000 repos at a time, sorted by creation time; every finished page is
    on disk, so an interrupted crawl continues where it stopped when run again.
    """
    from hfexplore.cli.progress import progress_factory
    from hfexplore.ingest.publish import publish_snapshot
    from hfexplore.knowledge import LicenseTable
    from hfexplore.store.unfinished import not_resumed_by

    if incremental and fresh:
        raise click.UsageError("--incremental and --fresh cannot be combined (--fresh restarts "
                               "an unfinished full crawl; an incremental refresh has none)")
    if incremental and progress:
        raise click.UsageError("--incremental shows no progress bar (it fetches a few pages); "
                               "drop --progress")
    client = hub_client(params)
    show = sys.stderr.isatty() if progress is None else progress
    root = resolve_data_dir(data_dir)
    if not incremental and not fresh:
        for leftover in not_resumed_by(root, client.endpoint, repo_types):
            click.echo(f"note: {_unfinished_note(leftover)}", err=True)
    try:
        with sigterm_as_interrupt():
            done = publish_snapshot(
                client, root, repo_types, incremental=incremental, fresh=fresh,
                licenses=LicenseTable.load(license_table),
                progress=progress_factory(client) if show and not incremental else None,
                export_dir=export_dir, export_formats=export_formats,
                include_private=include_private, keep=keep)
    except (HfExploreError, KeyboardInterrupt) as exc:
        # Only when a crawl left pages to resume from (not for a failed export or prune).
        if not (incremental or isinstance(exc, LockedError)) \
                and _resumable(root, client.endpoint, repo_types):
            click.echo("the crawl stopped; every completed page is saved: run the same "
                       "command again to resume", err=True)
        raise exc
    snap = done.snapshot
    counts = ", ".join(f"{n:,} {t}s" for t, n in done.counts().items())
    summary = f"snapshot {snap.name}: {counts} ({snap.manifest['requests']:,} requests)"
    if done.exported_to is not None:
        summary += f", exported to {done.exported_to}"
    if done.pruned:
        summary += f", pruned {len(done.pruned)} old"
    click.echo(f"{summary} in {snap.path}")


def _resumable(root: Path, endpoint: str, repo_types: list[RepoType]) -> bool:
    """Whether the stopped crawl saved a page to resume from (not when the first request
    failed: then there is nothing saved to speak of)."""
    from hfexplore.store.unfinished import unfinished_crawls

    return any(c.resumed_by(endpoint, repo_types) and c.pages > 0
               for c in unfinished_crawls(root))


def _unfinished_note(leftover: UnfinishedCrawl) -> str:
    how = "" if leftover.endpoint is None else (
        f"it resumes with `hfexplore snapshot create --endpoint {leftover.endpoint} "
        f"--repo-type {','.join(leftover.repo_types)}`, or ")
    return (f"{leftover.describe()}; {how}`hfexplore snapshot discard {leftover.name}` "
            "deletes it")


@snapshot.command("list", epilog=examples(
    "hfexplore snapshot list",
    "hfexplore snapshot list -f json"))
@data_dir_option
@output_options
def snapshot_list(data_dir: str | None, output_format: str | None) -> None:
    """Snapshots in the data directory, oldest first, each checked for damage (missing,
    truncated or misplaced files; `snapshot show --verify` checks every checksum)."""
    from hfexplore.report import Report
    from hfexplore.store.inventory import list_snapshot_inventory

    root = resolve_data_dir(data_dir)
    inventory = list_snapshot_inventory(root)
    notes = [_unfinished_note(leftover) for leftover in inventory.unfinished]
    emit(Report("Snapshots", inventory.table(), source=str(root), notes=notes), output_format)


@snapshot.command("discard", epilog=examples("hfexplore snapshot discard --all"))
@click.argument("name", required=False)
@click.option("--all", "everything", is_flag=True, help="Discard every unfinished crawl.")
@data_dir_option
def snapshot_discard(name: str | None, everything: bool, data_dir: str | None) -> None:
    """Delete an unfinished crawl (its saved pages) that `snapshot list` reports."""
    from hfexplore.store.unfinished import discard_unfinished

    if (name is None) == (not everything):
        raise click.UsageError("give the NAME of one unfinished crawl, or --all")
    removed = discard_unfinished(resolve_data_dir(data_dir), name)
    click.echo(f"discarded {len(removed)} unfinished crawl(s)" +
               "".join(f"\n  {leftover.name}" for leftover in removed))


@snapshot.command("show", epilog=examples(
    "hfexplore snapshot show",
    "hfexplore snapshot show previous --verify"))
@click.argument("name", required=False)
@data_dir_option
@click.option("--verify", is_flag=True,
              help="Read every file: its sha256 and its pages' checksums. The verdict comes "
                   "first, on one line (stderr), then the manifest.")
def snapshot_show(name: str | None, data_dir: str | None, verify: bool) -> None:
    """The manifest of one snapshot (the newest intact one by default), as JSON.

    NAME is a name, a unique prefix (2024-07), `latest`, `previous` or a path; a snapshot named
    that is damaged is an error (with --verify: the verdict says what is wrong).
    """
    from hfexplore.errors import DamagedSnapshotError
    from hfexplore.store.inventory import resolve_snapshot
    from hfexplore.store.snapshot import open_snapshot

    root = resolve_data_dir(data_dir)
    try:
        snap = resolve_snapshot(name, root)
    except DamagedSnapshotError as exc:
        if not verify:
            raise
        snap = open_snapshot(_snapshot_path(name, exc.name, root))
    doc = {"path": str(snap.path), **snap.manifest}
    if verify:
        problems = snap.problems()
        doc["problems"] = problems = problems + [p for p in snap.verify() if p not in problems]
        verdict = (f"error: snapshot {snap.name} is damaged: {'; '.join(problems)}" if problems
                   else f"snapshot {snap.name} is intact: every file matches its sha256 and "
                        "every page its checksum")
        click.echo(verdict, err=True)
    click.echo(json.dumps(doc, indent=2))
    if verify and doc["problems"]:
        raise SystemExit(1)


def _snapshot_path(ref: str | None, name: str, root: Path) -> Path:
    """Where the damaged snapshot `name`, found for `ref`, lives."""
    from hfexplore.store.snapshot import SNAPSHOTS

    given = Path(ref).expanduser() if ref else None
    return given if given is not None and given.is_dir() else root / SNAPSHOTS / name


@snapshot.command("prune", epilog=examples(
    "hfexplore snapshot prune --keep 4",
    "hfexplore snapshot prune --keep 4 --export hub-export",
    "hfexplore snapshot prune --damaged"))
@click.option("--keep", type=click.IntRange(min=1), metavar="N",
              help="How many of the newest intact snapshots (and export dates) to keep.")
@click.option("--damaged", is_flag=True,
              help="Delete the damaged snapshots too (`snapshot list` shows them); without it "
                   "they are only reported.")
@click.option("--export", "export_dir", type=click.Path(file_okay=False, path_type=Path),
              metavar="DIR", help="Prune this export directory's dates too (with --keep).")
@data_dir_option
def snapshot_prune(keep: int | None, damaged: bool, export_dir: Path | None,
                   data_dir: str | None) -> None:
    """Delete all but the newest N intact snapshots; damaged ones only with --damaged."""
    from hfexplore.store.export import prune_export
    from hfexplore.store.inventory import damaged_snapshots, prune_snapshots
    from hfexplore.store.lock import data_dir_lock

    if keep is None and not damaged:
        raise click.UsageError("give --keep N, --damaged, or both")
    if export_dir is not None and keep is None:
        raise click.UsageError("--export prunes export dates by --keep N")
    root = resolve_data_dir(data_dir)
    with data_dir_lock(root):
        removed = prune_snapshots(root, keep, damaged=damaged)
        dates = prune_export(export_dir, keep) if export_dir is not None and keep else []
        left = damaged_snapshots(root)
    for entry in left:
        click.echo(f"warning: kept damaged snapshot {entry.name} ({'; '.join(entry.problems)}); "
                   "`hfexplore snapshot prune --damaged` deletes it", err=True)
    click.echo(f"removed {len(removed)} snapshot(s)" +
               (f" and {len(dates)} export date(s)" if export_dir is not None else ""))


@snapshot.command("diff", epilog=examples(
    "hfexplore snapshot diff",
    "hfexplore snapshot diff 2024-06 latest --repo-type model --top 5"))
@click.argument("old", default=PREVIOUS)
@click.argument("new", default=LATEST)
@click.option("--repo-type", "repo_types", type=REPO_TYPE_LIST, default=",".join(REPO_TYPES),
              show_default=True, help="Comma-separated repo types to compare.")
@top_option(10, "Rows of each list to show, per repo type (0 for all).")
@data_dir_option
@output_options
def snapshot_diff(old: str, new: str, repo_types: list[RepoType], top: int, data_dir: str | None,
                  output_format: str | None) -> None:
    """What changed from snapshot OLD to NEW: totals per repo type first, then the top of each
    list (added, removed, relicensed repos, category moves, movers, new derivatives).

    OLD and NEW are names, unique prefixes (2024-07), `latest`, `previous` or paths
    [default: previous latest].
    """
    from hfexplore.errors import DamagedSnapshotError
    from hfexplore.stats.diff import diff_snapshots
    from hfexplore.store.inventory import resolve_snapshot

    root = resolve_data_dir(data_dir)
    pair = (resolve_snapshot(old, root), resolve_snapshot(new, root))
    for snapshot in pair:
        warn_if_stale(snapshot)
    while True:
        try:
            report = diff_snapshots(*pair, repo_types, top=top)
            break
        except DamagedSnapshotError as exc:  # found reading: `latest`, `previous` move on
            refs = {ref for ref, snap in zip((old, new), pair, strict=True)
                    if snap.name == exc.name}
            again = (resolve_snapshot(old, root), resolve_snapshot(new, root))
            if not refs <= {LATEST, PREVIOUS} or [s.path for s in again] == \
                    [s.path for s in pair]:
                raise
            pair = again
    emit(report, output_format)


def _day(value: str) -> date:
    from hfexplore.ingest.dump_import import parse_day

    return parse_day(value)


@snapshot.command("import", epilog=examples(
    "hfexplore snapshot import hub-stats",
    "hfexplore snapshot import hub-weekly --since 2025-01-01 --every month",
    "hfexplore snapshot import models.parquet --as-of 2024-07-11"))
@click.argument("source")
@click.option("--date", "on", callback=parsed_by(_day), metavar="YYYY-MM-DD",
              help="hub-weekly: the dated folder nearest to this date.")
@click.option("--since", callback=parsed_by(_day), metavar="YYYY-MM-DD",
              help="hub-weekly: one snapshot per dated folder from this date on.")
@click.option("--every", type=click.Choice(["week", "month"]), default="week", show_default=True,
              help="hub-weekly --since: every folder, or the first of each month.")
@click.option("--repo-type", "repo_types", type=REPO_TYPE_LIST, default=None,
              help="Comma-separated repo types [default: all three; for a local file, which "
                   "type it holds].")
@click.option("--as-of", callback=parsed_by(_day), metavar="YYYY-MM-DD",
              help="Local files: when the dump was taken [default: its newest timestamp].")
@data_dir_option
@hub_options
def snapshot_import(source: str, on: Any, since: Any, every: str, repo_types: list[RepoType] | None,
                    as_of: Any, data_dir: str | None, **params: Any) -> None:
    """Import a public dump of the catalogue instead of crawling it.

    SOURCE is `hub-stats` (cfahlgren1/hub-stats; `hub-stats@REVISION` for an older commit),
    `hub-weekly` (hfmlsoc/hub_weekly_snapshots, with --date or --since), or a local parquet
    file or directory in their schema. Only the columns a snapshot needs are read (HTTP Range).
    """
    from hfexplore.hub.files import HubFiles
    from hfexplore.ingest.dump_import import ImportUsageError, import_snapshots

    moment = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC) if as_of else None
    remote = source.split("@", 1)[0] in ("hub-stats", "hub-weekly")
    files = HubFiles(hub_client(params).transport) if remote else None
    try:
        result = import_snapshots(source, resolve_data_dir(data_dir), files=files,
                                  repo_types=repo_types, on=on, since=since, every=every,
                                  as_of=moment)
    except ImportUsageError as exc:
        raise click.UsageError(str(exc)) from None
    for snap in result.snapshots:
        counts = ", ".join(f"{e['count']:,} {t}s" for t, e in snap.manifest["repo_types"].items())
        click.echo(f"snapshot {snap.name}: {counts} ({snap.source}) in {snap.path}")
    if result.fraction_read is not None and remote:
        click.echo(f"read {result.bytes_read:,} of {result.file_bytes:,} bytes "
                   f"({result.fraction_read:.1%}) in {result.requests:,} requests")
