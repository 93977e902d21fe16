"""The stand-in Hub: a real HTTP/1.1 server on 127.0.0.1 speaking the Hub's listing protocol.

Listings (`/api/models` ...) page with `limit` (capped at 1000), `expand`/`expand[]`, filters,
descending `sort`, and opaque keyset cursors in `Link: <...>; rel="next"`; single repos
(`/api/models/{id}`); the website's count twins (`/models-json?...&withCount=true`); the shields
badges' totals (`/api/shields/models`, `/api/shields/datasets`: a shields.io endpoint document
whose `message` is the unfiltered total, "5,000"); fixed-window quotas per bucket with
`RateLimit`/`RateLimit-Policy` on every answer; faults on demand.
`GET /_sim/stats` (outside every quota) reports what was served.

Switches that break one assumption of hfexplore's each, for `doctor --protocol`'s tests (and to
try hfexplore against a Hub that changed): `counts_enabled=False` (the count twins answer 404),
`shields_enabled=False` (the badges answer 404), `send_link=False` (no `Link` header: a full
page looks like the last), `max_limit=N` (pages capped at N items, not 1,000),
`unexpandable=(...)` (expand values refused with a 400), `ignored_count_filters=(...)` (count
twin filters the website ignores), `send_ratelimit=False` (no RateLimit headers),
`send_ratelimit_policy=False` (RateLimit without RateLimit-Policy), `ratelimit_form="draft-7"`
(`RateLimit: limit=500, remaining=499, reset=120`, an older draft's form, with no bucket),
`single_repo=False` (the single-repo endpoint answers 404).
"""

from __future__ import annotations

import base64
import contextlib
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import numpy as np
import orjson

from tests.hubsim.catalog import EXPANDABLE, SORT_FIELDS, Catalog
from tests.hubsim.faults import FaultPlan
from tests.hubsim.files import FileStore

PLURAL = {"models": "model", "datasets": "dataset", "spaces": "space"}
MAX_LIMIT = 1000
WEBSITE_PAGE = 30
RATE_LIMIT_TEXT = ("We had to rate limit you, you hit the quota of {q} {bucket} requests per "
                   "{minutes} minutes period. Upgrade to a PRO account or log in to get a higher "
                   "quota.")


@dataclass
class Quota:
    quota: int
    window: float
    used: int = 0
    window_start: float = 0.0


class QuotaBook:
    """Fixed windows per bucket, as the Hub counts them."""

    def __init__(self, limits: dict[str, tuple[int, float]], clock: Callable[[], float],
                 send_headers: bool = True, send_policy: bool = True,
                 form: str = "structured"):
        if form not in ("structured", "draft-7"):
            raise ValueError(f"unknown RateLimit form {form!r}")
        self.clock = clock
        self.send_headers = send_headers
        self.send_policy = send_policy
        self.form = form
        self.buckets = {name: Quota(q, w, 0, clock()) for name, (q, w) in limits.items()}
        self.lock = threading.Lock()

    def take(self, bucket: str) -> tuple[bool, dict[str, str]]:
        quota = self.buckets.get(bucket)
        if quota is None:
            return True, {}
        with self.lock:
            now = self.clock()
            if now - quota.window_start >= quota.window:
                elapsed = now - quota.window_start
                quota.window_start += (elapsed // quota.window) * quota.window
                quota.used = 0
            allowed = quota.used < quota.quota
            if allowed:
                quota.used += 1
            remaining = quota.quota - quota.used
            reset = max(0.0, quota.window_start + quota.window - now)
        # The Hub sends whole seconds; short test windows need finer resolution to be usable.
        reset_text = f"{int(np.ceil(reset))}" if quota.window >= 60 else f"{reset:.3f}"
        if not self.send_headers:
            return allowed, {}
        if self.form == "draft-7":  # the IETF draft's older form, with no bucket name
            return allowed, {"RateLimit": f"limit={quota.quota}, remaining={remaining}, "
                                          f"reset={reset_text}",
                             "RateLimit-Policy": f"{quota.quota};w={quota.window:g}"}
        headers = {"RateLimit": f'"{bucket}";r={remaining};t={reset_text}'}
        if self.send_policy:
            headers["RateLimit-Policy"] = \
                f'"fixed window";"{bucket}";q={quota.quota};w={quota.window:g}'
        return allowed, headers


@dataclass
class View:
    """One ordering of one filtered listing: item indices and their keyset, descending."""

    order: np.ndarray
    neg_values: np.ndarray  # ascending
    neg_ranks: np.ndarray

    def position_after(self, value: int, rank: int) -> int:
        lo = int(np.searchsorted(self.neg_values, -value, side="left"))
        hi = int(np.searchsorted(self.neg_values, -value, side="right"))
        return lo + int(np.searchsorted(self.neg_ranks[lo:hi], -rank, side="right"))


def encode_cursor(sort: str | None, value: int, object_id: str) -> str:
    """A keyset on the sort key and `_id` (just `_id` when unsorted), base64 of JSON."""
    keyset: dict[str, Any] = {sort: value} if sort else {}
    keyset["_id"] = object_id
    return base64.urlsafe_b64encode(orjson.dumps(keyset)).decode().rstrip("=")


def decode_cursor(text: str, sort: str | None) -> tuple[int | None, str] | None:
    try:
        payload = orjson.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        return (int(payload[sort]) if sort else None), str(payload["_id"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


class HubSim:
    """Serve catalogues over HTTP. Use as a context manager or call start()/stop()."""

    def __init__(self, catalogs: dict[str, Catalog], *,
                 quotas: dict[str, tuple[int, float]] | None = None,
                 counts_enabled: bool = True, faults: FaultPlan | None = None,
                 clock: Callable[[], float] = time.monotonic, host: str = "127.0.0.1",
                 port: int = 0, send_retry_after: bool = False, page_cache: bool = False,
                 files: FileStore | None = None, shields_enabled: bool = True,
                 send_link: bool = True, max_limit: int = MAX_LIMIT,
                 unexpandable: tuple[str, ...] = (), ignored_count_filters: tuple[str, ...] = (),
                 send_ratelimit: bool = True, send_ratelimit_policy: bool = True,
                 ratelimit_form: str = "structured", single_repo: bool = True):
        self.catalogs = catalogs
        self.files = files  # dataset files (resolve, tree), when the test serves any
        # The Hub sends RateLimit headers on every answer: default to quotas nobody reaches.
        self.quotas = QuotaBook(quotas or {"api": (10**9, 300.0), "pages": (10**9, 300.0)},
                                clock, send_headers=send_ratelimit,
                                send_policy=send_ratelimit_policy, form=ratelimit_form)
        self.counts_enabled = counts_enabled
        self.shields_enabled = shields_enabled
        self.send_link = send_link
        self.max_limit = max_limit
        self.unexpandable = frozenset(unexpandable)
        self.ignored_count_filters = frozenset(ignored_count_filters)
        self.single_repo = single_repo
        self.faults = faults or FaultPlan()
        self.send_retry_after = send_retry_after
        # Rendered listing pages by request, for benchmarks: the first walk builds every page,
        # later walks are served pre-serialised bytes, so the stand-in is never the bottleneck.
        self.page_cache: dict[tuple[Any, ...], tuple[bytes, str | None]] | None = \
            {} if page_cache else None
        self.stats: dict[str, int] = {"requests": 0, "listing": 0, "single": 0, "count": 0,
                                      "shields": 0, "rate_limited": 0, "faults": 0, "items": 0}
        self._views: OrderedDict[tuple[Any, ...], View] = OrderedDict()
        self._views_lock = threading.Lock()
        self._stats_lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        handler = type("Handler", (_Handler,), {"sim": self})
        self.httpd = _Server((host, port), handler)
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> HubSim:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True,
                                        name="hubsim")
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and cut every open connection, as a lost network would."""
        self.httpd.shutdown()
        self.httpd.server_close()
        with self._stats_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self.faults.release_all()  # stalled handlers end on their cut connections

    def __enter__(self) -> HubSim:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def count(self, key: str, amount: int = 1) -> None:
        with self._stats_lock:
            self.stats[key] += amount

    # -- listing views -------------------------------------------------------------------------
    def mask(self, catalog: Catalog, filters: tuple[tuple[str, str], ...]) -> np.ndarray:
        mask = catalog.alive.copy()
        for key, value in filters:
            if key == "author":
                mask &= catalog.author_mask(value)
            elif key == "search":
                mask &= catalog.search_mask(value)
            elif key == "pipeline_tag":
                mask &= catalog.pipeline_mask(value)
            elif key == "library":
                mask &= catalog.library_mask(value)
            elif key in ("filter", "license", "other"):
                mask &= catalog.tag_mask(value)
        return mask

    def view(self, repo_type: str, sort: str | None,
             filters: tuple[tuple[str, str], ...]) -> View:
        key = (repo_type, sort, filters)
        with self._views_lock:
            cached = self._views.get(key)
            if cached is not None:
                self._views.move_to_end(key)
                return cached
            catalog = self.catalogs[repo_type]
            indices = np.flatnonzero(self.mask(catalog, filters))
            values = catalog.sort_values(sort)[indices]
            rank = catalog.id_rank[indices]
            order = np.lexsort((-rank, -values))
            view = View(indices[order], -values[order], -rank[order])
            self._views[key] = view
            if len(self._views) > 8:
                self._views.popitem(last=False)
            return view


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hung up (timeouts, resets we injected) is business as usual here.
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    sim: HubSim

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without this, Nagle's algorithm holds the body
        # until the client's delayed ACK (~40 ms), which would dominate every small answer.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.sim._stats_lock:
            self.sim._connections.add(self.connection)

    def finish(self) -> None:
        with self.sim._stats_lock:
            self.sim._connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    # -- plumbing ------------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None,
              content_type: str = "application/json; charset=utf-8",
              length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str, headers: dict[str, str]) -> None:
        self._send(status, orjson.dumps({"error": message}), headers)

    def do_GET(self) -> None:
        sim = self.sim
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/")
        params = parse_qsl(parts.query, keep_blank_values=True)
        if path == "/_sim/stats":
            self._send(200, orjson.dumps(sim.stats))
            return
        if sim.files is not None and sim.files.serves(path):
            sim.files.handle(self, "GET")
            return
        sim.count("requests")
        bucket = "api" if path.startswith("/api/") else "pages"
        allowed, headers = sim.quotas.take(bucket)
        if not allowed:
            sim.count("rate_limited")
            self._rate_limited(bucket, headers)
            return
        segments = path.strip("/").split("/")
        if len(segments) == 2 and segments[0] == "api" and segments[1] in PLURAL:
            self._listing(PLURAL[segments[1]], params, headers)
        elif segments[:2] == ["api", "shields"] and len(segments) == 3 and \
                segments[2] in ("models", "datasets") and sim.shields_enabled:
            self._shields(PLURAL[segments[2]], headers)
        elif len(segments) >= 3 and segments[0] == "api" and segments[1] in PLURAL and \
                sim.single_repo:
            self._single(PLURAL[segments[1]], "/".join(segments[2:]), params, headers)
        elif len(segments) == 1 and segments[0].endswith("-json") and \
                segments[0][:-5] in PLURAL and sim.counts_enabled:
            self._website(PLURAL[segments[0][:-5]], segments[0][:-5], params, headers)
        else:
            self._error(404, "Not Found", headers)

    def do_HEAD(self) -> None:
        files = self.sim.files
        if files is not None and files.serves(urlsplit(self.path).path):
            files.handle(self, "HEAD")
            return
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _rate_limited(self, bucket: str, headers: dict[str, str]) -> None:
        quota = self.sim.quotas.buckets[bucket]
        if self.sim.send_retry_after:
            reset = headers["RateLimit"].rsplit("t=", 1)[1]
            headers = {**headers, "Retry-After": str(int(np.ceil(float(reset))))}
        text = RATE_LIMIT_TEXT.format(q=quota.quota, bucket=bucket,
                                      minutes=f"{quota.window / 60:g}")
        self._send(429, text.encode(), headers, content_type="text/plain; charset=utf-8")

    # -- endpoints -----------------------------------------------------------------------------
    def _listing(self, repo_type: str, params: list[tuple[str, str]],
                 headers: dict[str, str]) -> None:
        sim = self.sim
        sim.count("listing")
        _number, faults, latency = sim.faults.next_request()
        cursor = next((v for k, v in params if k == "cursor"), None)
        kinds = {f.kind for f in faults}
        if faults:
            sim.count("faults")
        if latency:
            time.sleep(latency)
        for fault in faults:
            if fault.kind == "delay":
                fault.release.wait(fault.seconds)
        for status in ("429", "500", "502", "503"):
            if status in kinds:
                extra = dict(headers)
                fault = next(f for f in faults if f.kind == status)
                retry_after = fault.retry_after
                if status == "429":
                    extra["RateLimit"] = f'"api";r=0;t={fault.seconds or 1:g}'
                if retry_after is not None:
                    extra["Retry-After"] = f"{retry_after:g}"
                body = b"We had to rate limit you." if status == "429" else b"Internal Error"
                self._send(int(status), body, extra, content_type="text/plain")
                return
        if "expire_cursor" in kinds and cursor:
            self._error(400, "Invalid cursor: it may have expired", headers)
            return

        expand = [v for k, v in params if k in ("expand", "expand[]")]
        unknown = [name for name in expand if name not in EXPANDABLE[repo_type]
                   or name in sim.unexpandable]
        if unknown:
            self._error(400, f'"expand" has invalid value(s): {", ".join(unknown)}', headers)
            return
        if expand and any(k in ("full", "cardData", "config") for k, _ in params):
            self._error(400, '"expand" cannot be combined with "full", "cardData" or "config"',
                        headers)
            return
        sort = next((v for k, v in params if k == "sort"), None) or None
        if sort is not None and sort not in SORT_FIELDS:
            self._error(400, f'"sort" must be one of {", ".join(SORT_FIELDS)}', headers)
            return
        try:
            limit = min(sim.max_limit, max(1, int(next((v for k, v in params if k == "limit"),
                                                       MAX_LIMIT))))
        except ValueError:
            self._error(400, '"limit" must be an integer', headers)
            return
        filters = tuple(sorted((k, v) for k, v in params
                               if k in ("author", "search", "filter", "pipeline_tag")))
        view = sim.view(repo_type, sort, filters)
        catalog = sim.catalogs[repo_type]
        start = 0
        if cursor:
            decoded = decode_cursor(cursor, sort)
            if decoded is None:
                self._error(400, "Invalid cursor", headers)
                return
            value, object_id = decoded
            rank = catalog.rank_of_id(object_id)
            start = view.position_after(rank if value is None else value, rank)
            if "repeat" in kinds and start > 0:
                start -= 1
        cache_key = (repo_type, sort, filters, tuple(expand), start, limit)
        cached = sim.page_cache.get(cache_key) if sim.page_cache is not None and not kinds \
            else None
        if cached is not None:
            body, next_url = cached
            sim.count("items", min(limit, max(0, len(view.order) - start)))
        else:
            chosen = view.order[start:start + limit]
            rendered = [catalog.render(int(i), expand or None) for i in chosen]
            if "odd_types" in kinds:
                rendered = [_odd(item) for item in rendered]
            body = b"[" + b",".join(rendered) + b"]"
            sim.count("items", len(chosen))
            next_url = None
            if start + limit < len(view.order) and len(chosen):
                last = int(chosen[-1])
                value = int(catalog.sort_values(sort)[last])
                kept = [(k, v) for k, v in params if k != "cursor"]
                kept.append(("cursor", encode_cursor(sort, value, catalog.ids[last].decode())))
                host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
                next_url = f"http://{host}/api/{_plural(repo_type)}?{urlencode(kept)}"
            if sim.page_cache is not None and not kinds:
                sim.page_cache[cache_key] = (body, next_url)
        if next_url and sim.send_link:
            headers = {**headers, "Link": f'<{next_url}>; rel="next"'}
        if "reset" in kinds:
            self._reset_mid_body(body, headers)
            return
        if "truncate" in kinds:
            self._send(200, body[: len(body) // 2], headers)
            return
        if "garbage" in kinds:
            self._send(200, b"<html><body>502 Bad Gateway</body></html>", headers,
                       content_type="text/html")
            return
        self._send(200, body, headers)

    def _reset_mid_body(self, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(2)

    def _single(self, repo_type: str, repo_id: str, params: list[tuple[str, str]],
                headers: dict[str, str]) -> None:
        self.sim.count("single")
        catalog = self.sim.catalogs[repo_type]
        index = catalog.index_of(repo_id)
        if index is None:
            self._error(404, "Repository not found", headers)
            return
        expand = [v for k, v in params if k in ("expand", "expand[]")]
        if expand:
            self._send(200, catalog.render(index, expand), headers)
        else:
            self._send(200, orjson.dumps(catalog.item(index)), headers)

    def _website(self, repo_type: str, plural: str, params: list[tuple[str, str]],
                 headers: dict[str, str]) -> None:
        self.sim.count("count")
        filters = []
        for key, value in params:
            if key in self.sim.ignored_count_filters:
                continue
            if key == "license":
                filters.append(("license", value if value.startswith("license:")
                                else f"license:{value}"))
            elif key in ("author", "search", "pipeline_tag", "library", "other"):
                filters.append((key, value))
        try:
            page = max(0, int(next((v for k, v in params if k == "p"), 0)))
        except ValueError:
            page = 0
        view = self.sim.view(repo_type, None, tuple(sorted(filters)))
        catalog = self.sim.catalogs[repo_type]
        chosen = view.order[page * WEBSITE_PAGE:(page + 1) * WEBSITE_PAGE]
        doc: dict[str, Any] = {
            plural: [orjson.loads(catalog.render(int(i), None)) for i in chosen],
            "numItemsPerPage": WEBSITE_PAGE,
            "pageIndex": page,
        }
        if dict(params).get("withCount") == "true":
            doc["numTotalItems"] = len(view.order)
        self._send(200, orjson.dumps(doc), headers)


    def _shields(self, repo_type: str, headers: dict[str, str]) -> None:
        """The badge's document: a shields.io endpoint answer whose message is the total."""
        self.sim.count("shields")
        total = len(self.sim.view(repo_type, None, ()).order)
        doc = {"schemaVersion": 1, "label": _plural(repo_type), "message": f"{total:,}",
               "color": "brightgreen"}
        self._send(200, orjson.dumps(doc), headers)


def _odd(rendered: bytes) -> bytes:
    """The same item with values of unexpected types, as a misbehaving API might send."""
    item = orjson.loads(rendered)
    item["downloads"] = None
    item["likes"] = str(item.get("likes", 0))
    item["tags"] = ",".join(item.get("tags") or []) if isinstance(item.get("tags"), list) \
        else item.get("tags")
    item["createdAt"] = item.get("createdAt") or "yesterday"
    item["someNewField"] = {"nested": [1, None, "x"]}
    return orjson.dumps(item)


def _plural(repo_type: str) -> str:
    return {v: k for k, v in PLURAL.items()}[repo_type]
