"""The README is a contract: what it shows is what the commands print."""

from __future__ import annotations

import doctest
import json
import shlex

import pytest
from click.testing import CliRunner

from hfexplore.cli import cli
from tests.readme_examples import (
    README,
    arguments,
    bash_commands,
    console_examples,
    pycon_blocks,
    run,
)

TEXT = README.read_text("utf-8")
EXAMPLES = [example for _, examples in console_examples(TEXT) for example in examples]


def test_the_readme_has_examples_of_every_report() -> None:
    shown = " ".join(e.command for e in EXAMPLES)
    for command in ("stats", "licenses", "libraries", "tasks", "authors", "lineage", "growth",
                    "claims", "sql"):
        assert f"hfexplore {command}" in shown, command


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.command[:60] for e in EXAMPLES])
def test_each_console_example_prints_what_the_readme_shows(example, tmp_path) -> None:
    assert run(example.command, tmp_path) == example.shown, (
        "the README is out of date: run `python -m tests.readme_examples --update`")


COMMANDS = sorted(set(bash_commands(TEXT)))


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_in_a_bash_block_exists_with_its_options(command) -> None:
    args = arguments(command)
    # Placeholders such as FILE or $(date) stay as they are: --help needs no real values.
    result = CliRunner().invoke(cli, [*args, "--help"])
    assert result.exit_code == 0, f"{shlex.join(['hfexplore', *args])}: {result.output}"


@pytest.mark.parametrize("block", pycon_blocks(TEXT))
def test_each_python_example_runs_as_shown(block, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("HFEXPLORE_HOME", str(tmp_path))
    parser = doctest.DocTestParser()
    test = parser.get_doctest(block, {}, "README", str(README), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0 and test.examples, "a Python example in the README is out of date"


@pytest.mark.subprocess
def test_the_offline_try_out_runs_as_written(tmp_path) -> None:
    """The README's try-out block, with a small synthetic catalogue instead of the real one:
    start the stand-in in the background, wait for it, then run the block's commands."""
    import re
    import socket
    import subprocess
    import sys

    text = TEXT[TEXT.index("## Offline try-out"):]
    block = text[text.index("```bash\n") + 8:text.index("```", text.index("```bash\n") + 8)]
    lines = [line.split("  #")[0].strip() for line in block.splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    assert lines[0].startswith("python -m tests.hubsim --port 8765") and lines[0].endswith("&")
    assert lines[1].startswith("python -m tests.hubsim.wait http://127.0.0.1:8765")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    hub = subprocess.Popen([sys.executable, "-m", "tests.hubsim", "--port", str(port),
                            "--models", "3000", "--datasets", "300", "--spaces", "200"],
                           cwd=README.parent, stderr=subprocess.DEVNULL)
    try:
        waited = subprocess.run([sys.executable, "-m", "tests.hubsim.wait", url,
                                 "--timeout", "600"], cwd=README.parent)
        assert waited.returncode == 0
        env = {"HF_ENDPOINT": url, "HFEXPLORE_CACHE": str(tmp_path / "cache")}
        for line in lines[2:]:
            if line.startswith("export "):
                continue
            command = re.sub(r"/tmp/hfx", str(tmp_path / "hfx"), line)
            result = CliRunner().invoke(cli, arguments(command), env=env)
            assert result.exit_code == 0, (command, result.output)
    finally:
        hub.terminate()
        hub.wait(timeout=60)


def test_when_the_hub_changes_runs_as_written(tmp_path) -> None:
    """The commands of "When the Hub changes", as written, against the stand-in Hub (serving the
    two public dumps too) with a token set: every check holds in under 30 requests, the command
    after it adds its exchanges to the same recording, and no byte of it holds the token."""
    from tests.hubsim import SyntheticCatalog
    from tests.hubsim.dumps import WEEKLY, hub_stats_repo
    from tests.hubsim.files import FileStore
    from tests.hubsim.server import HubSim
    from tests.replay import recording

    section = TEXT[TEXT.index("## When the Hub changes"):TEXT.index("## Python API")]
    commands = bash_commands(section)
    assert [arguments(c)[:2] for c in commands] == [["doctor", "--protocol"], ["stats", "--live"]]
    catalogs = {kind: SyntheticCatalog(kind, n)
                for kind, n in (("model", 1_500), ("dataset", 200), ("space", 100))}
    files = FileStore(redirect=True)
    written = hub_stats_repo(files, catalogs, "2026-10", tmp_path / "dumps")
    files.add(WEEKLY, "models/2026-09-30/models.parquet", written["model"])
    token = "hf_READMEplantedToken0042"
    answers = tmp_path / "hub-answers"
    results = []
    with HubSim(catalogs, files=files) as sim:
        env = {"HF_ENDPOINT": sim.url, "HF_TOKEN": token, "HFEXPLORE_HOME": str(tmp_path / "d"),
               "HFEXPLORE_CACHE": str(tmp_path / "cache")}
        for command in commands:
            args = [str(answers) if a == "hub-answers" else a for a in arguments(command)]
            results.append(CliRunner().invoke(cli, args, env=env))
    for command, result in zip(commands, results, strict=True):
        assert result.exit_code == 0, (command, result.output)
    checks, totals = (json.loads(r.stdout) for r in results)
    assert {row["status"] for row in checks["rows"]} == {"holds"} and len(checks["rows"]) == 11
    assert checks["requests"] < 30
    assert totals["totals"] == {"models": 1_500, "datasets": 200, "spaces": 100}
    _meta, exchanges = recording(answers)
    assert len(exchanges) == checks["requests"] + 3  # the stats: one count twin per repo type
    assert any(e["authenticated"] for e in exchanges)
    kept = b"".join(p.read_bytes() for p in answers.rglob("*") if p.is_file())
    assert token.encode() not in kept
