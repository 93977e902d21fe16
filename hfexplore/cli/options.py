"""Options shared by many commands, each group one decorator."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from hfexplore.cache import CacheMode
from hfexplore.formats import FORMATS, get_format
from hfexplore.hub import HubClient, connect
from hfexplore.report import Report

F = TypeVar("F", bound=Callable[..., Any])


def _stack(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    def apply(func: F) -> F:
        for decorator in reversed(decorators):
            func = decorator(func)
        return func
    return apply


hub_options = _stack(
    click.option("--endpoint", metavar="URL",
                 help="Hub URL [default: $HF_ENDPOINT or https://huggingface.co]."),
    click.option("--token", metavar="TOKEN", help="Hub token [default: $HF_TOKEN or saved login]."),
    click.option("--cache-dir", type=click.Path(file_okay=False), metavar="DIR",
                 help="Page cache [default: $HFEXPLORE_CACHE or the user cache dir]."),
    click.option("--no-cache", is_flag=True, help="Neither read nor write the page cache."),
    click.option("--refresh", is_flag=True, help="Ignore cached pages; fetch and re-cache."),
    click.option("--offline", is_flag=True, help="Answer from the page cache only."),
)


def hub_client(params: dict[str, Any]) -> HubClient:
    """Build the client from the options of `hub_options`, rejecting contradictory flags."""
    flags = [name for name in ("no_cache", "refresh", "offline") if params.get(name)]
    if len(flags) > 1:
        names = " and ".join("--" + f.replace("_", "-") for f in flags)
        raise click.UsageError(f"{names} cannot be combined")
    mode = (CacheMode.OFF if params.get("no_cache") else CacheMode.REFRESH if params.get("refresh")
            else CacheMode.OFFLINE if params.get("offline") else CacheMode.USE)
    return connect(params.get("endpoint"), params.get("token"), cache_dir=params.get("cache_dir"),
                   cache_mode=mode)


output_options = click.option(
    "--format", "-f", "output_format", type=click.Choice(list(FORMATS)), default=None,
    help="Output format [default: table on a terminal, json otherwise].",
)


def emit(report: Report, output_format: str | None) -> None:
    name = output_format or ("table" if sys.stdout.isatty() else "json")
    click.echo(get_format(name).render(report), nl=False)
