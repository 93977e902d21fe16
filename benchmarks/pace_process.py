"""Prototype for issue 16's "threads or a worker process: measure which": the crawl's walk in
this process, decode + normalise + write in a worker process fed the raw page bytes.

    python -m benchmarks.pace_process --endpoint URL --data-dir DIR   -> one JSON line

This process requests each page, decodes only its `_id`s (validating the JSON, as the transport
does) and de-duplicates them; the worker decodes the page again into typed structs, keeps the
fresh items, normalises them and writes a part per 4 pages plus the final parquet (merge.py).
Measured only: no state.json, no resume, no progress log; it is not the crawl's path.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import msgspec


class _Id(msgspec.Struct):
    oid: str = msgspec.field(name="_id")


_IDS = msgspec.json.Decoder(list[_Id])


def _ids_only(content: bytes) -> tuple[list[str], bytes]:
    try:
        return [item.oid for item in _IDS.decode(content)], content
    except msgspec.DecodeError as exc:
        raise ValueError(str(exc)) from exc


def _worker(conn: Connection, data_dir: str) -> None:
    import pyarrow as pa

    from hfexplore.hub.items import decode_page
    from hfexplore.ingest.crawl import CHECKPOINT_PAGES, write_part_file
    from hfexplore.knowledge import LicenseTable
    from hfexplore.normalize.columns import normalize_page
    from hfexplore.normalize.schema import SCHEMA, Anomalies
    from hfexplore.store.writer import MergedFile

    licenses = LicenseTable.load()
    anomalies = Anomalies(examples=[])
    work = Path(data_dir)
    (work / "parts").mkdir(parents=True, exist_ok=True)
    merged = MergedFile(work / "models.parquet")
    batches: list[Any] = []
    first = 0
    while True:
        message = conn.recv()
        if message is not None:
            index, content, dropped = message
            items = decode_page(content)
            if dropped:
                items = [item for n, item in enumerate(items) if n not in dropped]
            if not batches:
                first = index
            if items:
                batches.append(normalize_page(items, "model", licenses, anomalies))
        if batches and (message is None or index - first + 1 >= CHECKPOINT_PAGES):
            tmp = work / "parts" / f".model-{first:07d}.arrow.tmp"
            write_part_file(batches, tmp)
            tmp.rename(tmp.with_name(f"model-{first:07d}.arrow"))
            merged.add(pa.Table.from_batches(batches, schema=SCHEMA))
            batches = []
        if message is None:
            conn.send(merged.close())
            return


def crawl(endpoint: str, data_dir: str) -> dict[str, Any]:
    from hfexplore.hub import ListQuery, SeenIds, Transport
    from hfexplore.normalize.schema import EXPAND

    transport = Transport(endpoint)
    started = time.perf_counter()
    ours, theirs = mp.Pipe()
    worker = mp.get_context("fork").Process(target=_worker, args=(theirs, data_dir))
    worker.start()
    seen = SeenIds()
    url: str | None = ListQuery("model", expand=EXPAND["model"], sort="createdAt").url(endpoint)
    pages = 0
    while url is not None:
        response = transport.get(url, decode=_ids_only)
        ids, content = response.data
        dropped = {n for n, oid in enumerate(ids) if not seen.add(oid)}
        ours.send((pages, content, dropped))
        pages += 1
        url = response.next_url
    ours.send(None)
    rows = ours.recv()
    worker.join()
    return {"items": rows, "pages": pages, "requests": transport.stats.requests,
            "seconds": time.perf_counter() - started}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pace_process")
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--data-dir", required=True)
    args = parser.parse_args(argv)
    print(json.dumps(crawl(args.endpoint, args.data_dir)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
