"""Whole-process wall time of the report commands beside a DuckDB peer (issue 25).

Each command runs as a fresh `python -m hfexplore ... --format json` process: one warm-up run,
then the median of 5. Its peer is one fresh Python process that imports DuckDB and runs the
same queries on the same parquet files (the families' lookup tables built from the same
knowledge, as list parameters), timed the same way, in the same run, alternating with it.

    python -m benchmarks.startup [--snapshot DIR ...]    # the demo, then each snapshot

The `claims` peer (`benchmarks/claims_peer.py`) computes every figure the built-in claims
measure on a snapshot, second passes, lineage closure and bulk re-uploaders included, in SQL
written by hand.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.duckdb_peer import SAME, STATS_OF_OTHER_TYPES

DEMO = Path(__file__).resolve().parent.parent / "hfexplore" / "data" / "demo"
SQL = "SELECT license_category, count(*) AS n FROM models GROUP BY ALL ORDER BY n DESC"
OPEN = "('permissive', 'copyleft', 'open-weight-restricted')"
COMMANDS = {
    "stats": ["stats"], "licenses": ["licenses"], "libraries": ["libraries"],
    "tasks": ["tasks"], "authors": ["authors"], "lineage": ["lineage"], "growth": ["growth"],
    "claims": ["claims"], "sql": ["sql", SQL],
}
PEER = {
    "stats": SAME["stats"],
    "licenses": ["select count(*) from m",
                 "select license, license_category, len(licenses) > 1, count(*) from m "
                 "group by all"],
    "libraries": ["select count(*) from m", "select library_name, count(*) c from m group by 1 "
                  "order by c desc, 1 limit 20"],
    "tasks": ["select count(*) from m", "select pipeline_tag, count(*) c from m group by 1 "
              "order by c desc, 1 limit 20"],
    "authors": [SAME["authors"][0] + " limit 20"],
    "lineage": SAME["lineage"],
    "growth": SAME["growth"],
    "sql": [SQL.replace("models", "m")],
}


def peer(name: str, folder: str) -> None:
    """The peer's process: DuckDB alone, the same queries on the same files."""
    import duckdb

    from hfexplore.knowledge import Families

    connection = duckdb.connect()
    statements = list(PEER[name])
    for view, file in (("m", "models"), ("d", "datasets"), ("s", "spaces")):
        path = Path(folder) / f"{file}.parquet"
        if path.exists():
            connection.execute(f"create view {view} as select * from read_parquet('{path}')")
            if name == "stats":
                statements += STATS_OF_OTHER_TYPES.get(view, [])
    families = Families.load()
    publishers = families.publisher_map()
    _table(connection, "publishers", {"namespace": list(publishers),
                                      "family": list(publishers.values())})
    for statement in statements:
        if statement == "ORIGINS":
            keys = [k for (k,) in connection.execute("select distinct k from e").fetchall()]
            _table(connection, "origins", {"k": keys,
                                           "family": [families.origin_of(k) for k in keys]})
            continue
        connection.execute(statement).fetchall()


def _table(connection: object, name: str, columns: dict[str, list[str | None]]) -> None:
    select = ", ".join(f"unnest(${c}::VARCHAR[]) AS {c}" for c in columns)
    connection.execute(f"create temp table {name} as select {select}", columns)  # type: ignore[attr-defined]


def wall(argv: list[str]) -> tuple[float, float]:
    """The process's wall time and CPU time (user + system, its children included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def median_pair(ours: list[str], theirs: list[str], runs: int = 5
                ) -> tuple[tuple[float, float], tuple[float, float]]:
    """(wall, CPU) medians of `runs` timings of each, after one warm-up each, alternating."""
    wall(ours), wall(theirs)
    found: tuple[list[tuple[float, float]], ...] = ([], [])
    for _ in range(runs):
        found[0].append(wall(ours))
        found[1].append(wall(theirs))
    return tuple((statistics.median(t[0] for t in times), statistics.median(t[1] for t in times))
                 for times in found)  # type: ignore[return-value]


def main(argv: list[str]) -> None:
    if argv[:2] == ["--peer", "claims"]:
        from benchmarks import claims_peer

        claims_peer.run(argv[2])
        return
    if argv[:1] == ["--peer"]:
        peer(argv[1], argv[2])
        return
    folders = [DEMO] + [Path(a) for a in argv[argv.index("--snapshot") + 1:]] \
        if "--snapshot" in argv else [DEMO]
    python = sys.executable
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    helps = [wall([python, "-m", "hfexplore", "--help"]) for _ in range(6)][1:]
    print(f"--help: wall {statistics.median(t[0] for t in helps):.3f} s, "
          f"CPU {statistics.median(t[1] for t in helps):.3f} s")
    print("| data | command | hfexplore wall (s) | peer wall (s) | ratio | hfexplore CPU (s) | "
          "peer CPU (s) | ratio |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for folder in folders:
        where = ["--demo"] if folder == DEMO else ["--snapshot", str(folder)]
        label = "demo" if folder == DEMO else folder.name
        for name, command in COMMANDS.items():
            ours, theirs = median_pair(
                [python, "-m", "hfexplore", *command, *where, "--format", "json"],
                [python, "-m", "benchmarks.startup", "--peer", name, str(folder)])
            print(f"| {label} | {name} | {ours[0]:.3f} | {theirs[0]:.3f} | "
                  f"{ours[0] / theirs[0]:.2f} | {ours[1]:.3f} | {theirs[1]:.3f} | "
                  f"{ours[1] / theirs[1]:.2f} |", flush=True)
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main(sys.argv[1:])
