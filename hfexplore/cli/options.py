"""Options shared by many commands, each group one decorator."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import click

from hfexplore.arguments import LATEST, OUTPUT_FORMATS, PLOT_EXTENSIONS, PREVIOUS
from hfexplore.config import resolve_data_dir
from hfexplore.errors import PlotFormatError
from hfexplore.repo_type import REPO_TYPES, RepoType

if TYPE_CHECKING:  # imported where used: `hfexplore --help` loads no pandas, pyarrow or HTTP
    from hfexplore.hub import HubClient
    from hfexplore.knowledge import Families, LicenseTable
    from hfexplore.report import Report
    from hfexplore.stats.reports import Filters
    from hfexplore.store.snapshot import Snapshot

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def _stack(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    def apply(func: F) -> F:
        for decorator in reversed(decorators):
            func = decorator(func)
        return func
    return apply


# Where the Hub is and how to reach it; `doctor` takes these without the cache-mode flags.
hub_connection_options = _stack(
    click.option("--endpoint", metavar="URL",
                 help="Hub URL [default: $HF_ENDPOINT or https://huggingface.co]."),
    click.option("--token", metavar="TOKEN", help="Hub token [default: $HF_TOKEN or saved login]."),
    click.option("--cache-dir", type=click.Path(file_okay=False), metavar="DIR",
                 help="Page cache [default: $HFEXPLORE_CACHE or the user cache dir]."),
    click.option("--record", type=click.Path(file_okay=False), metavar="DIR",
                 help="Save every answer received from the Hub (bodies and headers, never the "
                      "token) into DIR, for a bug report."),
)

hub_options = _stack(
    hub_connection_options,
    click.option("--no-cache", is_flag=True, help="Neither read nor write the page cache."),
    click.option("--refresh", is_flag=True, help="Ignore cached pages; fetch and re-cache."),
    click.option("--offline", is_flag=True, help="Answer from the page cache only."),
)


def hub_client(params: dict[str, Any]) -> HubClient:
    """Build the client from the options of `hub_options`, rejecting contradictory flags."""
    from hfexplore.hub import connect
    from hfexplore.hub.cache import CacheMode

    flags = [name for name in ("no_cache", "refresh", "offline") if params.get(name)]
    if len(flags) > 1:
        names = " and ".join("--" + f.replace("_", "-") for f in flags)
        raise click.UsageError(f"{names} cannot be combined")
    mode = (CacheMode.OFF if params.get("no_cache") else CacheMode.REFRESH if params.get("refresh")
            else CacheMode.OFFLINE if params.get("offline") else CacheMode.USE)
    client = connect(params.get("endpoint"), params.get("token"),
                     cache_dir=params.get("cache_dir"), cache_mode=mode,
                     record=params.get("record"))
    if sys.stderr.isatty():  # a walk standing in for a count shows a bar, as a crawl does
        from hfexplore.cli.progress import CrawlProgress

        client.walk_progress = CrawlProgress
    return client


output_options = click.option(
    "--format", "-f", "output_format", type=click.Choice(list(OUTPUT_FORMATS)), default=None,
    help="Output format [default: table on a terminal, json otherwise].",
)


def on_terminal() -> bool:
    """Whether output goes to a person (a table) or a program (JSON)."""
    return sys.stdout.isatty()


def chosen_format(output_format: str | None) -> str:
    return output_format or ("table" if on_terminal() else "json")


def emit(report: Report, output_format: str | None) -> None:
    from hfexplore.formats import TableFormat, get_format

    name = chosen_format(output_format)
    shown = get_format(name)
    if name == "table" and isinstance(shown, TableFormat):
        shown.width = terminal_width()
    click.echo(shown.render(report), nl=False)


def terminal_width() -> int | None:
    """The width a table must fit: $COLUMNS, else the terminal's; None (no limit) when the
    output goes to a file or a pipe and $COLUMNS is not set."""
    import os
    import shutil

    given = os.environ.get("COLUMNS", "")
    if given.isdigit() and int(given) > 0:
        return int(given)
    return shutil.get_terminal_size().columns if on_terminal() else None


# -- snapshots and reports -----------------------------------------------------------------------
data_dir_option = click.option(
    "--data-dir", type=click.Path(file_okay=False), metavar="DIR",
    help="Where snapshots live [default: $HFEXPLORE_HOME or the user data dir].")

SNAPSHOT_HELP = ("Snapshot to read: a name, a unique prefix of one (2024-07), latest, previous, "
                 "or a path [default: the newest intact one in the data dir].")

DEMO_HELP = "Use the bundled demo snapshot (real Hub data, July 2024 sample)."


def not_empty(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """An empty name is a mistake (an unset variable in a script), not "no filter"."""
    if value is not None and not value.strip():
        raise click.BadParameter("must not be empty (leave the option out instead)")
    return value


def snapshot_choice(help: str = SNAPSHOT_HELP, demo_help: str = DEMO_HELP) -> Callable[[F], F]:
    """--snapshot, --demo and --data-dir, with help that says what the command does with them."""
    return _stack(
        click.option("--snapshot", "snapshot_ref", metavar="SNAPSHOT", callback=not_empty,
                     help=help),
        click.option("--demo", is_flag=True, help=demo_help),
        data_dir_option,
    )


snapshot_options = snapshot_choice()


# Where `load_snapshot` leaves the command's options for the error handler's advice (the hint
# for "no snapshot yet" asks the Hub for its size, with the command's endpoint and token).
SNAPSHOT_PARAMS = "hfexplore.snapshot_params"


def load_snapshot(params: dict[str, Any]) -> Snapshot:
    from hfexplore.store.inventory import resolve_snapshot
    from hfexplore.store.snapshot import demo_snapshot

    context = click.get_current_context(silent=True)
    if context is not None:  # every option of the command, its repo type among them
        context.meta[SNAPSHOT_PARAMS] = {**context.params, **params}

    if params.get("demo"):
        if params.get("snapshot_ref"):
            raise click.UsageError("--demo and --snapshot cannot be combined")
        return warn_if_stale(demo_snapshot())
    return warn_if_stale(resolve_snapshot(params.get("snapshot_ref"),
                                          resolve_data_dir(params.get("data_dir"))))


def emit_from_snapshot(params: dict[str, Any], output_format: str | None,
                       compute: Callable[[Snapshot], Report]) -> None:
    """Compute a report on the snapshot the options name and print it in the format asked."""
    emit(on_snapshot(params, compute), output_format)


def warn_if_stale(snapshot: Snapshot) -> Snapshot:
    """The snapshot, after one line on stderr if its contents are older than its date
    (`store/freshness.py`)."""
    line = snapshot.freshness().warning(snapshot.name)
    if line:
        click.echo(f"warning: {line}", err=True)
    return snapshot


def on_snapshot(params: dict[str, Any], compute: Callable[[Snapshot], T]) -> T:
    """`compute` over the snapshot the options choose. Damage the cheap checks cannot see (a
    page failing its checksum) is found while `compute` reads; then, unless the snapshot was
    named, the newest intact one is used instead, with the same warning as any damaged newest
    snapshot. A snapshot named explicitly that is damaged is an error."""
    from hfexplore.errors import DamagedSnapshotError

    named = params.get("demo") or params.get("snapshot_ref") not in (None, LATEST, PREVIOUS)
    snapshot = load_snapshot(params)
    while True:
        try:
            return compute(snapshot)
        except DamagedSnapshotError as exc:
            if named or exc.name != snapshot.name:
                raise
            instead = load_snapshot(params)  # this one now counts as damaged: skipped, warned
            if instead.path == snapshot.path:
                raise
            snapshot = instead


def parsed_by(parse: Callable[[str], T]) -> Callable[[click.Context, click.Parameter, str | None],
                                                      T | None]:
    """An option's callback: the value given (if any) read by `parse`, whose ValueError
    becomes a usage error naming the option."""
    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> T | None:
        if value is None:
            return None
        try:
            return parse(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    return callback


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date; use YYYY-MM-DD") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _parameter_range(value: str) -> tuple[int | None, int | None]:
    from hfexplore.stats.filters import parse_num_parameters

    return parse_num_parameters(value)


filter_options = _stack(
    click.option("--author", metavar="NAME", callback=not_empty,
                 help="Only repos of this author/organisation."),
    click.option("--library", metavar="NAME", callback=not_empty,
                 help="Only models with this library_name."),
    click.option("--task", metavar="TASK", callback=not_empty,
                 help="Only repos with this task (pipeline_tag)."),
    click.option("--created-after", metavar="DATE", callback=parsed_by(_moment),
                 help="Only repos created on or after DATE (YYYY-MM-DD)."),
    click.option("--created-before", metavar="DATE", callback=parsed_by(_moment),
                 help="Only repos created before DATE (YYYY-MM-DD)."),
    click.option("--num-parameters", metavar="RANGE", callback=parsed_by(_parameter_range),
                 help="Only models with a parameter count (safetensors) in RANGE, as the hf "
                      "CLI writes it: min:6B,max:128B, min:6B or max:128B."),
)


def filters_from(params: dict[str, Any]) -> Filters:
    from hfexplore.stats.reports import Filters

    low, high = params.get("num_parameters") or (None, None)
    return Filters(params.get("author"), params.get("library"), params.get("task"),
                   params.get("created_after"), params.get("created_before"),
                   num_parameters_min=low, num_parameters_max=high)


# More rows than any catalogue has; a larger --top is a typo, refused as bad usage (exit 2)
# rather than passed to DuckDB, whose LIMIT is a 64-bit integer.
MAX_TOP = 1_000_000_000


def top_option(default: int, help: str = "Rows to show (0 for all).") -> Callable[[F], F]:
    return click.option("--top", type=click.IntRange(min=0, max=MAX_TOP), default=default,
                        show_default=True, help=help)


def _plot_path(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        from hfexplore.formats.plot import check_plot_path

        try:
            check_plot_path(value)
        except PlotFormatError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


def write_plot(report: Report, path: str | None, chart: str) -> None:
    """Draw `report` as the plot named `chart` (a function of `formats/plot.py`) into `path`,
    when a path was given."""
    if path:
        from hfexplore.formats import plot

        getattr(plot, chart)(report, path)
        click.echo(f"wrote {path}", err=True)


def families_from(params: dict[str, Any]) -> Families:
    """The families table of `--families FILE`, or the built-in one."""
    from hfexplore.knowledge import Families

    return Families.load(params.get("families_file"))


def license_table_from(params: dict[str, Any]) -> LicenseTable | None:
    """The license table of `--license-table FILE` merged over the built-in one, or None
    (the built-in one, as each computation loads it)."""
    if not params.get("license_table"):
        return None
    from hfexplore.knowledge import LicenseTable

    return LicenseTable.load(params["license_table"])


def plot_option(what: str) -> Callable[[F], F]:
    kinds = ", ".join(f".{e}" for e in PLOT_EXTENSIONS)
    return click.option("--plot", type=click.Path(), metavar="FILE.png",
                        callback=_plot_path,
                        help=f"Also draw {what} to an image ({kinds}).")


class RepoTypeChoice(click.Choice):
    """One repo type on the command line (model, dataset or space), given to commands as a
    `RepoType`."""

    def __init__(self) -> None:
        super().__init__([t.value for t in REPO_TYPES])

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> RepoType:
        return RepoType(super().convert(value, param, ctx))


class RepoTypeList(click.ParamType):
    """Comma-separated repo types (`model,dataset`), given to commands as a list of `RepoType`
    in the order asked."""

    name = "repo_types"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> list[RepoType]:
        if isinstance(value, list):
            return value
        chosen = [v.strip() for v in str(value).split(",") if v.strip()]
        if not chosen or any(v not in REPO_TYPES for v in chosen):
            self.fail(f"expected a comma-separated list of {', '.join(REPO_TYPES)}", param, ctx)
        return [RepoType(v) for v in chosen]


REPO_TYPE = RepoTypeChoice()
REPO_TYPE_LIST = RepoTypeList()

repo_type_option = click.option(
    "--repo-type", type=REPO_TYPE, default=RepoType.MODEL.value, show_default=True,
    help="Which repos to report on.")

# `--families FILE` is the families file on every command; grouping by family is a flag of its
# own (`authors --by-family`).
families_option = click.option(
    "--families", "families_file", type=click.Path(dir_okay=False, exists=True), metavar="TOML",
    help="Your own organisation families file, merged over the built-in one.")

knowledge_options = _stack(
    click.option("--license-table", type=click.Path(dir_okay=False, exists=True), metavar="CSV",
                 help="Your own license table (id,category,...), merged over the built-in one."),
    families_option,
)


live_option = click.option(
    "--live", is_flag=True,
    help="Count live on the Hub (one count request per value, no snapshot needed) instead of "
         "reading a snapshot.")


def check_live(params: dict[str, Any]) -> None:
    """--live counts on the Hub: snapshot choices and date filters do not apply."""
    for name, flag in (("snapshot_ref", "--snapshot"), ("demo", "--demo"),
                       ("created_after", "--created-after"),
                       ("created_before", "--created-before"),
                       ("num_parameters", "--num-parameters")):
        if params.get(name):
            raise click.UsageError(f"--live and {flag} cannot be combined")


def report_options(*more: Callable[[Any], Any]) -> Callable[[F], F]:
    """The options of a report over a snapshot, as one decorator: the filters, which
    snapshot, `more` (knowledge files, the Hub's options...), the output format."""
    return _stack(filter_options, snapshot_options, *more, output_options)
