"""Crawl the Hub into a snapshot: pages -> normalised batches -> parquet, resumable.

Work happens in `snapshots/.partial-<name>/`. The walk's requests run ahead on a thread of
their own (`prefetch.py`) while this one decodes, normalises and writes. Every
`CHECKPOINT_PAGES` completed pages are written as one small Arrow part (to a temporary name,
then renamed), then `state.json` records the next page's URL: the checkpoint. A crawl stopped
at any point (Ctrl-C, kill -9, lost network, exhausted quota) resumes from its last
checkpoint, which a kill -9 can leave up to `CHECKPOINT_PAGES - 1` pages behind (an error or
Ctrl-C first writes every page completed); the parts already on disk give back the ids seen
so far.
Each checkpoint's rows also go on to the type's final parquet file as the crawl goes
(`store/writer.py`), so when every repo type is complete only the manifest is left to write
before the directory is renamed into place. That file is complete only once renamed: a resumed
crawl, or one killed before, writes it again from the parts.

Listings are walked sorted by `createdAt`: it never changes, so the keyset cursor does not
skip or repeat repos whose downloads or likes move during a long walk.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from hfexplore.atomic_files import write_atomic
from hfexplore.config import private_dir
from hfexplore.errors import SnapshotError
from hfexplore.hub import REPO_TYPES, HubClient, ListQuery, Page, RepoType, SeenIds
from hfexplore.hub.walk import BrokenBody
from hfexplore.ingest.prefetch import Counters, Prefetcher
from hfexplore.ingest.progress import EVERY, CrawlLog, progress_lines
from hfexplore.knowledge import LicenseTable
from hfexplore.normalize.columns import normalize_page
from hfexplore.normalize.schema import EXPAND, SCHEMA, Anomalies
from hfexplore.report import iso
from hfexplore.store.lock import data_dir_lock
from hfexplore.store.snapshot import (
    MANIFEST,
    SNAPSHOTS,
    Snapshot,
    build_manifest,
    describe_file,
    file_name,
    open_snapshot,
    snapshot_name,
)
from hfexplore.store.unfinished import STATE, CrawlState, TypeState, find_partial
from hfexplore.store.writer import MergedFile

log = logging.getLogger(__name__)
T = TypeVar("T")
PARTS = "parts"
CRAWL_SORT = "createdAt"
# Pages per checkpoint: what a kill -9 can cost. One part and one fsync'ed state.json per
# checkpoint; per page they cost about as much CPU as normalising it, and the fsync's wait.
CHECKPOINT_PAGES = 4


ProgressFactory = Callable[[RepoType, int | None, int, int], Any]


def create_snapshot(
    client: HubClient,
    data_dir: Path,
    repo_types: Sequence[RepoType] = REPO_TYPES,
    *,
    licenses: LicenseTable | None = None,
    fresh: bool = False,
    progress: ProgressFactory | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    log_every: float = EVERY,
) -> Snapshot:
    """Crawl `repo_types` into a new snapshot under `data_dir` (resuming an unfinished one).

    Progress goes to the log at INFO at least every `log_every` seconds (see `CrawlLog`).
    """
    licenses = licenses or LicenseTable.load()
    repo_types = [t for t in REPO_TYPES if t in repo_types]
    with data_dir_lock(data_dir):
        root = private_dir(data_dir / SNAPSHOTS)
        work = None if fresh else find_partial(root, client.endpoint, repo_types)
        if fresh:
            for stale in root.glob(".partial-*"):
                shutil.rmtree(stale, ignore_errors=True)
        if work is None:
            started = clock()
            state = CrawlState(snapshot_name(started, root), client.endpoint, list(repo_types),
                               iso(started), {t: TypeState() for t in repo_types})
            work = root / f".partial-{state.name}"
            (work / PARTS).mkdir(parents=True)
            state.save(work / STATE)
        else:
            state = CrawlState.load(work / STATE)
            state.resumed += 1
            log.info("resuming the crawl started %s", state.started_at)
        try:
            with progress_lines(client.transport, log_every) as monitor:
                for repo_type in repo_types:
                    if not state.types[repo_type].done:
                        _crawl_type(client, work, state, repo_type, licenses, progress, monitor)
            return _finish(work, root, state, client, clock)
        except OSError as exc:
            raise SnapshotError(
                f"cannot write to {work}: {exc.strerror or exc}; every completed page is kept: "
                "free some space (or fix the permissions) and resume the crawl"
            ) from exc


def _crawl_type(client: HubClient, work: Path, state: CrawlState, repo_type: RepoType,
                licenses: LicenseTable, progress: ProgressFactory | None,
                monitor: CrawlLog) -> None:
    type_state = state.types[repo_type]
    monitor.begin(repo_type, type_state.pages, type_state.items)
    parts = []
    for part in _parts(work, repo_type):
        if _first_page(part) >= type_state.pages:  # written, then a kill before state.json:
            part.unlink()  # its pages were not recorded and are fetched again
        else:
            parts.append(part)
    seen = SeenIds(_id for part in parts for _id in _read_part(part, ["_id"])
                   .column(0).to_pylist())
    query = ListQuery(repo_type, expand=EXPAND[repo_type], sort=CRAWL_SORT)
    stats = client.transport.stats
    anomalies = Anomalies(examples=list(state.anomaly_examples))
    # The progress bar may ask for a total first: that request is not the crawl's.
    bar = progress(repo_type, None, type_state.items, type_state.pages) if progress else None
    counted = Counters.of(stats)
    pending: list[Page] = []
    latest = counted  # the request counters right after the newest page fetched

    def account(now: Counters) -> None:
        nonlocal counted
        state.requests += now.requests - counted.requests
        state.retries += now.retries - counted.retries
        state.rate_limited += now.rate_limited - counted.rate_limited
        counted = now

    def checkpoint() -> None:
        if pending[-1].index < type_state.pages:  # counted by a checkpoint Ctrl-C cut short
            pending.clear()
            return
        before = anomalies.count
        rows = _write_part(work, repo_type, pending, licenses, anomalies)
        # One update, so that a Ctrl-C can come before it or after it, never halfway through.
        vars(type_state).update(
            pages=type_state.pages + len(pending),
            items=type_state.items + sum(len(page.items) for page in pending),
            received=type_state.received + sum(page.received for page in pending),
            duplicates=type_state.duplicates + sum(page.duplicates for page in pending),
            next_url=pending[-1].next_url, done=pending[-1].is_last)
        state.anomalies += anomalies.count - before
        state.anomaly_examples = (anomalies.examples or [])[:10]
        account(latest)
        state.save(work / STATE)
        pending.clear()
        if rows is not None:
            merged.add(rows)

    merged = MergedFile(work / file_name(repo_type))
    start: tuple[str | None, int] | None = (type_state.next_url, type_state.pages)
    broken = rebuilt = False  # broken: the walk starts again at a page that did not decode
    try:
        try:
            while start is not None:
                walk = client.walk(query, start_url=start[0], seen=seen, first_index=start[1],
                                   typed=True, defer_decoding=True, check_first=broken)
                start = None
                # The log ticks as answers arrive, on the walk's thread, where the transport
                # also ticks it during waits: its lines keep to one clock, one thread.
                with Prefetcher(_ticking(walk.responses(), monitor), stats) as fetched:
                    monitor.settle = fetched.settle  # a line counts every page fetched before
                    if not rebuilt:  # while the first page comes
                        merged.rebuild(_read_part(part) for part in parts)
                        rebuilt = True
                    for answer, latest in fetched:  # noqa: B007 - checkpoint() reads `latest`
                        try:
                            page = walk.page(answer)
                        except BrokenBody as exc:
                            # What came after it followed its Link: drop it, walk from here.
                            log.info("%s; fetching it again", exc)
                            start, broken = (exc.answer.url, exc.answer.index), True
                            break
                        monitor.page(page)
                        pending.append(page)
                        if len(pending) >= CHECKPOINT_PAGES or page.is_last:
                            checkpoint()
                        if bar is not None:
                            bar.update(page, stats)
                if start is not None:  # counted once the fetch thread has stopped
                    stats.retries += 1
        finally:
            if pending:  # the walk failed or was stopped: keep every page completed
                checkpoint()
        type_state.done = True
        merged.close()
    finally:
        merged.abort()  # nothing left to drop once closed
        account(Counters.of(stats))
        state.save(work / STATE)
        if bar is not None:
            bar.close()


def _ticking(answers: Iterator[T], monitor: CrawlLog) -> Iterator[T]:
    for answer in answers:
        yield answer
        monitor.tick()


def _parts(work: Path, repo_type: str) -> list[Path]:
    """The parts of `repo_type` in page order (`.parquet` ones from older versions too)."""
    return sorted(p for p in (work / PARTS).glob(f"{repo_type}-*")
                  if p.suffix in (".arrow", ".parquet"))


def _first_page(part: Path) -> int:
    """The index of a part's first page: its name is `<repo type>-<index>.<suffix>`."""
    return int(part.stem.rpartition("-")[2])


def _read_part(path: Path, columns: list[str] | None = None) -> pa.Table:
    if path.suffix == ".parquet":
        return pq.read_table(path, columns=columns)
    with pa.memory_map(str(path)) as source:
        table = ipc.open_file(source).read_all()
    return table.select(columns) if columns else table


def _write_part(work: Path, repo_type: str, pages: list[Page], licenses: LicenseTable,
                anomalies: Anomalies) -> pa.Table | None:
    """Normalise `pages` and write them as one part; their rows (None if there are none)."""
    batches = [normalize_page(items, repo_type, licenses, anomalies)
               for items in _runs_of_one_kind(pages)]
    if not batches:
        return None
    final = work / PARTS / f"{repo_type}-{pages[0].index:07d}.arrow"
    tmp = final.with_name(f".{final.name}.tmp")
    write_part_file(batches, tmp)
    os.replace(tmp, final)
    return pa.Table.from_batches(batches, schema=SCHEMA)


def _runs_of_one_kind(pages: list[Page]) -> Iterator[list[Any]]:
    """The pages' items, consecutive pages of one kind (typed structs, or the plain dicts of an
    odd page) joined: the column rules cost about a third less per row on 4,000 rows at once
    than on 1,000 (each Arrow call has a fixed cost)."""
    run: list[Any] = []
    for page in pages:
        if run and page.items and type(page.items[0]) is not type(run[0]):
            yield run
            run = []
        run.extend(page.items)
    if run:
        yield run


def write_part_file(batches: list[pa.RecordBatch], path: Path) -> None:
    """Arrow IPC, uncompressed: about a fifth of the CPU of a parquet part. The parts only
    live until the merge, which writes the snapshot's compressed parquet."""
    with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, SCHEMA) as writer:
        for batch in batches:
            writer.write_batch(batch)


def _finish(work: Path, root: Path, state: CrawlState, client: HubClient,
            clock: Callable[[], datetime]) -> Snapshot:
    if not (work / MANIFEST).exists():  # else a kill came after the manifest: just publish
        _merge_and_describe(work, state, client, clock)
    shutil.rmtree(work / PARTS, ignore_errors=True)
    final = root / state.name
    if final.exists():
        raise SnapshotError(f"{final} already exists; the finished crawl stays in {work}")
    os.replace(work, final)  # the state goes last: until here a rerun can still finish the job
    (final / STATE).unlink(missing_ok=True)
    snapshot = open_snapshot(final)
    log.info("snapshot %s complete: %s", state.name, ", ".join(
        f"{e['count']:,} {t}s" for t, e in snapshot.manifest["repo_types"].items()))
    return snapshot


def _merge_and_describe(work: Path, state: CrawlState, client: HubClient,
                        clock: Callable[[], datetime]) -> None:
    """Write the manifest, after merging the parts of any type whose file the crawl did not
    complete (a crawl resumed after its walk ended). Parts stay until the manifest is on disk,
    so a kill at any point here is recovered by doing it again."""
    entries: dict[str, Any] = {}
    for repo_type in state.repo_types:
        target = work / file_name(repo_type)
        if target.exists():  # renamed into place only once complete
            rows = pq.ParquetFile(target).metadata.num_rows
        else:
            merged = MergedFile(target)
            try:
                merged.rebuild(_read_part(part) for part in _parts(work, repo_type))
                rows = merged.close()
            finally:
                merged.abort()
        type_state = state.types[repo_type]
        entries[repo_type] = {
            "count": rows, "pages": type_state.pages, "received": type_state.received,
            "duplicates_dropped": type_state.duplicates, **describe_file(target),
        }
    manifest = build_manifest(
        name=state.name, endpoint=state.endpoint, started_at=state.started_at,
        finished_at=iso(clock()), sort=CRAWL_SORT, repo_types=entries,
        requests=state.requests, retries=state.retries, rate_limited=state.rate_limited,
        anomalies={"count": state.anomalies, "examples": state.anomaly_examples},
        authenticated=client.transport.authenticated, resumed=state.resumed)
    write_atomic(work / MANIFEST, json.dumps(manifest, indent=2).encode())
