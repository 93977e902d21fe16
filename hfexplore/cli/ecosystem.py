"""The shape of the ecosystem: `tree`, `drift` and `org`, each calling one function of
`hfexplore.ecosystem` and handing the result to a format."""

from __future__ import annotations

from typing import Any, Literal

import click

from hfexplore.cli.examples import examples
from hfexplore.cli.options import (
    emit_from_snapshot,
    families_from,
    families_option,
    filters_from,
    not_empty,
    output_options,
    report_options,
    snapshot_options,
    top_option,
)


@click.command(epilog=examples(
    "hfexplore tree mistralai/Mistral-7B-v0.1 --demo",
    "hfexplore tree NousResearch/Nous-Hermes-2-Mistral-7B-DPO-GGUF --up --demo",
    "hfexplore tree meta-llama/Meta-Llama-3-8B --down --depth 2 --format json"))
@click.argument("repo", callback=not_empty)
@click.option("--up", "direction", flag_value="up",
              help="Only the ancestors, up to the roots.")
@click.option("--down", "direction", flag_value="down",
              help="Only the descendants, down to the leaves.")
@click.option("--depth", type=click.IntRange(min=0), default=0, show_default=True,
              help="Levels to follow each way (0: all).")
@top_option(10, "Most downloaded descendants to list (0 for all).")
@snapshot_options
@output_options
def tree(repo: str, direction: str | None, depth: int, top: int, output_format: str | None,
         **params: Any) -> None:
    """A model's ancestors up to the roots and its descendants by depth and relation.

    Counts: children (direct derivatives), descendants (any depth, each once), per relation
    and per depth; the most downloaded descendants; one shortest path to each root. JSON nests
    both trees (`up`, `down`) and has the counts at the top level."""
    from hfexplore.ecosystem.tree import tree as make_tree

    emit_from_snapshot(params, output_format, lambda snap: make_tree(
        snap, repo, up=direction in (None, "up"), down=direction in (None, "down"),
        depth=depth, top=top))


@click.command(epilog=examples(
    "hfexplore drift --demo",
    "hfexplore drift --to root --family Meta --demo",
    "hfexplore drift --author TheBloke --top 5"))
@click.option("--to", type=click.Choice(["parent", "root"]), default="parent",
              show_default=True,
              help="Compare each model with its direct bases (parent) or with its roots.")
@click.option("--family", metavar="NAME", callback=not_empty,
              help="Only pairs whose base descends from this family.")
@click.option("--drift-order", type=click.Path(dir_okay=False, exists=True), metavar="TOML",
              help="Your own levels of restrictiveness, merged over the built-in ones "
                   "(hfexplore/data/drift.toml).")
@top_option(20)
@report_options(families_option)
def drift(to: Literal["parent", "root"], family: str | None, drift_order: str | None, top: int,
          output_format: str | None, **params: Any) -> None:
    """License drift: each model's license against its bases' (or roots'), by level of
    restrictiveness: same, more or less restrictive, undeclared, unclear.

    Per origin family of the base and per base, with the most downloaded cases. A less
    restrictive tag can be lawful (a relicensing): tags alone cannot tell."""
    from hfexplore.ecosystem.drift import drift as make_drift
    from hfexplore.knowledge import DriftOrder
    from hfexplore.stats.engine import Scan

    order = DriftOrder.load(drift_order)

    def compute(snap: Any) -> Any:
        filters = filters_from(params)
        scan = Scan(snap, "model", filters, families=families_from(params))
        return make_drift(snap, to=to, family=family, top=top, filters=filters, order=order,
                          scan=scan)

    emit_from_snapshot(params, output_format, compute)


@click.command(epilog=examples(
    "hfexplore org \"Mistral AI\" --demo",
    "hfexplore org TheBloke --demo --top 5"))
@click.argument("name", callback=not_empty)
@top_option(10)
@families_option
@snapshot_options
@output_options
def org(name: str, top: int, output_format: str | None, **params: Any) -> None:
    """One organisation (a family, else a namespace): releases per month, license mix, most
    downloaded models, open-weight share, and its derivative footprint by relation and by
    whom (its own namespaces or third parties; GGUF conversions counted apart)."""
    from hfexplore.ecosystem.org import org as make_org

    emit_from_snapshot(params, output_format, lambda snap: make_org(snap, name, top=top,
                                                   families=families_from(params)))


COMMANDS = [tree, drift, org]
