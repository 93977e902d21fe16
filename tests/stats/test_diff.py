from __future__ import annotations

import json

from click.testing import CliRunner

from hfexplore.catalog.crawl import create_snapshot
from hfexplore.cli import cli
from hfexplore.hub import HubClient, Transport
from hfexplore.stats.diff import diff_snapshots
from hfexplore.stats.history import history


def test_the_diff_matches_the_mutations_exactly(make_hub, tmp_path) -> None:
    before = make_hub(models=8_000, datasets=1_500, spaces=800, seed=21)
    old = create_snapshot(HubClient(Transport(before.url)), tmp_path)
    after = make_hub(models=8_000, datasets=1_500, spaces=800, seed=21, generation=1)
    new = create_snapshot(HubClient(Transport(after.url)), tmp_path)
    report = diff_snapshots(old, new)
    for repo_type in ("model", "dataset", "space"):
        changes = after.catalogs[repo_type].changes(1)
        rows = report.rows[report.rows["repo_type"] == repo_type]
        assert set(rows[rows["change"] == "added"]["id"]) == set(changes.added)
        assert set(rows[rows["change"] == "removed"]["id"]) == set(changes.removed)
        relicensed = rows[rows["change"] == "license_changed"]
        expected = {repo_id: (a or None, b or None)
                    for repo_id, (a, b) in changes.relicensed.items()}
        got = {r.id: (r.license_from if isinstance(r.license_from, str) else None,
                      r.license_to if isinstance(r.license_to, str) else None)
               for r in relicensed.itertuples()}
        assert got == expected
        assert report.extra["summary"][repo_type] == {
            "added": len(changes.added), "removed": len(changes.removed),
            "license_changed": len(changes.relicensed)}
    movers = report.sections["download_movers"]
    moved = set(after.catalogs["model"].changes(1).downloads_changed)
    assert len(movers) and set(movers[movers["repo_type"] == "model"]["id"]) <= moved


def test_diff_cli_json_and_history(make_hub, tmp_path) -> None:
    sim = make_hub(models=1_000, datasets=100, spaces=50, seed=2)
    first = create_snapshot(HubClient(Transport(sim.url)), tmp_path)
    second = create_snapshot(HubClient(Transport(sim.url)), tmp_path)
    result = CliRunner().invoke(cli, ["snapshot", "diff", first.name, second.name,
                                      "--data-dir", str(tmp_path), "-f", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["summary"]["model"] == {"added": 0, "removed": 0, "license_changed": 0}
    assert doc["rows"] == []
    report = history([first, second], metric="license")
    assert set(report.rows["snapshot"]) == {first.name, second.name}
    for metric in ("total", "library"):
        plot = tmp_path / f"history-{metric}.png"
        drawn = CliRunner().invoke(cli, ["history", "--metric", metric, "--data-dir",
                                         str(tmp_path), "--plot", str(plot), "-f", "csv"])
        assert drawn.exit_code == 0, drawn.output
        assert plot.read_bytes()[:4] == b"\x89PNG"
