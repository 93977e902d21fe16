"""docs/cli.md is every command's `--help` as it is now, and every example those helps end
with runs: offline on copies of the demo snapshot, or, where it needs the Hub, against the
stand-in Hub (tests/hubsim)."""

from __future__ import annotations

import difflib
import json
import shlex
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from cogapp import Cog

from hfexplore.cli import cli
from hfexplore.cli.examples import command_paths, examples_in, help_text
from hfexplore.store.snapshot import demo_snapshot

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "cli.md"
REGENERATE = "docs/cli.md is out of date: run `nox -s docs` (or `cog -r docs/cli.md`)"

PATHS = command_paths(cli)
HELP = {path: help_text(cli, path) for path in PATHS}
EXAMPLES = sorted({example for text in HELP.values() for example in examples_in(text)})

# Examples that need the Hub, and why; they run against the stand-in Hub. Every other example
# runs with an endpoint that refuses connections, so one that reaches for the Hub fails there.
NEEDS_HUB = {
    "hfexplore stats --live": "counts live on the Hub",
    "hfexplore licenses --live --by category": "counts live on the Hub",
    "hfexplore libraries --live --top 10": "counts live on the Hub",
    "hfexplore claims": "measures plain counts live on the Hub",
    "hfexplore repo NousResearch/Nous-Hermes-2-Mistral-7B-DPO-GGUF --live":
        "asks the Hub for the model (the stand-in has none of that name: said so)",
    "hfexplore doctor": "asks the Hub whether it answers",
    "hfexplore doctor --protocol --record hub-answers": "tests the Hub's protocol, all of it",
    "hfexplore report --live --html hub.html": "counts the headline totals live on the Hub",
    "hfexplore snapshot create --repo-type model": "crawls the Hub",
    "hfexplore snapshot create --incremental --keep 8": "fetches the repos changed on the Hub",
    "hfexplore snapshot create --export hub-export --export-format parquet,csv":
        "crawls the Hub",
    "hfexplore snapshot import hub-stats": "reads the cfahlgren1/hub-stats dump on the Hub",
    "hfexplore snapshot import hub-weekly --since 2025-01-01 --every month":
        "reads the hfmlsoc/hub_weekly_snapshots dumps on the Hub",
}
# An exit status other than 0 that the command's help documents, and why the example gets it.
EXIT_STATUS = {
    "hfexplore claims": (4, "the demo copies in the data directory, a 1-in-38 sample, cannot "
                            "decide the open-weight claim about Mistral: it is inconclusive"),
}
# Snapshots in the data directory of every example: two copies of the demo.
SNAPSHOTS = ("2024-06-30T120000Z", "2024-07-11T000000Z")


# -- the reference ------------------------------------------------------------------------------
def regenerated() -> str:
    """docs/cli.md as `nox -s docs` would write it now."""
    return Cog().process_string(REFERENCE.read_text("utf-8"), fname=str(REFERENCE))


@pytest.mark.parametrize("columns", ["40", "200"])
def test_the_cli_reference_is_every_help_as_it_is_now(columns, monkeypatch) -> None:
    """Whatever the terminal's width: the reference is written at a fixed width."""
    monkeypatch.setenv("COLUMNS", columns)
    written, fresh = REFERENCE.read_text("utf-8"), regenerated()
    diff = "".join(list(difflib.unified_diff(written.splitlines(True), fresh.splitlines(True),
                                             "docs/cli.md", "regenerated"))[:40])
    assert written == fresh, f"{REGENERATE}\n{diff}"


def test_the_reference_shows_every_command_in_the_order_of_its_help() -> None:
    text = REFERENCE.read_text("utf-8")
    headings = [line.removeprefix("## ").strip("`") for line in text.splitlines()
                if line.startswith("## `hfexplore")]
    assert headings == [" ".join(("hfexplore", *path)) for path in PATHS]
    for path in PATHS:
        assert HELP[path] in text, path


# -- the examples -------------------------------------------------------------------------------
@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "hfexplore")
def test_every_help_ends_with_one_to_three_examples_of_itself(path) -> None:
    text = HELP[path]
    found = examples_in(text)
    assert 1 <= len(found) <= 3, f"{len(found)} examples"
    assert text.rstrip().endswith(found[-1]), "the examples are not the end of the help"
    for example in found:
        assert example.startswith(" ".join(("hfexplore", *path))), example


def test_every_listed_example_is_still_an_example() -> None:
    assert sorted(set(NEEDS_HUB) - set(EXAMPLES)) == []
    assert sorted(set(EXIT_STATUS) - set(EXAMPLES)) == []


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Data and cache directories, and a working directory holding the files examples name."""
    from tests.hubsim import SyntheticCatalog
    from tests.hubsim.dumps import write_dump

    for name in SNAPSHOTS:
        target = tmp_path / "data" / "snapshots" / name
        shutil.copytree(demo_snapshot().path, target)
        manifest = json.loads((target / "manifest.json").read_text("utf-8"))
        manifest.pop("source_label", None)
        manifest["started_at"] = f"{name[:13]}:{name[13:15]}:{name[15:17]}Z"
        (target / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(ROOT / "examples" / "claims.toml", work / "my-claims.toml")
    write_dump(SyntheticCatalog("model", 500), "2025-02", work / "models.parquet")
    monkeypatch.chdir(work)
    yield tmp_path


def run_example(example: str, home: Path, endpoint: str) -> None:
    env = {"HFEXPLORE_HOME": str(home / "data"), "HFEXPLORE_CACHE": str(home / "cache"),
           "HF_ENDPOINT": endpoint}
    args = shlex.split(example)[1:]
    result = CliRunner().invoke(cli, args, env=env, prog_name="hfexplore")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    expected = EXIT_STATUS.get(example, (0, ""))[0]
    assert result.exit_code == expected, f"{example}\n{result.output}"


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e not in NEEDS_HUB])
def test_each_offline_example_runs(example: str, home: Path) -> None:
    run_example(example, home, "http://127.0.0.1:9")  # refuses connections


@pytest.fixture(scope="module")
def stand_in_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A small synthetic catalogue, with the two public dumps of it the Hub holds."""
    from tests.hubsim import SyntheticCatalog
    from tests.hubsim.dumps import hub_stats_repo, weekly_repo
    from tests.hubsim.files import FileStore
    from tests.hubsim.server import HubSim

    catalogs = {kind: SyntheticCatalog(kind, n)
                for kind, n in (("model", 3_000), ("dataset", 500), ("space", 300))}
    files = FileStore(redirect=True)
    work = tmp_path_factory.mktemp("dumps")
    hub_stats_repo(files, catalogs, "2025-02", work / "hub-stats")
    weekly_repo(files, {"2025-01-06": catalogs, "2025-02-03": catalogs}, "2025-02",
                work / "weekly")
    with HubSim(catalogs, files=files) as sim:
        yield sim.url


@pytest.mark.parametrize("example", sorted(NEEDS_HUB))
def test_each_hub_example_runs_against_the_stand_in_hub(example: str, home: Path,
                                                        stand_in_hub: str) -> None:
    run_example(example, home, stand_in_hub)
