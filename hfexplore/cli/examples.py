"""The examples that end every command's `--help` (as the `hf` CLI's do), and every command's
help at one fixed width: docs/cli.md is generated from it (`nox -s docs`)."""

from __future__ import annotations

import re

import click

# docs/cli.md reads the same whatever the width of the terminal that regenerated it.
HELP_WIDTH = 88
_EXAMPLE = re.compile(r"^ *\$ (hfexplore\b.*)$", re.M)


def examples(*commands: str) -> str:
    """A command's epilog: `commands` one a line under "Examples:", printed as written (click
    re-wraps no paragraph that starts with \\b, so a long one stays one line to copy)."""
    return "\b\nExamples:\n" + "\n".join(f"  $ {command}" for command in commands)


def command_paths(root: click.Group) -> list[tuple[str, ...]]:
    """Every command under `root`, `root` itself first (the empty path), in the order its help
    lists them; a group's own commands follow the group."""
    found: list[tuple[str, ...]] = []

    def walk(command: click.Command, path: tuple[str, ...]) -> None:
        found.append(path)
        if isinstance(command, click.Group):
            context = click.Context(command)
            for name in command.list_commands(context):
                sub = command.get_command(context, name)
                if sub is not None and not sub.hidden:
                    walk(sub, (*path, name))

    walk(root, ())
    return found


def help_text(root: click.Group, path: tuple[str, ...], *, prog_name: str = "hfexplore",
              width: int = HELP_WIDTH) -> str:
    """What `hfexplore PATH... --help` prints on a terminal `width` columns wide."""
    context = root.make_context(prog_name, [], resilient_parsing=True, terminal_width=width)
    for name in path:
        command = context.command
        sub = command.get_command(context, name) if isinstance(command, click.Group) else None
        if sub is None:
            raise ValueError(f"{context.command_path} has no command {name!r}")
        context = sub.make_context(name, [], parent=context, resilient_parsing=True)
    return context.get_help() + "\n"


def examples_in(help: str) -> list[str]:
    """The example command lines of a help text (`$ hfexplore ...` lines), as written."""
    return _EXAMPLE.findall(help)
