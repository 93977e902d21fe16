"""Live license and library breakdowns against the stand-in Hub, checked against a crawled
snapshot of the same synthetic catalogue read with plain pandas."""

from __future__ import annotations

import logging
import math
import random
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from hfexplore.errors import WalkLimitError
from hfexplore.hub import HubClient, RetryPolicy, Transport, connect
from hfexplore.ingest.crawl import create_snapshot
from hfexplore.stats.live import NONE_LIBRARY, NONE_LICENSE, live_libraries, live_licenses

MODELS = 4_000
FAST = RetryPolicy(base_delay=0.01, max_delay=0.05, timeout=10.0, rng=random.Random(1))


def client_for(sim, **transport) -> HubClient:
    return HubClient(Transport(sim.url, policy=FAST, **transport))


def license_table() -> pd.DataFrame:
    """The package's license table, read as a plain CSV."""
    text = resources.files("hfexplore.data").joinpath("licenses.csv").read_text("utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    from io import StringIO

    return pd.read_csv(StringIO("\n".join(lines)), dtype=str)


def library_names() -> list[str]:
    text = resources.files("hfexplore.data").joinpath("libraries.txt").read_text("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()
            and not line.startswith("#")]


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    """A crawled snapshot of the synthetic catalogue every test here counts live."""
    from tests.hubsim import SyntheticCatalog
    from tests.hubsim.server import HubSim

    catalogs = {kind: SyntheticCatalog(kind, n, seed=11) for kind, n in
                (("model", MODELS), ("dataset", 1_500), ("space", 300))}
    with HubSim(catalogs) as sim:
        snapshot = create_snapshot(client_for(sim), tmp_path_factory.mktemp("snap"),
                                   ["model", "dataset"])
    models = pd.read_parquet(Path(snapshot.path) / "models.parquet",
                             columns=["author", "licenses", "library_name", "pipeline_tag"])
    datasets = pd.read_parquet(Path(snapshot.path) / "datasets.parquet", columns=["licenses"])
    return catalogs, models, datasets


@pytest.fixture
def hub(catalogue, make_hub):
    catalogs, _, _ = catalogue

    def start(**options):
        return make_hub(catalogs=catalogs, **options)

    return start


def expected_licenses(frame: pd.DataFrame) -> dict[str, int]:
    """Repos per license id of the table: those whose licenses include it."""
    ids = list(license_table()["id"].str.strip().str.lower())
    declared = frame["licenses"].map(lambda v: set(v) if v is not None else set())
    return {i: int(declared.map(lambda s, i=i: i in s).sum()) for i in ids}


def rows_of(report, key: str) -> dict[str, int]:
    return dict(zip(report.rows[key], report.rows["count"], strict=True))


def test_licenses_live_count_each_id_once_and_agree_with_the_snapshot(hub, catalogue) -> None:
    _, models, _ = catalogue
    sim = hub()
    client = client_for(sim)
    report = live_licenses(client, top=0)
    expected = expected_licenses(models)
    # One count request per license id of the table, plus one for the total; no listing.
    assert report.extra["requests"] == len(expected) + 1
    assert sim.stats["count"] == len(expected) + 1 and sim.stats["listing"] == 0
    assert report.extra["counted"] == list(expected)
    assert report.extra["method"] == "website-count" and report.source == "live"
    counts = rows_of(report, "license")
    assert {k: v for k, v in counts.items() if k != NONE_LICENSE} == expected
    # (none) is derived: the total minus the counted ids. Here every repo has at most one
    # license, so it equals the repos without a license in the table, counted directly.
    assert counts[NONE_LICENSE] == len(models) - sum(expected.values())
    known = set(expected)
    outside = models["licenses"].map(lambda v: not (set(v if v is not None else ()) & known))
    assert counts[NONE_LICENSE] == int(outside.sum())
    assert report.extra["total"] == len(models)
    assert set(report.rows["source"]) == {"live"}
    assert any("total minus" in note or "minus the" in note for note in report.notes)
    assert any("most restrictive" in note for note in report.notes)


def test_licenses_live_by_category_sums_each_category_of_the_table(hub, catalogue) -> None:
    _, models, _ = catalogue
    table = license_table()
    per_license = expected_licenses(models)
    category_of = dict(zip(table["id"].str.strip().str.lower(), table["category"], strict=True))
    expected: dict[str, int] = {}
    for license_id, count in per_license.items():
        expected[category_of[license_id]] = expected.get(category_of[license_id], 0) + count
    expected["none"] = len(models) - sum(per_license.values())
    report = live_licenses(client_for(hub()), by="category", top=0)
    assert rows_of(report, "category") == expected
    open_weight = live_licenses(client_for(hub()), by="category", open_weight=True, top=0)
    assert rows_of(open_weight, "category") == {
        c: n for c, n in expected.items()
        if c in ("permissive", "copyleft", "open-weight-restricted")}


def test_licenses_live_by_license_family_and_its_old_spelling(hub, catalogue) -> None:
    _, models, _ = catalogue
    table = license_table()
    per_license = expected_licenses(models)
    family_of = dict(zip(table["id"].str.strip().str.lower(), table["family"], strict=True))
    expected: dict[str, int] = {}
    for license_id, count in per_license.items():
        expected[family_of[license_id]] = expected.get(family_of[license_id], 0) + count
    expected["(none)"] = len(models) - sum(per_license.values())
    for by in ("license_family", "family"):
        report = live_licenses(client_for(hub()), by=by, top=0)  # type: ignore[arg-type]
        assert rows_of(report, "license_family") == expected
        assert report.title == "Models by license family (live)"


def test_dataset_licenses_and_an_author_filter_go_to_every_count(hub, catalogue) -> None:
    _, models, datasets = catalogue
    sim = hub()
    report = live_licenses(client_for(sim), "dataset", top=0)
    counts = rows_of(report, "license")
    assert {k: v for k, v in counts.items() if k != NONE_LICENSE} == expected_licenses(datasets)
    author = models["author"].value_counts().index[0]
    mine = models[models["author"] == author]
    by_author = live_licenses(client_for(sim), author=author, top=0)
    assert by_author.extra["total"] == len(mine)
    assert {k: v for k, v in rows_of(by_author, "license").items() if k != NONE_LICENSE} \
        == expected_licenses(mine)


def test_libraries_live_agree_with_the_snapshot(hub, catalogue) -> None:
    _, models, _ = catalogue
    sim = hub()
    names = library_names()
    report = live_libraries(client_for(sim), top=0)
    assert report.extra["requests"] == len(names) + 1 == sim.stats["count"]
    expected = {n: int((models["library_name"] == n).sum()) for n in names}
    counts = rows_of(report, "library")
    assert {k: v for k, v in counts.items() if k != NONE_LIBRARY} == expected
    unlisted = models["library_name"].isna() | ~models["library_name"].isin(names)
    assert counts[NONE_LIBRARY] == len(models) - sum(expected.values()) == int(unlisted.sum())


def test_without_the_count_twin_one_walk_counts_every_value(hub) -> None:
    on = live_licenses(client_for(hub()), top=0)
    sim = hub(counts_enabled=False)
    off = live_licenses(client_for(sim), top=0)
    pages = math.ceil(MODELS / 1000)
    # One failed count request, the shields badge sizing the walk, then a single walk: not
    # one walk per license id.
    assert off.extra["method"] == "listing-walk"
    assert sim.stats["listing"] == pages and sim.stats["shields"] == 1
    assert off.extra["requests"] == 2 + pages
    assert rows_of(off, "license") == rows_of(on, "license")
    assert any("count endpoint did not answer" in note for note in off.notes)
    libraries_off = live_libraries(client_for(hub(counts_enabled=False)), top=0)
    assert rows_of(libraries_off, "library") == rows_of(live_libraries(client_for(hub()), top=0),
                                                        "library")


def test_the_walk_stops_at_its_request_limit(hub) -> None:
    sim = hub(counts_enabled=False, shields_enabled=False)  # nothing says how long it is
    with pytest.raises(WalkLimitError, match="limit of 2 requests") as err:
        live_licenses(client_for(sim), max_walk_requests=2)
    assert sim.stats["listing"] == 2 and err.value.seen == 2_000


def test_a_walk_known_to_exceed_its_limit_is_refused_before_it_starts(hub, caplog) -> None:
    sim = hub(counts_enabled=False)  # the shields badge sizes the walk: 4 pages
    with pytest.raises(WalkLimitError) as err:
        live_licenses(client_for(sim), max_walk_requests=3)
    assert str(err.value) == (
        "the Hub's count endpoint is unavailable, and counting by walking the listing would "
        f"take about 4 requests ({MODELS:,} models in all, by the Hub's shields badge), beyond "
        "its limit of 3")
    assert sim.stats["listing"] == 0 and err.value.seen == 0
    filtered = hub(counts_enabled=False)  # filtered, the badge only bounds it: walked
    with caplog.at_level(logging.WARNING, logger="hfexplore.hub.client"):
        report = live_licenses(client_for(filtered), author="nobody-at-all", top=0,
                               max_walk_requests=3)
    assert report.extra["total"] == 0 and filtered.stats["listing"] == 1
    (said,) = [r.getMessage() for r in caplog.records]
    assert said.startswith("counting models by walking the listing (the website's count "
                           "endpoint: ")
    assert f"at most about 4 requests of 1,000 ({MODELS:,} models in all" in said


def test_a_small_pages_quota_is_paced_not_failed(catalogue, make_hub, clock, caplog) -> None:
    catalogs, _, _ = catalogue
    reference = live_licenses(client_for(make_hub(catalogs=catalogs)), top=0)
    quota = 10
    sim = make_hub(catalogs=catalogs, quotas={"pages": (quota, 300.0), "api": (500, 300.0)},
                   clock=clock)
    client = client_for(sim, clock=clock, sleep=clock.sleep)
    with caplog.at_level(logging.WARNING, logger="hfexplore.stats.live"):
        report = live_licenses(client, top=0)
    requests = len(report.extra["counted"]) + 1
    assert rows_of(report, "license") == rows_of(reference, "license")
    assert sim.stats["rate_limited"] == 0 and sim.stats["count"] == requests
    assert report.extra["method"] == "website-count"
    # The pacer waited for each window's reset (300 s on the shared fake clock), no more.
    assert len(clock.sleeps) == math.ceil(requests / quota) - 1
    assert all(300 <= s <= 301 for s in clock.sleeps)
    assert "pausing up to" in caplog.text


def test_counts_from_the_page_cache_are_labelled_with_their_age(hub, tmp_path) -> None:
    sim = hub()
    first = live_libraries(connect(sim.url, cache_dir=tmp_path), top=0)
    again = live_libraries(connect(sim.url, cache_dir=tmp_path), top=0)
    assert first.source == "live" and again.source == "cache"
    assert again.extra["requests"] == 0 and sim.stats["count"] == first.extra["requests"]
    assert set(again.rows["source"]) == {"cache"}
    assert again.rows["age_s"].notna().all() and again.extra["age_s"] >= 0
    assert any("page cache" in note for note in again.notes)
    assert rows_of(again, "library") == rows_of(first, "library")
