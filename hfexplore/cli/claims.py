from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from hfexplore.cli.examples import examples
from hfexplore.cli.hints import message_for
from hfexplore.cli.options import (
    chosen_format,
    emit,
    families_option,
    hub_client,
    hub_options,
    output_options,
    snapshot_choice,
)


@click.command(epilog=examples(
    "hfexplore claims --demo --only licenses-not-standardized",
    "hfexplore claims my-claims.toml --no-builtin",
    "hfexplore claims"))
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--no-builtin", is_flag=True, help="Check only the FILES given.")
@click.option("--only", "only", metavar="ID", multiple=True,
              help="Check only the claim with this id (repeat for several).")
@snapshot_choice(help="Measure every claim in this snapshot only (\"was it true then?\"): a "
                      "name, a unique prefix (2024-07), latest, previous or a path [default: "
                      "every intact snapshot, each claim on the one nearest its date].",
                 demo_help="Measure every claim in the bundled demo snapshot.")
@families_option
@hub_options
@output_options
def claims(files: tuple[Path, ...], no_builtin: bool, only: tuple[str, ...],
           snapshot_ref: str | None, demo: bool,
           families_file: str | None, data_dir: str | None, output_format: str | None,
           **params: Any) -> None:
    """Check claims about the Hub against the data, with evidence.

    The built-in claims come from two press articles (see the README); add your own claim
    files (TOML). Each claim is measured on the data nearest to its date: your snapshots, and
    the live Hub for plain counts (a request each). A verdict holds for the claim's date, and
    says which data it rests on: supported, refuted (overstated or understated), contested (its
    vague words can be read several ways and the data decides them differently: each reading
    is shown), inconclusive (with the reason) or out-of-scope. A snapshot whose newest repo is
    over 30 days older than the snapshot is stale: a warning says so, and its date is taken as
    any day between the two.

    Exit status: 0 every checkable claim got a verdict (contested is one: the data decided
    every reading); 1 a claim file has errors; 3 no claim could be measured; 4 some claims are
    inconclusive.
    """
    from hfexplore.claims.check import check_claim_files
    from hfexplore.formats.claims_text import ClaimBlocks, ClaimBlocksMarkdown

    if demo and snapshot_ref:
        raise click.UsageError("--demo and --snapshot cannot be combined")
    checked = check_claim_files(files, builtin=not no_builtin, demo=demo, snapshot=snapshot_ref,
                                data_dir=data_dir, client=lambda: hub_client(params),
                                families_file=families_file, only=only)
    for line in checked.warnings:
        click.echo(f"warning: {line}", err=True)
    if checked.snapshot_problem is not None:
        click.echo(f"note: {message_for(checked.snapshot_problem)}", err=True)
    for error in checked.load_errors:  # last: the line a script reading stderr acts on
        click.echo(f"error: {error}", err=True)
    chosen = chosen_format(output_format)
    if chosen in ("table", "markdown"):
        block = ClaimBlocks() if chosen == "table" else ClaimBlocksMarkdown()
        click.echo(block.render(checked.report), nl=False)
    else:
        emit(checked.report, chosen)
    if checked.exit_status:
        raise SystemExit(checked.exit_status)
