from __future__ import annotations

from pathlib import Path
from typing import Literal

import click

from hfexplore.cli.examples import examples
from hfexplore.cli.options import (
    data_dir_option,
    emit,
    output_options,
    plot_option,
    repo_type_option,
    top_option,
    warn_if_stale,
    write_plot,
)
from hfexplore.config import resolve_data_dir
from hfexplore.repo_type import RepoType


@click.command(epilog=examples(
    "hfexplore history",
    "hfexplore history --metric license --plot licenses.png",
    "hfexplore history --metric gini"))
@click.option("--metric", type=click.Choice(["total", "license", "library", "gini", "top1"]),
              default="total", show_default=True,
              help="Totals per repo type, license categories, libraries, or how concentrated "
                   "downloads are: the Gini coefficient, the share of the top 1% of repos.")
@repo_type_option
@top_option(8)
@click.option("--export-dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              metavar="DIR", help="Read an export directory instead of the data dir.")
@plot_option("the history")
@data_dir_option
@output_options
def history(metric: Literal["total", "license", "library", "gini", "top1"], repo_type: RepoType,
            top: int, export_dir: Path | None, plot: str | None,
            data_dir: str | None, output_format: str | None) -> None:
    """One metric across every snapshot (or every date of an export)."""
    from hfexplore.stats.history import history as history_of
    from hfexplore.stats.history import history_from_export
    from hfexplore.store.inventory import intact_snapshots


    if export_dir is not None:
        if metric in ("gini", "top1"):
            raise click.UsageError(f"--metric {metric} reads snapshots, not an export directory")
        report = history_from_export(export_dir, metric=metric, repo_type=repo_type,
                                     top=top)
    else:
        snapshots, problems = intact_snapshots(resolve_data_dir(data_dir))
        for snapshot in snapshots:
            warn_if_stale(snapshot)
        report = history_of(snapshots, metric=metric, repo_type=repo_type,
                            top=top)
        report.notes.extend(problems)
    write_plot(report, plot, "plot_history")
    emit(report, output_format)
