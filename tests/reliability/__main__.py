"""Run every fault scenario at a larger scale and write the reliability report.

    python -m tests.reliability [--scale N] [--output PATH | --update-docs]

The report goes to reports/RELIABILITY.md (untracked) unless --update-docs asks for the
tracked RELIABILITY.md at the top of the repository to be rewritten.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.reliability.scenarios import COMPLETE, RECOVERED, RESUMED, SCENARIOS

ROOT = Path(__file__).resolve().parents[2]
DOC = "RELIABILITY.md"

HEADER = """# Reliability

Fault scenarios run by `nox -s faults` (`python -m tests.reliability --scale {scale}`) against
the stand-in Hub over real sockets on {date} ({machine}). Every crawl must end in one of two
ways: complete and exact (every repo exactly once), or stopped (with one clear sentence where
there is anyone to tell) and
resumed by the next run to an exact snapshot. The same scenarios run small in the default test
suite (`tests/reliability/test_faults.py`). Scenario code: `tests/reliability/scenarios.py`.

| scenario | kind | outcome | requests | retries | seconds | detail |
|---|---|---|---:|---:|---:|---|
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability")
    parser.add_argument("--scale", type=int, default=5)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--output", type=Path, metavar="PATH",
                       help=f"where to write the report [default: reports/{DOC}, untracked]")
    where.add_argument("--update-docs", action="store_true",
                       help=f"rewrite the tracked {DOC} at the top of the repository")
    args = parser.parse_args(argv)
    args.output = report_path(args.output, args.update_docs)
    rows = []
    started = time.monotonic()
    for scenario in SCENARIOS:
        with tempfile.TemporaryDirectory() as tmp:
            outcome = scenario.run(Path(tmp), args.scale, None)
        rows.append(outcome)
        print(f"{outcome.outcome:32} {outcome.scenario}", file=sys.stderr, flush=True)
    passed = sum(r.outcome in (COMPLETE, RESUMED, RECOVERED) for r in rows)
    text = HEADER.format(scale=args.scale, date=datetime.now(UTC).strftime("%Y-%m-%d"),
                         machine=f"{platform.machine()}, Python {platform.python_version()}")
    for r in rows:
        text += (f"| {r.scenario} | {r.category} | {r.outcome} | {r.requests:,} | {r.retries:,}"
                 f" | {r.seconds:.1f} | {r.detail.replace('|', '/')} |\n")
    text += (f"\n{passed} of {len(rows)} scenarios passed in "
             f"{time.monotonic() - started:.0f} s.\n")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text + hand_written(ROOT / DOC))
    print(f"{passed}/{len(rows)} passed; wrote {args.output}", file=sys.stderr)
    return 0 if passed == len(rows) else 1


def report_path(output: Path | None, update_docs: bool, root: Path = ROOT) -> Path:
    """The tracked document only when asked; otherwise an untracked file under reports/."""
    if update_docs:
        return root / DOC
    return output if output is not None else root / "reports" / DOC


HAND_WRITTEN = "\n## Secrets and untrusted content\n"


def hand_written(doc: Path) -> str:
    """The sections after the scenario table of the tracked document (secrets, damaged
    snapshots, bad inputs tried), written by hand and kept as they are when the table is
    rewritten."""
    text = doc.read_text("utf-8") if doc.exists() else ""
    start = text.find(HAND_WRITTEN)
    return text[start:] if start >= 0 else HAND_WRITTEN


if __name__ == "__main__":
    sys.exit(main())
