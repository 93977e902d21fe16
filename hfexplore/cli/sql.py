from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from hfexplore.cli.examples import examples
from hfexplore.cli.options import (
    emit,
    knowledge_options,
    load_snapshot,
    output_options,
    snapshot_options,
)


@click.command(epilog=examples(
    'hfexplore sql --demo "SELECT license_category, count(*) AS n FROM models GROUP BY '
    'ALL ORDER BY n DESC"',
    'hfexplore sql "SELECT snapshot, count(*) AS models FROM history_models GROUP BY ALL '
    'ORDER BY 1"',
    'hfexplore sql --demo "SELECT model, count(*) AS ancestors, max(depth) AS deepest FROM '
    'ancestors GROUP BY ALL ORDER BY deepest DESC, model LIMIT 5"'))
@click.argument("query")
@click.option("--explain", is_flag=True, help="Show the query plan instead of running it.")
@click.option("--export-dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              metavar="DIR", help="history_* views over the dates of this export directory "
                                  "(and, without --snapshot/--demo, the plain views over its "
                                  "newest date).")
@knowledge_options
@snapshot_options
@output_options
def sql(query: str, explain: bool, export_dir: Path | None, output_format: str | None,
        **params: Any) -> None:
    """Run one read-only SELECT over a snapshot with DuckDB.

    \b
    Views:  models, datasets, spaces          the snapshot (newest, --snapshot or --demo)
            history_models, history_datasets, every snapshot in the data dir (columns
            history_spaces                    snapshot, date), or every date of --export-dir
            lineage_edges (model, base)       each model's base models (lower-case ids)
            ancestors (model, ancestor,       their transitive closure: every ancestor at
                       depth)                 any depth (1 = a direct base), cycle-safe
    Tables: licenses (id, name, category, osi_approved, commercial_use, family)
            families (family, namespace, role, kind)
            origin_patterns (priority,        repo ids attributed to a family whatever
              pattern, like_pattern, family,  their namespace (re-hosted copies), the
              reason)                         first match by priority winning
    """
    from hfexplore.config import resolve_data_dir
    from hfexplore.knowledge import Families, LicenseTable
    from hfexplore.stats.sql import sql as run_sql
    from hfexplore.store.inventory import list_snapshots

    snapshots, _ = list_snapshots(resolve_data_dir(params.get("data_dir")))
    chosen = params.get("demo") or params.get("snapshot_ref") or export_dir is None
    snapshot = load_snapshot(params) if chosen or snapshots else None
    if export_dir is not None:
        snapshots = []  # the export's dates take the history views
    elif params.get("demo") and snapshot is not None:
        snapshots = [snapshot]  # the demo is a world of its own
    table = LicenseTable.load(params["license_table"]) if params.get("license_table") else None
    emit(run_sql(query, snapshot, history=snapshots, export_dir=export_dir, explain=explain,
                 license_table=table, families=Families.load(params.get("families_file"))),
         output_format)
