from __future__ import annotations

import json
import random
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from responses import matchers

from hfexplore.errors import HubBadRequestError, HubUnreachableError
from hfexplore.hub import HubClient, ListQuery, SeenIds, Transport
from hfexplore.hub.retry import RetryPolicy
from tests.conftest import FIXTURES, FakeClock

EP = "http://hub.test"


def client(clock: FakeClock) -> HubClient:
    return HubClient(
        Transport(EP, clock=clock, sleep=clock.sleep, policy=RetryPolicy(rng=random.Random(1)))
    )


def real_page(name: str) -> list[dict]:
    return json.loads((FIXTURES / "pages" / name).read_text())


def get_exact(url: str, **kwargs) -> None:
    """Register `url` so that only that exact query string matches."""
    path, _, query = url.partition("?")
    responses.get(path, match=[matchers.query_string_matcher(query)], **kwargs)


def serve_pages(base: str, pages: list[list[dict]]) -> None:
    """Register a chain of pages linked with `Link: rel="next"`, as the Hub does."""
    for number, items in enumerate(pages):
        url = base if number == 0 else f"{base}&cursor=c{number}"
        headers = {}
        if number + 1 < len(pages):
            headers["Link"] = f'<{base}&cursor=c{number + 1}>; rel="next"'
        get_exact(url, json=items, headers=headers)


def test_query_url_repeats_keys_and_keeps_order() -> None:
    query = ListQuery(
        "model",
        expand=("author", "cardData"),
        sort="createdAt",
        author="meta-llama",
        filters=("gguf", "license:mit"),
        pipeline_tag="text-generation",
    )
    params = parse_qs(urlsplit(query.url(EP)).query)
    assert params == {
        "author": ["meta-llama"],
        "pipeline_tag": ["text-generation"],
        "sort": ["createdAt"],
        "filter": ["gguf", "license:mit"],
        "expand": ["author", "cardData"],
        "limit": ["1000"],
    }


def test_query_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="repo_type must be one of"):
        ListQuery("modle")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown sort"):
        ListQuery("model", sort="name")
    with pytest.raises(ValueError, match="models only"):
        ListQuery("dataset", pipeline_tag="text-generation")


@responses.activate
def test_walk_follows_links_over_real_pages(clock: FakeClock) -> None:
    pages = [
        real_page("models_p1.json"),
        real_page("models_p2.json"),
        real_page("models_tail.json"),
    ]
    base = ListQuery("model").url(EP)
    serve_pages(base, pages)
    walked = list(client(clock).iter_pages(ListQuery("model")))
    assert [p.index for p in walked] == [0, 1, 2]
    assert [p.received for p in walked] == [100, 100, 100]  # counted, not assumed to be 1000
    assert walked[-1].is_last and not walked[0].is_last
    ids = [item["id"] for page in walked for item in page.items]
    assert ids == [item["id"] for page in pages for item in page]


@responses.activate
def test_walk_drops_repeated_items_and_survives_an_empty_last_page(clock: FakeClock) -> None:
    edge = json.loads((FIXTURES / "edge_cases.json").read_text())["pages"]
    pages = [
        [{"_id": i, "id": f"x/{i}"} for i in edge[name]] for name in ("page1", "page2", "page3")
    ]
    serve_pages(ListQuery("model").url(EP), pages)
    walked = list(client(clock).iter_pages(ListQuery("model")))
    assert [p.duplicates for p in walked] == [0, 1, 0]
    ids = [item["_id"] for page in walked for item in page.items]
    assert len(ids) == len(set(ids)) == 4


@responses.activate
def test_expired_cursor_restarts_the_walk_without_loss_or_duplicates(clock: FakeClock) -> None:
    base = ListQuery("model").url(EP)
    page1 = [{"_id": f"{i:024x}", "id": f"a/{i}"} for i in range(3)]
    page2 = [{"_id": f"{i:024x}", "id": f"a/{i}"} for i in range(3, 5)]
    get_exact(base, json=page1, headers={"Link": f'<{base}&cursor=old>; rel="next"'})
    get_exact(f"{base}&cursor=old", status=400, json={"error": "Invalid cursor"})
    get_exact(f"{base}&cursor=old", json=page2)
    walked = list(client(clock).iter_pages(ListQuery("model")))
    ids = [item["_id"] for page in walked for item in page.items]
    assert sorted(ids) == sorted(i["_id"] for i in page1 + page2)
    assert walked[1].duplicates == 3  # the restarted first page brought nothing new


@responses.activate
def test_a_400_on_the_first_page_is_not_a_cursor_problem(clock: FakeClock) -> None:
    responses.get(
        ListQuery("model", expand=("bogus",)).url(EP), status=400, json={"error": "Invalid expand"}
    )
    with pytest.raises(HubBadRequestError, match="Invalid expand"):
        list(client(clock).iter_pages(ListQuery("model", expand=("bogus",))))


@responses.activate
def test_resume_from_a_saved_url_and_seen_set(clock: FakeClock) -> None:
    base = ListQuery("model").url(EP)
    pages = [real_page("models_p1.json"), real_page("models_p2.json")]
    serve_pages(base, pages)
    seen = SeenIds(item["_id"] for item in pages[0])
    walked = list(
        client(clock).iter_pages(
            ListQuery("model"), start_url=f"{base}&cursor=c1", seen=seen, first_index=1
        )
    )
    assert [p.index for p in walked] == [1]
    assert len(walked[0].items) == 100 and len(seen) == 200


@responses.activate
def test_count_uses_the_website_twin(clock: FakeClock) -> None:
    responses.get(
        f"{EP}/models-json",
        json={"models": [], "numItemsPerPage": 30, "numTotalItems": 3_117_871, "pageIndex": 0},
    )
    result = client(clock).count("model", license="apache-2.0", library="gguf", author="x")
    assert (result.count, result.method, result.requests) == (3_117_871, "website-count", 1)
    params = parse_qs(urlsplit(responses.calls[0].request.url).query)
    assert params["license"] == ["license:apache-2.0"] and params["library"] == ["gguf"]
    assert params["withCount"] == ["true"] and params["author"] == ["x"]


@pytest.mark.parametrize(
    "website",
    [
        {"status": 404, "body": "Not Found"},
        {"status": 200, "json": {"models": []}},  # no numTotalItems
        {"status": 200, "body": "<html>login</html>"},
    ],
)
@responses.activate
def test_count_falls_back_to_a_walk(clock: FakeClock, website: dict) -> None:
    responses.get(f"{EP}/datasets-json", **website)
    base = ListQuery("dataset", expand=("likes",), filters=("license:mit",)).url(EP)
    serve_pages(base, [real_page("datasets_p1.json"), real_page("datasets_p1.json")[:10]])
    result = client(clock).count("dataset", license="mit")
    assert result.method == "listing-walk"
    assert result.count == 50  # the second page only repeats the first: unique ids are counted


def test_count_does_not_fall_back_when_nothing_answers(clock: FakeClock) -> None:
    hub = HubClient(Transport("http://127.0.0.1:9", clock=clock, sleep=clock.sleep))
    with pytest.raises(HubUnreachableError):
        hub.count("model")
    assert len(clock.sleeps) == 1  # one quick retry of the connection, then the verdict


def test_seen_ids_accepts_any_id_shape() -> None:
    seen = SeenIds(["66a000000000000000000001", "not-hex-id"])
    assert not seen.add("66A000000000000000000001")
    assert not seen.add("not-hex-id")
    assert seen.add("another")
    assert len(seen) == 3
