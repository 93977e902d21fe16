"""The Python API: the handful of calls a notebook needs, each a thin layer over the library.

    import hfexplore as hfx
    snap = hfx.snapshot()                 # the newest in the data dir; or hfx.demo()
    hfx.licenses(snap, by="category", author="meta-llama")
    hfx.sql("SELECT library_name, count(*) FROM models GROUP BY ALL", snap)
    hfx.history(hfx.export("/srv/hub-export"), metric="license")
    hfx.count_live("model", library="transformers")
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

# The API answers in pandas DataFrames (`Report.rows`): it loads pandas with itself, as it
# always has. The CLI never imports this module, so a command loads pandas only if it needs it.
import pandas  # noqa: F401

from hfexplore.arguments import check_arguments
from hfexplore.config import resolve_data_dir
from hfexplore.ecosystem.drift import drift as drift_of
from hfexplore.ecosystem.org import org as org_of
from hfexplore.ecosystem.repo import repo as repo_of
from hfexplore.ecosystem.tree import tree as tree_of
from hfexplore.errors import InvalidArgumentError, SnapshotError, StaleDataWarning
from hfexplore.hub import CountResult
from hfexplore.hub import connect as connect_hub
from hfexplore.repo_type import RepoTypeLike
from hfexplore.report import Report
from hfexplore.stats import reports
from hfexplore.stats.concentration import concentration as concentration_of
from hfexplore.stats.formats import formats as formats_of
from hfexplore.stats.history import history as history_of_snapshots
from hfexplore.stats.history import history_from_export
from hfexplore.stats.reports import Filters
from hfexplore.stats.sizes import sizes as sizes_of
from hfexplore.stats.sql import sql as run_sql
from hfexplore.store.export import export_dates
from hfexplore.store.inventory import intact_snapshots, list_snapshots, resolve_snapshot
from hfexplore.store.snapshot import SNAPSHOTS, Snapshot, demo_snapshot


@dataclass(frozen=True)
class Export:
    """An export directory (`snapshot create --export DIR`): one Hive-partitioned dataset."""

    path: Path

    def dates(self) -> list[str]:
        return export_dates(self.path)


def snapshot(ref: str | Path | None = None, *, data_dir: str | Path | None = None) -> Snapshot:
    """The newest snapshot in the data dir ($HFEXPLORE_HOME), or one by name or path.

    Warns (`StaleDataWarning`) when its contents are older than its date, as the command line
    does: a stale mirror, a stalled dump, or old data crawled today."""
    found = resolve_snapshot(str(ref) if ref is not None else None, resolve_data_dir(data_dir))
    _warn_if_stale(found, stacklevel=3)
    return found


def _warn_if_stale(snap: Snapshot, stacklevel: int) -> None:
    """`StaleDataWarning`, pointing at the line `stacklevel` frames up (1: this function)."""
    stale = snap.freshness().warning(snap.name)
    if stale:
        warnings.warn(stale, StaleDataWarning, stacklevel=stacklevel)


def demo() -> Snapshot:
    """The sample of real 2024 Hub data shipped with the package."""
    return demo_snapshot()


def export(path: str | Path) -> Export:
    """An export directory, for `history` and `sql`."""
    directory = Path(path).expanduser()
    if not directory.is_dir():
        raise SnapshotError(f"no export directory at {directory}")
    return Export(directory)


def _filters(given: dict[str, Any]) -> Filters:
    names = [f.name for f in dataclasses.fields(Filters)]
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise InvalidArgumentError(f"unknown filter {unknown[0]!r}; the filters are "
                                   f"{', '.join(names)}")
    values = {}
    for name, value in given.items():
        if name.startswith("created_") and isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                raise InvalidArgumentError(f"{name} must be a date (YYYY-MM-DD), not "
                                           f"{value!r}") from None
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        values[name] = value
    return Filters(**values)


def _open(source: Snapshot | None) -> Snapshot:
    if source is None:  # the newest; a stale one is said from the caller's line
        found = resolve_snapshot(None, resolve_data_dir())
        _warn_if_stale(found, stacklevel=4)
        return found
    if not isinstance(source, Snapshot):
        raise InvalidArgumentError(f"expected a snapshot (hfexplore.snapshot() or "
                                   f"hfexplore.demo()), not {type(source).__name__}")
    return source


def summary(source: Snapshot | None = None, *, top: int = 10, **filters: Any) -> Report:
    """Totals per repo type and the top licenses, libraries, authors and tasks."""
    return reports.summary(_open(source), top=top, filters=_filters(filters))


def licenses(source: Snapshot | None = None, repo_type: RepoTypeLike = "model", *,
             by: Literal["license", "category", "license_family", "family"] = "license",
             open_weight: bool = False, top: int = 20, **filters: Any) -> Report:
    """Repos per license, category or license family (`family`: its old spelling); filters:
    author=, library=, task=, created_after=, created_before=, family=, base_family=,
    parent_family=..."""
    return reports.licenses(_open(source), repo_type, by=by, open_weight=open_weight, top=top,
                            filters=_filters(filters))


def libraries(source: Snapshot | None = None, *, top: int = 20, **filters: Any) -> Report:
    return reports.libraries(_open(source), top=top, filters=_filters(filters))


def tasks(source: Snapshot | None = None, repo_type: RepoTypeLike = "model", *, top: int = 20,
          **filters: Any) -> Report:
    return reports.tasks(_open(source), repo_type, top=top, filters=_filters(filters))


def authors(source: Snapshot | None = None, repo_type: RepoTypeLike = "model", *,
            families: bool = False, sort: Literal["count", "downloads", "likes"] = "count",
            top: int = 20, **filters: Any) -> Report:
    return reports.authors(_open(source), repo_type, by_family=families, sort=sort, top=top,
                           filters=_filters(filters))


def lineage(source: Snapshot | None = None, *, family: str | None = None,
            parent_family: str | None = None, base: str | None = None, top: int = 20,
            **filters: Any) -> Report:
    """Derivatives per base model and per family, direct and at any depth; `family`: the
    bases of that family's tree, `parent_family`: the bases attributed to it themselves."""
    return reports.lineage(_open(source), family=family, parent_family=parent_family,
                           base=base, top=top, filters=_filters(filters))


def growth(source: Snapshot | None = None, repo_type: RepoTypeLike = "model", *,
           by: Literal["month", "year"] = "month", **filters: Any) -> Report:
    return reports.growth(_open(source), repo_type, by=by, filters=_filters(filters))


def concentration(source: Snapshot | None = None, repo_type: RepoTypeLike = "model", *,
                  by: Literal["repo", "author", "family"] = "repo",
                  metric: Literal["downloads", "downloads_all_time", "likes"] = "downloads",
                  lorenz: bool = False, **filters: Any) -> Report:
    """The share of `metric` held by the top 0.1%, 1% and 10%; `extra` has gini, hhi,
    zero_share (and the Lorenz curve's points with lorenz=True)."""
    return concentration_of(_open(source), repo_type, by=by, metric=metric,
                            filters=_filters(filters), with_lorenz=lorenz)


def sizes(source: Snapshot | None = None, **filters: Any) -> Report:
    """Models per parameter-count bucket (filters include num_parameters_min/max)."""
    return sizes_of(_open(source), filters=_filters(filters))


def weight_formats(source: Snapshot | None = None, repo_type: RepoTypeLike = "model", *,
                   top: int = 0, **filters: Any) -> Report:
    """Repos per weight format, from tags and library_name (`hfexplore formats`; not named
    `formats`, which `import hfexplore.formats`, the renderers' package, would shadow)."""
    return formats_of(_open(source), repo_type, top=top, filters=_filters(filters))


def tree(repo: str, source: Snapshot | None = None, *, up: bool = True, down: bool = True,
         depth: int = 0, top: int = 10) -> Report:
    """A model's ancestors up to its roots and its descendants (`hfexplore tree`): `extra` has
    the counts (children, descendants, per relation and per depth) and both trees nested."""
    return tree_of(_open(source), _named(repo, "tree"), up=up, down=down, depth=depth,
                   top=top)


def repo(repo_id: str, source: Snapshot | None = None, *, live: bool = False,
         endpoint: str | None = None, token: str | None = None) -> Report:
    """Everything the snapshot knows of one model (`hfexplore repo`); with live=True, the
    Hub's single-repo answer beside it (one request)."""
    client = connect_hub(endpoint, token) if live else None
    return repo_of(_open(source), _named(repo_id, "repo"), client=client)


def drift(source: Snapshot | None = None, *, to: Literal["parent", "root"] = "parent",
          family: str | None = None, top: int = 20, **filters: Any) -> Report:
    """License drift along the lineage (`hfexplore drift`): each model's license against its
    bases' (or its roots'), by level of restrictiveness; per family and per base."""
    check_arguments(to=(to, ("parent", "root")))
    return drift_of(_open(source), to=to, family=family, top=top, filters=_filters(filters))


def org(name: str, source: Snapshot | None = None, *, top: int = 10) -> Report:
    """One organisation, a family or else a namespace (`hfexplore org`): releases per month,
    license mix, top models, open-weight share and its derivative footprint."""
    return org_of(_open(source), _named(name, "org"), top=top)


def _named(value: str, call: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgumentError(f"{call}() needs a name (a repo id or organisation), "
                                   f"not {value!r}")
    return value.strip()


def _data_dir_of(snap: Snapshot) -> Path | None:
    return snap.path.parent.parent if snap.path.parent.name == SNAPSHOTS else None


def history(source: Export | Sequence[Snapshot] | None = None, *,
            metric: Literal["total", "license", "library", "gini", "top1"] = "total",
            repo_type: RepoTypeLike = "model", top: int = 8) -> Report:
    """One metric across every snapshot in the data dir, the snapshots given, or an export."""
    if isinstance(source, Export):
        return history_from_export(source.path, metric=metric, repo_type=repo_type, top=top)
    skipped: list[str] = []
    if source is None:  # the intact ones; the damaged are named in the notes
        snapshots, skipped = intact_snapshots(resolve_data_dir(), required=False)
    else:
        snapshots = list(source)
    if not snapshots:
        raise SnapshotError("no snapshots to follow: `hfexplore snapshot create` makes one")
    report = history_of_snapshots(snapshots, metric=metric, repo_type=repo_type, top=top)
    report.notes[:0] = skipped
    return report


def sql(query: str, source: Snapshot | Export | None = None, *, explain: bool = False,
        params: Sequence[Any] | dict[str, Any] | None = None) -> Report:
    """One read-only SELECT with DuckDB. Views: models, datasets, spaces (the snapshot, or an
    export's newest date); history_models, history_datasets, history_spaces (every snapshot of
    the snapshot's data dir, or every date of the export); tables licenses and families."""
    if isinstance(source, Export):
        return run_sql(query, export_dir=source.path, explain=explain, params=params)
    snap = _open(source)
    data_dir = _data_dir_of(snap)
    history = list_snapshots(data_dir)[0] if data_dir is not None else [snap]
    return run_sql(query, snap, history=history, explain=explain, params=params)


def count_live(repo_type: RepoTypeLike = "model", *, author: str | None = None,
               library: str | None = None, task: str | None = None,
               license: str | None = None, search: str | None = None,
               endpoint: str | None = None, token: str | None = None) -> CountResult:
    """How many public repos the Hub lists now (HF_ENDPOINT, HF_TOKEN as the CLI reads them)."""
    check_arguments(repo_type=repo_type)
    return connect_hub(endpoint, token).count(repo_type, author=author, library=library,
                                              pipeline_tag=task, license=license,
                                              search=search)
