"""The stand-in Hub speaks the protocol of HUB_API.md (checked with plain requests)."""

from __future__ import annotations

import orjson
import pytest
import requests

from tests.hubsim import RecordedCatalog, SyntheticCatalog
from tests.hubsim.faults import Fault
from tests.hubsim.server import decode_cursor, encode_cursor


def walk(url: str) -> tuple[list[dict], list[requests.Response]]:
    items, responses = [], []
    while url:
        response = requests.get(url, timeout=30)
        response.raise_for_status()
        responses.append(response)
        items.extend(response.json())
        url = response.links.get("next", {}).get("url")
    return items, responses


def test_pages_link_repeats_every_parameter_and_the_last_page_has_none(make_hub) -> None:
    sim = make_hub(models=2_500)
    items, pages = walk(f"{sim.url}/api/models?limit=1000&expand=author&filter=region:us"
                        "&sort=downloads")
    assert [len(p.json()) for p in pages] == [1000, 1000, 500]
    assert "Link" not in pages[-1].headers
    next_url = pages[0].links["next"]["url"]
    for part in ("limit=1000", "expand=author", "filter=region%3Aus", "sort=downloads",
                 "cursor="):
        assert part in next_url
    assert len({i["_id"] for i in items}) == 2_500
    downloads = [sim.catalogs["model"].item(sim.catalogs["model"].index_of(i["id"]))["downloads"]
                 for i in items]
    assert downloads == sorted(downloads, reverse=True)


def test_limit_is_capped_and_expand_returns_only_the_fields_asked(make_hub) -> None:
    sim = make_hub(models=1_500)
    response = requests.get(f"{sim.url}/api/models?limit=5000&expand[]=likes&expand=gated")
    items = response.json()
    assert len(items) == 1000
    assert all(set(i) <= {"_id", "id", "likes", "gated"} for i in items)
    assert "RateLimit" in response.headers and "RateLimit-Policy" in response.headers


@pytest.mark.parametrize("query", ["expand=nonsense", "expand=author&full=true",
                                   "sort=name", "limit=abc"])
def test_bad_parameters_are_400(make_hub, query: str) -> None:
    sim = make_hub(models=10)
    response = requests.get(f"{sim.url}/api/models?{query}")
    assert response.status_code == 400 and "error" in response.json()


def test_default_fields_without_expand(make_hub) -> None:
    sim = make_hub(models=10)
    item = requests.get(f"{sim.url}/api/models").json()[0]
    assert set(item) <= {"_id", "id", "likes", "trendingScore", "private", "downloads", "tags",
                         "pipeline_tag", "library_name", "createdAt", "modelId"}
    assert "author" not in item


def test_filters_all_must_match(make_hub) -> None:
    sim = make_hub(models=3_000)
    catalog = sim.catalogs["model"]
    items, _ = walk(f"{sim.url}/api/models?filter=license:mit&filter=region:us&expand=tags")
    expected = {catalog.repo_id(i) for i in range(3_000)
                if "license:mit" in catalog.item(i)["tags"]}
    assert {i["id"] for i in items} == expected and expected
    author = catalog.item(7)["author"]
    items, _ = walk(f"{sim.url}/api/models?author={author}&expand=author")
    assert items and all(i["author"] == author for i in items)


def test_count_twin_and_its_switch(make_hub) -> None:
    sim = make_hub(models=3_000)
    doc = requests.get(f"{sim.url}/models-json?p=0&withCount=true").json()
    assert doc["numTotalItems"] == 3_000 and len(doc["models"]) == 30
    mit = requests.get(f"{sim.url}/models-json?license=license:mit&withCount=true").json()
    items, _ = walk(f"{sim.url}/api/models?filter=license:mit")
    assert mit["numTotalItems"] == len(items)
    off = make_hub(models=10, counts_enabled=False)
    assert requests.get(f"{off.url}/models-json?withCount=true").status_code == 404


def test_single_repo(make_hub) -> None:
    sim = make_hub(models=50)
    repo_id = sim.catalogs["model"].repo_id(3)
    item = requests.get(f"{sim.url}/api/models/{repo_id}").json()
    assert item["id"] == repo_id and "tags" in item and "lastModified" in item
    assert requests.get(f"{sim.url}/api/models/nobody/nothing").status_code == 404


def test_quota_429_with_the_hub_text_and_reset(make_hub, clock) -> None:
    sim = make_hub(models=10, quotas={"api": (3, 0.5)}, clock=clock)
    statuses = [requests.get(f"{sim.url}/api/models").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    last = requests.get(f"{sim.url}/api/models")
    assert "We had to rate limit you" in last.text and 'r=0' in last.headers["RateLimit"]
    assert last.headers["RateLimit"].endswith("t=0.500")
    clock.sleep(0.49)
    assert requests.get(f"{sim.url}/api/models").status_code == 429
    clock.sleep(0.01)
    assert requests.get(f"{sim.url}/api/models").status_code == 200


def test_cursor_round_trip() -> None:
    assert decode_cursor(encode_cursor("downloads", 42, "ab" * 12), "downloads") == (42, "ab" * 12)
    assert decode_cursor(encode_cursor(None, 7, "cd" * 12), None) == (None, "cd" * 12)
    assert decode_cursor("!!!not base64", "downloads") is None


def test_fault_spec_parsing() -> None:
    fault = Fault.parse("503/7+2*5")
    assert (fault.kind, fault.every, fault.start, fault.times) == ("503", 7, 2, 5)
    assert Fault.parse("reset@3,9").at == {3, 9}
    assert Fault.parse("delay@4:2.5").seconds == 2.5
    with pytest.raises(ValueError):
        Fault.parse("explode@1")


def test_keyset_cursor_survives_a_repo_moving_during_the_walk(make_hub) -> None:
    """Like the Hub: a repo re-sorted mid-walk can come back; the client must de-duplicate."""
    catalog = SyntheticCatalog("model", 3_000, seed=4)
    sim = make_hub(catalogs={"model": catalog, "dataset": SyntheticCatalog("dataset", 1),
                             "space": SyntheticCatalog("space", 1)})
    first = requests.get(f"{sim.url}/api/models?sort=downloads&limit=1000")
    top = first.json()[0]["id"]
    catalog.downloads[catalog.index_of(top)] = 0  # falls to the end of the order
    sim._views.clear()
    items, _ = walk(first.links["next"]["url"])
    ids = [i["id"] for i in first.json()] + [i["id"] for i in items]
    assert ids.count(top) == 2 and len(set(ids)) == 3_000


def test_mutations_are_exact_and_deterministic() -> None:
    before = SyntheticCatalog("model", 2_000, seed=9)
    after = SyntheticCatalog("model", 2_000, seed=9, generation=1)
    changes = after.changes(1)
    ids_before = {before.repo_id(i) for i in range(len(before.ids)) if before.alive[i]}
    ids_after = {after.repo_id(i) for i in range(len(after.ids)) if after.alive[i]}
    assert ids_after - ids_before == set(changes.added)
    assert ids_before - ids_after == set(changes.removed)
    for repo_id, (old, new) in changes.relicensed.items():
        assert old != new
        assert before.item(before.index_of(repo_id)).get("cardData", {}).get("license", "") == old
    assert SyntheticCatalog("model", 2_000, seed=9, generation=1).changes(1) == changes


def test_recorded_items_are_served_byte_for_byte(make_hub) -> None:
    items = [{"_id": f"{i:024x}", "id": f"org/m{i}", "downloads": i, "tags": ["license:mit"],
              "likes": 0, "odd": {"kept": True}} for i in range(5)]
    catalog = RecordedCatalog.from_items("model", items)
    sim = make_hub(catalogs={"model": catalog, "dataset": SyntheticCatalog("dataset", 1),
                             "space": SyntheticCatalog("space", 1)})
    body = requests.get(f"{sim.url}/api/models?sort=downloads").content
    assert orjson.loads(body) == items[::-1]
    expanded = requests.get(f"{sim.url}/api/models?expand=author&expand=cardData").json()
    assert expanded[0]["author"] == "org" and expanded[0]["cardData"] == {"license": "mit"}
