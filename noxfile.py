"""Developer sessions: `nox -s tests`, `nox -s lint`, `nox -s typecheck`, `nox -s bench`."""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.default_venv_backend = "venv"


@nox.session
def tests(session: nox.Session) -> None:
    """The default test suite (fast; what CI runs)."""
    session.install("-e", ".[dev]")
    session.run("pytest", "-n", "2", "--dist", "loadgroup", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff")
    session.run("ruff", "check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    session.install("-e", ".[dev]")
    session.run("mypy")


@nox.session
def faults(session: nox.Session) -> None:
    """Every fault scenario at scale; rewrites RELIABILITY.md."""
    session.install("-e", ".[dev]")
    session.run("python", "-m", "tests.reliability", "--scale", "5", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """The benchmark at today's scale (3.2 M models); rewrites BENCHMARKS.md. ~30 minutes."""
    session.install("-e", ".[dev]")
    session.run("python", "-m", "benchmarks", *session.posargs)
