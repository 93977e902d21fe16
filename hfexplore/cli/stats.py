from __future__ import annotations

from typing import Any

import click

from hfexplore.cli.examples import examples
from hfexplore.cli.hints import OFFLINE_ADVICE
from hfexplore.cli.options import (
    emit,
    emit_from_snapshot,
    filters_from,
    hub_client,
    hub_options,
    report_options,
    top_option,
)
from hfexplore.config import resolve_data_dir


@click.command(epilog=examples("hfexplore stats --demo --top 3", "hfexplore stats --live"))
@click.option("--live", is_flag=True, help="Count live on the Hub instead of reading a snapshot.")
@top_option(10)
@report_options(hub_options)
def stats(live: bool, top: int, output_format: str | None, **params: Any) -> None:
    """Totals of models, datasets and Spaces, and the top of each breakdown.

    Reads the newest snapshot (or --snapshot, or --demo). With --live, or when there is no
    snapshot yet, counts live on the Hub: one request per repo type through the Hub's count
    endpoint, or a walk of the listing where that endpoint is unavailable.
    """
    from hfexplore.store.inventory import survey_snapshots

    use_snapshot = params.get("demo") or params.get("snapshot_ref")
    if not live and not use_snapshot:
        use_snapshot = bool(survey_snapshots(resolve_data_dir(params.get("data_dir"))))
        if not use_snapshot:
            click.echo("no snapshot yet: counting live (run `hfexplore snapshot create` for "
                       "breakdowns by license, library, author and task)", err=True)
    if use_snapshot and not live:
        from hfexplore.stats.reports import summary

        emit_from_snapshot(params, output_format, lambda snap: summary(snap, top=top,
                                                       filters=filters_from(params)))
    else:
        from hfexplore.errors import HubUnreachableError
        from hfexplore.stats.live import live_totals

        try:
            emit(live_totals(hub_client(params)), output_format)
        except HubUnreachableError as exc:
            if live:
                raise
            # The README's first command, run offline: say what works without the Hub.
            raise HubUnreachableError(f"{exc}, and there is no snapshot to read instead; "
                                      f"{OFFLINE_ADVICE}", url=exc.url) from exc
