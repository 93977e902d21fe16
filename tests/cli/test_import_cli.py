"""`hfexplore snapshot import` on the command line: output, usage errors, failures."""

from __future__ import annotations

from click.testing import CliRunner

from hfexplore.cli import cli
from tests.hubsim import SyntheticCatalog
from tests.hubsim.dumps import hub_stats_repo
from tests.hubsim.files import FileStore


def test_import_hub_stats_then_report_on_it(make_hub, tmp_path) -> None:
    store = FileStore(redirect=True)
    cats = {t: SyntheticCatalog(t, n) for t, n in (("model", 2_000), ("dataset", 300),
                                                  ("space", 200))}
    hub_stats_repo(store, cats, "2025-02", tmp_path / "dump")
    sim = make_hub(catalogs=cats, files=store)
    data = str(tmp_path / "data")
    result = CliRunner().invoke(cli, ["snapshot", "import", "hub-stats", "--endpoint", sim.url,
                                      "--data-dir", data, "--no-cache"])
    assert result.exit_code == 0, result.output
    assert "2,000 models, 300 datasets, 200 spaces" in result.output
    assert "import of cfahlgren1/hub-stats@" in result.output and "bytes (" in result.output
    report = CliRunner().invoke(cli, ["licenses", "--data-dir", data, "--format", "json"])
    assert report.exit_code == 0 and '"source": "import of cfahlgren1/hub-stats@' in \
        report.output


def test_usage_errors_exit_2_and_failures_exit_1_with_one_line(tmp_path) -> None:
    runner = CliRunner()
    usage = runner.invoke(cli, ["snapshot", "import", "hub-weekly", "--data-dir",
                                str(tmp_path)])
    assert usage.exit_code == 2 and "exactly one of --date or --since" in usage.output
    bad = tmp_path / "models.parquet"
    bad.write_bytes(b"not parquet at all")
    failed = runner.invoke(cli, ["snapshot", "import", str(bad), "--data-dir",
                                 str(tmp_path / "d")])
    assert failed.exit_code == 1
    assert failed.output.strip().startswith("error: ") and \
        "is not a readable parquet file" in failed.output
    assert "Traceback" not in failed.output
    date = runner.invoke(cli, ["snapshot", "import", "hub-weekly", "--date", "July",
                               "--data-dir", str(tmp_path)])
    assert date.exit_code == 2 and "is not a date" in date.output
