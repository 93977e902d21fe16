"""`hfexplore doctor --protocol`: does the Hub still speak the protocol hfexplore assumes?

One check per assumption (HUB_API.md), each in one to six cheap requests, about 24 in all: the
listing's `Link` cursor, its page size, the expand fields asked for, the website's count twins
and their filters, the shields totals, a single-repo call, the file listings of the two public
dumps, a Range read of a dump's footer and the columns it holds, and the `RateLimit` and
`RateLimit-Policy` headers of every answer on the way. Each check says `holds`, `differs` (and
how) or `unreachable`; one that fails never stops the others. Fresh answers only (no page
cache); few retries, so a Hub that does not answer is reported in seconds.

Sits over the layers, like `doctor`: it reads the dumps' column map from ingest and the expand
fields from normalize.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests

from hfexplore.config import resolve_endpoint, resolve_token
from hfexplore.errors import (
    HubError,
    HubRateLimitError,
    HubServerError,
    HubUnreachableError,
)
from hfexplore.hub.client import CHEAP_EXPAND, PAGE_SIZE
from hfexplore.hub.counting import SHIELDS, parse_shields, shields_url
from hfexplore.hub.files import HubFiles
from hfexplore.hub.ratelimit import parse_ratelimit
from hfexplore.hub.record import Recorder
from hfexplore.hub.remote_file import open_remote
from hfexplore.hub.retry import RetryPolicy
from hfexplore.hub.transport import Reply, Transport, decode_json
from hfexplore.ingest.dump_import import HUB_STATS, HUB_WEEKLY
from hfexplore.ingest.dump_reader import ColumnMap, plan_columns
from hfexplore.normalize.schema import EXPAND
from hfexplore.repo_type import PLURAL, REPO_TYPES, RepoType

Status = Literal["holds", "differs", "unreachable"]
SAMPLE = 20  # repos on the first listing page: filter values and the single repo come from it
# The fields hfexplore reads from hub-stats' models.parquet that HUB_API.md says it holds.
DUMP_FIELDS = ("id", "author", "createdAt", "lastModified", "downloads", "downloadsAllTime",
               "likes", "trendingScore", "tags", "pipeline_tag", "library_name", "cardData",
               "baseModels")
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class Check(NamedTuple):
    """One row of `doctor --protocol`: an assumption, whether it holds, and what was seen."""

    check: str
    status: Status
    detail: str


@dataclass
class ProtocolCheck:
    """Every check against one endpoint, and the requests they made."""

    endpoint: str
    checks: list[Check] = field(default_factory=list)
    requests: int = 0

    @property
    def holds(self) -> bool:
        return all(c.status == "holds" for c in self.checks)


class Differs(Exception):
    """The Hub answered, not as hfexplore assumes: the message says how."""


@dataclass(frozen=True)
class Answer:
    url: str
    status: int
    data: Any
    next_url: str | None


class _Probe:
    """The requests of the checks, and what they have learnt so far."""

    def __init__(self, transport: Transport):
        self.transport = transport
        self.endpoint = transport.endpoint
        self.headers: list[tuple[str, dict[str, str]]] = []  # every answer's, in order
        assert transport.session is not None
        transport.session.hooks["response"].append(self._seen)
        self.unreachable: str | None = None
        self._first_page: Answer | Exception | None = None
        self.twin_totals: dict[str, int] = {}

    def _seen(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.headers.append((response.url, dict(response.headers)))

    def get(self, path_or_url: str, *, bucket: str = "api") -> Answer:
        url = path_or_url if "://" in path_or_url else self.endpoint + path_or_url

        def receive(reply: Reply) -> Answer:
            content = reply.read()
            try:
                data = decode_json(content)
            except ValueError:
                raise Differs(f"{_path(url)} answered {len(content):,} bytes that are not "
                              "JSON") from None
            link = reply.response.links.get("next", {}).get("url")
            return Answer(url, reply.status, data, link)

        return self.transport.request("GET", url, receive, bucket=bucket)

    def listing(self, repo_type: RepoType, params: list[tuple[str, str]]) -> Answer:
        answer = self.get(f"/api/{PLURAL[repo_type]}?{urlencode(params)}")
        if not isinstance(answer.data, list):
            raise Differs(f"{_path(answer.url)} answered a {type(answer.data).__name__}, "
                          "not a list of repos")
        return answer

    def first_page(self) -> Answer:
        """The first page of the model listing without expand (default fields), asked once:
        several checks use it, and a failure is theirs too."""
        if self._first_page is None:
            try:
                self._first_page = self.listing(RepoType.MODEL, [("limit", str(SAMPLE))])
            except (Differs, HubError) as exc:
                self._first_page = exc
        if isinstance(self._first_page, Exception):
            raise self._first_page
        return self._first_page

    def sample(self) -> list[dict[str, Any]]:
        """The repos of the first page (filter values and the single repo come from them)."""
        items = [i for i in self.first_page().data if isinstance(i, dict) and i.get("id")]
        if not items:
            raise Differs("the model listing's first page holds no repos")
        return items


# -- the checks: each returns what holds, or raises Differs -----------------------------------
def check_link(probe: _Probe) -> str:
    first = probe.first_page()
    if first.next_url is None:
        raise Differs(f"no Link: rel=\"next\" on a full first page ({len(first.data)} repos of "
                      f"limit={SAMPLE}): hfexplore would stop after one page")
    asked = dict(parse_qsl(urlsplit(first.url).query))
    given = dict(parse_qsl(urlsplit(first.next_url).query))
    if "cursor" not in given:
        raise Differs(f"the next link carries no cursor: {first.next_url[:120]}")
    lost = {k: v for k, v in asked.items() if given.get(k) != v}
    if lost:
        raise Differs(f"the next link drops or changes {_params(lost)}")
    second = probe.get(first.next_url)
    if not isinstance(second.data, list) or not second.data:
        raise Differs("the page the next link leads to holds no repos")
    before = {i.get("_id") for i in first.data if isinstance(i, dict)}
    again = [i.get("id") for i in second.data if isinstance(i, dict) and i.get("_id") in before]
    if again:
        raise Differs(f"the next page repeats {len(again)} repos of the first ({again[0]})")
    return (f"Link: rel=\"next\" with a cursor, repeating {_params(asked)}; the next page "
            f"continues ({len(second.data)} new repos)")


def check_page_size(probe: _Probe) -> str:
    page = probe.listing(RepoType.MODEL, [("expand", CHEAP_EXPAND), ("limit", str(PAGE_SIZE))])
    got = len(page.data)
    if got < PAGE_SIZE and page.next_url is not None:
        raise Differs(f"asked for {PAGE_SIZE:,} repos a page, got {got:,} with more to come: a "
                      f"walk takes {PAGE_SIZE / max(got, 1):.0f}x the requests hfexplore plans")
    if got > PAGE_SIZE:
        raise Differs(f"asked for {PAGE_SIZE:,} repos a page, got {got:,}")
    return f"limit={PAGE_SIZE:,} gives {got:,} repos a page"


def check_expand(probe: _Probe) -> str:
    for repo_type in REPO_TYPES:
        fields = EXPAND[repo_type]
        page = probe.listing(repo_type, [*(("expand", f) for f in fields), ("limit", "1")])
        item = page.data[0] if page.data else {}
        if not isinstance(item, dict) or (page.data and "_id" not in item):
            raise Differs(f"{PLURAL[repo_type]} with expand: items without an _id")
    return ", ".join(f"{len(EXPAND[t])} for {PLURAL[t]}" for t in REPO_TYPES) + \
        " expand fields accepted"


def _twin(probe: _Probe, repo_type: RepoType, params: list[tuple[str, str]]) -> int:
    query = urlencode([*params, ("p", "0"), ("withCount", "true")])
    answer = probe.get(f"/{PLURAL[repo_type]}-json?{query}", bucket="pages")
    total = answer.data.get("numTotalItems") if isinstance(answer.data, dict) else None
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise Differs(f"/{PLURAL[repo_type]}-json has no numTotalItems count")
    return total


def check_twins(probe: _Probe) -> str:
    for repo_type in REPO_TYPES:
        probe.twin_totals[repo_type] = _twin(probe, repo_type, [])
    return "numTotalItems: " + ", ".join(f"{PLURAL[t]} {n:,}"
                                         for t, n in probe.twin_totals.items())


def check_twin_filters(probe: _Probe) -> str:
    items = probe.sample()
    total = probe.twin_totals.get(RepoType.MODEL)
    if total is None:
        total = _twin(probe, RepoType.MODEL, [])
    counted = []
    for key, value in filter_values(items):
        count = _twin(probe, RepoType.MODEL, [(key, value)])
        if count == 0:
            raise Differs(f"{key}={value} counts no model, though a listed model has it")
        if count >= total:
            raise Differs(f"{key}={value} counts {count:,}, all {total:,} models: the filter "
                          "is ignored")
        counted.append(f"{key}={value} {count:,}")
    return "of " + f"{total:,} models: " + ", ".join(counted)


def filter_values(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """One value of each website filter hfexplore uses, found on some of the listed models but
    not all (a filter that matched everything would look ignored)."""
    def pick(values: Iterable[set[str]], fallback: str) -> str:
        counts = Counter(v for found in values for v in found)
        partial = [v for v, n in counts.most_common() if n < len(items)]
        return (partial or [v for v, _ in counts.most_common()] or [fallback])[0]

    def tags(item: dict[str, Any]) -> list[str]:
        found = item.get("tags")
        return [t for t in found if isinstance(t, str)] if isinstance(found, list) else []

    def one(item: dict[str, Any], key: str) -> set[str]:
        value = item.get(key)
        return {value} if isinstance(value, str) and value else set()

    authors = pick(({str(i["id"]).split("/")[0]} for i in items if "/" in str(i["id"])),
                   "meta-llama")
    return [
        ("license", "license:" + pick(({t[8:] for t in tags(i) if t.startswith("license:")}
                                       for i in items), "apache-2.0")),
        ("library", pick((one(i, "library_name") for i in items), "transformers")),
        ("author", authors),
        ("pipeline_tag", pick((one(i, "pipeline_tag") for i in items), "text-generation")),
        ("other", pick(({t for t in tags(i) if ":" not in t} for i in items), "gguf")),
        ("search", str(items[0]["id"]).split("/")[-1]),
    ]


def check_shields(probe: _Probe) -> str:
    found = []
    for repo_type in SHIELDS:
        url = shields_url(probe.endpoint, repo_type)
        assert url is not None
        try:
            total = parse_shields(probe.get(url).data)
        except ValueError as exc:
            raise Differs(f"/api/shields/{SHIELDS[repo_type]}: {exc}") from None
        twin = probe.twin_totals.get(repo_type)
        found.append(f"{PLURAL[repo_type]} {total:,}" + (
            "" if twin is None or twin == total else f" (the count twin says {twin:,})"))
    return "exact totals: " + ", ".join(found)


def check_single_repo(probe: _Probe) -> str:
    repo_id = str(probe.sample()[0]["id"])
    answer = probe.get(f"/api/models/{repo_id}")
    if not isinstance(answer.data, dict) or answer.data.get("id") != repo_id:
        raise Differs(f"/api/models/{repo_id} does not describe {repo_id}")
    return f"/api/models/{repo_id} describes it ({len(answer.data)} fields)"


def check_hub_stats(probe: _Probe) -> str:
    names = {e.path for e in HubFiles(probe.transport).tree(HUB_STATS) if e.type == "file"}
    wanted = [f"{PLURAL[t]}.parquet" for t in REPO_TYPES]
    missing = [n for n in wanted if n not in names]
    if missing:
        raise Differs(f"{HUB_STATS} lists no {', '.join(missing)} on main")
    return f"{HUB_STATS} lists {', '.join(wanted)}"


def check_weekly(probe: _Probe) -> str:
    entries = HubFiles(probe.transport).tree(HUB_WEEKLY, "models")
    days = sorted(e.path.rsplit("/", 1)[-1] for e in entries if e.type == "directory"
                  and DAY.fullmatch(e.path.rsplit("/", 1)[-1]))
    if not days:
        raise Differs(f"{HUB_WEEKLY}/models holds no dated folder (YYYY-MM-DD)")
    folders = f"{len(days):,} dated folder{'s' if len(days) > 1 else ''}"
    return f"{HUB_WEEKLY}/models: {folders}, {days[0]} to {days[-1]}"


def check_dump_footer(probe: _Probe) -> str:
    import pyarrow.parquet as pq

    files = HubFiles(probe.transport)
    info = files.head(HUB_STATS, "models.parquet")
    try:
        with open_remote(files, info) as remote:
            schema = pq.ParquetFile(remote).schema_arrow
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise Differs(f"the footer of models.parquet does not read as parquet: {exc}") from None
    plan = plan_columns(schema, "model", ColumnMap.load(), f"{HUB_STATS}/models.parquet")
    missing = [f for f in DUMP_FIELDS if f not in plan.chosen]
    if missing:
        raise Differs(f"models.parquet ({info.size:,} bytes) has no column for "
                      f"{', '.join(missing)}")
    extra = f"; unknown columns, not read: {', '.join(plan.unknown)}" if plan.unknown else ""
    return (f"the footer of models.parquet ({info.size:,} bytes) read by Range: "
            f"{len(schema.names)} columns, every one hfexplore reads{extra}")


def check_ratelimit(probe: _Probe) -> str:
    if not probe.headers:
        raise HubUnreachableError("no answer to read RateLimit headers from")
    buckets: dict[str, str] = {}
    for url, headers in probe.headers:
        lowered = {k.lower(): v for k, v in headers.items()}
        if "ratelimit" not in lowered:
            continue
        state = parse_ratelimit(headers)
        if state is None:
            raise Differs(f"RateLimit {lowered['ratelimit']!r} on {_path(url)} does not read "
                          "as \"bucket\";r=<remaining>;t=<seconds>")
        if "ratelimit-policy" not in lowered or state.quota is None or not state.window_seconds:
            raise Differs(f"no readable RateLimit-Policy (\"fixed window\";\"{state.bucket}\";"
                          f"q=<quota>;w=<seconds>) beside RateLimit on {_path(url)}: the "
                          "quota is not known before a 429")
        buckets[state.bucket] = f"{state.bucket} q={state.quota:,}/{state.window_seconds:g}s"
    if "api" not in buckets:
        raise Differs("no RateLimit header for the \"api\" bucket on any answer: hfexplore "
                      "cannot pace itself, and waits only once a 429 comes")
    return "RateLimit and RateLimit-Policy read on every answer that had them: " + \
        ", ".join(buckets[b] for b in sorted(buckets))


CHECKS: list[tuple[str, Callable[[_Probe], str]]] = [
    ("listing-link", check_link), ("page-size", check_page_size),
    ("expand-fields", check_expand), ("count-twins", check_twins),
    ("count-twin-filters", check_twin_filters), ("shields", check_shields),
    ("single-repo", check_single_repo), ("hub-stats-files", check_hub_stats),
    ("weekly-files", check_weekly), ("dump-footer", check_dump_footer),
    ("ratelimit-headers", check_ratelimit),
]


def check_protocol(endpoint: str | None = None, token: str | None = None, *,
                   timeout: float = 10.0, session: requests.Session | None = None,
                   record: str | Path | None = None,
                   clock: Callable[[], float] = time.monotonic,
                   sleep: Callable[[float], None] = time.sleep) -> ProtocolCheck:
    """Run every check against the Hub (HF_ENDPOINT, HF_TOKEN as the CLI reads them);
    `record`: a directory where every answer is saved (`hub/record.py`)."""
    policy = RetryPolicy(max_attempts=2, connect_attempts=1, give_up_after=30.0,
                         timeout=timeout)
    url, secret = resolve_endpoint(endpoint), resolve_token(token)
    recorder = Recorder(record, endpoint=url, token=secret) if record is not None else None
    transport = Transport(url, secret, session=session, policy=policy, clock=clock,
                          sleep=sleep, recorder=recorder)
    probe = _Probe(transport)
    result = ProtocolCheck(transport.endpoint)
    for name, check in CHECKS:
        result.checks.append(_run(name, check, probe))
    result.requests = transport.stats.requests
    return result


def _run(name: str, check: Callable[[_Probe], str], probe: _Probe) -> Check:
    if probe.unreachable is not None:
        return Check(name, "unreachable", f"not tried: {probe.unreachable}")
    try:
        return Check(name, "holds", check(probe))
    except Differs as exc:
        return Check(name, "differs", str(exc))
    except HubUnreachableError as exc:
        probe.unreachable = str(exc)
        return Check(name, "unreachable", str(exc))
    except (HubServerError, HubRateLimitError) as exc:
        return Check(name, "unreachable", str(exc))
    except HubError as exc:  # an answer, but not the one assumed (404, 400...)
        return Check(name, "differs", str(exc))


def _path(url: str) -> str:
    return urlsplit(url).path


def _params(values: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items())
