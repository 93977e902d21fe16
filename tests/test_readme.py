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
