"""Report commands: each parses options, calls one function of `hfexplore.stats.reports`,
and hands the result to a format."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import click

from hfexplore.cli.examples import examples
from hfexplore.cli.options import (
    check_live,
    emit,
    emit_from_snapshot,
    families_from,
    families_option,
    filters_from,
    hub_client,
    hub_options,
    knowledge_options,
    license_table_from,
    live_option,
    not_empty,
    on_snapshot,
    plot_option,
    repo_type_option,
    report_options,
    top_option,
    write_plot,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from hfexplore.repo_type import RepoType
    from hfexplore.report import Report



@click.command(epilog=examples(
    "hfexplore licenses --open-weight --top 5",
    "hfexplore licenses --by category --repo-type dataset --demo",
    "hfexplore licenses --live --by category"))
@repo_type_option
@click.option("--open-weight", is_flag=True,
              help="Only open-weight licenses (permissive, copyleft, open-weight-restricted), "
                   "and which organisation families publish under each.")
@click.option("--by", type=click.Choice(["license", "category", "license_family", "family"]),
              default="license", show_default=True,
              help="Group by license id, category or license family (the license's own: "
                   "cc-by, gpl, llama...; `family` is an old spelling of license_family).")
@live_option
@top_option(20)
@report_options(knowledge_options, hub_options)
def licenses(repo_type: RepoType, open_weight: bool,
             by: Literal["license", "category", "license_family", "family"], live: bool,
             top: int, output_format: str | None, **params: Any) -> None:
    """Repos per license, with its category and share.

    With --live, counts on the Hub without a snapshot: one count request per license id of the
    license table plus one for the total; (none) is the total minus the counted ids."""
    from hfexplore.stats import reports

    table = license_table_from(params)
    if live:
        from hfexplore.stats.live import live_licenses

        check_live(params)
        emit(live_licenses(hub_client(params), repo_type, by=by,
                           open_weight=open_weight, top=top, author=params.get("author"),
                           library=params.get("library"), task=params.get("task"),
                           license_table=table), output_format)
        return
    emit_from_snapshot(params, output_format, lambda snap: reports.licenses(
        snap, repo_type, open_weight=open_weight, by=by, top=top, filters=filters_from(params),
        license_table=table, families=families_from(params)))


@click.command(epilog=examples(
    "hfexplore libraries --demo --top 5",
    "hfexplore libraries --repo-type space",
    "hfexplore libraries --live --top 10"))
@repo_type_option
@live_option
@click.option("--library-list", type=click.Path(dir_okay=False, exists=True), metavar="FILE",
              help="With --live: more library names to count (one a line), added to the "
                   "built-in list of common ones.")
@top_option(20)
@report_options(hub_options)
def libraries(repo_type: RepoType, live: bool, library_list: str | None, top: int,
              output_format: str | None, **params: Any) -> None:
    """Models per library (library_name); datasets per library: tag; Spaces per SDK.

    With --live (models), counts on the Hub without a snapshot: one count request per name of
    a list of common library names plus one for the total; the rest is one derived row."""
    from hfexplore.stats import reports

    if live:
        from hfexplore.knowledge import load_library_names
        from hfexplore.stats.live import live_libraries

        check_live(params)
        if repo_type != "model":
            raise click.UsageError("--live counts the libraries of models only")
        if params.get("library"):
            raise click.UsageError("--live counts every library; --library does not apply")
        names = load_library_names(library_list) if library_list else None
        emit(live_libraries(hub_client(params), top=top, author=params.get("author"),
                            task=params.get("task"), libraries=names), output_format)
        return
    if library_list:
        raise click.UsageError("--library-list applies to --live only")

    emit_breakdown(reports.libraries, repo_type, top, output_format, params)


@click.command(epilog=examples(
    "hfexplore tasks --demo --top 5",
    "hfexplore tasks --repo-type dataset --created-after 2024-01-01"))
@repo_type_option
@top_option(20)
@report_options()
def tasks(repo_type: RepoType, top: int, output_format: str | None, **params: Any) -> None:
    """Repos per task (pipeline_tag; task_categories for datasets)."""
    from hfexplore.stats import reports

    emit_breakdown(reports.tasks, repo_type, top, output_format, params)


@click.command(epilog=examples(
    "hfexplore authors --by-family --sort downloads --demo",
    "hfexplore authors --repo-type dataset --top 5"))
@repo_type_option
@click.option("--by-family", is_flag=True,
              help="Group authors into organisation families (Meta, Mistral AI, ...).")
@families_option
@click.option("--sort", type=click.Choice(["count", "downloads", "likes"]), default="count",
              show_default=True)
@top_option(20)
@report_options()
def authors(repo_type: RepoType, by_family: bool,
            sort: Literal["count", "downloads", "likes"], top: int, output_format: str | None,
            **params: Any) -> None:
    """Repos, downloads and likes per author or organisation family."""
    from hfexplore.stats import reports

    emit_from_snapshot(params, output_format, lambda snap: reports.authors(
        snap, repo_type, by_family=by_family, sort=sort, top=top, filters=filters_from(params),
        families=families_from(params)))


@click.command(epilog=examples(
    "hfexplore lineage --demo --family Meta --top 5",
    "hfexplore lineage --base meta-llama/Llama-2-7b-hf"))
@click.option("--family", metavar="NAME", callback=not_empty,
              help="Only bases of this family's tree: its own models (by origin pattern, "
                   "namespace, mirror or legacy id) and models descending from one at any "
                   "depth.")
@click.option("--parent-family", metavar="NAME", callback=not_empty,
              help="Only bases attributed to this family themselves (the direct parents).")
@click.option("--base", metavar="REPO", callback=not_empty,
              help="Only derivatives of this base model.")
@top_option(20)
@report_options(families_option)
def lineage(family: str | None, parent_family: str | None, base: str | None, top: int,
            output_format: str | None, **params: Any) -> None:
    """Derivatives per base model and per family: direct, by relation (finetune, adapter,
    ...), and descendants at any depth, the base_model chain followed to its roots."""
    from hfexplore.stats import reports

    emit_from_snapshot(params, output_format, lambda snap: reports.lineage(
        snap, family=family, parent_family=parent_family, base=base, top=top,
        filters=filters_from(params), families=families_from(params)))


@click.command(epilog=examples(
    "hfexplore growth --demo --by year",
    "hfexplore growth --repo-type dataset --plot growth.png"))
@repo_type_option
@click.option("--by", type=click.Choice(["month", "year"]), default="month", show_default=True)
@plot_option("the curve")
@report_options()
def growth(repo_type: RepoType, by: Literal["month", "year"], plot: str | None,
           output_format: str | None, **params: Any) -> None:
    """Repos created per month or year, and the running total."""
    from hfexplore.stats import reports

    report = on_snapshot(params, lambda snap: reports.growth(
        snap, repo_type, by=by, filters=filters_from(params)))
    write_plot(report, plot, "plot_growth")
    emit(report, output_format)


@click.command(epilog=examples(
    "hfexplore concentration --demo",
    "hfexplore concentration --demo --by author --metric likes",
    "hfexplore concentration --demo --plot lorenz.png"))
@repo_type_option
@click.option("--by", type=click.Choice(["repo", "author", "family"]), default="repo",
              show_default=True, help="The units: repos, authors, or organisation families "
                                      "(an author no family claims counts on its own).")
@click.option("--metric", type=click.Choice(["downloads", "downloads_all_time", "likes"]),
              default="downloads", show_default=True,
              help="What is concentrated (downloads are the Hub's 30-day count).")
@plot_option("the Lorenz curve")
@report_options(families_option)
def concentration(repo_type: RepoType, by: Literal["repo", "author", "family"],
                  metric: Literal["downloads", "downloads_all_time", "likes"],
                  plot: str | None, output_format: str | None, **params: Any) -> None:
    """The share of downloads or likes held by the top 0.1%, 1% and 10%, the Gini coefficient,
    the HHI and the share with none.

    The top p% is the floor(n x p) repos (authors, families) with the most. JSON: gini, hhi
    (a fraction, 1 = one holds all), zero_share and rows of top, count, share."""
    from hfexplore.stats.concentration import concentration as measure

    report = on_snapshot(params, lambda snap: measure(
        snap, repo_type, by=by, metric=metric, filters=filters_from(params),
        with_lorenz=plot is not None, families=families_from(params)))
    write_plot(report, plot, "plot_lorenz")
    emit(report, output_format)


@click.command(epilog=examples(
    "hfexplore sizes --demo",
    "hfexplore sizes --demo --library transformers"))
@report_options()
def sizes(output_format: str | None, **params: Any) -> None:
    """Models per parameter count: <1B, 1-3B, 3-8B, 8-35B, 35-100B, >100B and unknown.

    Sizes are the Hub's safetensors.total (models without safetensors weights are unknown);
    the bucket edges are in hfexplore/data/formats.toml."""
    from hfexplore.stats.sizes import sizes as sizes_of

    emit_from_snapshot(params, output_format,
                       lambda snap: sizes_of(snap, filters=filters_from(params)))


@click.command(epilog=examples(
    "hfexplore formats --demo",
    "hfexplore formats --demo --author TheBloke"))
@repo_type_option
@top_option(0)
@report_options()
def formats(repo_type: RepoType, top: int, output_format: str | None, **params: Any) -> None:
    """Repos per weight format (safetensors, gguf, onnx, mlx, gptq, awq, bnb, exl2...).

    From tags and library_name by the rules of hfexplore/data/formats.toml, each with its
    reason; a repo counts once under each format it holds."""
    from hfexplore.stats.formats import formats as formats_of

    emit_breakdown(formats_of, repo_type, top, output_format, params)


def emit_breakdown(compute: Callable[..., Report], repo_type: RepoType, top: int,
                   output_format: str | None, params: dict[str, Any]) -> None:
    """Print `compute(snapshot, repo_type, top=..., filters=...)`: a plain breakdown."""
    emit_from_snapshot(params, output_format, lambda snap: compute(
        snap, repo_type, top=top, filters=filters_from(params)))


COMMANDS = [licenses, libraries, tasks, authors, lineage, growth, concentration, sizes, formats]
