from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

import click

from hfexplore.cli.examples import examples
from hfexplore.cli.options import data_dir_option, emit, hub_connection_options, output_options

if TYPE_CHECKING:
    from hfexplore.doctor import Diagnosis, Directory
    from hfexplore.protocol import ProtocolCheck
    from hfexplore.report import Report


@click.command(epilog=examples("hfexplore doctor", "hfexplore doctor --offline -f json",
                               "hfexplore doctor --protocol --record hub-answers"))
@hub_connection_options
@data_dir_option
@click.option("--offline", is_flag=True, help="Do not ask the Hub whether it answers.")
@click.option("--protocol", is_flag=True,
              help="Instead, test every assumption hfexplore makes about the Hub's answers "
                   "(under 30 requests); exit status 1 unless all hold.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
              metavar="SECONDS", help="How long to wait for each of the Hub's answers.")
@output_options
def doctor(endpoint: str | None, token: str | None, cache_dir: str | None,
           record: str | None, data_dir: str | None, offline: bool, protocol: bool,
           timeout: float, output_format: str | None) -> None:
    """Settings, directories, snapshots, and whether the Hub answers.

    Shows the endpoint, whether a token is set (never the token itself) and where it comes
    from, the cache and data directories with their sizes, the snapshots and unfinished
    crawls, and the answer to one cheap request to the Hub (unless --offline).

    With --protocol, checks instead, one line each, that the Hub still answers as hfexplore
    assumes: the listing's Link cursor and page size, the expand fields, the count twins and
    their filters, the shields totals, a single repo, the dumps' file listings and a Range
    read of a dump's footer, and the RateLimit headers. Each holds, differs (saying how) or
    is unreachable. When one differs, attach the output and a --record directory to a bug
    report.
    """
    if protocol:
        if offline:
            raise click.UsageError("--protocol and --offline cannot be combined")
        from hfexplore.protocol import check_protocol

        result = check_protocol(endpoint, token, timeout=timeout, record=record)
        emit(protocol_report(result, record), output_format)
        if not result.holds:
            click.get_current_context().exit(1)
        return
    from hfexplore.doctor import diagnose

    found = diagnose(endpoint, token, cache_dir=cache_dir, data_dir=data_dir,
                     check_hub=not offline, timeout=timeout, record=record)
    emit(doctor_report(found), output_format)


def protocol_report(result: ProtocolCheck, record: str | None) -> Report:
    import pandas as pd

    from hfexplore.report import Report

    rows = pd.DataFrame([c._asdict() for c in result.checks], columns=["check", "status",
                                                                      "detail"])
    held = sum(c.status == "holds" for c in result.checks)
    differs = sum(c.status == "differs" for c in result.checks)
    notes = [f"{held} of {len(result.checks)} checks hold; {result.requests} "
             f"request{'s' if result.requests != 1 else ''}"]
    if differs:
        notes.append("a check that differs means the Hub changed (or this endpoint is not the "
                     "Hub): report it with this output" + (
                         f" and the recording in {record}" if record else
                         ", and the Hub's answers saved by running it again with --record DIR"))
    elif not result.holds:
        notes.append("an unreachable check got no usable answer (the network, the Hub's load or "
                     "its quota): run it again later; `hfexplore doctor` says whether the Hub "
                     "answers at all")
    return Report("Hub protocol self-test", rows, source=result.endpoint, notes=notes,
                  extra={"endpoint": result.endpoint, "requests": result.requests,
                         "holds": result.holds})


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
