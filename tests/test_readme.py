"""The README is a contract: what it shows is what the commands print."""

from __future__ import annotations

import doctest
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
