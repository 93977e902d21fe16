"""The README's examples, run for real (the sqlite-utils "cog" pattern, without cog).

- A ```console block holds `$ hfexplore ...` commands, each followed by exactly what it prints
  (stdout, as on a terminal; with stderr interleaved when the command ends in `2>&1`). A
  command that exits non-zero shows `[exit status N]` last.
- A ```pycon block is a doctest of the Python API (run as written).
- Every `hfexplore ...` line of a ```bash block must name real commands and options (it is run
  with `--help` appended, which fails on an unknown command or option).

`python -m tests.readme_examples --update` re-runs every console command and writes what it
printed into README.md; tests/test_readme.py fails when the README and the commands disagree.
Commands run offline, in empty data and cache directories, with an unreachable endpoint.
"""

from __future__ import annotations

import re
import shlex
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
CONSOLE = re.compile(r"^```console\n(.*?)^```$", re.S | re.M)
PYCON = re.compile(r"^```pycon\n(.*?)^```$", re.S | re.M)
BASH = re.compile(r"^```bash\n(.*?)^```$", re.S | re.M)


@dataclass
class Example:
    command: str
    shown: str


def console_examples(text: str) -> Iterator[tuple[re.Match[str], list[Example]]]:
    for match in CONSOLE.finditer(text):
        yield match, parse_block(match.group(1))


def parse_block(block: str) -> list[Example]:
    examples: list[Example] = []
    lines = block.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.startswith("$ "):
            raise ValueError(f"console block: expected a `$ ` command line, got {line!r}")
        command = line[2:]
        while not _complete(command):
            index += 1
            command += "\n" + lines[index]
        index += 1
        output = []
        while index < len(lines) and not lines[index].startswith("$ "):
            output.append(lines[index])
            index += 1
        examples.append(Example(command, "\n".join(output).rstrip("\n")))
    return examples


def _complete(command: str) -> bool:
    if command.endswith("\\"):
        return False
    try:
        shlex.split(command)
    except ValueError:
        return False
    return True


def arguments(command: str) -> list[str]:
    args = shlex.split(command.replace("\\\n", " "))
    if args[-1:] == ["2>&1"]:
        args = args[:-1]
    if not args or args[0] != "hfexplore":
        raise ValueError(f"README examples run hfexplore only, not {command!r}")
    return args[1:]


def run(command: str, home: Path) -> str:
    """What `command` prints on a terminal, offline, in the given empty home."""
    from hfexplore.cli import cli

    env = {"HFEXPLORE_HOME": str(home / "data"), "HFEXPLORE_CACHE": str(home / "cache"),
           "HF_ENDPOINT": "http://127.0.0.1:9", "HF_TOKEN": "", "HF_HUB_DISABLE_TELEMETRY": "1",
           "COLUMNS": "100"}
    with mock.patch("hfexplore.cli.options.on_terminal", return_value=True):
        result = CliRunner().invoke(cli, arguments(command), env=env, prog_name="hfexplore")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    both = shlex.split(command.replace("\\\n", " "))[-1:] == ["2>&1"]
    shown = (result.output if both else result.stdout).rstrip("\n")
    if result.exit_code:
        shown += ("\n" if shown else "") + f"[exit status {result.exit_code}]"
    return shown


def pycon_blocks(text: str) -> list[str]:
    return [match.group(1) for match in PYCON.finditer(text)]


def bash_commands(text: str) -> list[str]:
    commands = []
    for match in BASH.finditer(text):
        for line in match.group(1).splitlines():
            line = line.split("  #")[0].strip()
            for part in re.split(r"\s(?:&&|\|\||;)\s|\|", line):
                part = part.strip()
                if part.startswith("hfexplore ") or part == "hfexplore":
                    commands.append(part)
    return commands


def render(text: str, home: Path) -> str:
    """The README with every console block's output re-run."""
    pieces = []
    last = 0
    for match, examples in console_examples(text):
        body = "\n".join(f"$ {e.command}\n{run(e.command, home)}".rstrip("\n")
                         for e in examples)
        pieces += [text[last:match.start(1)], body + "\n"]
        last = match.end(1)
    return "".join(pieces) + text[last:]


def main() -> None:
    if "--update" not in sys.argv:
        raise SystemExit("usage: python -m tests.readme_examples --update")
    with tempfile.TemporaryDirectory() as home:
        README.write_text(render(README.read_text("utf-8"), Path(home)), "utf-8")
    print(f"updated {README}")


if __name__ == "__main__":
    main()
