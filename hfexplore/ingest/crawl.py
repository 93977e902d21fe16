"""Crawl the Hub into a snapshot: pages -> normalised batches -> parquet, resumable.

Work happens in `snapshots/.partial-<name>/`, the directory of a resumable snapshot writer
(`store/writer.py`: it outlives an error, and this module keeps its parts and state in it). The
walk's requests run ahead on a thread of their own (`prefetch.py`) while this one decodes,
normalises and writes. Every `CHECKPOINT_PAGES` completed pages are written as one small Arrow
part (to a temporary name, then renamed), then `state.json` records the next page's URL: the
checkpoint. A crawl stopped at any point (Ctrl-C, kill -9, lost network, exhausted quota)
resumes from its last checkpoint, which a kill -9 can leave up to `CHECKPOINT_PAGES - 1` pages
behind (an error or Ctrl-C first writes every page completed); the parts already on disk give
back the ids seen so far.
Each checkpoint's rows also go on to the type's final parquet file as the crawl goes
(`store/writer.py`), so when every repo type is complete only the manifest is left to write
before the directory is renamed into place. That file is complete only once renamed: a resumed
crawl, or one killed before, writes it again from the parts.

Listings are walked sorted by `createdAt`: it never changes, so the keyset cursor does not
skip or repeat repos whose downloads or likes move during a long walk.
"""

from __future__ import annotations

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
from hfexplore.store.snapshot import SNAPSHOTS, Snapshot, build_manifest, snapshot_name
from hfexplore.store.unfinished import STATE, CrawlState, TypeState, find_partial
from hfexplore.store.upgrade import conform
from hfexplore.store.writer import SnapshotWriter

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
        writer, state = _start_or_resume(root, client.endpoint, repo_types, fresh, clock)
        try:
            with writer:
                with progress_lines(client.transport, log_every) as monitor:
                    for repo_type in repo_types:
                        if not state.types[repo_type].done:
                            TypeCrawl(client, writer, state, repo_type, licenses, progress,
                                      monitor).run()
                return _finish(writer, state, client, clock)
        except OSError as exc:
            raise SnapshotError(
                f"cannot write to {writer.work}: {exc.strerror or exc}; every completed page is "
                "kept: free some space (or fix the permissions) and resume the crawl"
            ) from exc


def _start_or_resume(root: Path, endpoint: str, repo_types: list[RepoType], fresh: bool,
                     clock: Callable[[], datetime]) -> tuple[SnapshotWriter, CrawlState]:
    """The writer of the unfinished crawl of the same endpoint and repo types (unless `fresh`:
    every unfinished one is dropped), or of a new one; and its state."""
    work = None if fresh else find_partial(root, endpoint, repo_types)
    if fresh:
        for stale in root.glob(".partial-*"):
            shutil.rmtree(stale, ignore_errors=True)
    if work is not None:
        state = CrawlState.load(work / STATE)
        state.resumed += 1
        log.info("resuming the crawl started %s", state.started_at)
        return SnapshotWriter(work, resume_state=STATE), state
    started = clock()
    state = CrawlState(snapshot_name(started, root), endpoint, list(repo_types), iso(started),
                       {t: TypeState() for t in repo_types})
    writer = SnapshotWriter.create(root, state.name, resume_state=STATE)
    (writer.work / PARTS).mkdir()
    state.save(writer.work / STATE)
    return writer, state


class TypeCrawl:
    """The walk of one repo type's listing, from where its state left off, into checkpoint
    parts (recorded in state.json) and the type's file.

    Every `CHECKPOINT_PAGES` pages (and the last one) are written as one part, then recorded;
    the request counters recorded with them are those right after their last page was fetched
    (the walk's thread may have fetched more since). A page whose body does not decode starts
    the walk again from it. Whatever stops the walk, the pages completed are checkpointed and
    the state saved with every request counted.
    """

    def __init__(self, client: HubClient, writer: SnapshotWriter, state: CrawlState,
                 repo_type: RepoType, licenses: LicenseTable, progress: ProgressFactory | None,
                 monitor: CrawlLog):
        self.client, self.writer, self.state, self.repo_type = client, writer, state, repo_type
        self.licenses, self.monitor = licenses, monitor
        self.work = writer.work
        self.type_state = state.types[repo_type]
        self.stats = client.transport.stats
        monitor.begin(repo_type, self.type_state.pages, self.type_state.items)
        self.unmerged = self._recorded_parts()  # merged into the file while the first page comes
        self.seen = SeenIds(_id for part in self.unmerged
                            for _id in _read_part(part, ["_id"]).column(0).to_pylist())
        self.query = ListQuery(repo_type, expand=EXPAND[repo_type], sort=CRAWL_SORT)
        self.anomalies = Anomalies(examples=list(state.anomaly_examples))
        # The progress bar may ask for a total first: that request is not the crawl's.
        self.bar = (progress(repo_type, None, self.type_state.items, self.type_state.pages)
                    if progress else None)
        self.counted = Counters.of(self.stats)  # the requests already in the state
        self.fetched = self.counted  # the requests right after the newest page fetched
        self.pending: list[Page] = []  # pages completed since the last checkpoint
        self.merged = writer.file(repo_type)

    def run(self) -> None:
        try:
            try:
                self._walk()
            finally:
                if self.pending:  # the walk failed or was stopped: keep every page completed
                    self.checkpoint()
            self.type_state.done = True
            self.merged.close()
        finally:
            self.account(Counters.of(self.stats))
            self.state.save(self.work / STATE)
            if self.bar is not None:
                self.bar.close()

    def _walk(self) -> None:
        restart: tuple[str | None, int] | None = (self.type_state.next_url,
                                                   self.type_state.pages)
        broken = False  # the walk starts again at a page that did not decode: check it first
        while restart is not None:
            restart = self._walk_from(*restart, check_first=broken)
            if restart is not None:
                self.stats.retries += 1  # counted once the fetch thread has stopped
                broken = True

    def _walk_from(self, url: str | None, index: int,
                   check_first: bool) -> tuple[str, int] | None:
        """Walk from the page at `url`; where to walk from again if a page's body is broken."""
        walk = self.client.walk(self.query, start_url=url, seen=self.seen, first_index=index,
                                typed=True, defer_decoding=True, check_first=check_first)
        # The log ticks as answers arrive, on the walk's thread, where the transport also ticks
        # it during waits: its lines keep to one clock, one thread.
        with Prefetcher(_ticking(walk.responses(), self.monitor), self.stats) as fetched:
            self.monitor.settle = fetched.settle  # a line counts every page fetched before
            self.merged.rebuild(_read_part(part) for part in self.unmerged)
            self.unmerged = []
            for answer, counters in fetched:
                self.fetched = counters
                try:
                    page = walk.page(answer)
                except BrokenBody as exc:
                    # What came after it followed its Link: drop it, walk from here.
                    log.info("%s; fetching it again", exc)
                    return exc.answer.url, exc.answer.index
                self._take(page)
        return None

    def _take(self, page: Page) -> None:
        self.monitor.page(page)
        self.pending.append(page)
        if len(self.pending) >= CHECKPOINT_PAGES or page.is_last:
            self.checkpoint()
        if self.bar is not None:
            self.bar.update(page, self.stats)

    def checkpoint(self) -> None:
        """Write the pending pages as one part, record them in the state, add their rows to
        the file."""
        pending, type_state = self.pending, self.type_state
        if pending[-1].index < type_state.pages:  # counted by a checkpoint Ctrl-C cut short
            pending.clear()
            return
        before = self.anomalies.count
        rows = _write_part(self.work, self.repo_type, pending, self.licenses, self.anomalies)
        # One update, so that a Ctrl-C can come before it or after it, never halfway through.
        vars(type_state).update(
            pages=type_state.pages + len(pending),
            items=type_state.items + sum(len(page.items) for page in pending),
            received=type_state.received + sum(page.received for page in pending),
            duplicates=type_state.duplicates + sum(page.duplicates for page in pending),
            next_url=pending[-1].next_url, done=pending[-1].is_last)
        self.state.anomalies += self.anomalies.count - before
        self.state.anomaly_examples = (self.anomalies.examples or [])[:10]
        self.account(self.fetched)
        self.state.save(self.work / STATE)
        pending.clear()
        if rows is not None:
            self.merged.add(rows)

    def account(self, now: Counters) -> None:
        """Add the requests made since the last call (or the start) to the state."""
        self.state.requests += now.requests - self.counted.requests
        self.state.retries += now.retries - self.counted.retries
        self.state.rate_limited += now.rate_limited - self.counted.rate_limited
        self.counted = now

    def _recorded_parts(self) -> list[Path]:
        """The type's parts on disk, but for one written and then killed before state.json
        recorded it: its pages were not counted and are fetched again."""
        parts = []
        for part in _parts(self.work, self.repo_type):
            if _first_page(part) >= self.type_state.pages:
                part.unlink()
            else:
                parts.append(part)
        return parts


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
    """A part's rows; one written by an older version gains the columns added since (null)."""
    if path.suffix == ".parquet":
        table = pq.read_table(path, columns=columns)
    else:
        with pa.memory_map(str(path)) as source:
            table = ipc.open_file(source).read_all()
    return table.select(columns) if columns else conform(table, SCHEMA)


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


def _finish(writer: SnapshotWriter, state: CrawlState, client: HubClient,
            clock: Callable[[], datetime]) -> Snapshot:
    if not writer.has_manifest:  # else a kill came after the manifest: just publish
        _merge_and_describe(writer, state, client, clock)
    snapshot = writer.publish(state.name)
    log.info("snapshot %s complete: %s", state.name, ", ".join(
        f"{e['count']:,} {t}s" for t, e in snapshot.manifest["repo_types"].items()))
    return snapshot


def _merge_and_describe(writer: SnapshotWriter, state: CrawlState, client: HubClient,
                        clock: Callable[[], datetime]) -> None:
    """Write the manifest, after merging the parts of any type whose file the crawl did not
    complete (a crawl resumed after its walk ended). Parts stay until the manifest is on disk,
    so a kill at any point here is recovered by doing it again."""
    entries: dict[str, Any] = {}
    for repo_type in state.repo_types:
        if not writer.has_file(repo_type):
            writer.write(repo_type, (_read_part(p) for p in _parts(writer.work, repo_type)))
        type_state = state.types[repo_type]
        entries[repo_type] = writer.entry(repo_type, pages=type_state.pages,
                                          received=type_state.received,
                                          duplicates_dropped=type_state.duplicates)
    writer.write_manifest(build_manifest(
        name=state.name, endpoint=state.endpoint, started_at=state.started_at,
        finished_at=iso(clock()), sort=CRAWL_SORT, repo_types=entries,
        requests=state.requests, retries=state.retries, rate_limited=state.rate_limited,
        anomalies={"count": state.anomalies, "examples": state.anomaly_examples},
        authenticated=client.transport.authenticated, resumed=state.resumed))
