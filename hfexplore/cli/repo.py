"""`hfexplore repo ID`: everything a snapshot (and, with --live, the Hub) knows of one model."""

from __future__ import annotations

from typing import Any

import click

from hfexplore.cli.examples import examples
from hfexplore.cli.options import (
    emit_from_snapshot,
    families_from,
    hub_client,
    hub_options,
    knowledge_options,
    license_table_from,
    not_empty,
    output_options,
    snapshot_options,
)


@click.command(epilog=examples(
    "hfexplore repo NousResearch/Nous-Hermes-2-Mistral-7B-DPO-GGUF --demo",
    "hfexplore repo NousResearch/Nous-Hermes-2-Mistral-7B-DPO-GGUF --live"))
@click.argument("repo_id", metavar="ID", callback=not_empty)
@click.option("--live", is_flag=True,
              help="Also ask the Hub for the model now (one request) and show its answer "
                   "beside the snapshot's.")
@knowledge_options
@snapshot_options
@hub_options
@output_options
def repo(repo_id: str, live: bool, output_format: str | None, **params: Any) -> None:
    """Everything the snapshot knows of one model.

    License and category, publisher and origin family, lineage counts up and down, downloads
    and likes with their rank among the snapshot's models."""
    from hfexplore.ecosystem.repo import repo as make_repo

    table = license_table_from(params)
    client = hub_client(params) if live else None
    emit_from_snapshot(params, output_format, lambda snap: make_repo(
        snap, repo_id, client=client, families=families_from(params), license_table=table))
