from __future__ import annotations

import csv
import hashlib
import io
import tomllib
from importlib import resources

import duckdb
import pandas as pd
import pytest

from hfexplore.errors import InvalidArgumentError, QueryError
from hfexplore.stats.sql import connect, sql
from hfexplore.store.snapshot import demo_snapshot, file_name
from tests.stats.dated import dated_export, dated_snapshots

DAYS = ["2026-01-05", "2026-02-10", "2026-03-15"]


@pytest.fixture
def snapshots(tmp_path):
    return dated_snapshots(tmp_path / "data", DAYS)


def _counts(frame: pd.DataFrame, keys: list[str], count: str = "n") -> dict[tuple, int]:
    return {tuple(None if pd.isna(v) else v for v in row[:-1]): int(row[-1])
            for row in frame[[*keys, count]].itertuples(index=False)}


def test_a_cross_tab_matches_pandas_over_the_same_parquet() -> None:
    demo = demo_snapshot()
    report = sql("select license, library_name, count(*) as n, sum(downloads) as d from models "
                 "group by all", demo)
    raw = pd.read_parquet(demo.path / "models.parquet", columns=["license", "library_name",
                                                                 "downloads"])
    expected = raw.groupby(["license", "library_name"], dropna=False).agg(
        n=("downloads", "size"), d=("downloads", "sum")).reset_index()
    assert _counts(report.rows, ["license", "library_name"]) == _counts(
        expected, ["license", "library_name"])
    assert _counts(report.rows, ["license", "library_name"], "d") == _counts(
        expected, ["license", "library_name"], "d")
    assert str(report.rows["n"].dtype) == "int64" and str(report.rows["d"].dtype) == "Int64"
    assert report.source == demo.source and report.as_of == demo.as_of


def test_history_views_over_snapshots_match_pandas(snapshots) -> None:
    report = sql("select snapshot, date, license_category, count(*) as n from history_models "
                 "group by all", snapshots[-1], history=snapshots)
    expected = {}
    for snapshot, day in zip(snapshots, DAYS, strict=True):
        raw = pd.read_parquet(snapshot.path / "models.parquet", columns=["license_category"])
        for category, n in raw["license_category"].value_counts(dropna=False).items():
            expected[(snapshot.name, day, category)] = n
    got = {(r.snapshot, str(r.date), r.license_category): r.n for r in report.rows.itertuples()}
    assert got == expected
    plain = sql("select count(*) as n from spaces", snapshots[0]).rows["n"].iloc[0]
    assert plain == len(pd.read_parquet(snapshots[0].path / "spaces.parquet", columns=["id"]))


def test_history_views_over_an_export_match_pandas(snapshots, tmp_path) -> None:
    dest = dated_export(snapshots, tmp_path / "export")
    report = sql("select cast(date as varchar) as day, library_name, count(*) as n "
                 "from history_models group by all", export_dir=dest)
    expected = {}
    for day in DAYS:
        raw = pd.read_parquet(dest / "repo_type=model" / f"date={day}" / "part-0.parquet",
                              columns=["library_name"])
        for library, n in raw["library_name"].value_counts(dropna=False).items():
            expected[(day, None if pd.isna(library) else library)] = n
    assert _counts(report.rows, ["day", "library_name"]) == expected
    # without a snapshot, the plain views are the export's newest date
    newest = sql("select count(*) as n from datasets", export_dir=dest).rows["n"].iloc[0]
    assert newest == len(pd.read_parquet(dest / "repo_type=dataset" / f"date={DAYS[-1]}"))
    assert sql("select 1 as x", export_dir=dest).as_of.strftime("%Y-%m-%d") == DAYS[-1]


def test_knowledge_tables_join_like_the_data_files_say() -> None:
    demo = demo_snapshot()
    report = sql("select f.family, count(*) as n from models m join families f "
                 "on lower(m.author) = lower(f.namespace) where f.role = 'publisher' "
                 "group by all", demo)
    text = resources.files("hfexplore.data").joinpath("families.toml").read_text("utf-8")
    family_of = {ns.lower(): name for name, entry in tomllib.loads(text)["families"].items()
                 for ns in entry["publishers"]}
    authors = pd.read_parquet(demo.path / "models.parquet", columns=["author"])["author"]
    expected = authors.str.lower().map(family_of).dropna().value_counts()
    assert _counts(report.rows, ["family"]) == {(k,): v for k, v in expected.items()}

    licenses = sql("select id, category, osi_approved from licenses", demo).rows
    text = resources.files("hfexplore.data").joinpath("licenses.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO("\n".join(
        line for line in text.splitlines() if not line.startswith("#")))))
    assert dict(zip(licenses["id"], licenses["category"], strict=True)) == {
        r["id"]: r["category"] for r in rows}


def test_the_ancestors_view_is_the_closure_of_the_base_models() -> None:
    """`ancestors` over the demo against a breadth-first walk in plain Python."""
    from tests.reference import ancestors_of

    demo = demo_snapshot()
    raw = pd.read_parquet(demo.path / "models.parquet", columns=["id", "base_models"])
    bases: dict[str, set[str]] = {}
    for repo_id, listed in zip(raw["id"], raw["base_models"], strict=True):
        for base in listed if listed is not None else []:
            if base.strip() and base.strip().lower() != repo_id.lower():
                bases.setdefault(repo_id.lower(), set()).add(base.strip().lower())
    expected = {(m, a, d) for m, found in ancestors_of(bases).items() for a, d in found.items()}
    got = sql("select model, ancestor, depth from ancestors", demo).rows
    assert set(got.itertuples(index=False, name=None)) == expected
    assert max(d for _, _, d in expected) > 1  # the demo holds chains


@pytest.mark.parametrize("view", ["ancestors", "lineage_edges"])
def test_the_lineage_views_check_the_pages_they_read(tmp_path, view) -> None:
    """The lineage views read `id` and `base_models` of `models` without naming `models` in
    the query: their pages are checked all the same (DuckDB does not check them)."""
    from hfexplore.errors import DamagedSnapshotError
    from hfexplore.store.snapshot import open_snapshot
    from tests.store.damage import checksummed_snapshot, flip_bit_in_page

    path = checksummed_snapshot(tmp_path, "2024-07-11T000000Z")
    flip_bit_in_page(path / "models.parquet", "base_models.list.element")
    with pytest.raises(DamagedSnapshotError, match="column base_models"):
        sql(f"select count(*) from {view}", open_snapshot(path))


def test_origin_patterns_are_the_families_file_in_the_order_tried() -> None:
    demo = demo_snapshot()
    rows = sql("select priority, pattern, like_pattern, family, reason from origin_patterns "
               "order by priority", demo).rows
    text = resources.files("hfexplore.data").joinpath("families.toml").read_text("utf-8")
    listed = {pattern: (entry["family"], entry["reason"])
              for entry in tomllib.loads(text)["origins"] for pattern in entry["patterns"]}
    assert {p: (f, r) for p, f, r in zip(rows["pattern"], rows["family"], rows["reason"],
                                         strict=True)} == listed
    # Exact ids first, then the wildcards with the most literal characters.
    order = [("*" in p, -len(p.replace("*", ""))) for p in rows["pattern"]]
    assert order == sorted(order) and list(rows["priority"]) == list(range(1, len(rows) + 1))
    hit = sql("select family from origin_patterns where 'unsloth/llama-3-8b-bnb-4bit' like "
              "like_pattern escape '\\' order by priority limit 1", demo).rows
    assert hit["family"].tolist() == ["Meta"]


def test_parameters_nested_values_and_explain() -> None:
    demo = demo_snapshot()
    rows = sql("select id, tags, base_models from models where library_name = ? order by id "
               "limit 3", demo, params=["peft"]).rows
    assert len(rows) == 3 and all(isinstance(v, list) for v in rows["tags"])
    raw = pd.read_parquet(demo.path / "models.parquet", columns=["id", "library_name"])
    assert list(rows["id"]) == sorted(raw[raw["library_name"] == "peft"]["id"])[:3]
    plan = sql("select author, count(*) from models group by 1", demo, explain=True)
    assert list(plan.rows.columns) == ["plan"] and plan.title == "Query plan"
    assert plan.rows["plan"].str.contains("READ_PARQUET").any()


@pytest.mark.parametrize(("query", "says"), [
    ("selec 1", "bad SQL: Parser Error"),
    ("select * from nope", 'Did you mean "models"'),
    ("select nope from models", "Binder Error"),
    ("select 1; select 2", "exactly one SELECT statement (found 2)"),
    ("", "exactly one SELECT statement (found 0)"),
    ("create table t as select 1", "only SELECT queries are allowed"),
    ("install httpfs", "only SELECT queries are allowed"),
])
def test_bad_sql_is_one_sentence(query, says) -> None:
    with pytest.raises(QueryError) as caught:
        sql(query, demo_snapshot())
    message = str(caught.value)
    assert says in message and "\n" not in message


def test_a_query_cannot_write_or_read_outside_the_snapshot(snapshots, tmp_path) -> None:
    target = snapshots[0]
    own_file = target.path / file_name("model")
    before = hashlib.sha256(own_file.read_bytes()).hexdigest()
    secret = tmp_path / "secret.csv"
    secret.write_text("token\nhf_abc\n")
    other = snapshots[1].path / file_name("model")
    refused = [
        f"copy (select 1 as x) to '{tmp_path / 'out.csv'}'",
        f"copy (select 42 as id) to '{own_file}' (use_tmp_file false)",
        f"attach '{tmp_path / 'new.db'}'",
        "set enable_external_access = true",
        f"select * from read_csv('{secret}')",
        f"select * from read_text('{secret}')",
        f"select * from read_parquet('{other}')",  # another snapshot's file: not this one
        f"select * from glob('{tmp_path}/*')",
        f"select * from query('copy (select 1) to ''{tmp_path / 'q.csv'}''')",
    ]
    for query in refused:
        with pytest.raises(QueryError):
            sql(query, target)
    leaked = pd.DataFrame({"x": [1]})  # a Python variable is not a table
    with pytest.raises(QueryError, match="leaked"):
        sql("select * from leaked", target)
    assert len(leaked) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "secret.csv"]
    assert hashlib.sha256(own_file.read_bytes()).hexdigest() == before


def test_the_connection_itself_is_locked(snapshots, tmp_path) -> None:
    """Below the SELECT-only check: DuckDB refuses files and configuration changes too."""
    connection = connect(snapshots[0])
    try:
        with pytest.raises(duckdb.Error):
            connection.execute("set enable_external_access = true")
        with pytest.raises(duckdb.PermissionException):
            connection.execute(f"copy (select 1) to '{tmp_path / 'x.csv'}'")
        with pytest.raises(duckdb.PermissionException):
            connection.execute(f"select * from read_parquet('{snapshots[1].path}/models.parquet')")
        assert connection.execute("select count(*) from models").fetchall()[0][0] == \
            snapshots[0].count("model")
    finally:
        connection.close()
    assert not (tmp_path / "x.csv").exists()


def test_history_and_an_export_together_is_a_usage_error(snapshots, tmp_path) -> None:
    with pytest.raises(InvalidArgumentError, match="not both"):
        sql("select 1", history=snapshots, export_dir=tmp_path)
