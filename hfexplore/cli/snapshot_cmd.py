from __future__ import annotations

import json
import sys
from typing import Any

import click
import pandas as pd

from hfexplore.catalog.crawl import create_snapshot
from hfexplore.catalog.knowledge import LicenseTable
from hfexplore.catalog.snapshot import list_snapshots, resolve_snapshot
from hfexplore.cli.options import data_dir_option, emit, hub_client, hub_options, output_options
from hfexplore.cli.progress import progress_factory
from hfexplore.config import resolve_data_dir
from hfexplore.errors import HfExploreError
from hfexplore.hub import REPO_TYPES
from hfexplore.report import Report, iso


def _repo_types(ctx: click.Context, param: click.Parameter, value: str) -> list[str]:
    chosen = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in chosen if v not in REPO_TYPES]
    if unknown or not chosen:
        raise click.BadParameter(f"expected a comma-separated list of {', '.join(REPO_TYPES)}")
    return chosen


@click.group()
def snapshot() -> None:
    """Create, list and inspect dated snapshots of the whole catalogue."""


@snapshot.command("create")
@click.option("--repo-type", "repo_types", default=",".join(REPO_TYPES), show_default=True,
              callback=_repo_types, help="Comma-separated repo types to crawl.")
@click.option("--fresh", is_flag=True, help="Discard an unfinished crawl instead of resuming it.")
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar [default: only on a terminal].")
@click.option("--license-table", type=click.Path(dir_okay=False, exists=True), metavar="CSV",
              help="Your own license table, merged over the built-in one.")
@data_dir_option
@hub_options
def snapshot_create(repo_types: list[str], fresh: bool, progress: bool | None,
                    license_table: str | None, data_dir: str | None, **params: Any) -> None:
    """Crawl the Hub into a new snapshot (resumes an unfinished crawl of the same kind).

    Pages are walked 1,000 repos at a time, sorted by creation time; every finished page is
    on disk, so an interrupted crawl continues where it stopped when run again.
    """
    client = hub_client(params)
    show = sys.stderr.isatty() if progress is None else progress
    try:
        snap = create_snapshot(client, resolve_data_dir(data_dir), repo_types,  # type: ignore[arg-type]
                               licenses=LicenseTable.load(license_table), fresh=fresh,
                               progress=progress_factory(client) if show else None)
    except (HfExploreError, KeyboardInterrupt) as exc:
        click.echo("the crawl stopped; every completed page is saved: run the same command "
                   "again to resume", err=True)
        raise exc
    counts = ", ".join(f"{e['count']:,} {t}s" for t, e in snap.manifest["repo_types"].items())
    click.echo(f"snapshot {snap.name}: {counts} ({snap.manifest['requests']:,} requests) "
               f"in {snap.path}")


@snapshot.command("list")
@data_dir_option
@output_options
def snapshot_list(data_dir: str | None, output_format: str | None) -> None:
    """Snapshots in the data directory, oldest first."""
    root = resolve_data_dir(data_dir)
    snapshots, problems = list_snapshots(root)
    rows = []
    for snap in snapshots:
        row: dict[str, Any] = {"name": snap.name, "started_at": iso(snap.as_of)}
        for repo_type in REPO_TYPES:
            row[f"{repo_type}s"] = snap.count(repo_type)
        row["size_mb"] = round(snap.size_bytes() / 1e6, 1)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["name", "started_at", "models", "datasets", "spaces",
                                        "size_mb"])
    for column in ("models", "datasets", "spaces"):
        frame[column] = frame[column].astype("Int64")
    emit(Report("Snapshots", frame, source=str(root), notes=problems), output_format)


@snapshot.command("show")
@click.argument("name", required=False)
@data_dir_option
@click.option("--verify", is_flag=True, help="Check every file against its sha256.")
def snapshot_show(name: str | None, data_dir: str | None, verify: bool) -> None:
    """The manifest of one snapshot (the newest by default), as JSON."""
    snap = resolve_snapshot(name, resolve_data_dir(data_dir))
    doc = {"path": str(snap.path), **snap.manifest}
    if verify:
        doc["problems"] = snap.verify()
    click.echo(json.dumps(doc, indent=2))
    if verify and doc["problems"]:
        raise HfExploreError(f"snapshot {snap.name} is damaged: {'; '.join(doc['problems'])}")
