from __future__ import annotations

import click

from hfexplore.cli.examples import examples
from hfexplore.config import resolve_cache_dir

cache_dir_option = click.option(
    "--cache-dir", type=click.Path(file_okay=False), metavar="DIR",
    help="Page cache [default: $HFEXPLORE_CACHE or the user cache dir].")


@click.group(epilog=examples("hfexplore cache info", "hfexplore cache clear"))
def cache() -> None:
    """Inspect or empty the page cache."""


@cache.command("info", epilog=examples("hfexplore cache info"))
@cache_dir_option
def cache_info(cache_dir: str | None) -> None:
    """Where the cache is, how many pages it holds and their size."""
    from hfexplore.hub.cache import open_cache

    info = open_cache(resolve_cache_dir(cache_dir)).info()
    click.echo(f"directory: {info.directory}\nentries:   {info.entries:,}\n"
               f"size:      {info.size_bytes / 1e6:,.1f} MB")


@cache.command("clear", epilog=examples("hfexplore cache clear"))
@cache_dir_option
def cache_clear(cache_dir: str | None) -> None:
    """Delete every cached page."""
    from hfexplore.hub.cache import open_cache

    removed = open_cache(resolve_cache_dir(cache_dir)).clear()
    click.echo(f"removed {removed:,} cached responses")
