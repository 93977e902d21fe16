"""The drift table of the HTML report and one organisation's page, against plain pandas over
the demo's parquet file."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from hfexplore.cli import cli
from hfexplore.page.gather import build_report_page
from hfexplore.page.html import render_html
from hfexplore.page.org import org_page, render_org_html
from hfexplore.store.snapshot import demo_snapshot
from tests.page.html_page import parse

DEMO = Path(str(resources.files("hfexplore.data").joinpath("demo")))


@pytest.fixture(scope="module")
def models() -> pd.DataFrame:
    return pd.read_parquet(DEMO / "models.parquet")


def test_the_drift_table_counts_every_lineage_edge(models) -> None:
    page = build_report_page(demo_snapshot(), clock=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    parsed = parse(render_html(page))
    text = parsed.by_id("table-drift").text
    edges = {(m.strip().lower(), b.strip().lower()) for m, bases in
             zip(models["id"], models["base_models"], strict=True) for b in bases}
    edges = {(m, b) for m, b in edges if b and b != m}
    assert f"{len(edges):,} lineage edges" in text
    held = set(models["id"].str.lower())
    compared = sum(1 for m, b in edges if b in held and models.set_index(
        models["id"].str.lower()).loc[[m, b], "license_category"].isin(
        ["permissive", "copyleft", "open-weight-restricted", "non-commercial"]).all())
    assert f"of the {compared:,} whose licenses can be compared" in text
    assert "a declaration, not a grant" in text


def test_an_organisation_page(models) -> None:
    report = org_page(demo_snapshot(), "TheBloke", top=5)
    html = render_org_html(report, datetime(2026, 1, 1, tzinfo=UTC))
    parsed = parse(html)
    own = models[models["author"].str.lower() == "thebloke"]
    assert "TheBloke" in parsed.all("h1")[0].text
    assert f"{len(own):,}" in parsed.text
    top = own.sort_values(["downloads", "id"], ascending=[False, True])["id"].iloc[0]
    assert top in parsed.text
    assert len(parsed.all("svg")) == 2  # releases per month, license mix
    assert "http" not in "".join(e.attrs.get("href", "") or "" for e in parsed.all("a"))


def test_report_org_writes_the_page_and_refuses_live(tmp_path: Path) -> None:
    target = tmp_path / "org.html"
    result = CliRunner().invoke(cli, ["report", "--demo", "--org", "TheBloke", "--html",
                                      str(target)])
    assert result.exit_code == 0 and target.read_text().startswith("<!DOCTYPE html>")
    result = CliRunner().invoke(cli, ["report", "--demo", "--org", "TheBloke", "--live",
                                      "--html", str(target)])
    assert result.exit_code == 2 and "--org" in result.stderr
    result = CliRunner().invoke(cli, ["report", "--demo", "--org", "no-one", "--html",
                                      str(tmp_path / "none.html")])
    assert result.exit_code == 1 and not (tmp_path / "none.html").exists()
