"""Parameter counts from the listing and the dumps to the `sizes` buckets, the
`--num-parameters` filter, and `formats`, each against plain Python over the same inputs."""

from __future__ import annotations

import tomllib

import pyarrow as pa
import pytest

from hfexplore.ingest.dump_reader import parameter_totals
from hfexplore.knowledge import FormatRules, LicenseTable
from hfexplore.normalize.columns import normalize_dicts
from hfexplore.normalize.reference import normalize_items
from hfexplore.stats.filters import Filters, parse_num_parameters
from hfexplore.stats.formats import format_counts
from hfexplore.stats.query import Scan
from hfexplore.stats.sizes import size_counts
from hfexplore.store.snapshot import demo_snapshot
from tests.reference import DATA

RULES = FormatRules.load()
EDGES = [(b["label"], b["min"]) for b in
         tomllib.loads((DATA / "formats.toml").read_text("utf-8"))["sizes"]]


@pytest.mark.parametrize(("text", "want"), [
    ("min:6B,max:128B", (6 * 10**9, 128 * 10**9)), ("min:6B", (6 * 10**9, None)),
    ("max:350m", (None, 350 * 10**6)), ("min:1.5T", (1_500_000_000_000, None)),
    (" max : 7000000 ", (None, 7_000_000)), ("min:0.5k,max:2K", (500, 2000))])
def test_parameter_ranges_as_the_hf_cli_writes_them(text, want) -> None:
    assert parse_num_parameters(text) == want


@pytest.mark.parametrize("text", ["6B", "min:6X", "min:", "min:9B,max:2B", "low:1B",
                                  "min:1B,min:2B", "min:-1B", "min:nan"])
def test_malformed_ranges_are_refused(text) -> None:
    with pytest.raises(ValueError):
        parse_num_parameters(text)


ITEMS = [
    {"_id": "a", "id": "o/a", "tags": ["safetensors"], "safetensors": {"total": 999_999_999}},
    {"_id": "b", "id": "o/b", "tags": ["safetensors"], "safetensors": {"total": 10**9}},
    {"_id": "c", "id": "o/c", "tags": [], "safetensors": {"total": "7B"}},  # not a count
    {"_id": "d", "id": "o/d", "tags": [], "safetensors": {"total": -3}},
    {"_id": "e", "id": "o/e", "tags": ["gguf"]},
    {"_id": "f", "id": "o/f", "safetensors": {"parameters": {"BF16": 5}, "total": 7 * 10**11}},
    {"_id": "g", "id": "o/g", "safetensors": [1, 2]},
]
TOTALS = [999_999_999, 10**9, None, None, None, 7 * 10**11, None]


def test_the_listing_field_becomes_num_parameters_both_ways() -> None:
    licenses = LicenseTable.load()
    columnwise = normalize_dicts(ITEMS, "model", licenses)
    reference = normalize_items(ITEMS, "model", licenses)
    assert columnwise.column("num_parameters").to_pylist() == TOTALS
    assert reference.column("num_parameters").to_pylist() == TOTALS


def test_the_dump_struct_gives_its_total() -> None:
    kind = pa.struct([("parameters", pa.map_(pa.string(), pa.int64())), ("total", pa.int64())])
    values = pa.array([{"parameters": [("F32", 3)], "total": 3}, None,
                       {"parameters": [], "total": None}], kind)
    assert parameter_totals(values).to_pylist() == [3, None, None]
    assert parameter_totals(pa.nulls(2)).to_pylist() == [None, None]


def bucket_of(count: int | None) -> str:
    if count is None:
        return "unknown"
    return [label for label, low in EDGES if count >= low][-1]


def test_size_buckets_and_the_filter() -> None:
    counts = [None, 0, 999_999_999, 10**9, 2_999_999_999, 3 * 10**9, 7_600_000_000, 8 * 10**9,
              34 * 10**9, 35 * 10**9, 99 * 10**9, 100 * 10**9, 405 * 10**9, None]
    source = pa.table({"num_parameters": pa.array(counts, pa.int64()),
                       "downloads": pa.array(range(len(counts)), pa.int64())})
    got = size_counts(Scan(source), RULES).set_index("size")["count"].to_dict()
    want = {label: 0 for label, _ in EDGES} | {"unknown": 0}
    for count in counts:
        want[bucket_of(count)] += 1
    assert got == want
    low, high = parse_num_parameters("min:6B,max:100B")
    kept = Scan(source, filters=Filters(num_parameters_min=low, num_parameters_max=high))
    assert kept.count() == sum(1 for c in counts if c is not None and low <= c <= high)


def test_formats_count_a_repo_once_per_format() -> None:
    source = pa.table({
        "tags": pa.array([["GGUF", "gguf", "4-bit"], ["safetensors", "bitsandbytes", "bnb"],
                          ["AWQ", "4-bit"], [], None, ["onnx"]], pa.list_(pa.string())),
        "library_name": pa.array(["gguf", None, None, "transformers.js", "mlx", "Transformers.js"]),
        "downloads": pa.array([1, 2, 3, 4, 5, 6], pa.int64())})
    frame, any_format, total = format_counts(Scan(source), RULES)
    got = dict(zip(frame["format"], frame["count"], strict=True))
    assert got == {"gguf": 1, "safetensors": 1, "bnb": 1, "awq": 1, "onnx": 2, "mlx": 1}
    assert (any_format, total) == (6, 6)
    assert dict(zip(frame["format"], frame["downloads"], strict=True))["onnx"] == 10


def test_a_version_2_snapshot_reads_num_parameters_as_unknown() -> None:
    demo = demo_snapshot()
    assert demo.schema_version == 2
    assert demo.table("model", ["id", "num_parameters"])["num_parameters"].null_count == \
        demo.count("model")
    assert Scan(demo).scalar("SELECT count(num_parameters) FROM rows") == 0
    assert Scan(demo, filters=Filters(num_parameters_max=10**15)).count() == 0
    # and the `sql` command's views read it as the reports do
    from hfexplore.stats.sql import sql

    found = sql("SELECT count(*) AS n, count(num_parameters) AS known FROM models", demo)
    assert found.table.data == [(demo.count("model"), 0)]


def test_an_import_reads_the_dumps_parameter_counts(tmp_path) -> None:
    from hfexplore.hub import Transport
    from hfexplore.hub.files import HubFiles
    from hfexplore.ingest.dump_import import import_snapshots
    from tests.hubsim import SyntheticCatalog
    from tests.hubsim.dumps import hub_stats_repo
    from tests.hubsim.files import FileStore
    from tests.hubsim.server import HubSim

    catalog = SyntheticCatalog("model", 600, seed=5)
    want = {}
    for index in range(len(catalog.ids)):
        item = catalog.item(index)
        want[item["id"]] = (item.get("safetensors") or {}).get("total")
    assert any(want.values()) and not all(want.values())
    store = FileStore(redirect=True)
    hub_stats_repo(store, {"model": catalog}, "2025-02", tmp_path / "dump")
    with HubSim({"model": catalog}, files=store) as sim:
        result = import_snapshots("hub-stats", tmp_path / "data",
                                  files=HubFiles(Transport(sim.url)), repo_types=["model"])
    table = result.snapshots[-1].table("model", ["id", "num_parameters"])
    assert dict(zip(table["id"].to_pylist(), table["num_parameters"].to_pylist(),
                    strict=True)) == want


def test_out_of_range_totals_from_a_dump_are_unknown() -> None:
    from hfexplore.normalize.columns import normalize_arrow
    from hfexplore.normalize.schema import Anomalies

    inputs = {"id": pa.array(["a/1", "a/2", "a/3", "a/4"]),
              "safetensors.total": pa.array([5, -1, 2**63 - 1, None], pa.int64())}
    batch = normalize_arrow(inputs, 4, "model", LicenseTable.load(), Anomalies())
    assert batch.column("num_parameters").to_pylist() == [5, None, None, None]


def test_a_crawl_records_each_models_parameter_count(make_hub, client_for, tmp_path) -> None:
    from hfexplore.ingest.crawl import create_snapshot

    sim = make_hub(models=700, datasets=10, spaces=10, seed=3)
    catalog = sim.catalogs["model"]
    want = {catalog.item(i)["id"]: (catalog.item(i).get("safetensors") or {}).get("total")
            for i in range(len(catalog.ids))}
    snapshot = create_snapshot(client_for(sim), tmp_path, ["model"])
    table = snapshot.table("model", ["id", "num_parameters"])
    assert dict(zip(table["id"].to_pylist(), table["num_parameters"].to_pylist(),
                    strict=True)) == want
    assert "safetensors" in snapshot.manifest["expand"]["model"]


def test_the_command_line_refuses_a_malformed_range(tmp_path) -> None:
    from click.testing import CliRunner

    from hfexplore.cli import cli

    bad = CliRunner().invoke(cli, ["sizes", "--demo", "--num-parameters", "6B"])
    assert bad.exit_code == 2 and "min:N" in bad.output
    live = CliRunner().invoke(cli, ["licenses", "--live", "--num-parameters", "min:1B"])
    assert live.exit_code == 2 and "--num-parameters" in live.output
    plot = tmp_path / "lorenz.svg"
    done = CliRunner().invoke(cli, ["concentration", "--demo", "--plot", str(plot), "-f", "json"])
    assert done.exit_code == 0 and plot.read_text().startswith("<?xml")
