"""The HTML report: its figures against plain pandas over the demo parquet files, its
self-containment, its charts' accessibility, and what it says when parts are missing."""

from __future__ import annotations

import json
import os
import shutil
import tomllib
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from hfexplore.errors import HfExploreError
from hfexplore.page import html as html_format
from hfexplore.page.charts import CATEGORY_COLOURS, SVG_NS, Series, hbar_chart
from hfexplore.page.gather import build_report_page
from hfexplore.page.html import CHART_TITLES, build_charts, render_html, write_html
from hfexplore.stats.reports import Filters
from hfexplore.store.snapshot import demo_snapshot, open_snapshot
from hfexplore.verdicts import Citation
from tests.page.html_page import parse

DEMO = Path(str(resources.files("hfexplore.data").joinpath("demo")))
FIXED = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
OPEN_WEIGHT = {"permissive", "copyleft", "open-weight-restricted"}


def fixed_clock() -> datetime:
    return FIXED


def number(cell: str) -> int:
    return int(cell.replace(",", ""))


@pytest.fixture(scope="module")
def models() -> pd.DataFrame:
    """The demo's models read straight from parquet: the independent side of every check."""
    return pd.read_parquet(DEMO / "models.parquet")


@pytest.fixture(scope="module")
def demo_page():
    return build_report_page(demo_snapshot(), clock=fixed_clock)


@pytest.fixture(scope="module")
def demo_html(demo_page) -> str:
    return render_html(demo_page)


@pytest.fixture(scope="module")
def demo_charts(demo_page):
    return build_charts(demo_page)


@pytest.fixture(scope="module")
def parsed(demo_html):
    return parse(demo_html)


# -- figures ------------------------------------------------------------------------------------
def test_totals_match_the_parquet_files(parsed) -> None:
    for repo_type, file in (("model", "models"), ("dataset", "datasets"), ("space", "spaces")):
        rows = len(pd.read_parquet(DEMO / f"{file}.parquet", columns=["id"]))
        assert f"{rows:,}" in parsed.by_id(f"total-{repo_type}").text


def test_license_category_chart_numbers(parsed, models) -> None:
    table = parsed.table(CHART_TITLES["license_categories"])
    expected = models["license_category"].value_counts()
    assert {k: number(v[0]) for k, v in table.items()} == expected.to_dict()


def test_library_chart_holds_the_fifteen_largest(parsed, models) -> None:
    table = parsed.table(CHART_TITLES["libraries"])
    expected = models["library_name"].fillna("(none)").value_counts()
    assert len(table) == 15
    for library, cells in table.items():
        assert number(cells[0]) == expected[library]
    assert sorted((number(c[0]) for c in table.values()), reverse=True) == \
        expected.head(15).tolist()


def test_growth_chart_numbers_and_the_placeholder_month(parsed, models, demo_charts) -> None:
    table = parsed.table(CHART_TITLES["growth"])
    created = models["created_at"].dropna().dt.tz_convert(None)
    per_month = created.dt.strftime("%Y-%m").value_counts()
    for month, cells in table.items():
        assert number(cells[0]) == per_month.get(month, 0)
    assert number(table[max(table)][1]) == len(created)
    placeholder = int(((created >= pd.Timestamp("2022-03-02 23:29")) &
                       (created < pd.Timestamp("2022-03-02 23:30"))).sum())
    assert placeholder > 0
    note = " ".join(demo_charts[0]["growth"].notes)
    assert "2022-03" in note and f"{placeholder:,} repos" in note
    svg_texts = _texts(demo_charts[0]["growth"].svg)
    assert "includes the placeholder date" in svg_texts


def test_publishers_chart_counts_open_weight_models_per_family(parsed, models) -> None:
    families = tomllib.loads((DEMO.parent / "families.toml").read_text())["families"]
    family_of = {ns.lower(): name for name, entry in families.items()
                 for ns in entry["publishers"]}  # publishers only: mirrors publish nothing
    open_weight = models[models["license_category"].isin(OPEN_WEIGHT)]
    family = open_weight["author"].str.lower().map(family_of).dropna()
    expected = family.value_counts()
    table = parsed.tables[CHART_TITLES["publishers"]]
    header, rows = table[0], table[1:]
    assert rows and header[0] == "family" and header[-1] == "total"
    for row in rows:
        assert number(row[-1]) == expected[row[0]]
    assert number(rows[0][-1]) == expected.max()


def test_lineage_chart_counts_derivatives_per_base(parsed, models) -> None:
    edges = models["base_models"].explode().dropna()
    expected = edges.str.lower().value_counts()  # base ids are grouped case-insensitively
    table = parsed.tables[CHART_TITLES["lineage"]]
    column = table[0].index("derivatives")
    for row in table[1:]:
        assert number(row[column]) == expected[row[0].lower()]
    assert number(table[1][column]) == expected.max()


def test_filters_narrow_every_chart(models) -> None:
    page = build_report_page(demo_snapshot(), filters=Filters(library="transformers"),
                             clock=fixed_clock)
    parsed = parse(render_html(page))
    subset = models[models["library_name"] == "transformers"]
    categories = parsed.table(CHART_TITLES["license_categories"])
    assert {k: number(v[0]) for k, v in categories.items()} == \
        subset["license_category"].value_counts().to_dict()
    assert list(parsed.table(CHART_TITLES["libraries"])) == ["transformers"]
    assert f"{len(subset):,}" in parsed.by_id("total-model").text
    assert "library=transformers" in parsed.text


# -- self-contained and accessible ---------------------------------------------------------------
def test_page_loads_nothing(parsed, demo_html) -> None:
    assert not parsed.all("script") and not parsed.all("link") and not parsed.all("img")
    assert not [e for e in parsed.elements if "src" in e.attrs]
    for element in parsed.elements:
        for key in ("href", "xlink:href"):
            assert not element.attrs.get(key, "#").startswith(("http:", "https:", "//")), element
    csp = [m for m in parsed.all("meta") if m.attrs.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0].attrs["content"]
    assert "@import" not in demo_html and "url(http" not in demo_html


def test_every_chart_is_an_accessible_svg(parsed, demo_charts) -> None:
    svgs = parsed.all("svg")
    assert len(svgs) == len(CHART_TITLES) == 10
    ids = [e.attrs["id"] for e in parsed.elements if "id" in e.attrs]
    assert len(ids) == len(set(ids)), "element ids must be unique across the page"
    for svg in svgs:
        assert svg.attrs["role"] == "img" and "viewbox" in svg.attrs
        title_id, desc_id = svg.attrs["aria-labelledby"].split()
        assert parsed.by_id(title_id).tag == "title" and parsed.by_id(desc_id).text.strip()
    charts, missing = demo_charts
    assert not missing
    for key, chart in charts.items():
        assert chart.title == CHART_TITLES[key]
        assert CHART_TITLES[key] in parsed.tables and chart.rows
        root = ET.fromstring(chart.svg)
        assert root.find(f"{{{SVG_NS}}}title").text == CHART_TITLES[key]
        texts = _texts(chart.svg)
        assert any(t.startswith(("models", "open-weight models", "derivative models", "month"))
                   for t in texts), texts


def test_license_colours_are_the_same_in_every_chart(demo_charts) -> None:
    charts, _ = demo_charts
    palette = {c.lower(): name for name, c in CATEGORY_COLOURS.items()}
    for key in ("license_categories", "licenses", "publishers"):
        chart = charts[key]
        used = {palette[c] for c in _fills(chart.svg) if c in palette}
        if key == "publishers":
            expected = {c for c in OPEN_WEIGHT if c in chart.columns}
        else:
            column = chart.columns.index("category")
            expected = {row[column] for row in chart.rows}
        assert used == expected, key


def test_the_same_data_gives_the_same_page(demo_html) -> None:
    assert render_html(build_report_page(demo_snapshot(), clock=fixed_clock)) == demo_html


def test_hostile_labels_stay_text() -> None:
    labels = ["<script>alert(1)</script>", "$x^2$ & co", "ok"]
    chart = hbar_chart("t", "A <title>", labels, [Series("n", [3, 2, 1], "#000000")],
                       x_label="models", y_label="what", summary="<b>", columns=["a"], rows=[])
    root = ET.fromstring(chart.svg)
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    texts = _texts(chart.svg)
    assert "$x^2$ & co" in texts and "<script>alert(1)</script>" in texts
    assert root.find(f"{{{SVG_NS}}}title").text == "A <title>"


# -- claims --------------------------------------------------------------------------------------
def test_claim_cards_show_quote_source_verdict_and_dates(parsed, demo_page) -> None:
    rows = demo_page.claims.rows
    assert len(parsed.all("article")) == len(rows) > 0
    million = parsed.by_id("claim-models-over-a-million").text
    # The demo's July 2024 sample (760,000 models, estimated) is from before the January 2026
    # claim: below the claim's figure, it cannot refute it.
    assert "over a million models" in million and "inconclusive" in million
    assert "760,000" in million and "> 1,000,000" in million
    assert "2024-07-11" in million and "2026-01-25" in million
    assert "563 days older than the claim" in million  # 2024-07-11 -> 2026-01-25
    out = parsed.by_id("claim-funding-and-valuation").text
    assert "out-of-scope" in out and "not in the Hub" in out


def test_unmeasurable_claim_says_why(tmp_path: Path) -> None:
    claims = tmp_path / "mine.toml"
    claims.write_text('[[claim]]\nid = "nobody-ranks"\nsource = "my blog"\ndate = 2026-02-01\n'
                      'quote = "no-such-library leads"\n'
                      'metric = { kind = "rank", repo_type = "model", column = "library", '
                      'value = "no-such-library" }\nexpect = { op = "==", value = 1 }\n'
                      '[[claim]]\nid = "broken"\nmetric = { kind = "nope" }\n')
    page = build_report_page(demo_snapshot(), claim_files=[claims], builtin_claims=False,
                             clock=fixed_clock)
    parsed = parse(render_html(page))
    card = parsed.by_id("claim-nobody-ranks").text
    assert "inconclusive" in card and "not measured" in card and "does not appear" in card
    assert "my blog" in card
    assert "claim broken" in parsed.text and "What is missing" in parsed.text


def test_extended_claim_rows_are_shown(demo_page) -> None:
    original = demo_page.claims
    first, *others = original.verdicts
    extended = replace(first, claim_date=date(2026, 1, 20),
                       data=replace(first.data, as_of=datetime(2026, 1, 18, tzinfo=UTC)),
                       caveats=("counts public repos only",),
                       article=Citation("The Article", "https://example.org/a"))
    bare = [replace(v, claim_date=None, data=None, caveats=(), article=None) for v in others]
    demo_page.claims = replace(original, verdicts=(extended, *bare))
    try:
        parsed = parse(render_html(demo_page))
    finally:
        demo_page.claims = original
    card = parsed.by_id(f"claim-{extended.id}")
    text = card.text
    assert "2026-01-20" in text and "2026-01-18" in text and "2 days older" in text
    assert "counts public repos only" in text and "The Article" in text
    links = [e for e in parsed.all("a") if e.attrs.get("href") == "https://example.org/a"]
    assert len(links) == 1


def test_evidence_is_shown_as_figures_never_as_python_reprs(parsed) -> None:
    card = parsed.by_id("claim-transformers-most-used").text
    assert "0.459 (demo, a 1-in-38 sample)" in card  # the share, on the demo's sample
    assert "by downloads: 1, supported" in " ".join(card.split())  # a reading
    assert "{'" not in parsed.text and "'value'" not in parsed.text


def test_a_claims_article_address_is_its_link(tmp_path: Path) -> None:
    claims = tmp_path / "mine.toml"
    claims.write_text('[article.a]\ntitle = "The Article"\npublisher = "Me"\n'
                      'date = 2024-07-01\nurl = "https://example.org/a"\n'
                      '[article.b]\ntitle = "Elsewhere"\nurl = "javascript:alert(1)"\n'
                      '[[claim]]\nid = "linked"\narticle = "a"\n'
                      'metric = { kind = "count" }\nexpect = { op = ">", value = 1 }\n'
                      '[[claim]]\nid = "unlinked"\narticle = "b"\n'
                      'metric = { kind = "count" }\nexpect = { op = ">", value = 1 }\n')
    page = build_report_page(demo_snapshot(), claim_files=[claims], builtin_claims=False,
                             clock=fixed_clock)
    parsed = parse(render_html(page))
    links = [e for e in parsed.all("a") if "example.org" in e.attrs.get("href", "")]
    assert [e.attrs["href"] for e in links] == ["https://example.org/a"]
    assert "The Article" in links[0].text
    # Only http(s) addresses become links: the other article is named, not linked.
    assert not [e for e in parsed.all("a") if "javascript" in e.attrs.get("href", "")]
    assert "Elsewhere" in parsed.by_id("claim-unlinked").text


# -- missing parts -------------------------------------------------------------------------------
def _partial_snapshot(tmp_path: Path, keep: list[str]) -> Path:
    target = tmp_path / "partial"
    target.mkdir()
    manifest = json.loads((DEMO / "manifest.json").read_text())
    manifest["repo_types"] = {t: e for t, e in manifest["repo_types"].items() if t in keep}
    manifest.pop("source_label")
    for entry in manifest["repo_types"].values():
        shutil.copy(DEMO / entry["file"], target / entry["file"])
    (target / "manifest.json").write_text(json.dumps(manifest))
    return target


def test_snapshot_without_datasets_and_spaces_still_renders(tmp_path: Path) -> None:
    snapshot = open_snapshot(_partial_snapshot(tmp_path, ["model"]))
    parsed = parse(render_html(build_report_page(snapshot, clock=fixed_clock)))
    assert "has no datasets" in parsed.by_id("total-dataset").text
    assert "has no spaces" in parsed.by_id("total-space").text
    assert len(parsed.all("svg")) == 10
    card = parsed.by_id("claim-datasets-hundreds-of-thousands").text
    assert "inconclusive" in card and "has no datasets" in card


def test_snapshot_without_models_says_what_is_missing(tmp_path: Path) -> None:
    snapshot = open_snapshot(_partial_snapshot(tmp_path, ["dataset"]))
    page = build_report_page(snapshot, clock=fixed_clock)
    parsed = parse(render_html(page))
    assert not parsed.all("svg")
    assert parsed.text.count("Not shown:") == 11 and "has no models" in parsed.text
    assert "5,000" in parsed.by_id("total-dataset").text
    assert "inconclusive" in parsed.by_id("claim-models-over-a-million").text


# -- writing -------------------------------------------------------------------------------------
def test_write_html_is_atomic(tmp_path: Path, demo_page, monkeypatch) -> None:
    target = tmp_path / "report.html"
    target.write_text("the previous report")

    def fail(src: os.PathLike, dst: os.PathLike) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("hfexplore.atomic_files.os.replace", fail)
    with pytest.raises(HfExploreError, match=r"cannot write .*No space left"):
        write_html(demo_page, target)
    assert target.read_text() == "the previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_nothing_is_written_when_rendering_fails(tmp_path: Path, demo_page, monkeypatch) -> None:
    def broken(page: object) -> str:
        raise RuntimeError("template bug")

    monkeypatch.setattr(html_format, "render_html", broken)
    with pytest.raises(RuntimeError):
        write_html(demo_page, tmp_path / "report.html")
    assert not list(tmp_path.iterdir())


def test_written_page_is_the_rendered_page(tmp_path: Path, demo_page, demo_html) -> None:
    written = write_html(demo_page, tmp_path / "r.html")
    assert written.read_text("utf-8") == demo_html


def _texts(svg: str) -> list[str]:
    return ["".join(e.itertext()).strip() for e in ET.fromstring(svg).iter(f"{{{SVG_NS}}}text")]


def _fills(svg: str) -> set[str]:
    fills = set()
    for element in ET.fromstring(svg).iter(f"{{{SVG_NS}}}path"):
        for part in element.get("style", "").split(";"):
            key, _, value = part.partition(":")
            if key.strip() == "fill":
                fills.add(value.strip().lower())
    return fills


def test_shape_charts_numbers(parsed, models) -> None:
    # The formats chart against the tags read here, by the rules file read here.
    import tomllib

    rules = tomllib.loads((DEMO.parent / "formats.toml").read_text("utf-8"))["formats"]
    tags = models["tags"].map(lambda t: {x.lower() for x in t})
    library = models["library_name"].map(lambda v: v.lower() if isinstance(v, str) else None)
    expected = {}
    for name, rule in rules.items():
        held = tags.map(lambda t, r=rule: bool(t & set(r["tags"]))) | \
            library.isin(rule["libraries"])
        if held.sum():
            expected[name] = int(held.sum())
    table = parsed.table(CHART_TITLES["formats"])
    assert {k: number(v[0]) for k, v in table.items()} == expected
    sizes = parsed.table(CHART_TITLES["sizes"])  # the demo has no parameter counts
    assert number(sizes["unknown"][0]) == len(models)
    assert "snapshot create" in parsed.by_id("chart-sizes").text
    downloads = models["downloads"].sort_values(ascending=False)
    top = parsed.table(CHART_TITLES["concentration"])["1%"]
    assert number(top[0]) == len(models) // 100
    share = downloads.iloc[:len(models) // 100].sum() / downloads.sum()
    assert top[1] == f"{100 * share:.2f}%"
