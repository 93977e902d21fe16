from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from hfexplore.cli.examples import examples
from hfexplore.cli.options import (
    emit,
    knowledge_options,
    license_table_from,
    on_snapshot,
    output_options,
    snapshot_options,
)

if TYPE_CHECKING:
    from hfexplore.report import Report
    from hfexplore.store.snapshot import Snapshot


@click.command(epilog=examples(
    'hfexplore sql --demo "SELECT license_category, count(*) AS n FROM models GROUP BY '
    'ALL ORDER BY n DESC"',
    'hfexplore sql "SELECT snapshot, count(*) AS models FROM history_models GROUP BY ALL '
    'ORDER BY 1"',
    'hfexplore sql --demo "SELECT model, count(*) AS ancestors, max(depth) AS deepest FROM '
    'ancestors GROUP BY ALL ORDER BY deepest DESC, model LIMIT 5"'))
@click.argument("query", required=False)
@click.option("--file", "query_file", type=click.File("r", encoding="utf-8"), metavar="FILE",
              help="Read the query from FILE ('-' for standard input), for a query too long "
                   "for the command line; or give QUERY as '-'.")
@click.option("--explain", is_flag=True, help="Show the query plan instead of running it.")
@click.option("--export-dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              metavar="DIR", help="history_* views over the dates of this export directory "
                                  "(and, without --snapshot/--demo, the plain views over its "
                                  "newest date).")
@knowledge_options
@snapshot_options
@output_options
def sql(query: str | None, query_file: TextIO | None, explain: bool, export_dir: Path | None,
        output_format: str | None, **params: Any) -> None:
    """Run one read-only SELECT over a snapshot with DuckDB.

    \b
    Views:  models, datasets, spaces          the snapshot (newest, --snapshot or --demo)
            history_models, history_datasets, every snapshot in the data dir (columns
            history_spaces                    snapshot, date), or every date of --export-dir
            lineage_edges (model, base)       each model's base models (lower-case ids)
            ancestors (model, ancestor,       their transitive closure: every ancestor at
                       depth)                 any depth (1 = a direct base), cycle-safe
    Tables: licenses (id, name, category, osi_approved, commercial_use, family, standard,
            note); families (family, namespace, role, kind)
            origin_patterns (priority,        repo ids attributed to a family whatever
              pattern, like_pattern, family,  their namespace (re-hosted copies), the
              reason)                         first match by priority winning
    """
    from hfexplore.config import resolve_data_dir
    from hfexplore.knowledge import Families
    from hfexplore.stats.sql import sql as run_sql
    from hfexplore.store.inventory import list_snapshots

    text = _query_text(query, query_file)
    # Every snapshot with a readable manifest: the damaged ones are left out of the history
    # views (with a warning when the query reads them).
    snapshots, _ = list_snapshots(resolve_data_dir(params.get("data_dir")))
    chosen = params.get("demo") or params.get("snapshot_ref") or export_dir is None
    table = license_table_from(params)
    families = Families.load(params.get("families_file"))

    def run(snapshot: Snapshot | None) -> Report:
        # An export's dates take the history views; the demo is a world of its own.
        history: list[Snapshot] = [] if export_dir is not None else \
            [snapshot] if params.get("demo") and snapshot is not None else snapshots
        return run_sql(text, snapshot, history=history, export_dir=export_dir,
                       explain=explain, license_table=table, families=families)

    emit(on_snapshot(params, run) if chosen or snapshots else run(None), output_format)


def _query_text(query: str | None, query_file: TextIO | None) -> str:
    if (query is None) == (query_file is None):
        raise click.UsageError("give the query as QUERY, as '-' to read it from standard "
                               "input, or with --file FILE (one of them)")
    if query == "-":
        query = sys.stdin.read()
    elif query_file is not None:
        query = query_file.read()
    assert query is not None
    if not query.strip():
        raise click.UsageError("the query is empty")
    return query
