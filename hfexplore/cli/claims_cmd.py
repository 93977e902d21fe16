from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from hfexplore.cli.options import (
    chosen_format,
    emit,
    families_option,
    hub_client,
    hub_options,
    output_options,
    snapshot_choice,
)
from hfexplore.config import resolve_data_dir

if TYPE_CHECKING:
    from hfexplore.catalog.snapshot import Snapshot


@click.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--no-builtin", is_flag=True, help="Check only the FILES given.")
@snapshot_choice(help="Measure every claim in this snapshot only (\"was it true then?\"): a "
                      "name, a unique prefix (2024-07), latest, previous or a path [default: "
                      "every intact snapshot, each claim on the one nearest its date].",
                 demo_help="Measure every claim in the bundled demo snapshot.")
@families_option
@hub_options
@output_options
def claims(files: tuple[Path, ...], no_builtin: bool, snapshot_ref: str | None, demo: bool,
           families_file: str | None, data_dir: str | None, output_format: str | None,
           **params: Any) -> None:
    """Check claims about the Hub against the data, with evidence.

    The built-in claims come from two press articles (see the README); add your own claim
    files (TOML). Each claim is measured on the data nearest to its date: your snapshots, and
    the live Hub for plain counts (a request each). A verdict holds for the claim's date, and
    says which data it rests on: supported, refuted (overstated or understated), inconclusive
    (with the reason) or out-of-scope.

    Exit status: 0 every checkable claim got a verdict; 1 a claim file has errors; 3 no claim
    could be measured; 4 some claims are inconclusive.
    """
    from hfexplore.catalog.knowledge import Families
    from hfexplore.catalog.snapshot import demo_snapshot, intact_snapshots, resolve_snapshot
    from hfexplore.claims import builtin_claim_files, check_claims, evaluator_for, load_claim_files
    from hfexplore.errors import SnapshotError
    from hfexplore.formats.claims_text import ClaimBlocks, ClaimBlocksMarkdown

    if demo and snapshot_ref:
        raise click.UsageError("--demo and --snapshot cannot be combined")
    loaded = load_claim_files(([] if no_builtin else builtin_claim_files()) + list(files))
    for error in loaded.errors:
        click.echo(f"error: {error}", err=True)
    forced = bool(demo or snapshot_ref)
    snapshots: list[Snapshot] = []
    snapshot_error = ""
    if demo:
        snapshots = [demo_snapshot()]
    elif snapshot_ref:
        snapshots = [resolve_snapshot(snapshot_ref, resolve_data_dir(data_dir))]
    else:
        try:
            snapshots, damaged = intact_snapshots(resolve_data_dir(data_dir))
        except SnapshotError as exc:  # none, or only damaged ones: live counts still work
            snapshot_error = f"{exc}: this claim needs a snapshot (`hfexplore snapshot " \
                             "create` or `snapshot import`, or try --demo)"
        else:
            for line in damaged:
                click.echo(f"warning: {line}", err=True)
    client = None if forced else hub_client(params)
    evaluator = evaluator_for(client, snapshots, snapshot_error=snapshot_error,
                              force_snapshot=forced, families=Families.load(families_file))
    report = check_claims(loaded.claims, evaluator, loaded.errors)
    chosen = chosen_format(output_format)
    if chosen in ("table", "markdown"):
        block = ClaimBlocks() if chosen == "table" else ClaimBlocksMarkdown()
        click.echo(block.render(report), nl=False)
    else:
        emit(report, chosen)
    status = int(report.extra["exit_status"])
    if status:
        raise SystemExit(status)
