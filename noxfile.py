"""Developer sessions: `nox -s tests`, `nox -s lint`, `nox -s typecheck`, `nox -s docs`,
`nox -s bench`, `nox -s engines`.

`faults` and `bench` write their reports to reports/ (untracked); add `-- --update-docs` to
rewrite the tracked RELIABILITY.md or BENCHMARKS.md instead.
"""

from __future__ import annotations

import os
import shutil

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
def docs(session: nox.Session) -> None:
    """Regenerate docs/cli.md from the commands' own help (tests/cli/test_docs.py fails while
    it is stale)."""
    session.install("-e", ".[dev]")
    session.run("cog", "-r", "docs/cli.md")


@nox.session
def faults(session: nox.Session) -> None:
    """Every fault scenario at scale -> reports/RELIABILITY.md (`-- --update-docs`: the doc)."""
    session.install("-e", ".[dev]")
    session.run("python", "-m", "tests.reliability", "--scale", "5", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """The benchmark at 3.2 M models -> reports/BENCHMARKS.md (`-- --update-docs`: the doc).

    About 20 minutes.
    """
    session.install("-e", ".[dev]")
    session.run("python", "-m", "benchmarks", *session.posargs)


@nox.session
def engines(session: nox.Session) -> None:
    """Spark (pyspark, local mode) and DuckDB read a dated export and agree with hfexplore.

    Needs Java 17+ for Spark (Debian: `apt-get install -y default-jre-headless`). A few
    minutes; `-- --models N --dates D` to change the export's size."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        session.error("Spark needs Java 17 or newer and no `java` is on PATH: on Debian/Ubuntu "
                      "`apt-get update && apt-get install -y default-jre-headless`, or set "
                      "JAVA_HOME to a JDK 17+")
    session.install("-e", ".[dev,engines]")
    session.run("python", "-m", "benchmarks.engines", *session.posargs)
