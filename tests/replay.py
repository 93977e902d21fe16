"""Replay a recording made with `--record DIR` (layout: hfexplore/hub/record.py) as `responses`
mocks, so a test can run hfexplore against exactly what a Hub once answered:

    with replay(FIXTURES / "recordings" / "stats-live-no-twins") as endpoint:
        live_totals(HubClient(Transport(endpoint)))

Each recorded answer is served once, in the order recorded, for its method and exact URL
(query string included); an attempt that got no answer is replayed as that connection error.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import responses
from responses import matchers

# Headers that describe the bytes on the wire, not the answer: `responses` sets its own.
WIRE_HEADERS = {"content-length", "content-encoding", "transfer-encoding", "connection"}


def recording(directory: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The recording's description and its exchanges (a last line cut short is left out)."""
    meta = json.loads((directory / "recording.json").read_text("utf-8"))
    exchanges = []
    with (directory / "exchanges.jsonl").open("rb") as handle:
        for line in handle:
            if line.endswith(b"\n"):
                exchanges.append(json.loads(line))
    return meta, exchanges


def body_of(directory: Path, exchange: dict[str, Any]) -> bytes:
    return (directory / exchange["body"]).read_bytes() if exchange["body"] else b""


@contextlib.contextmanager
def replay(directory: Path) -> Iterator[str]:
    """Serve the recording in `directory`; yields the endpoint it was recorded against."""
    meta, exchanges = recording(directory)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for exchange in exchanges:
            url = exchange["url"]
            parts = urlsplit(url)
            match = [matchers.query_string_matcher(parts.query)] if parts.query else []
            where = url.split("?", 1)[0]
            if exchange["status"] is None:
                mock.add(exchange["method"], where, match=match,
                         body=requests.ConnectionError(exchange["error"]))
                continue
            headers = {k: v for k, v in exchange["headers"].items()
                       if k.lower() not in WIRE_HEADERS}
            content_type = next((headers.pop(k) for k in list(headers)
                                 if k.lower() == "content-type"), None)
            mock.add(exchange["method"], where, match=match, status=exchange["status"],
                     body=body_of(directory, exchange), headers=headers,
                     content_type=content_type, auto_calculate_content_length=True)
        yield meta["endpoint"]
