"""Benchmark workloads, each run in its own process so its peak RSS is its own.

    python -m benchmarks.workloads NAME [options]    -> one JSON line of figures on stdout
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import orjson
import requests

from benchmarks.duckdb_peer import duckdb_report
from hfexplore.hub import HubClient, ListQuery, RetryPolicy, Transport
from hfexplore.normalize.schema import EXPAND


def raw(endpoint: str, expand: str) -> dict[str, Any]:
    """The limit: fetch and discard the same pages as fast as a bare client can."""
    fields = EXPAND["model"] if expand == "crawl" else ("likes",)
    url: str | None = ListQuery("model", expand=fields, sort="createdAt").url(endpoint)
    session = requests.Session()
    pages = items = size = 0
    durations = []
    started = time.perf_counter()
    while url:
        sent = time.perf_counter()
        response = session.get(url, timeout=60)
        durations.append(time.perf_counter() - sent)
        response.raise_for_status()
        pages += 1
        items += response.content.count(b'"_id"')
        size += len(response.content)
        url = response.links.get("next", {}).get("url")
    return {"pages": pages, "items": items, "bytes": size,
            "seconds": time.perf_counter() - started, "request_ms": quantiles_ms(durations)}


def quantiles_ms(seconds: list[float]) -> list[float]:
    """Median, 90th percentile and maximum, in ms."""
    ordered = sorted(seconds)
    return [round(1000 * ordered[int(q * (len(ordered) - 1))], 1) for q in (0.5, 0.9, 1.0)]


def crawl(endpoint: str, data_dir: str) -> dict[str, Any]:
    from hfexplore.ingest.crawl import create_snapshot

    client = HubClient(Transport(endpoint))
    started = time.perf_counter()
    snapshot = create_snapshot(client, Path(data_dir), ["model"])
    seconds = time.perf_counter() - started
    entry = snapshot.manifest["repo_types"]["model"]
    return {"items": entry["count"], "pages": entry["pages"],
            "requests": snapshot.manifest["requests"], "seconds": seconds,
            "snapshot": str(snapshot.path)}


def import_dump(endpoint: str, data_dir: str) -> dict[str, Any]:
    """`snapshot import hub-stats` (models) from the stand-in: the footer, then only the column
    chunks the snapshot needs, over HTTP Range requests."""
    from hfexplore.hub.files import HubFiles
    from hfexplore.ingest.dump_import import import_snapshots

    files = HubFiles(Transport(endpoint))
    started = time.perf_counter()
    result = import_snapshots("hub-stats", Path(data_dir), files=files, repo_types=["model"])
    seconds = time.perf_counter() - started
    snapshot = result.snapshots[-1]
    return {"items": snapshot.count("model"), "seconds": seconds,
            "bytes_read": result.bytes_read, "file_bytes": result.file_bytes,
            "requests": result.requests, "transport_bytes": files.transport.stats.bytes,
            "snapshot": str(snapshot.path)}


def compare(crawled: str, imported: str) -> dict[str, Any]:
    """Do the two snapshots give the same license and library counts? (plain pyarrow)"""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    def counts(path: str, column: str) -> dict[Any, int]:
        table = pq.read_table(Path(path) / "models.parquet", columns=[column])
        return {row["values"]: row["counts"] for row in
                pc.value_counts(table[column].combine_chunks()).to_pylist()}

    same = {column: counts(crawled, column) == counts(imported, column)
            for column in ("license", "license_category", "library_name", "pipeline_tag")}
    return {"same": same}


def peer(endpoint: str) -> dict[str, Any]:
    """huggingface_hub's list_models with the same expand fields, into a DataFrame."""
    import pandas as pd
    from huggingface_hub import HfApi

    api = HfApi(endpoint=endpoint)
    started = time.perf_counter()
    rows = []
    for model in api.list_models(expand=list(EXPAND["model"]), sort="created_at"):  # type: ignore[arg-type]
        card = model.card_data.to_dict() if model.card_data else {}
        rows.append({"id": model.id, "_id": model._id, "author": model.author,
                     "created_at": model.created_at, "last_modified": model.last_modified,
                     "downloads": model.downloads, "downloads_all_time": model.downloads_all_time,
                     "likes": model.likes, "trending_score": model.trending_score,
                     "library_name": model.library_name, "pipeline_tag": model.pipeline_tag,
                     "license": card.get("license"), "gated": model.gated,
                     "private": model.private, "disabled": model.disabled, "tags": model.tags})
    frame = pd.DataFrame(rows)
    return {"items": len(frame), "seconds": time.perf_counter() - started}


REPORTS = ("stats", "licenses", "authors", "lineage", "growth", "concentration", "sizes",
           "formats")


def report(snapshot_path: str, name: str) -> dict[str, Any]:
    from hfexplore.stats import reports
    from hfexplore.stats.concentration import concentration
    from hfexplore.stats.formats import formats
    from hfexplore.stats.sizes import sizes
    from hfexplore.store.snapshot import open_snapshot

    snapshot = open_snapshot(Path(snapshot_path))
    call = {"stats": lambda: reports.summary(snapshot),
            "licenses": lambda: reports.licenses(snapshot, open_weight=True),
            "authors": lambda: reports.authors(snapshot, by_family=False),
            "lineage": lambda: reports.lineage(snapshot),
            "growth": lambda: reports.growth(snapshot),
            "concentration": lambda: concentration(snapshot),
            "sizes": lambda: sizes(snapshot),
            "formats": lambda: formats(snapshot)}[name]
    started = time.perf_counter()
    result = call()
    return {"seconds": time.perf_counter() - started, "rows": len(result.rows)}


def link_export(snapshot_path: str, dest: Path, dates: int) -> int:
    """An export of `dates` daily dates whose files are all hard links to one snapshot's
    (symbolic links where hard links cannot be made): a year of exports at no disk cost."""
    from datetime import date, timedelta

    from hfexplore.store.snapshot import file_name, open_snapshot

    snapshot = open_snapshot(Path(snapshot_path))
    first = date(2026, 1, 1)
    for repo_type in snapshot.repo_types():
        source = snapshot.path / file_name(repo_type)
        for number in range(dates):
            partition = dest / f"repo_type={repo_type}" / f"date={first + timedelta(number)}"
            partition.mkdir(parents=True, exist_ok=True)
            try:
                os.link(source, partition / "part-0.parquet")
            except OSError:
                os.symlink(source, partition / "part-0.parquet")
    return snapshot.count("model") or 0


def history_export(snapshot_path: str, work_dir: str, dates: int, metric: str,
                   engine: str) -> dict[str, Any]:
    """`history --export-dir` over `dates` linked dates; `engine=pandas` runs the computation
    it replaced (every date's column loaded into one table, then pandas), for comparison."""
    import tempfile

    from hfexplore.stats.history import history_from_export

    dest = Path(tempfile.mkdtemp(prefix="export-", dir=work_dir))
    per_date = link_export(snapshot_path, dest, dates)
    started = time.perf_counter()
    if engine == "duckdb":
        rows = len(history_from_export(dest, metric=metric).rows)  # type: ignore[arg-type]
    else:
        import pyarrow.dataset as ds

        column = "license_category" if metric == "license" else "library_name"
        dataset = ds.dataset(dest, format="parquet", partitioning="hive")
        table = dataset.to_table(columns=["date", column], filter=ds.field("repo_type") == "model")
        rows = len(table.to_pandas().fillna({column: "(none)"}).value_counts(["date", column]))
    return {"dates": dates, "rows_per_date": per_date, "rows": dates * per_date,
            "engine": engine, "metric": metric, "result_rows": rows,
            "seconds": time.perf_counter() - started}


def count(endpoint: str, website: bool) -> dict[str, Any]:
    client = HubClient(Transport(endpoint))
    started = time.perf_counter()
    result = client.count("model", website=website)
    return {"count": result.count, "method": result.method, "requests": result.requests,
            "seconds": time.perf_counter() - started}


def quota(endpoint: str) -> dict[str, Any]:
    """A walk bound by the quota: how close to the quota rate it runs, and with how many 429s."""
    client = HubClient(Transport(endpoint, policy=RetryPolicy()))
    started = time.perf_counter()
    pages = 0
    for _ in client.iter_pages(ListQuery("model", expand=("likes",), sort="createdAt"),
                               use_cache=False):
        pages += 1
    seconds = time.perf_counter() - started
    stats = client.transport.stats
    return {"pages": pages, "requests": stats.requests, "rate_limited": stats.rate_limited,
            "waits": client.transport.pacer.waits, "seconds": seconds}


def page_cpu(endpoint: str, data_dir: str, pages: int) -> dict[str, Any]:
    """Process CPU per 1,000-item expanded page: decode + normalise + write, before and after.

    Before: orjson, the per-item normaliser (`normalize_items`) and one zstd parquet part per
    page. After: the typed decoder, then what the crawl does per checkpoint of
    `CHECKPOINT_PAGES` pages (`crawl._write_part`: the pages' rows normalised column-wise as one
    batch, one Arrow part). Same pages (fetched first, not measured), best of 3.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from hfexplore.hub import Page
    from hfexplore.hub.items import decode_page
    from hfexplore.ingest.crawl import CHECKPOINT_PAGES, PARTS, _write_part
    from hfexplore.knowledge import LicenseTable
    from hfexplore.normalize.reference import normalize_items
    from hfexplore.normalize.schema import SCHEMA, Anomalies

    table = LicenseTable.load()
    url: str | None = ListQuery("model", expand=EXPAND["model"], sort="createdAt").url(endpoint)
    session = requests.Session()
    bodies = []
    while url and len(bodies) < pages:
        response = session.get(url, timeout=60)
        bodies.append(response.content)
        url = response.links.get("next", {}).get("url")
    work = Path(data_dir)
    work.mkdir(parents=True, exist_ok=True)

    def before() -> None:
        for body in bodies:
            batch = normalize_items(orjson.loads(body), "model", table)
            pq.write_table(pa.Table.from_batches([batch], schema=SCHEMA), work / "part.parquet",
                           compression="zstd")

    (work / PARTS).mkdir(exist_ok=True)

    def after() -> None:  # what the crawl does with each checkpoint's pages
        for start in range(0, len(bodies), CHECKPOINT_PAGES):
            pages = [Page("model", number, "", 200, decode_page(body), None, 0, 0, None, False)
                     for number, body in enumerate(bodies[start:start + CHECKPOINT_PAGES],
                                                   start)]
            _write_part(work, "model", pages, table, Anomalies())

    def decode_only() -> None:
        for body in bodies:
            decode_page(body)

    def best(run: Any) -> float:
        times = []
        for _ in range(3):
            started = time.process_time()
            run()
            times.append(time.process_time() - started)
        return 1000 * min(times) / len(bodies)

    items = sum(body.count(b'"_id"') for body in bodies)
    return {"pages": len(bodies), "items": items, "before_ms": best(before),
            "after_ms": best(after), "decode_ms": best(decode_only)}


def dump_write(data_dir: str, models: int) -> dict[str, Any]:
    """A local hub-stats-like models dump (era 2025-02, cardData as JSON text), written in a
    process of its own so that the imports' peak RSS is theirs alone."""
    from tests.hubsim import build_catalogs
    from tests.hubsim.dumps import write_dump

    source = Path(data_dir) / "dump" / "models.parquet"
    if not source.exists():
        catalog = build_catalogs(models=models, datasets=0, spaces=0)["model"]
        write_dump(catalog, "2025-02", source)
    return {"path": str(source), "bytes": source.stat().st_size}


def dump_import(data_dir: str, models: int, normaliser: str) -> dict[str, Any]:
    """`snapshot import` of the local dump `dump_write` made: Arrow columns through the column
    rules, or every row as a listing item (cardData parsed by orjson row by row) through the
    per-item reference, as imports were normalised before the column rules."""
    import orjson as json_decoder

    from hfexplore.ingest import dump_reader as dumps
    from hfexplore.ingest.dump_import import import_snapshots
    from hfexplore.normalize.reference import normalize_items

    work = Path(data_dir)
    source = work / "dump" / "models.parquet"
    if normaliser == "items":
        def cards_per_row(values: Any) -> tuple[dict[str, Any], dict[int, Any], int]:
            parsed: dict[int, Any] = {}
            unparsed = 0
            for row, text in enumerate(values.to_pylist()):
                if text is not None:
                    try:
                        parsed[row] = json_decoder.loads(text)
                    except json_decoder.JSONDecodeError:
                        unparsed += 1
            return {}, parsed, unparsed

        def per_item(inputs: Any, n: int, repo_type: str, licenses: Any, anomalies: Any,
                     odd: Any = (), items_of: Any = None) -> Any:
            return normalize_items(items_of(list(range(n))), repo_type, licenses, anomalies)
        dumps.read_cards = cards_per_row  # type: ignore[assignment]
        dumps.normalize_arrow = per_item  # type: ignore[assignment]
    started = time.perf_counter()
    cpu = time.process_time()
    result = import_snapshots(str(source.parent), work / normaliser, repo_types=["model"])
    return {"rows": sum(s.count("model") or 0 for s in result.snapshots),
            "seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu,
            "normaliser": normaliser}


def incremental(endpoint: str, data_dir: str) -> dict[str, Any]:
    from hfexplore.ingest.refresh import refresh_snapshot

    client = HubClient(Transport(endpoint))
    started = time.perf_counter()
    snapshot = refresh_snapshot(client, Path(data_dir), ["model"])
    return {"requests": snapshot.manifest["requests"],
            "changed": snapshot.manifest["incremental"]["changed"]["model"],
            "items": snapshot.manifest["repo_types"]["model"]["count"],
            "seconds": time.perf_counter() - started, "snapshot": str(snapshot.path)}


def diff(snapshot: str, other: str) -> dict[str, Any]:
    """`snapshot diff` of models: one DuckDB join of the two files (top 10 of each list)."""
    from hfexplore.stats.diff import diff_snapshots
    from hfexplore.store.snapshot import open_snapshot

    old, new = open_snapshot(Path(snapshot)), open_snapshot(Path(other))
    started = time.perf_counter()
    report = diff_snapshots(old, new, ["model"])
    return {"seconds": time.perf_counter() - started, "rows": old.count("model"),
            "other_rows": new.count("model"), **report.extra["summary"]["model"]}


def startup(repeats: int = 5) -> dict[str, Any]:
    """Median wall time of `hfexplore --help` and `hfexplore stats --demo`, each run in a
    fresh process as a user would (one unmeasured run first, so the disk cache is warm)."""
    import shutil
    import statistics
    import subprocess

    program = shutil.which("hfexplore")
    base = [program] if program else [sys.executable, "-m", "hfexplore"]
    result: dict[str, Any] = {"repeats": repeats}
    for name, args in (("help", ["--help"]), ("stats_demo", ["stats", "--demo"])):
        times = []
        for attempt in range(repeats + 1):
            started = time.perf_counter()
            subprocess.run([*base, *args], check=True, capture_output=True)
            if attempt:
                times.append(time.perf_counter() - started)
        result[name] = statistics.median(times)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.workloads")
    parser.add_argument("name")
    parser.add_argument("--endpoint")
    parser.add_argument("--data-dir")
    parser.add_argument("--snapshot")
    parser.add_argument("--report")
    parser.add_argument("--other", help="compare: the second snapshot")
    parser.add_argument("--expand", default="crawl")
    parser.add_argument("--walk", action="store_true")
    parser.add_argument("--dates", type=int, default=365)
    parser.add_argument("--metric", default="license")
    parser.add_argument("--engine", choices=["duckdb", "pandas"], default="duckdb")
    parser.add_argument("--peer", choices=["same", "simple"], default="same",
                        help="duckdb: the report's own figures, or the simplest query")
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--models", type=int, default=200_000)
    parser.add_argument("--normaliser", choices=["columns", "items"], default="columns")
    parser.add_argument("--depth", action="store_true", help="closure: with each pair's depth")
    args = parser.parse_args(argv)
    name = args.name
    if name == "raw":
        result = raw(args.endpoint, args.expand)
    elif name == "crawl":
        result = crawl(args.endpoint, args.data_dir)
    elif name == "import":
        result = import_dump(args.endpoint, args.data_dir)
    elif name == "compare":
        result = compare(args.snapshot, args.other)
    elif name == "peer":
        result = peer(args.endpoint)
    elif name == "report":
        result = report(args.snapshot, args.report)
    elif name == "duckdb":
        result = duckdb_report(args.snapshot, args.report, args.peer)
    elif name == "history_export":
        result = history_export(args.snapshot, args.data_dir, args.dates, args.metric,
                                args.engine)
    elif name == "count":
        result = count(args.endpoint, website=not args.walk)
    elif name == "quota":
        result = quota(args.endpoint)
    elif name == "page_cpu":
        result = page_cpu(args.endpoint, args.data_dir, args.pages)
    elif name == "dump_write":
        result = dump_write(args.data_dir, args.models)
    elif name == "dump_import":
        result = dump_import(args.data_dir, args.models, args.normaliser)
    elif name == "incremental":
        result = incremental(args.endpoint, args.data_dir)
    elif name == "diff":
        result = diff(args.snapshot, args.other)
    elif name == "startup":
        result = startup()
    elif name == "closure":
        from benchmarks.lineage import closure

        result = closure(args.snapshot, args.depth)
    else:
        raise SystemExit(f"unknown workload {name}")
    sys.stdout.write(orjson.dumps(result).decode() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
