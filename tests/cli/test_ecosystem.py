"""The ecosystem commands: wiring, JSON shape, and one clear line for bad input."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from hfexplore.cli import cli
from tests.ecosystem.tree_data import snapshot


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_tree_json_has_the_counts_at_the_top_level(tmp_path: Path) -> None:
    snap = snapshot(tmp_path)
    code, out, _ = run("tree", "meta-llama/Base", "--snapshot", str(snap.path), "-f", "json")
    doc = json.loads(out)
    assert code == 0 and (doc["children"], doc["descendants"]) == (3, 8)
    assert doc["down"][0]["derivatives"][0]["id"] == "c/merge"
    code, out, _ = run("tree", "f/cyc2", "--up", "--snapshot", str(snap.path), "-f", "json")
    assert "down" not in json.loads(out) and json.loads(out)["roots"] == 1


def test_unknown_repos_are_one_line_and_exit_1(tmp_path: Path) -> None:
    snap = snapshot(tmp_path)
    for command in ("tree", "repo"):
        code, out, err = run(command, "no/such", "--snapshot", str(snap.path))
        assert code == 1 and out == ""
        errors = [line for line in err.splitlines() if not line.startswith("warning: ")]
        assert len(errors) == 1 and errors[0].startswith("error: no/such is not a model")
    code, _, err = run("org", "nobody", "--snapshot", str(snap.path))
    assert code == 1 and "\nerror: nobody is neither" in "\n" + err


def test_drift_and_org_run_on_a_snapshot(tmp_path: Path) -> None:
    snap = snapshot(tmp_path)
    code, out, _ = run("drift", "--snapshot", str(snap.path), "-f", "json", "--to", "root")
    assert code == 0 and json.loads(out)["totals"]["pairs"] == 9
    code, out, _ = run("org", "Meta", "--snapshot", str(snap.path), "-f", "json")
    assert code == 0 and json.loads(out)["summary"]["descendants"] == 8


def test_drift_with_a_bad_order_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "order.toml"
    bad.write_text("[[level]]\ncategory = 'nope'\nlevel = 1\n")
    code, _, err = run("drift", "--demo", "--drift-order", str(bad))
    assert code == 1 and err.count("\n") == 1 and "level[0]" in err
