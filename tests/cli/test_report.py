"""`hfexplore report --html FILE`: wiring, exit statuses, --live against the stand-in Hub."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from hfexplore.cli import cli
from tests.page.html_page import parse


def run(*args: str):
    return CliRunner().invoke(cli, ["report", *args])


def test_demo_report_is_written(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    result = run("--demo", "--html", str(target), "--top", "5")
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == f"wrote {target}"
    page = parse(target.read_text("utf-8"))
    assert len(page.all("svg")) == 10 and len(page.all("article")) > 0
    assert len(page.table("Models by library")) == 5


def test_unwritable_path_is_one_line_and_exit_1(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = run("--demo", "--html", str(blocker / "report.html"))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: cannot write {blocker / 'report.html'}")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    result = run("--demo", "--html", str(tmp_path / "no" / "such" / "dir.html"))
    assert result.exit_code == 1 and "cannot write" in result.stderr
    assert not (tmp_path / "no").exists()


def test_html_is_required_and_demo_excludes_snapshot() -> None:
    assert run("--demo").exit_code == 2
    result = run("--demo", "--snapshot", "x", "--html", "x.html")
    assert result.exit_code == 2 and "cannot be combined" in result.stderr


def test_no_snapshot_without_live_is_an_error(tmp_path: Path) -> None:
    result = run("--data-dir", str(tmp_path), "--html", str(tmp_path / "r.html"))
    assert result.exit_code == 1 and "no snapshot" in result.stderr
    assert not (tmp_path / "r.html").exists()


def test_live_totals_over_the_demo_charts(tmp_path: Path, make_hub) -> None:
    sim = make_hub(models=1_234, datasets=567, spaces=89)
    target = tmp_path / "live.html"
    result = run("--demo", "--live", "--endpoint", sim.url, "--no-cache", "--html", str(target))
    assert result.exit_code == 0, result.output
    page = parse(target.read_text("utf-8"))
    for repo_type, count in (("model", "1,234"), ("dataset", "567"), ("space", "89")):
        text = page.by_id(f"total-{repo_type}").text
        assert count in text and "live" in text
    assert len(page.all("svg")) == 10  # the charts still come from the demo snapshot
    million = page.by_id("claim-models-over-a-million").text
    assert "1,234" in million and "live" in million


def test_live_without_a_snapshot_says_which_charts_need_one(tmp_path: Path, make_hub) -> None:
    sim = make_hub(models=300, datasets=200, spaces=100)
    target = tmp_path / "live.html"
    result = run("--live", "--endpoint", sim.url, "--no-cache", "--data-dir", str(tmp_path),
                 "--html", str(target))
    assert result.exit_code == 0, result.output
    page = parse(target.read_text("utf-8"))
    assert not page.all("svg") and page.text.count("Not shown: needs a snapshot") == 11
    assert "300" in page.by_id("total-model").text
    assert "refuted" in page.by_id("claim-models-over-a-million").text
    assert "inconclusive" in page.by_id("claim-transformers-most-used").text
