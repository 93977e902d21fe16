from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

import click

from hfexplore.cli.examples import examples
from hfexplore.cli.options import data_dir_option, emit, hub_connection_options, output_options

if TYPE_CHECKING:
    from hfexplore.doctor import Diagnosis, Directory
    from hfexplore.report import Report


@click.command(epilog=examples("hfexplore doctor", "hfexplore doctor --offline -f json"))
@hub_connection_options
@data_dir_option
@click.option("--offline", is_flag=True, help="Do not ask the Hub whether it answers.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
              metavar="SECONDS", help="How long to wait for the Hub's answer.")
@output_options
def doctor(endpoint: str | None, token: str | None, cache_dir: str | None,
           data_dir: str | None, offline: bool, timeout: float,
           output_format: str | None) -> None:
    """Settings, directories, snapshots, and whether the Hub answers.

    Shows the endpoint, whether a token is set (never the token itself) and where it comes
    from, the cache and data directories with their sizes, the snapshots and unfinished
    crawls, and the answer to one cheap request to the Hub (unless --offline).
    """
    from hfexplore.doctor import diagnose

    found = diagnose(endpoint, token, cache_dir=cache_dir, data_dir=data_dir,
                     check_hub=not offline, timeout=timeout)
    emit(doctor_report(found), output_format)


def doctor_report(found: Diagnosis) -> Report:
    from hfexplore.report import Report
    from hfexplore.rows import Rows

    rows = [
        ("version", found.version),
        ("endpoint", f"{found.endpoint} (from {found.endpoint_from})"),
        ("token", f"present (from {found.token_from})" if found.token_present else "none"),
        ("cache directory", _directory(found.cache)),
        ("data directory", _directory(found.data)),
        ("snapshots", f"{found.snapshots:,}" + (f", newest {found.newest_snapshot}"
                                                if found.newest_snapshot else "")),
        ("unfinished crawls", f"{len(found.unfinished_crawls):,}"),
        ("hub", _hub(found)),
    ]
    notes = [*found.unreadable_snapshots,
             *(f"{c.description[0].upper()}{c.description[1:]}; "
               f"`hfexplore snapshot discard {c.name}` deletes it"
               for c in found.unfinished_crawls)]
    return Report("hfexplore doctor", Rows(("check", "value"), rows, ("text", "text")),
                  source="configuration", notes=notes, extra={"diagnosis": asdict(found)})


def _directory(found: Directory) -> str:
    if not found.exists:
        return f"{found.path} (not created yet)"
    return f"{found.path} ({found.size_bytes / 1e6:,.1f} MB in {found.files:,} files)"


def _hub(found: Diagnosis) -> str:
    probe = found.hub
    if probe is None:
        return "not asked (--offline)"
    if not probe.answered:
        return f"no usable answer: {probe.problem}"
    answer = f"answers (HTTP {probe.status} in {probe.seconds or 0:.2f}s)"
    return f"{answer}; {probe.quota}" if probe.quota else answer
