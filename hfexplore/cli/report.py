"""`hfexplore report --html FILE`: the self-contained HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from hfexplore.cli.examples import examples
from hfexplore.cli.options import (
    families_option,
    filter_options,
    filters_from,
    hub_client,
    hub_options,
    not_empty,
    on_snapshot,
    snapshot_options,
    top_option,
)
from hfexplore.errors import SnapshotError


@click.command(epilog=examples(
    "hfexplore report --demo --html report.html",
    "hfexplore report --live --html hub.html",
    "hfexplore report --demo --org \"Mistral AI\" --html mistral.html"))
@click.option("--html", "html_path", required=True, metavar="FILE",
              type=click.Path(path_type=Path),  # not a file: refused by output_target, exit 1
              help="Write the report to this HTML file (self-contained: opens offline).")
@click.option("--live", is_flag=True,
              help="Count the headline totals live on the Hub and measure the claims live "
                   "where they can be; the charts still come from the snapshot.")
@click.option("--claims", "claim_files", multiple=True, metavar="TOML",
              type=click.Path(dir_okay=False, path_type=Path),
              help="A claim file to check besides the built-in claims (repeatable).")
@click.option("--no-builtin-claims", is_flag=True, help="Check only the --claims files.")
@click.option("--org", "org_name", metavar="NAME", callback=not_empty,
              help="Write one organisation's page instead (a family, else a namespace): its "
                   "releases, license mix, models and derivative footprint.")
@families_option
@top_option(15)
@filter_options
@snapshot_options
@hub_options
def report(html_path: Path, live: bool, claim_files: tuple[Path, ...], no_builtin_claims: bool,
           org_name: str | None, families_file: str | None, top: int, **params: Any) -> None:
    """One self-contained HTML page: totals, charts of every breakdown, the claims checked.

    Reads the newest snapshot (or --snapshot, or --demo). With --live and no snapshot the page
    holds the live totals and claims, and says which charts need a snapshot.
    """
    from hfexplore.atomic_files import output_target
    from hfexplore.knowledge import Families
    from hfexplore.page.gather import ReportPage, build_report_page

    # Imported here: matplotlib takes a moment to load, and only this command needs it.
    from hfexplore.page.html import write_html
    from hfexplore.store.snapshot import Snapshot

    output_target(html_path)  # a device or FIFO is refused before the work, not after it
    if org_name is not None:
        _org_page(org_name, html_path, live, claim_files, families_file, top, params)
        return

    def build(snapshot: Snapshot | None, snapshot_error: str = "") -> ReportPage:
        if snapshot is not None:  # the page reads nearly every column: check them first
            for repo_type in snapshot.repo_types():
                snapshot.check_pages(repo_type)
        return build_report_page(snapshot, client=hub_client(params) if live else None,
                                 snapshot_error=snapshot_error, filters=filters_from(params),
                                 top=top, claim_files=list(claim_files),
                                 builtin_claims=not no_builtin_claims,
                                 families=Families.load(families_file))

    try:
        page = on_snapshot(params, build)
    except SnapshotError as exc:
        if not live or params.get("snapshot_ref"):
            raise
        page = build(None, str(exc))
    written = write_html(page, html_path)
    click.echo(f"wrote {written}", err=True)


def _org_page(name: str, html_path: Path, live: bool, claim_files: tuple[Path, ...],
              families_file: str | None, top: int, params: dict[str, Any]) -> None:
    from hfexplore.knowledge import Families
    from hfexplore.page.org import org_page, write_org_html

    if live or claim_files:
        raise click.UsageError("--org writes an organisation's page from a snapshot: --live "
                               "and --claims do not apply")
    families = Families.load(families_file)
    page = on_snapshot(params, lambda snap: org_page(snap, name, top=top, families=families))
    click.echo(f"wrote {write_org_html(page, html_path)}", err=True)
