from __future__ import annotations

from typing import Any

import click

from hfexplore.cli.options import emit, hub_client, hub_options, output_options
from hfexplore.stats.live import live_totals


@click.command()
@click.option("--live", is_flag=True, help="Count live on the Hub (the only mode so far).")
@hub_options
@output_options
def stats(live: bool, output_format: str | None, **params: Any) -> None:
    """Totals of public models, datasets and Spaces.

    Counted live through the Hub's count endpoint (one request per repo type), or, where that
    endpoint is unavailable, by walking the listing.
    """
    emit(live_totals(hub_client(params)), output_format)
