"""The `hfexplore` command line: option parsing and wiring only; the work is in the library."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import click

from hfexplore import __version__
from hfexplore.cli.breakdowns import COMMANDS as REPORT_COMMANDS
from hfexplore.cli.cache import cache
from hfexplore.cli.claims import claims
from hfexplore.cli.doctor import doctor
from hfexplore.cli.ecosystem import COMMANDS as ECOSYSTEM_COMMANDS
from hfexplore.cli.examples import examples
from hfexplore.cli.hints import exit_status_for, message_for
from hfexplore.cli.history import history
from hfexplore.cli.options import SNAPSHOT_PARAMS
from hfexplore.cli.progress import Terminated
from hfexplore.cli.repo import repo
from hfexplore.cli.report import report
from hfexplore.cli.snapshot import snapshot
from hfexplore.cli.sql import sql
from hfexplore.cli.stats import stats
from hfexplore.errors import HfExploreError

log = logging.getLogger("hfexplore")


class HfExploreGroup(click.Group):
    """Turns library errors into one line on stderr; tracebacks only with --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        debug = _debug_requested(ctx)
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except HfExploreError as exc:
            if debug:
                raise
            click.echo(f"error: {message_for(exc, ctx.meta.get(SNAPSHOT_PARAMS))}", err=True)
            ctx.exit(exit_status_for(exc))
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM where a command asked for it
            terminated = isinstance(exc, Terminated)
            click.echo("terminated" if terminated else "interrupted", err=True)
            ctx.exit(Terminated.exit_code if terminated else 130)
        except BrokenPipeError:
            sys.stderr.close()  # the reader went away (`| head`): nothing more to say
            ctx.exit(1)
        except Exception as exc:
            if debug:
                raise
            click.echo(f"error: unexpected {type(exc).__name__}: {exc} "
                       "(run with --debug for details)", err=True)
            ctx.exit(1)


def _debug_requested(ctx: click.Context) -> bool:
    return bool(ctx.params.get("debug")) or os.environ.get("HFEXPLORE_DEBUG", "") not in ("", "0")


@click.group(cls=HfExploreGroup,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             epilog=examples("hfexplore stats --demo", "hfexplore snapshot import hub-stats",
                             "hfexplore licenses --open-weight --top 5"))
@click.version_option(__version__, prog_name="hfexplore")
@click.option("--debug", is_flag=True, help="Log HTTP activity and show tracebacks.")
@click.option("-v", "--verbose", is_flag=True, help="Log progress messages to stderr.")
def cli(debug: bool, verbose: bool) -> None:
    """Explore, snapshot and fact-check the Hugging Face Hub catalogue.

    Environment: HF_ENDPOINT (Hub URL), HF_TOKEN (token), HFEXPLORE_CACHE (page cache),
    HFEXPLORE_HOME (snapshots).
    """
    level = logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr, force=True)
    if not debug:
        logging.getLogger("urllib3").setLevel(logging.WARNING)


cli.add_command(stats)
for command in REPORT_COMMANDS:
    cli.add_command(command)
for command in ECOSYSTEM_COMMANDS:
    cli.add_command(command)
cli.add_command(claims)
cli.add_command(history)
cli.add_command(snapshot)
cli.add_command(cache)
cli.add_command(report)
cli.add_command(repo)
cli.add_command(sql)
cli.add_command(doctor)


def main() -> None:
    cli(prog_name="hfexplore")
