"""Lineage followed to its roots at the benchmark's scale: the base_model graph of the
3.2 M-model snapshot and its transitive closure, each measured in a process of its own.

    python -m benchmarks --only closure [--models N]   # crawls a snapshot, then runs these
    python -m benchmarks.workloads closure --snapshot PATH [--depth]   # one JSON line

`closure` times what a report or a filter pays the first time it needs the lineage: reading
the edges, numbering the ids, attributing them to families and closing the graph
(`Scan.lineage()`). `--depth` times the closure with the shortest depth of every pair instead
(what the `sql` command's `ancestors` view computes).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

TARGET_SECONDS, TARGET_MB = 3.0, 1024


def closure(snapshot_path: str, depth: bool = False) -> dict[str, Any]:
    import duckdb

    from hfexplore.knowledge import Families
    from hfexplore.stats.closure import LineageGraph, closure_sql
    from hfexplore.stats.engine import Scan
    from hfexplore.store.snapshot import open_snapshot

    snapshot = open_snapshot(Path(snapshot_path))
    # The knowledge tables are loaded first, as every command does before any report.
    scan = Scan(snapshot, "model", families=Families.load())
    # The graph is built by DuckDB alone (no pyarrow, no pandas); what the figures below read
    # as Arrow is loaded after the clock stops.
    started, cpu = time.perf_counter(), time.process_time()
    if depth:  # the graph, then the closure with depth on a plain connection
        connection = duckdb.connect()
        path = str(snapshot.file("model")).replace("'", "''")
        connection.execute(f"CREATE VIEW source AS SELECT * FROM read_parquet('{path}')")
        graph = LineageGraph.build(connection, scan.families)
        connection.register("lineage_edges", graph.edges)
        found = connection.execute(f"SELECT count(*), max(depth) FROM "
                                   f"({closure_sql('lineage_edges', depth=True)})").fetchall()
        figures = {"pairs": int(found[0][0]), "max_depth": int(found[0][1] or 0)}
    else:
        graph = scan.lineage()
        found = scan.rows("SELECT count(*), count(DISTINCT model) FROM lineage_ancestors")[0]
        figures = {"pairs": int(found[0]), "models_with_ancestors": int(found[1])}
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    models, with_base = scan.rows("SELECT count(*), count(*) FILTER (WHERE len(base_models) "
                                  "> 0) FROM rows")[0]
    return {**figures, "seconds": seconds, "cpu_seconds": cpu_seconds,
            "edges": graph.edges.num_rows, "nodes": len(graph.keys),
            "attributed": graph.attributed.num_rows, "models": int(models),
            "models_with_base": int(with_base), "depth": depth}


def closure_lines(f: dict[str, Any]) -> list[str]:
    """The section of BENCHMARKS.md, from a run's figures (`closure`, `closure_depth`, their
    peak RSS, and the lineage report's)."""
    if "closure" not in f:
        return []
    c, d = f["closure"], f.get("closure_depth")
    rss = f["closure_rss"]
    lines = [
        "## 12. Lineage followed to its roots: the closure",
        "",
        f"The base_model graph of the {c['models']:,}-model snapshot: {c['models_with_base']:,} "
        f"models ({c['models_with_base'] / c['models']:.0%}) declare a base (the stand-in "
        "follows HUB_API.md's 28%; the real July 2024 data has 15%), "
        f"{c['edges']:,} edges between {c['nodes']:,} ids, {c['attributed']:,} of the bases "
        f"attributed to a family. Closed: **{c['pairs']:,}** (model, ancestor) pairs, "
        f"{c['models_with_ancestors']:,} models with ancestors.",
        "",
        "| what | seconds | process CPU s | peak RSS |",
        "|---|---:|---:|---:|",
        f"| **the closure** (`Scan.lineage()`: edges read, ids numbered and attributed, "
        f"recursive UNION) | {c['seconds']:.2f} | {c['cpu_seconds']:.2f} | {rss:.0f} MB |",
    ]
    if d is not None:
        lines.append(f"| the closure with each pair's shortest depth (recursive CTE USING KEY; "
                     f"the `sql` command's `ancestors` view), max depth {d['max_depth']} | "
                     f"{d['seconds']:.2f} | {d['cpu_seconds']:.2f} | "
                     f"{f['closure_depth_rss']:.0f} MB |")
    report = f.get("closure_report")
    if report is not None:
        lines.append(f"| the whole `lineage` report (closure, descendants, origins included) | "
                     f"{report['seconds']:.2f} | - | {f['closure_report_rss']:.0f} MB |")
    lines += [
        "",
        f"Target for the closure {TARGET_SECONDS:.0f} s: "
        f"{_verdict(c['seconds'] <= TARGET_SECONDS)}{_load(f)}; {TARGET_MB / 1024:.0f} GB: "
        f"{_verdict(rss <= TARGET_MB)}. Each row is a process of its own (`python -m "
        "benchmarks.workloads closure --snapshot PATH [--depth]`; the report row is the "
        "`report lineage` workload of section 4); seconds are of the call (the snapshot's "
        "parquet read included, the process start not; the graph needs DuckDB alone), "
        "peak RSS is the whole process's (from wait4).",
        "",
    ]
    return lines


def _verdict(met: bool) -> str:
    return "met" if met else "**not met**"


def _load(f: dict[str, Any]) -> str:
    """The 1-minute load average when the closure ran, where it says other processes ran."""
    load = f.get("closure_load")
    cores = os.cpu_count() or 1
    if load is None or load <= cores:
        return ""
    return (f" (the 1-minute load average was {load:.1f} on {cores} cores when it ran: other "
            "processes shared the machine, so wall seconds are stretched; the process CPU "
            "seconds, summed over DuckDB's threads, are less affected)")
