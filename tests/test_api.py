from __future__ import annotations

import json
import subprocess
import sys
import warnings

import pandas as pd
import pytest

import hfexplore as hfx
from hfexplore.errors import InvalidArgumentError
from hfexplore.report import Report
from hfexplore.stats import reports
from tests.stats.dated import dated_export, dated_snapshots


def test_import_is_cheap_and_names_load_on_use() -> None:
    code = ("import sys, hfexplore; heavy = [m for m in ('pandas', 'pyarrow', 'duckdb') "
            "if m in sys.modules]; print(heavy); hfexplore.demo; print('pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["[]", "True"]
    assert {"snapshot", "demo", "export", "licenses", "sql", "count_live"} <= set(dir(hfx))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        hfx.nope  # noqa: B018


def test_keyword_filters_match_pandas() -> None:
    demo = hfx.demo()
    report = hfx.licenses(demo, by="category", library="transformers", top=0)
    raw = pd.read_parquet(demo.path / "models.parquet", columns=["library_name",
                                                                 "license_category"])
    expected = raw[raw["library_name"] == "transformers"]["license_category"].value_counts()
    assert dict(zip(report.rows["category"], report.rows["count"], strict=True)) == \
        expected.to_dict()
    by_author = hfx.libraries(demo, author="TheBloke", created_after="2023-01-01", top=0)
    raw = pd.read_parquet(demo.path / "models.parquet",
                          columns=["author", "library_name", "created_at"])
    mine = raw[(raw["author"].str.lower() == "thebloke")
               & (raw["created_at"] >= pd.Timestamp("2023-01-01", tz="UTC"))]
    assert by_author.rows["count"].sum() == len(mine) > 0


@pytest.mark.parametrize(("call", "says"), [
    (lambda d: reports.growth(d, by="week"), "by must be one of 'month', 'year', not 'week'"),
    (lambda d: reports.licenses(d, by="bogus"), "'license', 'category', 'license_family'"),
    (lambda d: reports.tasks(d, "modle"), "repo_type must be one of 'model', 'dataset', 'space'"),
    (lambda d: reports.authors(d, sort="stars"), "sort must be one of"),
    (lambda d: hfx.growth(d, "dataset", by="week"), "not 'week'"),
    (lambda d: hfx.licenses(d, autor="x"), "unknown filter 'autor'; the filters are author"),
    (lambda d: hfx.libraries(d, created_before="soon"), "created_before must be a date"),
    (lambda d: hfx.history([d], metric="likes"), "metric must be one of 'total'"),
    (lambda d: hfx.licenses("demo"), "expected a snapshot"),
    (lambda d: hfx.count_live("models"), "repo_type must be one of"),
])
def test_bad_arguments_raise_a_typed_error_naming_the_allowed_values(call, says) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        call(hfx.demo())
    assert isinstance(caught.value, ValueError) and says in str(caught.value)


def test_the_api_takes_repo_types_as_strings_or_members() -> None:
    demo = hfx.demo()
    by_string = hfx.tasks(demo, "dataset", top=5).rows
    pd.testing.assert_frame_equal(by_string, hfx.tasks(demo, hfx.RepoType.DATASET, top=5).rows)


def test_to_json_and_html() -> None:
    report = hfx.tasks(hfx.demo(), top=3)
    doc = json.loads(report.to_json())
    assert doc["as_of"] == "2024-07-11T00:00:00Z"
    assert [r["task"] for r in doc["rows"]] == list(report.rows["task"])
    odd = Report("Odd <b>", pd.DataFrame({"id": ["<script>x</script>"]}), source="s & t",
                 notes=["a < b"])
    html = odd._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "Odd &lt;b&gt;" in html and "s &amp; t" in html and "a &lt; b" in html


# Dated 2026 but made of the demo's July 2024 rows: stale by design (its warning has a test).
@pytest.mark.filterwarnings("ignore::hfexplore.errors.StaleDataWarning")
def test_newest_snapshot_sql_and_history_of_an_export(tmp_path, monkeypatch) -> None:
    snapshots = dated_snapshots(tmp_path / "data", ["2026-01-05", "2026-02-10"])
    monkeypatch.setenv("HFEXPLORE_HOME", str(tmp_path / "data"))
    assert hfx.snapshot().name == snapshots[-1].name
    assert hfx.snapshot(snapshots[0].name).path == snapshots[0].path
    rows = hfx.sql("select snapshot, count(*) as n from history_models group by all "
                   "order by snapshot").rows
    assert list(rows["n"]) == [s.count("model") for s in snapshots]
    export = hfx.export(dated_export(snapshots, tmp_path / "export"))
    assert export.dates() == ["2026-01-05", "2026-02-10"]
    totals = hfx.history(export).rows
    assert list(totals["model"]) == [s.count("model") for s in snapshots]
    assert hfx.sql("select count(*) as n from models", export).rows["n"].item() == \
        snapshots[-1].count("model")
    assert list(hfx.history().rows["snapshot"]) == [s.name for s in snapshots]


def test_count_live(make_hub) -> None:
    sim = make_hub(models=1_500, datasets=10, spaces=10)
    result = hfx.count_live("model", endpoint=sim.url)
    assert result.count == 1_500


def test_concentration_sizes_and_formats() -> None:
    import pandas as pd

    import hfexplore as hfx

    demo = hfx.demo()
    frame = pd.read_parquet(demo.path / "models.parquet", columns=["author", "downloads",
                                                                   "tags"])
    mine = frame[frame["author"] == "TheBloke"]
    report = hfx.concentration(demo, author="TheBloke", lorenz=True)
    ordered = mine["downloads"].sort_values(ascending=False)
    assert report.rows.loc[2, "count"] == len(mine) // 10
    assert report.rows.loc[2, "share"] == pytest.approx(
        ordered.iloc[:len(mine) // 10].sum() / ordered.sum())
    assert report.extra["lorenz"][-1] == {"population_share": 1.0, "value_share": 1.0}
    gguf = hfx.weight_formats(demo, author="TheBloke").rows.set_index("format")["count"]["gguf"]
    assert gguf == int(mine["tags"].map(lambda t: "gguf" in {x.lower() for x in t}).sum())
    assert hfx.sizes(demo).rows["count"].sum() == len(frame)
    assert hfx.sizes(demo, num_parameters_min=1).rows["count"].sum() == 0


def test_tree_repo_drift_and_org_are_the_commands_reports() -> None:
    """Each is the report its command prints (the same library call, the same figures)."""
    demo = hfx.demo()
    base = "mistralai/Mistral-7B-v0.1"
    frame = pd.read_parquet(demo.path / "models.parquet", columns=["id", "base_models"])
    direct = {m for m, bases in zip(frame["id"], frame["base_models"], strict=True)
              if bases is not None and base.lower() in {b.lower() for b in bases}
              and m.lower() != base.lower()}
    assert hfx.tree(base, demo).extra["children"] == len(direct)
    facts = hfx.repo("NousResearch/Nous-Hermes-2-Mistral-7B-DPO-GGUF", demo).rows
    assert facts.set_index("field").loc["author", "snapshot"] == "NousResearch"
    assert hfx.drift(demo, to="root", family="Meta").rows["origin_family"].tolist() == ["Meta"]
    assert hfx.org("TheBloke", demo).extra["summary"]["models"] == int(
        frame["id"].str.lower().str.startswith("thebloke/").sum())
    with pytest.raises(InvalidArgumentError, match="to must be one of"):
        hfx.drift(demo, to="roots")
    with pytest.raises(InvalidArgumentError, match="needs a name"):
        hfx.tree("", demo)


def test_a_stale_snapshot_warns_where_the_caller_opened_it(tmp_path, monkeypatch) -> None:
    from tests.store.test_freshness import models, write

    write(tmp_path / "snapshots", models(), "2026-12-03T00:00:00Z", name="2026-12-03T000000Z")
    monkeypatch.setenv("HFEXPLORE_HOME", str(tmp_path))
    with pytest.warns(hfx.StaleDataWarning, match="2024-") as caught:
        hfx.snapshot()
    assert caught[0].filename == __file__
    with pytest.warns(hfx.StaleDataWarning) as caught:
        hfx.licenses()
    assert caught[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hfx.licenses(hfx.demo())  # the demo is of its own day: no warning
