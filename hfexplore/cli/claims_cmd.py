from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from hfexplore.cli.options import data_dir_option, emit, hub_client, hub_options, output_options
from hfexplore.config import resolve_data_dir
from hfexplore.errors import SnapshotError

if TYPE_CHECKING:
    from hfexplore.catalog.snapshot import Snapshot


@click.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--no-builtin", is_flag=True, help="Check only the FILES given.")
@click.option("--snapshot", "snapshot_ref", metavar="NAME|PATH",
              help="Measure every claim in this snapshot (\"was it true then?\").")
@click.option("--demo", is_flag=True, help="Measure every claim in the bundled demo snapshot.")
@click.option("--families", "families_file", type=click.Path(dir_okay=False, exists=True),
              metavar="TOML", help="Your own organisation families, merged over the built-in.")
@data_dir_option
@hub_options
@output_options
def claims(files: tuple[Path, ...], no_builtin: bool, snapshot_ref: str | None, demo: bool,
           families_file: str | None, data_dir: str | None, output_format: str | None,
           **params: Any) -> None:
    """Check claims about the Hub against the data, with evidence.

    The built-in claims come from two press articles of January 2026; add your own claim
    files (TOML, see the README). Totals and filtered counts are measured live in a few
    requests; shares, ranks and distinct counts use the newest snapshot. Verdicts:
    supported, refuted (overstated or understated), inconclusive, out-of-scope.
    """
    from hfexplore.catalog.knowledge import Families
    from hfexplore.catalog.snapshot import demo_snapshot, resolve_snapshot
    from hfexplore.claims import builtin_claim_files, check_claims, evaluator_for, load_claim_files

    if demo and snapshot_ref:
        raise click.UsageError("--demo and --snapshot cannot be combined")
    loaded = load_claim_files(([] if no_builtin else builtin_claim_files()) + list(files))
    for error in loaded.errors:
        click.echo(f"error: {error}", err=True)
    snapshot: Snapshot | None = None
    snapshot_error = ""
    forced = bool(demo or snapshot_ref)
    if demo:
        snapshot = demo_snapshot()
    else:
        try:
            snapshot = resolve_snapshot(snapshot_ref, resolve_data_dir(data_dir))
        except SnapshotError as exc:
            if snapshot_ref:
                raise
            snapshot_error = f"{exc}"
    client = None if forced else hub_client(params)
    evaluator = evaluator_for(client, snapshot, snapshot_error=snapshot_error,
                              force_snapshot=forced, families=Families.load(families_file))
    report = check_claims(loaded.claims, evaluator, loaded.errors)
    if output_format in ("table", "markdown") or (output_format is None and sys.stdout.isatty()):
        report.rows = report.rows.drop(columns=["quote", "evidence", "as_of"])
    emit(report, output_format)
    if loaded.errors:
        raise SystemExit(1)
