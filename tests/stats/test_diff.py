from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest
from click.testing import CliRunner

from hfexplore.cli import cli
from hfexplore.hub import HubClient, Transport
from hfexplore.ingest.crawl import create_snapshot
from hfexplore.stats.diff import diff_snapshots
from hfexplore.stats.history import history


def test_the_diff_matches_the_mutations_exactly(make_hub, tmp_path) -> None:
    before = make_hub(models=8_000, datasets=1_500, spaces=800, seed=21)
    old = create_snapshot(HubClient(Transport(before.url)), tmp_path)
    after = make_hub(models=8_000, datasets=1_500, spaces=800, seed=21, generation=1)
    new = create_snapshot(HubClient(Transport(after.url)), tmp_path)
    report = diff_snapshots(old, new, top=0)
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
        summary = report.extra["summary"][repo_type]
        assert {k: summary[k] for k in ("added", "removed", "license_changed")} == {
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
    assert doc["summary"]["model"] == {"added": 0, "removed": 0, "license_changed": 0,
                                       "category_moves": 0}
    assert doc["rows"] == []
    report = history([first, second], metric="license")
    assert set(report.rows["snapshot"]) == {first.name, second.name}
    for metric in ("total", "library"):
        plot = tmp_path / f"history-{metric}.png"
        drawn = CliRunner().invoke(cli, ["history", "--metric", metric, "--data-dir",
                                         str(tmp_path), "--plot", str(plot), "-f", "csv"])
        assert drawn.exit_code == 0, drawn.output
        assert plot.read_bytes()[:4] == b"\x89PNG"


@pytest.fixture(scope="module")
def two_snapshots(tmp_path_factory):
    """Two crawls of a catalogue that changed in between (module-scoped: crawled once)."""
    from tests.hubsim import SyntheticCatalog
    from tests.hubsim.server import HubSim

    root = tmp_path_factory.mktemp("diff")
    snaps = []
    for generation in (0, 1):
        catalogs = {kind: SyntheticCatalog(kind, n, seed=21, generation=generation)
                    for kind, n in (("model", 8_000), ("dataset", 1_500), ("space", 800))}
        with HubSim(catalogs) as sim:
            snaps.append(create_snapshot(HubClient(Transport(sim.url)), root))
    return root, snaps[0], snaps[1]


def _raw(snapshot, repo_type: str) -> pd.DataFrame:
    """The snapshot's file read with plain pandas, not through hfexplore."""
    return pd.read_parquet(snapshot.path / f"{repo_type}s.parquet")


def test_the_summary_counts_everything_and_the_lists_keep_the_top(two_snapshots) -> None:
    _, old, new = two_snapshots
    report = diff_snapshots(old, new)  # default: the top 10 of each list
    for repo_type in ("model", "dataset", "space"):
        before, after = _raw(old, repo_type), _raw(new, repo_type)
        both = before.merge(after, on="_id", suffixes=("_from", "_to"))
        added = after[~after["_id"].isin(before["_id"])]
        relicensed = both[both["license_from"].fillna("") != both["license_to"].fillna("")]
        moves = relicensed[relicensed["license_category_from"].fillna("") !=
                           relicensed["license_category_to"].fillna("")]
        assert report.extra["summary"][repo_type] == {
            "added": len(added), "removed": int((~before["_id"].isin(after["_id"])).sum()),
            "license_changed": len(relicensed), "category_moves": len(moves)}
        rows = report.rows[report.rows["repo_type"] == repo_type]
        counts = rows["change"].value_counts()
        assert counts.get("added", 0) == min(10, len(added))
        assert counts.get("license_changed", 0) == min(10, len(relicensed))
        if repo_type == "model":
            assert len(added) > 10 and len(relicensed) > 10  # so the limit matters
        shown = rows[rows["change"] == "added"]
        metric = "likes" if repo_type == "space" else "downloads"
        assert shown[metric].tolist() == sorted(added[metric], reverse=True)[:10]
        pairs = moves.groupby(["license_category_from", "license_category_to"]).size()
        section = report.sections["category_moves"]
        section = section[section["repo_type"] == repo_type]
        assert section["count"].tolist() == sorted(pairs, reverse=True)[:10]
    summary = report.lead["summary"].set_index("repo_type")
    assert summary.loc["model", "added"] == report.extra["summary"]["model"]["added"]
    for name in ("download_movers", "like_movers"):
        assert (report.sections[name]["repo_type"].value_counts() <= 10).all()
    assert len(report.sections["download_movers"]) == 10 + 10  # models and datasets
    assert len(report.sections["new_derivatives"]) <= 10
    everything = diff_snapshots(old, new, top=0)
    assert (everything.rows["change"] == "added").sum() == sum(
        s["added"] for s in everything.extra["summary"].values())


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "json"])
def test_diff_cli_prints_the_summary_first_then_the_top_in_every_format(two_snapshots,
                                                                          fmt) -> None:
    root, old, new = two_snapshots
    result = CliRunner().invoke(cli, ["snapshot", "diff", old.name, new.name, "--data-dir",
                                      str(root), "-f", fmt, "--top", "3"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    full = diff_snapshots(old, new, top=0).extra["summary"]
    if fmt == "json":
        doc = json.loads(out)
        assert doc["summary"] == full and doc["top"] == 3
        assert max(pd.DataFrame(doc["rows"]).value_counts(["repo_type", "change"])) == 3
    elif fmt == "csv":
        rows = pd.DataFrame(list(csv.DictReader(io.StringIO(out))))
        assert max(rows.value_counts(["repo_type", "change"])) == 3
        assert len(rows) == sum(min(3, n) for counts in full.values()
                                for kind, n in counts.items() if kind != "category_moves")
    else:
        lines = out.splitlines()
        summary_at = next(i for i, line in enumerate(lines) if line.endswith("Summary"))
        changes_at = next(i for i, line in enumerate(lines) if "Changed repos" in line)
        assert summary_at < changes_at
        model_line = next(line for line in lines[summary_at:changes_at] if "model" in line)
        assert f"{full['model']['added']:,}" in model_line
        assert "the top 3 of each list" in lines[changes_at]
        assert len(lines) < 120  # not one line per changed repo
